"""Generates lang-define, lang-values, lang-errors.
Run: python3 testdata/gotmpl/snippets/gen/lang3.py"""
from lib import case, family, write, V_APP

total = 0
H = "_helpers.tpl"
d = [
    case("define-basic", "{{ template \"x\" }}", templates={H: "{{ define \"x\" }}hello{{ end }}"}),
    case("define-dot", "{{ template \"x\" .Values.image }}", V_APP, templates={H: "{{ define \"x\" }}{{ .repository }}{{ end }}"}),
    case("define-nodot", "{{ template \"x\" }}", V_APP, templates={H: "{{ define \"x\" }}[{{ . }}]{{ end }}"}),
    case("define-nodot-field", "{{ template \"x\" }}", V_APP, templates={H: "{{ define \"x\" }}[{{ .Values }}]{{ end }}"}),
    case("define-in-same-file", "{{ define \"y\" }}Y{{ end }}{{ template \"y\" }}-{{ include \"y\" . }}"),
    case("define-missing", "{{ template \"nope\" }}"),
    case("define-missing-include", "{{ include \"nope\" . }}"),
    case("define-redefine-same-file", "{{ define \"r\" }}1{{ end }}{{ define \"r\" }}2{{ end }}{{ template \"r\" }}"),
    case("define-redefine-files-ab", "{{ template \"w\" }}", templates={"_a.tpl": "{{ define \"w\" }}from-a{{ end }}", "_b.tpl": "{{ define \"w\" }}from-b{{ end }}"}),
    case("define-redefine-in-renderable", "{{ define \"w\" }}from-a.yaml{{ end }}{{ template \"w\" }}", templates={"_b.tpl": "{{ define \"w\" }}from-b{{ end }}"}),
    case("define-redefine-yaml-vs-tpl", "{{ template \"w\" }}", templates={"z.yaml": "{{ define \"w\" }}from-z.yaml{{ end }}", "_b.tpl": "{{ define \"w\" }}from-b{{ end }}"}),
    case("define-redefine-subdir", "{{ template \"w\" }}", templates={"sub/_deep.tpl": "{{ define \"w\" }}from-deep{{ end }}", "_top.tpl": "{{ define \"w\" }}from-top{{ end }}"}),
    case("define-empty-redefine", "{{ template \"e\" }}|", templates={"_a.tpl": "{{ define \"e\" }}{{ end }}", "_b.tpl": "{{ define \"e\" }}non-empty{{ end }}"}),
    case("define-empty-redefine2", "{{ template \"e\" }}|", templates={"_a.tpl": "{{ define \"e\" }}non-empty{{ end }}", "_b.tpl": "{{ define \"e\" }}{{ end }}"}),
    case("define-comment-only-redefine", "{{ template \"e\" }}|", templates={"_a.tpl": "{{ define \"e\" }}A{{ end }}", "_b.tpl": "{{ define \"e\" }}{{/* nothing */}}{{ end }}"}),
    case("define-nested-define", "{{ define \"a\" }}{{ define \"b\" }}{{ end }}{{ end }}"),
    case("define-in-if", "{{ if true }}{{ define \"a\" }}{{ end }}{{ end }}"),
    case("define-no-name", "{{ define }}{{ end }}"),
    case("define-var-name", "{{ define $x }}{{ end }}"),
    case("define-number-name", "{{ define 1 }}{{ end }}"),
    case("define-unclosed", "{{ define \"a\" }}"),
    case("define-extra-arg", "{{ define \"a\" \"b\" }}{{ end }}"),
    case("template-var-name", "{{ $n := \"x\" }}{{ template $n }}", templates={H: "{{ define \"x\" }}X{{ end }}"}),
    case("template-pipeline-arg", "{{ template \"x\" .Values.name | upper }}", V_APP, templates={H: "{{ define \"x\" }}{{ . }}{{ end }}"}),
    case("template-raw-name", "{{ template `x` 1 }}", templates={H: "{{ define \"x\" }}{{ . }}{{ end }}"}),
    case("template-output-not-pipeable", "{{ template \"x\" | upper }}", templates={H: "{{ define \"x\" }}X{{ end }}"}),
    case("template-recursive", "{{ template \"count\" 3 }}", templates={H: "{{ define \"count\" }}{{ . }}{{ if gt . 0 }} {{ template \"count\" (sub . 1) }}{{ end }}{{ end }}"}),
    case("template-names-itself", "{{ template \"snippet/templates/b.yaml\" . }}|a", templates={"b.yaml": "B:{{ .Template.Name }}"}),
    case("template-calls-renderable", "{{ include \"snippet/templates/b.yaml\" . | upper }}", templates={"b.yaml": "b-{{ .Release.Name }}"}),
    case("template-name-with-spaces", "{{ template \"my helper\" }}", templates={H: "{{ define \"my helper\" }}spaced{{ end }}"}),
    case("block-basic", "{{ block \"blk\" . }}default-{{ .Release.Name }}{{ end }}"),
    case("block-overridden", "{{ block \"blk\" . }}default{{ end }}", templates={"_o.tpl": "{{ define \"blk\" }}overridden{{ end }}"}),
    case("block-overridden-later", "{{ block \"blk\" . }}default{{ end }}", templates={"b.yaml": "{{ define \"blk\" }}from-b{{ end }}"}),
    case("block-no-arg", "{{ block \"blk\" }}x{{ end }}"),
    case("block-unclosed", "{{ block \"blk\" . }}x"),
    case("block-twice", "{{ block \"b\" . }}1{{ end }}{{ block \"b\" . }}2{{ end }}"),
    case("define-template-name-var", "{{ template \"t\" . }}", V_APP, templates={H: "{{ define \"t\" }}{{ .Template.Name }} {{ .Template.BasePath }}{{ end }}"}),
    case("define-dollar-is-arg", "{{ template \"t\" 42 }}", templates={H: "{{ define \"t\" }}{{ $ }} {{ . }}{{ end }}"}),
    case("define-range-dot", "{{ range .Values.list }}{{ template \"item\" . }}{{ end }}", V_APP, templates={H: "{{ define \"item\" }}<{{ . }}>{{ end }}"}),
    case("define-whitespace", "a:\n{{- template \"t\" }}\nb", templates={H: "\n\n{{- define \"t\" }}\n  inner\n{{- end }}\n\n"}),
    case("define-helpers-text-ignored", "ok", templates={H: "text outside defines in a partial\n{{ define \"x\" }}x{{ end }}\n{{ .Values.missing.deeper }}"}),
    case("define-with-break-outside", "{{ template \"t\" . }}", templates={H: "{{ define \"t\" }}{{ break }}{{ end }}"}),
    case("define-parse-error-in-partial", "ok", templates={H: "{{ define \"t\" }}{{ if }}{{ end }}"}),
    case("define-exec-error-in-partial", "{{ template \"t\" . }}", templates={H: "{{ define \"t\" }}\n\n{{ .Values.a.b }}{{ end }}"}),
    case("define-nested-template-error", "{{ template \"outer\" . }}", templates={H: "{{ define \"outer\" }}[{{ template \"inner\" . }}]{{ end }}\n{{ define \"inner\" }}{{ index .Values.list 10 }}{{ end }}"}, values=V_APP),
    case("define-chain-of-includes", "{{ include \"a\" . }}", templates={H: "{{ define \"a\" }}a({{ include \"b\" . }}){{ end }}{{ define \"b\" }}b({{ include \"c\" . }}){{ end }}{{ define \"c\" }}c{{ end }}"}),
    case("define-name-helper-realistic", "metadata:\n  name: {{ include \"app.fullname\" . }}\n  labels:\n    {{- include \"app.labels\" . | nindent 4 }}\n", V_APP, templates={H: """\
{{- define "app.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "app.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "app.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "app.selectorLabels" -}}
app.kubernetes.io/name: {{ include "app.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "app.labels" -}}
helm.sh/chart: {{ include "app.chart" . }}
{{ include "app.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}
"""}),
]
for i, (ov, fo) in enumerate([("", ""), ("nameOverride: custom\n", ""), ("", "fullnameOverride: explicit-name-that-is-very-long-and-will-be-truncated-at-sixty-three-chars-\n")]):
    d.append(case(f"define-fullname-{i}", "{{ include \"app.fullname\" . }}", ov + fo, templates={H: d[-1][1]["templates/_helpers.tpl"]}))
