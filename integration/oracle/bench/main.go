// Command helm3-engine-bench times helm v3.15.3's template engine on a chart, for
// scripts/bench-engine's side-by-side comparison with deployer's engine.
//
// Usage: helm3-engine-bench -chart DIR [-iterations N] [-warmup N] [-dump FILE]
//
// It prints one JSON line per measurement (per-iteration median/min/p90/mean in ns):
//
//	render   helm's own engine.Render (function map + parse + execute, as `helm template` runs it)
//	parse    a template set with helm's function map, every template parsed
//	execute  every manifest executed with the set parsed once
//
// engine.Render cannot reuse parsed templates (it parses on every call), so "parse" and
// "execute" use a set built here the way engine.Render builds its own: text/template with
// Sprig v3.2.3 (helm's pinned version) minus env/expandenv, helm's toYaml/toJson/fromYaml/...,
// include with helm's recursion counting and tpl cloning the set per call, missingkey=zero,
// <no value> removed. The runner checks that this set renders exactly what engine.Render renders.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/Masterminds/sprig/v3"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"sigs.k8s.io/yaml"
)

const maxIncludeDepth = 1000

// set is a parsed template set plus the state its include/tpl functions share.
type set struct {
	t        *template.Template
	included map[string]int
}

func toYAML(v interface{}) string {
	b, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(b), "\n")
}

