// Command template-oracle renders Go text/template requests with the function map ESO v2.9 gives its templates
// (Sprig v3 minus env/expandenv/getHostByName, plus ESO's own functions). It is the reference Custos's TypeScript
// engine is compared against.
//
// Protocol (JSONL): each stdin line is
//
//	{"template": string, "data": any, "missingkey"?: "default"|"zero"|"error", "leftDelim"?: string, "rightDelim"?: string}
//
// and each stdout line, in the same order, is {"output": string} or {"error": string}. The template is named "t".
// JSON data is decoded with encoding/json into interface{} (numbers become float64). The local time zone is UTC so
// that date functions are deterministic.
//
// With -bench N [-bench-mode eso|shared] the requests are read first and then each is parsed and executed N times;
// one JSON summary line reports the cost per render (see bench/template).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
	_ "time/tzdata" // zone data for dateInZone when the machine has none
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

// A request that takes longer than this is reported as an error instead of hanging the caller.
const renderTimeout = 20 * time.Second

func main() {
	benchIterations := flag.Int("bench", 0, "render every request from stdin this many times and print ns per render")
	benchMode := flag.String("bench-mode", "eso", "eso: New+Funcs per render, as ESO does; shared: function map bound once")
	flag.Parse()
	// Date functions format in the local zone; fix it so recordings do not depend on the machine.
	time.Local = time.UTC

	if *benchIterations > 0 {
		if err := runBench(os.Stdin, os.Stdout, *benchIterations, *benchMode); err != nil {
			fmt.Fprintln(os.Stderr, "template-oracle:", err)
			os.Exit(1)
		}
		return
	}
	if err := serve(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "template-oracle:", err)
		os.Exit(1)
	}
}

// serve answers one line per request line; it flushes whenever no further input is already buffered, so both
// batch callers and interactive (one request at a time) callers are served efficiently.
func serve(in io.Reader, out io.Writer) error {
	reader := bufio.NewReaderSize(in, 1<<20)
	writer := bufio.NewWriterSize(out, 1<<20)
	encoder := json.NewEncoder(writer)
	encoder.SetEscapeHTML(false)
	for {
		line, readErr := reader.ReadBytes('\n')
		if len(line) > 0 && !isBlank(line) {
			if err := encoder.Encode(answer(line)); err != nil {
				return err
			}
		}
		if readErr == io.EOF {
			return writer.Flush()
		}
		if readErr != nil {
			return readErr
		}
		if reader.Buffered() == 0 {
			if err := writer.Flush(); err != nil {
				return err
			}
		}
	}
}

func isBlank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

func answer(line []byte) response {
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		return errorResponse("oracle: bad request: " + err.Error())
	}
	done := make(chan response, 1)
	go func() { done <- renderSafely(req) }()
	select {
	case res := <-done:
		return res
	case <-time.After(renderTimeout):
		return errorResponse("oracle: timeout")
	}
}

func renderSafely(req request) (res response) {
	defer func() {
		if r := recover(); r != nil {
			res = errorResponse(fmt.Sprintf("oracle: panic: %v", r))
		}
	}()
	out, err := render(req)
	if err != nil {
		return errorResponse(err.Error())
	}
	return response{Output: &out}
}

func errorResponse(msg string) response {
	return response{Error: &msg}
}