total += write("lang-define", "define / template / block, redefinition across files and helm's parse order.", d)

# ---------------------------------------------------------------- values typing
vt = []
yaml_cases = {
    "bool11": "a: yes\nb: no\nc: on\nd: off\ne: y\nf: n\ng: True\nh: FALSE\ni: Yes\nj: NO\n",
    "ints": "a: 1\nb: -1\nc: 0\nd: 0o17\ne: 017\nf: 0x1F\ng: 1_000\nh: +5\ni: 0b101\n",
    "floats": "a: 1.5\nb: 1e+06\nc: 1e6\nd: .5\ne: -.inf\nf: .nan\ng: 1.0\nh: 3.0e-5\ni: 100000000000000000000\nj: 6.02e23\n",
    "bigint": "a: 9007199254740993\nb: 123456789012\nc: 1000000\nd: 12345678\ne: 999999999999999999999\n",
    "nulls": "a: null\nb: ~\nc:\nd: Null\ne: NULL\n",
    "strings": "a: 'single'\nb: \"double\\ttab\"\nc: plain words\nd: \"123\"\ne: '0x10'\nf: 2024-01-01\ng: 12:30\nh: 1.2.3\n",
    "block": "a: |\n  line1\n  line2\nb: >\n  folded\n  text\nc: |-\n  strip\nd: |+\n  keep\n\n",
    "anchors": "base: &b {x: 1, y: 2}\nuse: *b\nmerged:\n  <<: *b\n  y: 3\nlist: [&i item, *i]\n",
    "merge-list": "a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n",
    "nested": "a:\n  b:\n    c: [1, {d: e}]\n  f: []\n  g: {}\n",
    "keys": "1: int-key\ntrue: bool-key\n1.5: float-key\nnull: null-key\n\"quoted\": q\n",
    "specials": "a: \"\\u00e9\"\nb: 'it''s'\nc: \"#not comment\"\nd: a #comment\ne: \"\"\n",
}
probes = "{{ range $k, $v := .Values }}{{ $k }}: {{ $v }} ({{ typeOf $v }}) {{ printf \"%v\" $v }}\n{{ end }}"
for name, y in yaml_cases.items():
    vt.append(case(f"values-{name}", probes, y))
    vt.append(case(f"values-{name}-toyaml", "{{ toYaml .Values }}\n---\n{{ toJson .Values }}", y))