func toJSON(v interface{}) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func fromYAML(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromYAMLArray(s string) []interface{} {
	var a []interface{}
	if err := yaml.Unmarshal([]byte(s), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

func fromJSONArray(s string) []interface{} {
	var a []interface{}
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

// includeFor returns `include` bound to template set t, counting nesting per name.
func includeFor(t *template.Template, included map[string]int) func(string, interface{}) (string, error) {
	return func(name string, data interface{}) (string, error) {
		if included[name] > maxIncludeDepth {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		included[name]++
		defer func() { included[name]-- }()
		var b strings.Builder
		err := t.ExecuteTemplate(&b, name, data)
		return b.String(), err
	}
}

// tplFor returns `tpl` bound to t: like helm 3.15, every call clones the whole set, parses the
// text into the clone under the set's name and executes it.
func tplFor(t *template.Template, included map[string]int) func(string, interface{}) (string, error) {
	return func(text string, data interface{}) (string, error) {
		c, err := t.Clone()
		if err != nil {
			return "", err
		}
		c.Option("missingkey=zero")
		c.Funcs(template.FuncMap{"include": includeFor(c, included), "tpl": tplFor(c, included)})
		c, err = c.New(t.Name()).Parse(text)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		if err := c.Execute(&b, data); err != nil {
			return "", err
		}
		return strings.ReplaceAll(b.String(), "<no value>", ""), nil
	}
}

func newSet() *set {
	s := &set{t: template.New("gotpl"), included: map[string]int{}}
	s.t.Option("missingkey=zero")
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	for k, v := range map[string]interface{}{
		"toYaml": toYAML, "fromYaml": fromYAML, "fromYamlArray": fromYAMLArray,
		"toJson": toJSON, "fromJson": fromJSON, "fromJsonArray": fromJSONArray,
		"toToml":  func(interface{}) string { return "" },
		"include": includeFor(s.t, s.included), "tpl": tplFor(s.t, s.included),
		"required": func(msg string, v interface{}) (interface{}, error) {
			if v == nil || v == "" {
				return v, errors.New(msg)
			}
			return v, nil
		},
		"fail": func(msg string) (string, error) { return "", errors.New(msg) },
		"lookup": func(string, string, string, string) (map[string]interface{}, error) {
			return map[string]interface{}{}, nil
		},
	} {
		f[k] = v
	}
	s.t.Funcs(f)
	return s
}

type tmpl struct{ name, text string }

func parseAll(ts []tmpl) *set {
	s := newSet()
	for _, t := range ts {
		if _, err := s.t.New(t.name).Parse(t.text); err != nil {
			fatal(err)
		}
	}
	return s
}

func executeAll(s *set, ts []tmpl, top chartutil.Values, basePath string) map[string]string {
	out := map[string]string{}
	for _, t := range ts {
		if strings.HasPrefix(path.Base(t.name), "_") {
			continue
		}
		vals := chartutil.Values{}
		for k, v := range top {
			vals[k] = v
		}
		vals["Template"] = chartutil.Values{"Name": t.name, "BasePath": basePath}
		var b strings.Builder
		if err := s.t.ExecuteTemplate(&b, t.name, vals); err != nil {
			fatal(err)
		}
		out[t.name] = strings.ReplaceAll(b.String(), "<no value>", "")
	}
	return out
}

func measure(name string, iterations, warmup int, f func()) {
	for i := 0; i < warmup; i++ {
		f()
	}
	times := make([]time.Duration, iterations)
	for i := range times {
		start := time.Now()
		f()
		times[i] = time.Since(start)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	var sum time.Duration
	for _, d := range times {
		sum += d
	}
	p90 := times[min(len(times)*9/10, len(times)-1)]
	fmt.Printf("{\"engine\":\"helm\",\"mode\":%q,\"iterations\":%d,\"median_ns\":%d,\"min_ns\":%d,\"p90_ns\":%d,\"mean_ns\":%d}\n",
		name, iterations, times[len(times)/2].Nanoseconds(), times[0].Nanoseconds(), p90.Nanoseconds(), (sum / time.Duration(len(times))).Nanoseconds())
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "helm3-engine-bench:", err)
	os.Exit(1)
}

func main() {
	dir := flag.String("chart", "", "chart directory")
	iterations := flag.Int("iterations", 200, "timed iterations per measurement")
	warmup := flag.Int("warmup", 10, "untimed iterations first")
	dump := flag.String("dump", "", "write engine.Render's output here as JSON")
	flag.Parse()
	ch, err := loader.Load(*dir)
	if err != nil {
		fatal(err)
	}
	opts := chartutil.ReleaseOptions{Name: "rel", Namespace: "prod", Revision: 1, IsInstall: true}
	top, err := chartutil.ToRenderValues(ch, map[string]interface{}{}, opts, chartutil.DefaultCapabilities)
	if err != nil {
		fatal(err)
	}
	rendered, err := engine.Render(ch, top)
	if err != nil {
		fatal(err)
	}
	if *dump != "" {
		b, _ := json.MarshalIndent(rendered, "", "  ")
		if err := os.WriteFile(*dump, b, 0o644); err != nil {
			fatal(err)
		}
	}

	// The set for parse/execute, with the per-template object helm gives a root chart's templates.
	var ts []tmpl
	for _, f := range ch.Templates {
		ts = append(ts, tmpl{name: path.Join(ch.Name(), f.Name), text: string(f.Data)})
	}
	// helm's order: deeper paths first, then reverse lexical (decides which define wins).
	sort.Slice(ts, func(i, j int) bool {
		ci, cj := strings.Count(ts[i].name, "/"), strings.Count(ts[j].name, "/")
		if ci != cj {
			return ci > cj
		}
		return ts[i].name > ts[j].name
	})
	itemTop := chartutil.Values{
		"Chart": struct {
			chart.Metadata
			IsRoot bool
		}{*ch.Metadata, true},
		"Release":      top["Release"],
		"Capabilities": top["Capabilities"],
		"Values":       top["Values"],
		"Files":        nil,
		"Subcharts":    map[string]interface{}{},
	}
	basePath := path.Join(ch.Name(), "templates")
	parsed := parseAll(ts)
	mine := executeAll(parsed, ts, itemTop, basePath)
	for name, want := range rendered {
		if mine[name] != want {
			fatal(fmt.Errorf("reconstructed set renders %s differently from engine.Render", name))
		}
	}

	measure("render", *iterations, *warmup, func() {
		if _, err := engine.Render(ch, top); err != nil {
			fatal(err)
		}
	})
	measure("parse", *iterations, *warmup, func() { parseAll(ts) })
	measure("execute", *iterations, *warmup, func() { executeAll(parsed, ts, itemTop, basePath) })
}
