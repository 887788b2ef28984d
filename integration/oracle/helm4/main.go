// Command helm4-engine renders template snippets with helm v4's own engine package, as the
// oracle for deployer's differential tests.
//
// Input (stdin): one JSON object per line:
//
//	{"id": "case-1", "templates": {"templates/a.yaml": "{{ .Values.x }}"}, "values": "x: 1\n", "files": {"conf/a.txt": "..."}}
//
// Output (stdout): one JSON object per line, in input order:
//
//	{"id": "case-1", "rendered": {"snippet/templates/a.yaml": "1"}}  or  {"id": "case-1", "error": "template: ..."}
//
// Values are read with common.ReadValues, so they have exactly the types helm gives a chart's
// values files (every number a float64).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/engine"
)

type request struct {
	ID        string            `json:"id"`
	Templates map[string]string `json:"templates"`
	Values    string            `json:"values"`
	// Non-template chart files (.Files), name → content.
	Files map[string]string `json:"files"`
	// Release name and namespace; defaults "release" / "default".
	Release   string `json:"release"`
	Namespace string `json:"namespace"`
}

type response struct {
	ID       string            `json:"id"`
	Rendered map[string]string `json:"rendered,omitempty"`
	Error    *string           `json:"error,omitempty"`
}

func render(req request) (map[string]string, error) {
	names := make([]string, 0, len(req.Templates))
	for name := range req.Templates {
		names = append(names, name)
	}
	sort.Strings(names)
	ch := &chart.Chart{Metadata: &chart.Metadata{APIVersion: "v2", Name: "snippet", Version: "0.1.0", AppVersion: "1.0.0"}}
	for _, name := range names {
		ch.Templates = append(ch.Templates, &common.File{Name: name, Data: []byte(req.Templates[name])})
	}
	fileNames := make([]string, 0, len(req.Files))
	for name := range req.Files {
		fileNames = append(fileNames, name)
	}
	sort.Strings(fileNames)
	for _, name := range fileNames {
		ch.Files = append(ch.Files, &common.File{Name: name, Data: []byte(req.Files[name])})
	}
	vals, err := common.ReadValues([]byte(req.Values))
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	opts := common.ReleaseOptions{Name: or(req.Release, "release"), Namespace: or(req.Namespace, "default"), Revision: 1, IsInstall: true}
	top, err := util.ToRenderValues(ch, vals, opts, common.DefaultCapabilities)
	if err != nil {
		return nil, err
	}
	return engine.Render(ch, top)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := json.NewEncoder(os.Stdout)
	out.SetEscapeHTML(false)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			fmt.Fprintln(os.Stderr, "bad request:", err)
			os.Exit(2)
		}
		resp := response{ID: req.ID}
		rendered, err := render(req)
		if err != nil {
			msg := err.Error()
			resp.Error = &msg
		} else {
			resp.Rendered = rendered
		}
		if err := out.Encode(resp); err != nil {
			os.Exit(2)
		}
	}
}