vt += [
    case("values-not-map", "x", "- a\n- b\n"),
    case("values-scalar", "x", "just a string\n"),
    case("values-bad-yaml", "x", "a: [unclosed\n"),
    case("values-dup-key", "{{ .Values.a }}", "a: 1\na: 2\n"),
    case("values-tab-indent", "x", "a:\n\tb: 1\n"),
    case("values-empty", "{{ .Values }} {{ typeOf .Values }} {{ len .Values }}", ""),
    case("values-comment-only", "{{ .Values }}", "# just a comment\n"),
    case("values-doc-marker", "{{ .Values.a }}", "---\na: 1\n"),
    case("values-two-docs", "{{ .Values.a }}", "a: 1\n---\nb: 2\n"),
    case("values-int-ops", "{{ add .Values.a 1 }} {{ mul .Values.a 2 }} {{ div .Values.a 2 }} {{ .Values.a | int }} {{ .Values.a | int64 }}", "a: 7\n"),
    case("values-float-print", "{{ .Values.a }} {{ .Values.b }} {{ .Values.c }} {{ .Values.d }} {{ .Values.e }}", "a: 1000000\nb: 10000000\nc: 123456789\nd: 0.000001\ne: 1e-7\n"),
    case("values-quote-numbers", "{{ .Values.a | quote }} {{ .Values.b | quote }} {{ .Values.c | toString }}", "a: 1000000\nb: 1.50\nc: 2e3\n"),
    case("values-typeof-chain", "{{ typeOf .Values.a }} {{ typeOf .Values.a.b }} {{ kindOf .Values.a.b.c }}", "a: {b: {c: [1]}}\n"),
    case("values-unicode-keys", "{{ index .Values \"ключ\" }} {{ index .Values \"é\" }}", "ключ: value\né: accent\n"),
    case("values-long-string", "{{ .Values.a | len }}", "a: " + "x" * 300 + "\n"),
    case("values-complex-key", "x", "? [a, b]\n: v\n"),
    case("values-binary", "{{ .Values.a }}", "a: !!binary aGVsbG8=\n"),
    case("values-tags", "{{ .Values.a }} {{ typeOf .Values.a }} {{ .Values.b }} {{ typeOf .Values.b }}", "a: !!str 123\nb: !!int \"42\"\n"),
    case("values-timestamp", "{{ .Values.a }} {{ typeOf .Values.a }}", "a: 2001-12-14t21:59:43.10-05:00\n"),
]
total += write("lang-values", "How values files are typed (YAML 1.1 booleans, octal, floats, nulls, anchors and merge keys).", vt)

