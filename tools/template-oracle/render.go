package main

import (
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
)

// funcMap is what ESO v2.9 hands to text/template: its own functions first, then Sprig's text functions copied
// over them (so Sprig wins a name clash, as in ESO), without the three that reach the environment or network.
var funcMap = buildFuncMap()

func buildFuncMap() template.FuncMap {
	fm := esoFuncs()
	for name, fn := range sprig.TxtFuncMap() {
		fm[name] = fn
	}
	for _, name := range []string{"env", "expandenv", "getHostByName"} {
		delete(fm, name)
	}
	return fm
}

// render parses and executes one request the way ESO does (New(name).Option(...).Funcs(...).Delims(...).Parse).
func render(req request) (string, error) {
	tmpl := template.New("t")
	if req.MissingKey != "" {
		tmpl = tmpl.Option("missingkey=" + req.MissingKey)
	}
	tmpl, err := tmpl.Funcs(funcMap).Delims(req.LeftDelim, req.RightDelim).Parse(req.Template)
	if err != nil {
		return "", err
	}
	var out strings.Builder
	if err := tmpl.Execute(&out, req.Data); err != nil {
		return "", err
	}
	return out.String(), nil
}
