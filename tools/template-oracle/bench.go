package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/template"
	"time"
)

func renderShared(base *template.Template, req request) (string, error) {
	missingKey := req.MissingKey
	if missingKey == "" {
		missingKey = "default"
	}
	tmpl, err := base.New("t").Option("missingkey="+missingKey).Delims(req.LeftDelim, req.RightDelim).Parse(req.Template)
	if err != nil {
		return "", err
	}
	var out strings.Builder
	if err := tmpl.Execute(&out, req.Data); err != nil {
		return "", err
	}
	return out.String(), nil
}

type benchResult struct {
	Mode       string  `json:"mode"`
	Requests   int     `json:"requests"`
	Iterations int     `json:"iterations"`
	Renders    int     `json:"renders"`
	Errors     int     `json:"errors"`
	TotalNs    int64   `json:"totalNs"`
	NsPerOp    float64 `json:"nsPerOp"`
	OpsPerSec  float64 `json:"opsPerSec"`
}

// runBench decodes all requests up front (data decoding is not part of a render), then parses and executes each
// request `iterations` times. Mode "eso" builds each template as ESO does (New + Funcs per render, which copies the
// ~220-entry function map every time); mode "shared" binds the function map once and creates each template in that
// shared namespace (pure parse + execute cost; {{define}}s of earlier requests stay visible, fine for timing only).
func runBench(in io.Reader, out io.Writer, iterations int, mode string) error {
	renderOne := render
	switch mode {
	case "eso":
	case "shared":
		base := template.New("").Funcs(funcMap)
		renderOne = func(req request) (string, error) { return renderShared(base, req) }
	default:
		return fmt.Errorf("unknown bench mode %q (want eso or shared)", mode)
	}
	var reqs []request
	scanner := bufio.NewScanner(in)
	scanner.Buffer(make([]byte, 1<<20), 64<<20)
	for scanner.Scan() {
		line := scanner.Bytes()
		if isBlank(line) {
			continue
		}
		var req request
		if err := json.Unmarshal(line, &req); err != nil {
			return fmt.Errorf("bad request line %d: %w", len(reqs)+1, err)
		}
		reqs = append(reqs, req)
	}
	if err := scanner.Err(); err != nil {
		return err
	}
	if len(reqs) == 0 {
		return fmt.Errorf("no requests on stdin")
	}

	// One untimed pass warms caches and counts the requests that fail (they are still timed below).
	errorsSeen := 0
	for _, req := range reqs {
		if _, err := renderOne(req); err != nil {
			errorsSeen++
		}
	}
	start := time.Now()
	for i := 0; i < iterations; i++ {
		for _, req := range reqs {
			_, _ = renderOne(req)
		}
	}
	elapsed := time.Since(start)
	renders := iterations * len(reqs)
	result := benchResult{
		Mode:       mode,
		Requests:   len(reqs),
		Iterations: iterations,
		Renders:    renders,
		Errors:     errorsSeen,
		TotalNs:    elapsed.Nanoseconds(),
		NsPerOp:    float64(elapsed.Nanoseconds()) / float64(renders),
		OpsPerSec:  float64(renders) / elapsed.Seconds(),
	}
	return json.NewEncoder(out).Encode(result)
}