# ---------------------------------------------------------------- errors
errs = family("parse", [
    "{{",
    "{{ }}",
    "{{ .Values.x",
    "}}",
    "{{ .Values.x }}}}",
    "{{ end }}",
    "{{ else }}",
    "{{ if true }}",
    "{{ range .Values.x }}",
    "{{ with .Values.x }}",
    "{{ nofunc 1 }}",
    "{{ .Values.x | nofunc }}",
    "{{ 1 2 }}",
    "{{ \"a\" \"b\" }}",
    "{{ .Values.x.1 }}",
    "{{ $x }}",
    "{{ $x := 1 }}{{ $y }}",
    "{{ define \"a\" }}{{ end }}{{ define \"a\" }}",
    "{{ template }}",
    "{{ template 1 }}",
    "{{ template \"a\" 1 2 }}",
    "{{ if 1 }}{{ else foo }}{{ end }}",
    "{{ range $i, $v, $w := .x }}{{ end }}",
    "{{ range $i $v := .x }}{{ end }}",
    "{{ .Values.x := 1 }}",
    "{{ 1 := 2 }}",
    "{{ @ }}",
    "{{ # }}",
    "{{ .Values.x & 1 }}",
    "{{ \"a\" | }}",
    "{{ (1 }}",
    "{{ 1) }}",
    "{{ nil 1 }}",
    "{{ true 1 }}",
    "{{ .Values.list.0 }}",
    "line 1\nline 2\n  {{ if }}\nline 4",
    "{{ if true }}\n\n\n{{ else }}\n{{ else }}\n{{ end }}",
    "{{ with $x := 1 }}{{ else with }}{{ end }}",
    "{{ break 2 }}",
    "{{ range .x }}{{ continue 1 }}{{ end }}",
    "{{ define \"x\" }}{{ continue }}{{ end }}",
    "{{ printf \"%s\" \"a\"\n\"b\" }}",
    "{{ \"a\"\n| upper }}",
    "{{ - 3 }}",
    "{{ 3 - }}",
    "{{- -}}",
    "{{ .Values.x -}}{{- }}",
    "{{ $ := 1 }}",
    "{{ with .Values.list }}{{ .}}{{. }}{{.}}{{ end }}",
    "{{ $x := 1 }}{{ $x.y := 2 }}",
    "{{ if $x := 1 }}{{ end }}{{ $x }}",
    "{{ 'x }}",
    "{{ \"\\z\" }}",
    "\n\n{{ end }}",
    "{{ range 1 }}{{ else }}{{ else }}{{ end }}",
])
errs += family("exec", [
    "{{ .Values.x.y }}",
    "{{ .Values.list.x }}",
    "{{ index .Values.list 9 }}",
    "{{ index .Values.name \"a\" }}",
    "{{ slice .Values.list 5 }}",
    "{{ len 3 }}",
    "{{ lt 1 \"a\" }}",
    "{{ eq .Values.list 1 }}",
    "{{ lt .Values.replicas 5 }}",
    "{{ lt 1.5 2 }}",
    "{{ eq 1 1.0 }}",
    "{{ lt true false }}",
    "{{ lt nil 1 }}",
    "{{ eq .Values.labels .Values.labels }}",
    "{{ .Values.name.x }}",
    "{{ template \"missing\" . }}",
    "{{ include \"missing\" . }}",
    "{{ fail \"custom failure\" }}",
    "{{ required \"need value\" .Values.absent }}",
    "{{ range 5.5 }}{{ end }}",
    "{{ range \"str\" }}{{ end }}",
    "{{ .Release.Name.x }}",
    "{{ call \"notfunc\" }}",
    "{{ add \"x\" }}",
    "{{ upper 1 2 }}",
    "{{ upper }}",
    "{{ trunc \"a\" \"b\" }}",
    "{{ index 1 1 }}",
    "{{ .Capabilities.APIVersions.Has }}",
    "{{ .Capabilities.APIVersions.Has 1 }}",
    "{{ .Capabilities.APIVersions.Nope }}",
    "{{ .Files.Get }}",
    "{{ .Values.replicas | printf \"%d\" | add 1 }}",
    "{{ toYaml }}",
    "{{ tpl }}",
    "{{ include \"x\" }}",
    "{{ required \"x\" }}",
    "line1\nline2 {{ .Values.x.y }}\nline3",
    "{{ if .Values.enabled }}\n  {{ index .Values.list 99 }}\n{{ end }}",
    "{{ range .Values.ports }}{{ .port.number }}{{ end }}",
    "{{ with .Values.image }}{{ .tag.x }}{{ end }}",
    "{{ \"str\" | index .Values.list }}",
    "{{ not .Values.list.x }}",
    "{{ and 1 .Values.x.y }}",
    "{{ or 0 .Values.x.y }}",
    "{{ print .Values.x.y }}",
    "{{ (.Values.x).y }}",
    "{{ $v := .Values.x }}{{ $v.y }}",
    "{{ .Values.list | first | upper | .x }}",
    "{{ $.Values.x.y }}",
    "{{ nil.x }}",
    "{{ (1).x }}",
    "{{ \"s\".x }}",
    "{{ (list).x }}",
    "{{ .Values.m.a.x }}",
    "{{ (dict \"a\" 1).a.b }}",
    "{{ index .Values.m \"b\" 5 }}",
    "{{ range .Values.nums }}{{ div 6 (sub . 1) }}{{ end }}",
    "{{ mustFirst list }}",
    "{{ semver \"not-a-version\" }}",
])
total += write("lang-errors", "Parse errors and execution errors of every kind, worded as each helm words them.", [(n, s | {"values.yaml": V_APP + "m: {a: 1, b: [x]}\n"}) for n, s in errs])
print("lang3 cases:", total)
