// Command text-template is the oracle for deployer's executor unit tests: it runs each line of
// stdin as a Go text/template over fixed data and prints the result (or error) as one JSON
// string per line. A line starting with "ZERO:" runs with missingkey=zero, as helm does.
//
//	go run . < testdata/gotmpl/exec/cases.txt > testdata/gotmpl/exec/expected.jsonl
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/template"
)

func main() {
	values := map[string]interface{}{
		"name": "web", "replicas": 3.0, "big": 1e6, "list": []interface{}{"a", "b"}, "empty": "",
		"nothing": nil, "nested": map[string]interface{}{"k": "v"}, "ints": []interface{}{1.0, 2.0, 3.0},
	}
	data := map[string]interface{}{"Values": values}
	funcs := template.FuncMap{
		"upper": strings.ToUpper,
		"fail":  func(s string) (string, error) { return "", fmt.Errorf("%s", s) },
		"list":  func(v ...interface{}) []interface{} { return v },
		"split": func(sep, s string) []string { return strings.Split(s, sep) },
	}
	in := bufio.NewScanner(os.Stdin)
	out := json.NewEncoder(os.Stdout)
	out.SetEscapeHTML(false)
	for in.Scan() {
		line := in.Text()
		mode := "default"
		if strings.HasPrefix(line, "ZERO:") {
			mode, line = "zero", line[len("ZERO:"):]
		}
		t := template.New("t").Option("missingkey=" + mode).Funcs(funcs)
		t.Funcs(template.FuncMap{"include": func(name string, data interface{}) (string, error) {
			var b strings.Builder
			err := t.ExecuteTemplate(&b, name, data)
			return b.String(), err
		}})
		var result string
		if _, err := t.Parse(line); err != nil {
			result = "PARSE: " + err.Error()
		} else {
			var b strings.Builder
			if err := t.Execute(&b, data); err != nil {
				result = "ERROR: " + err.Error()
			} else {
				result = b.String()
			}
		}
		if err := out.Encode(result); err != nil {
			os.Exit(1)
		}
	}
}
