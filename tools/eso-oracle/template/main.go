// Command template renders Go text/template requests with the function map of ESO v0.16.2's own template engine
// (pkg/template/v2: Sprig from ESO's fork plus ESO's functions), so the recorded template corpus, written against
// tools/template-oracle's re-implementation of ESO's functions, can be checked against ESO's real code.
//
// Protocol (JSONL), as tools/template-oracle: each stdin line is
//
//	{"template": string, "data": any, "missingkey"?: "default"|"zero"|"error", "leftDelim"?: string, "rightDelim"?: string}
//
// (other fields are ignored) and each stdout line, in the same order, is {"output": string} or {"error": string}.
// The local time zone is UTC, as in the recordings.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"text/template"
	"time"
	_ "time/tzdata"

	esotemplate "github.com/external-secrets/external-secrets/pkg/template/v2"
)

type request struct {
	Template   string `json:"template"`
	Data       any    `json:"data"`
	MissingKey string `json:"missingkey,omitempty"`
	LeftDelim  string `json:"leftDelim,omitempty"`
	RightDelim string `json:"rightDelim,omitempty"`
}

type response struct {
	Output *string `json:"output,omitempty"`
	Error  *string `json:"error,omitempty"`
}

func main() {
	time.Local = time.UTC
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 1<<26)
	writer := bufio.NewWriter(os.Stdout)
	encoder := json.NewEncoder(writer)
	encoder.SetEscapeHTML(false)
	for scanner.Scan() {
		line := bytes.TrimSpace(scanner.Bytes())
		if len(line) == 0 {
			continue
		}
		if err := encoder.Encode(render(line)); err != nil {
			fmt.Fprintln(os.Stderr, "eso-template:", err)
			os.Exit(1)
		}
	}
	if err := scanner.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "eso-template:", err)
		os.Exit(1)
	}
	if err := writer.Flush(); err != nil {
		os.Exit(1)
	}
}

func failed(err error) response {
	text := err.Error()
	return response{Error: &text}
}

// render turns a panic inside a template function into an error, as text/template does for function calls; a
// panic elsewhere must not end the whole batch either.
func render(line []byte) (out response) {
	defer func() {
		if r := recover(); r != nil {
			out = failed(fmt.Errorf("panic: %v", r))
		}
	}()
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		return failed(fmt.Errorf("bad request: %w", err))
	}
	missing := req.MissingKey
	if missing == "" {
		missing = "default"
	}
	t := template.New("t").Option("missingkey=" + missing).Funcs(esotemplate.FuncMap())
	if req.LeftDelim != "" || req.RightDelim != "" {
		t = t.Delims(req.LeftDelim, req.RightDelim)
	}
	parsed, err := t.Parse(req.Template)
	if err != nil {
		return failed(err)
	}
	var buf bytes.Buffer
	if err := parsed.Execute(&buf, req.Data); err != nil {
		return failed(err)
	}
	text := buf.String()
	return response{Output: &text}
}
