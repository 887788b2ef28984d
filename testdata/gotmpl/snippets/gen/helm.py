"""Generates helm-*.txt: helm's own functions and objects.
Run: python3 testdata/gotmpl/snippets/gen/helm.py"""
from lib import case, family, write, V_APP

total = 0
H = "_helpers.tpl"
V = V_APP + """\
tpls:
  simple: "{{ .Values.name }}"
  release: "{{ .Release.Name }}-{{ .Release.Namespace }}"
  nested: "{{ tpl .Values.tpls.simple . }}!"
  define: "{{ define \\"inner\\" }}in-tpl{{ end }}{{ include \\"inner\\" . }}"
  broken: "{{ if }}"
  failing: "{{ .Values.nope.deeper }}"
  novalue: "[{{ .Values.nope }}]"
  multiline: |
    host: {{ .Values.name }}.svc
    port: {{ (index .Values.ports 0).port }}
"""
inc = [
    case("include-basic", "{{ include \"h\" . }}", V, templates={H: "{{ define \"h\" }}{{ .Values.name }}{{ end }}"}),
    case("include-pipe", "{{ include \"h\" . | upper | quote }}", V, templates={H: "{{ define \"h\" }}{{ .Values.name }}{{ end }}"}),
    case("include-nindent", "spec:\n  labels:\n    {{- include \"h\" . | nindent 4 }}", V, templates={H: "{{ define \"h\" }}a: 1\nb: 2{{ end }}"}),
    case("include-dict-arg", "{{ include \"h\" (dict \"name\" \"x\" \"ctx\" $) }}", V, templates={H: "{{ define \"h\" }}{{ .name }}@{{ .ctx.Release.Name }}{{ end }}"}),
    case("include-list-arg", "{{ include \"h\" (list 1 2 3) }}", V, templates={H: "{{ define \"h\" }}{{ range . }}{{ . }}{{ end }}{{ end }}"}),
    case("include-nil-arg", "{{ include \"h\" nil }}", V, templates={H: "{{ define \"h\" }}[{{ . }}]{{ end }}"}),
    case("include-string-arg", "{{ include \"h\" \"str\" }}", V, templates={H: "{{ define \"h\" }}[{{ . }}]{{ end }}"}),
    case("include-novalue", "{{ include \"h\" . }}|", V, templates={H: "{{ define \"h\" }}[{{ .Values.nope }}]{{ end }}"}),
    case("include-novalue-typeof", "{{ include \"h\" . | len }}", V, templates={H: "{{ define \"h\" }}{{ .Values.nope }}{{ end }}"}),
    case("include-var-name", "{{ $n := \"h\" }}{{ include $n . }}", V, templates={H: "{{ define \"h\" }}H{{ end }}"}),
    case("include-computed-name", "{{ include (printf \"%s.%s\" \"app\" \"h\") . }}", V, templates={H: "{{ define \"app.h\" }}computed{{ end }}"}),
    case("include-missing", "{{ include \"nope\" . }}", V),
    case("include-error-inside", "{{ include \"h\" . }}", V, templates={H: "{{ define \"h\" }}{{ .Values.nope.deeper }}{{ end }}"}),
    case("include-error-deep", "{{ include \"a\" . }}", V, templates={H: "{{ define \"a\" }}{{ include \"b\" . }}{{ end }}\n{{ define \"b\" }}\n{{ include \"c\" . }}{{ end }}\n{{ define \"c\" }}{{ index .Values.list 7 }}{{ end }}"}),
    case("include-fail-inside", "{{ include \"h\" . }}", V, templates={H: "{{ define \"h\" }}{{ fail \"failed in helper\" }}{{ end }}"}),
    case("include-required-inside", "{{ include \"h\" . }}", V, templates={H: "{{ define \"h\" }}{{ required \"helper needs .Values.db\" .Values.db }}{{ end }}"}),
    case("include-recursion", "{{ include \"loop\" . }}", V, templates={H: "{{ define \"loop\" }}{{ include \"loop\" . }}{{ end }}"}),
    case("include-mutual-recursion", "{{ include \"ping\" 0 }}", V, templates={H: "{{ define \"ping\" }}{{ include \"pong\" . }}{{ end }}{{ define \"pong\" }}{{ include \"ping\" . }}{{ end }}"}),
    case("include-bounded-recursion", "{{ include \"fact\" 5 }}", V, templates={H: "{{ define \"fact\" }}{{ if le . 1 }}1{{ else }}{{ mul . (include \"fact\" (sub . 1) | atoi) }}{{ end }}{{ end }}"}),
    case("include-deep-1000", "{{ include \"d\" 999 }}", V, templates={H: "{{ define \"d\" }}{{ if gt . 0 }}{{ include \"d\" (sub . 1) }}{{ else }}bottom{{ end }}{{ end }}"}),
    case("include-deep-1002", "{{ include \"d\" 1002 }}", V, templates={H: "{{ define \"d\" }}{{ if gt . 0 }}{{ include \"d\" (sub . 1) }}{{ else }}bottom{{ end }}{{ end }}"}),
    case("include-result-to-fromYaml", "{{ (include \"h\" . | fromYaml).key }}", V, templates={H: "{{ define \"h\" }}key: from-yaml\n{{ end }}"}),
    case("include-in-range", "{{ range .Values.list }}{{ include \"h\" . }},{{ end }}", V, templates={H: "{{ define \"h\" }}<{{ . | upper }}>{{ end }}"}),
    case("include-template-name", "{{ include \"h\" . }}", V, templates={H: "{{ define \"h\" }}{{ .Template.Name }}{{ end }}"}),
    case("include-no-args", "{{ include }}", V),
    case("include-one-arg", "{{ include \"h\" }}", V, templates={H: "{{ define \"h\" }}x{{ end }}"}),
    case("include-nonstring-name", "{{ include 1 . }}", V),
    case("include-trim-helper", "x: {{ include \"h\" . | trim }}", V, templates={H: "{{- define \"h\" }}\n\n  padded  \n\n{{ end }}"}),
    case("include-renderable-file", "{{ include \"snippet/templates/b.yaml\" . }}", V, templates={"b.yaml": "b: {{ .Values.name }}"}),
    case("include-error-line-col", "ok\n{{ include \"h\" . }}", V, templates={H: "{{ define \"h\" }}\nline2\n  line3 {{ .Values.a.b.c }}\n{{ end }}"}),
    case("include-error-in-range-in-helper", "{{ include \"h\" . }}", V, templates={H: "{{ define \"h\" }}{{ range .Values.ports }}{{ .port.x }}{{ end }}{{ end }}"}),
    case("include-bad-arg-type-fn", "{{ include \"h\" . }}", V, templates={H: "{{ define \"h\" }}{{ add1 \"x\" | upper 1 }}{{ end }}"}),
    case("include-exec-error-wrong-type", "{{ include \"h\" . }}", V, templates={H: "{{ define \"h\" }}{{ lt .Values.name 1 }}{{ end }}"}),
]
total += write("helm-include", "include: arguments, nesting, recursion limit, errors inside helpers (helm 4's error trace).", inc)

tp = family("tpl", [
    "{{ tpl .Values.tpls.simple . }}",
    "{{ tpl .Values.tpls.release . }}",
    "{{ tpl .Values.tpls.nested . }}",
    "{{ tpl .Values.tpls.define . }}",
    "{{ tpl .Values.tpls.novalue . }}",
    "{{ tpl .Values.tpls.multiline . | nindent 2 }}",
    "{{ tpl \"{{ .x }}\" (dict \"x\" \"from-dict\") }}",
    "{{ tpl \"{{ . }}\" \"dot-string\" }}",
    "{{ tpl \"plain text\" . }}",
    "{{ tpl \"\" . }}|",
    "{{ tpl (toYaml .Values.image) . }}",
    "{{ tpl \"{{ .Template.Name }}\" . }}",
    "{{ tpl \"{{ .Template.BasePath }}\" . }}",
    "{{ tpl \"{{ include \\\"h\\\" . }}\" . }}",
    "{{ tpl \"{{ define \\\"h\\\" }}tpl-h{{ end }}{{ include \\\"h\\\" . }}\" . }} {{ include \"h\" . }}",
    "{{ tpl \"{{ define \\\"fresh\\\" }}x{{ end }}\" . }}{{ include \"fresh\" . }}",
    "{{ tpl .Values.tpls.broken . }}",
    "{{ tpl .Values.tpls.failing . }}",
    "{{ tpl \"{{ fail \\\"from tpl\\\" }}\" . }}",
    "{{ tpl \"{{ required \\\"tpl needs it\\\" .Values.nope }}\" . }}",
    "{{ tpl \"{{ tpl \\\"{{ .Values.nope.x }}\\\" . }}\" . }}",
    "{{ tpl \"{{ include \\\"nope\\\" . }}\" . }}",
    "{{ tpl \"{{ template \\\"h\\\" . }}\" . }}",
    "{{ tpl 1 . }}",
    "{{ tpl nil . }}",
    "{{ tpl \"{{ .Values.name }}\" }}",
    "{{ tpl .Values.name .Values }}",
    "{{ tpl \"{{ $.Values.name }}\" . }}",
    "{{ tpl \"{{ .Values.name }}\" .Values }}",
    "{{ tpl \"{{ .name }}\" .Values }}",
    "{{ tpl \"{{ range .Values.list }}{{ . }}{{ end }}\" . }}",
    "{{ tpl \"{{ .Values.list | toJson }}\" . }}",
    "{{ tpl \"a\\n{{ .Values.nope.x }}\" . }}",
    "{{ tpl \"{{ if }}\" (dict) }}",
    "{{ tpl \"{{ end }}\" . }}",
    "{{ tpl \"{{ .Values.nope }}\" . | quote }}",
    "{{ tpl \"{{ print nil }}\" . }}",
    "{{ $t := \"{{ .Release.Name }}\" }}{{ tpl $t . }}",
    "{{ tpl (tpl \"{{ `{{ .Release.Name }}` }}\" .) . }}",
    "{{ tpl \"{{ lookup \\\"v1\\\" \\\"Pod\\\" \\\"\\\" \\\"\\\" }}\" . }}",
])
tp = [(n, s | {"values.yaml": V, "templates/_h.tpl": "{{ define \"h\" }}file-h{{ end }}\n"}) for n, s in tp]
total += write("helm-tpl", "tpl: values as templates, defines inside tpl, nested tpl, errors.", tp)

rf = family("required", [
    "{{ required \"x is required\" .Values.name }}",
    "{{ required \"x is required\" .Values.empty }}",
    "{{ required \"x is required\" .Values.zero }}",
    "{{ required \"x is required\" .Values.disabled }}",
    "{{ required \"x is required\" .Values.nothing }}",
    "{{ required \"x is required\" .Values.env }}",
    "{{ required \"x is required\" .Values.list | len }}",
    "{{ required \"\" .Values.nope }}",
    "{{ required \"multi\\nline message\" .Values.nope }}",
    "{{ required \"msg with: colons: inside\" .Values.nope }}",
    "{{ required (printf \"%s is required\" \"db.host\") .Values.nope }}",
    "a\nb\n  {{ required \"on line 3\" .Values.nope }}",
    "{{ required 1 .Values.nope }}",
    "{{ required \"m\" }}",
    "{{ .Values.nope | required \"piped\" }}",
    "{{ required \"inner HELM_ERR_END x\" .Values.nope }}",
])
rf += family("fail", [
    "{{ fail \"stop\" }}",
    "{{ fail \"\" }}",
    "{{ fail (printf \"bad replicas %d\" 0) }}",
    "{{ if .Values.enabled }}{{ fail \"enabled is not supported\" }}{{ end }}",
    "{{ fail \"with: colons: inside\" }}",
    "{{ fail \"multi\\nline\" }}",
    "{{ fail 1 }}",
    "{{ fail }}",
    "{{ fail \"a\" \"b\" }}",
    "ok\n{{ if false }}{{ fail \"never\" }}{{ end }}",
])
total += write("helm-required", "required and fail: messages and positions as helm reports them.", [(n, s | {"values.yaml": V}) for n, s in rf])

VY = V + """\
yaml:
  map: "a: 1\\nb: [x, y]\\nc: {d: e}\\n"
  list: "- 1\\n- two\\n- {three: 3}\\n"
  scalar: "just text"
  bad: "a: [unclosed"
  empty: ""
  dup: "a: 1\\na: 2\\n"
json:
  map: '{"a": 1, "b": [true, null], "c": {"d": 1.5}}'
  list: '[1, "two", {"three": 3}]'
  scalar: '"str"'
  bad: '{"a": '
  empty: ""
  big: '{"n": 12345678901234567890, "f": 1e400}'
mixed:
  str: text
  int: 5
  float: 2.5
  big: 12345678
  bool: true
  nil: null
  empty: ""
  list: [1, [2, 3], {k: v}]
  map: {z: 1, a: 2, "with space": 3, "123": num, "true": boolkey}
  multiline: "line1\\nline2\\n"
  special: "a: b # c"
  quotes: "it's \\"quoted\\""
  unicode: "é✓"
  leadingspace: " x"
  yesword: "yes"
  numstr: "0123"
  floatstr: "1e3"
  tilde: "~"
  nullstr: "null"
"""
y = family("toyaml", [
    "{{ toYaml .Values.mixed }}",
    "{{ toYaml .Values.image }}",
    "{{ toYaml .Values.list }}",
    "{{ toYaml .Values.ports }}",
    "{{ toYaml .Values.name }}",
    "{{ toYaml .Values.replicas }}",
    "{{ toYaml .Values.nothing }}",
    "{{ toYaml .Values.env }}",
    "{{ toYaml (list) }}",
    "{{ toYaml nil }}",
    "{{ toYaml 1.5 }} {{ toYaml 3 }} {{ toYaml true }}",
    "{{ toYaml \"multi\\nline\" }}",
    "{{ toYaml (dict \"k\" \"multi\\nline\\n\") }}",
    "{{ toYaml (dict \"k\" \"trailing space \") }}",
    "{{ toYaml (list \"-\" \"?\" \":\" \"#\" \"&a\" \"*a\" \"!t\" \"%\" \"@\" \"`\" \"|\" \">\" \"'\" \"\\\"\") }}",
    "{{ toYaml (list \"yes\" \"no\" \"on\" \"off\" \"true\" \"null\" \"~\" \"1\" \"1.0\" \"0x1\" \"1e3\" \".5\" \"0o7\" \"007\") }}",
    "{{ toYaml (list \"\" \" \" \"a \" \" a\" \"a:b\" \"a: b\" \"a #b\" \"a#b\" \"[x]\" \"{x}\" \"a,b\") }}",
    "{{ toYaml .Values.mixed.multiline | nindent 2 }}",
    "data:\n  {{- toYaml .Values.labels | nindent 2 }}",
    "{{ toYaml .Release }}",
    "{{ toYaml .Chart }}",
    "{{ toYaml .Capabilities.KubeVersion }}",
    "{{ toYaml .Capabilities.HelmVersion }}",
    "{{ toYaml (dict \"b\" (b64enc \"x\") \"n\" (int64 5) \"f\" (float64 5)) }}",
    "{{ toYaml (list (list) (dict) (list (list))) }}",
    "{{ toYaml (dict \"long\" (repeat 100 \"word \")) }}",
    "{{ toYaml (semver \"1.2.3\") }}",
    "{{ toYaml 1e21 }} {{ toYaml 1e20 }} {{ toYaml 0.000001 }} {{ toYaml 100000000.0 }}",
    "{{ .Values.mixed | toYaml | indent 4 }}",
    "{{ mustToYaml .Values.image }}",
    "{{ toYamlPretty .Values.mixed }}",
    "{{ toYamlPretty .Values.ports }}",
    "{{ toYamlPretty (dict \"a\" (list 1 (list 2 3) (dict \"b\" (list)))) }}",
    "{{ toYamlPretty \"multi\\nline\\n\" }}",
    "{{ toYamlPretty nil }}",
    "{{ toYamlPretty (list \"yes\" \"1.0\" \"\" \"null\" \"a: b\") }}",
])
y += family("fromyaml", [
    "{{ (fromYaml .Values.yaml.map).a }} {{ (fromYaml .Values.yaml.map).b }} {{ (fromYaml .Values.yaml.map).c.d }}",
    "{{ fromYaml .Values.yaml.map | toYaml }}",
    "{{ fromYaml .Values.yaml.list }}",
    "{{ fromYaml .Values.yaml.scalar }}",
    "{{ fromYaml .Values.yaml.bad }}",
    "{{ fromYaml .Values.yaml.empty }}",
    "{{ fromYaml .Values.yaml.dup }}",
    "{{ fromYamlArray .Values.yaml.list }}",
    "{{ fromYamlArray .Values.yaml.map }}",
    "{{ fromYamlArray .Values.yaml.scalar }}",
    "{{ fromYamlArray .Values.yaml.bad }}",
    "{{ fromYamlArray .Values.yaml.empty }}",
    "{{ typeOf (fromYaml \"a: 1\").a }} {{ typeOf (fromYaml \"a: 1.5\").a }} {{ typeOf (fromYaml \"a: yes\").a }}",
    "{{ (fromYaml \"a: 1\").a | add 1 }}",
    "{{ fromYaml (toYaml .Values.mixed) | toJson }}",
    "{{ fromYaml \"a: &x 1\\nb: *x\" }}",
    "{{ fromYaml \"- a\\n- b\" | typeOf }}",
    "{{ fromYaml 1 }}",
    "{{ fromYaml nil }}",
])
y += family("json", [
    "{{ toJson .Values.mixed }}",
    "{{ toJson .Values.image }}",
    "{{ toJson .Values.nothing }} {{ toJson .Values.list }} {{ toJson \"<&>\" }}",
    "{{ toJson 1.5 }} {{ toJson 1e21 }} {{ toJson 1e20 }} {{ toJson 0.0000001 }} {{ toJson 100 }}",
    "{{ toJson .Release }}",
    "{{ toJson .Chart }}",
    "{{ toJson .Capabilities.KubeVersion }}",
    "{{ toJson (dict \"b\" (b64enc \"x\")) }}",
    "{{ toJson \"\\u2028 \\x01 \\t é\" }}",
    "{{ mustToJson .Values.labels }}",
    "{{ toPrettyJson .Values.image }}",
    "{{ toRawJson \"<&>\" }}",
    "{{ (fromJson .Values.json.map).a }} {{ (fromJson .Values.json.map).c.d }} {{ (fromJson .Values.json.map).b }}",
    "{{ fromJson .Values.json.list }}",
    "{{ fromJson .Values.json.scalar }}",
    "{{ fromJson .Values.json.bad }}",
    "{{ fromJson .Values.json.empty }}",
    "{{ fromJson .Values.json.big }}",
    "{{ fromJsonArray .Values.json.list }}",
    "{{ fromJsonArray .Values.json.map }}",
    "{{ fromJsonArray .Values.json.bad }}",
    "{{ fromJsonArray .Values.json.empty }}",
    "{{ typeOf (fromJson \"{\\\"a\\\": 1}\").a }}",
    "{{ fromJson \"{\\\"a\\\": 1} trailing\" }}",
    "{{ fromJson \"{\\\"a\\\": 1, \\\"a\\\": 2}\" }}",
    "{{ toJson (fromJson .Values.json.map) }}",
    "{{ fromJson \"{\\\"k\\\": \\\"\\\\u00e9\\\\n\\\"}\" | toJson }}",
])
total += write("helm-yaml-json", "toYaml/fromYaml/fromYamlArray/toJson/fromJson/fromJsonArray/mustTo*/toYamlPretty.", [(n, s | {"values.yaml": VY}) for n, s in y])

VT = VY + """\
toml:
  doc: |
    title = "t"
    [owner]
    name = "n"
    count = 3
    ratio = 0.5
    tags = ["a", "b"]
    [[items]]
    id = 1
    [[items]]
    id = 2
  bad: "a = "
  dates: "d = 1979-05-27T07:32:00Z\\nld = 1979-05-27\\n"
"""
tm = family("totoml", [
    "{{ toToml .Values.image }}",
    "{{ toToml .Values.mixed }}",
    "{{ toToml .Values.labels }}",
    "{{ toToml .Values.ports }}",
    "{{ toToml (dict \"ports\" .Values.ports) }}",
    "{{ toToml (dict \"a\" (dict \"b\" (dict \"c\" 1)) \"top\" 1) }}",
    "{{ toToml (dict \"list\" (list 1 2 3) \"strs\" (list \"a\" \"b\") \"mixed\" (list 1 \"a\")) }}",
    "{{ toToml (dict \"key with space\" 1 \"dotted.key\" 2 \"é\" 3 \"\" 4) }}",
    "{{ toToml (dict \"s\" \"quote\\\" back\\\\ nl\\n tab\\t ctl\\x01 é\") }}",
    "{{ toToml (dict \"f\" 1.5 \"i\" 3 \"big\" 1e21 \"whole\" 3.0 \"neg\" -0.5 \"tiny\" 1e-7) }}",
    "{{ toToml (dict \"b\" true \"n\" nil) }}",
    "{{ toToml (dict \"empty\" (dict) \"emptylist\" (list)) }}",
    "{{ toToml (dict \"nested\" (list (dict \"a\" 1) (dict \"b\" (dict \"c\" 2)))) }}",
    "{{ toToml (dict \"ll\" (list (list 1 2) (list \"a\"))) }}",
    "{{ toToml \"string\" }}",
    "{{ toToml 1 }}",
    "{{ toToml (list 1 2) }}",
    "{{ toToml nil }}",
    "{{ toToml .Values }}",
    "{{ toToml (dict \"z\" 1 \"a\" (dict \"x\" 1) \"m\" 2) }}",
    "{{ toToml (dict \"nan\" (float64 \"NaN\") \"inf\" (float64 \"+Inf\")) }}",
    "{{ toToml (dict \"x\" (list nil)) }}",
    "{{ toToml (dict \"int64\" (int64 9007199254740993) \"f\" 12345678.0) }}",
    "{{ toToml (dict \"m\" (dict \"list\" (list (dict \"k\" \"v\")) \"s\" 1)) }}",
])
tm += family("fromtoml", [
    "{{ fromToml .Values.toml.doc | toJson }}",
    "{{ (fromToml .Values.toml.doc).owner.name }}",
    "{{ fromToml .Values.toml.bad }}",
    "{{ fromToml \"\" }}",
    "{{ typeOf (fromToml \"a = 1\").a }} {{ typeOf (fromToml \"a = 1.5\").a }}",
    "{{ fromToml \"a = 'lit'\\nb = \\\"\\\"\\\"\\nmulti\\\"\\\"\\\"\\n\" | toJson }}",
    "{{ fromToml \"a.b.c = 1\\nd = { e = 2 }\" | toJson }}",
    "{{ fromToml \"x = 0x1F\\ny = 0o17\\nz = 0b11\\nw = 1_000\\nv = +inf\" | toJson }}",
])
total += write("helm-toml", "toToml (BurntSushi/toml as each helm vendors it) and fromToml (helm 4).", [(n, s | {"values.yaml": VT}) for n, s in tm])

FILES = {
    "config/app.properties": "mode=prod\nlevel=info\n",
    "config/logging.yaml": "level: debug\nformat: json\n",
    "config/sub/deep.conf": "deep=1\n",
    "scripts/init.sh": "#!/bin/sh\necho start\n",
    "README.md": "# readme\n",
    "data.bin": "bin\u00e9",
    "noeol.txt": "first\nsecond",
    "empty.txt": "",
}
fi = family("files", [
    "{{ .Files.Get \"config/app.properties\" }}",
    "{{ .Files.Get \"missing.txt\" }}|",
    "{{ .Files.Get \"config/app.properties\" | b64enc }}",
    "{{ .Files.GetBytes \"README.md\" }}",
    "{{ .Files.GetBytes \"missing\" }}",
    "{{ .Files.GetBytes \"README.md\" | toString }}",
    "{{ printf \"%s\" (.Files.GetBytes \"README.md\") }}",
    "{{ range .Files.Lines \"config/app.properties\" }}[{{ . }}]{{ end }}",
    "{{ range .Files.Lines \"noeol.txt\" }}[{{ . }}]{{ end }}",
    "{{ .Files.Lines \"missing\" }} {{ len (.Files.Lines \"missing\") }}",
    "{{ .Files.Lines \"empty.txt\" }}",
    "{{ range $path, $_ := .Files.Glob \"config/*\" }}{{ $path }} {{ end }}",
    "{{ range $path, $_ := .Files.Glob \"config/**\" }}{{ $path }} {{ end }}",
    "{{ range $path, $_ := .Files.Glob \"**.yaml\" }}{{ $path }} {{ end }}",
    "{{ range $path, $_ := .Files.Glob \"*\" }}{{ $path }} {{ end }}",
    "{{ range $path, $_ := .Files.Glob \"**\" }}{{ $path }} {{ end }}",
    "{{ range $path, $_ := .Files.Glob \"config/*.{yaml,properties}\" }}{{ $path }} {{ end }}",
    "{{ range $path, $_ := .Files.Glob \"?????.txt\" }}{{ $path }} {{ end }}",
    "{{ range $path, $_ := .Files.Glob \"[a-d]*\" }}{{ $path }} {{ end }}",
    "{{ range $path, $_ := .Files.Glob \"[!a-d]*\" }}{{ $path }} {{ end }}",
    "{{ range $path, $_ := .Files.Glob \"nomatch/*\" }}{{ $path }}{{ else }}none{{ end }}",
    "{{ range $path, $_ := .Files.Glob \"[unclosed\" }}{{ $path }} {{ end }}",
    "{{ range $path, $b := .Files.Glob \"scripts/*\" }}{{ $path }}={{ $b | toString }}{{ end }}",
    "{{ (.Files.Glob \"config/*\").AsConfig }}",
    "{{ (.Files.Glob \"config/**\").AsConfig | nindent 2 }}",
    "{{ (.Files.Glob \"config/*\").AsSecrets }}",
    "{{ (.Files.Glob \"nomatch\").AsConfig }}|",
    "{{ (.Files.Glob \"nomatch\").AsSecrets }}|",
    "{{ .Files.AsConfig }}",
    "{{ .Files.AsSecrets }}",
    "{{ ((.Files.Glob \"config/*\").Glob \"*/*.yaml\").AsConfig }}",
    "{{ (.Files.Glob \"config/*\").Get \"config/logging.yaml\" }}",
    "{{ len .Files }} {{ len (.Files.Glob \"config/*\") }}",
    "{{ typeOf .Files }} {{ typeOf (.Files.Glob \"*\") }} {{ kindOf .Files }}",
    "{{ index .Files \"README.md\" | toString }}",
    "{{ .Files.README.md }}",
    "{{ .Files.Get \"config/logging.yaml\" | fromYaml | toJson }}",
    "{{ tpl (.Files.Get \"config/app.properties\") . }}",
    "{{ .Files.Get }}",
    "{{ .Files.Nope \"x\" }}",
    "{{ .Files.Get 1 }}",
    "{{ range .Files.Lines \"scripts/init.sh\" }}{{ . | quote }} {{ end }}",
    "{{ .Files.Get \"data.bin\" | len }}",
    "{{ (.Files.Glob \"**.sh\").AsSecrets }}",
    "apiVersion: v1\nkind: ConfigMap\ndata:\n{{ (.Files.Glob \"config/*\").AsConfig | indent 2 }}",
    "{{ $f := .Files }}{{ $f.Get \"README.md\" }}",
    "{{ (dict \"f\" .Files).f.Get \"README.md\" }}",
    "{{ \"README.md\" | .Files.Get }}",
    "{{ 1 | .Files.Get }}",
    "{{ (.Files.Glob \"config/*\").AsConfig | len }}",
    "{{ .Files.AsConfig \"x\" }}",
    "{{ .Capabilities.APIVersions.Has \"a\" \"b\" }}",
    "{{ index .Files.Glob \"x\" }}",
    "{{ call .Files.Get \"x\" }}",
    "{{ .Files.Get nil }}",
    "{{ .Files.Get .Values.nope }}",
    "{{ .Files.Glob \"config/*\" | typeOf }} {{ .Files.Glob \"config/*\" | len }}",
    "{{ with .Files.Glob \"nomatch\" }}non-empty{{ else }}empty{{ end }}",
    "{{ if .Files }}has-files{{ end }}",
    "{{ range $k, $v := .Files }}{{ $k }}:{{ len $v }} {{ end }}",
    "{{ .Files.Lines \"config/app.properties\" | typeOf }} {{ .Files.GetBytes \"README.md\" | typeOf }}",
    "{{ .Files.Get \"README.md\" | printf \"%q\" }} {{ .Files.GetBytes \"README.md\" | printf \"%q\" }} {{ .Files.GetBytes \"README.md\" | printf \"%x\" }}",
    "{{ toJson .Files }}",
    "{{ toYaml (.Files.Glob \"scripts/*\") }}",
])
for n, s in fi:
    for k, v in FILES.items():
        s["files/" + k] = v
total += write("helm-files", ".Files: Get, GetBytes, Lines, Glob, AsConfig, AsSecrets as helm's engine/files.go.", fi)

caps = family("caps", [
    "{{ .Capabilities.APIVersions.Has \"apps/v1\" }} {{ .Capabilities.APIVersions.Has \"apps/v1/Deployment\" }} {{ .Capabilities.APIVersions.Has \"nope/v1\" }}",
    "{{ .Capabilities.APIVersions.Has \"v1\" }} {{ .Capabilities.APIVersions.Has \"policy/v1beta1\" }}",
    "{{ if .Capabilities.APIVersions.Has \"networking.k8s.io/v1/Ingress\" }}networking.k8s.io/v1{{ else }}extensions/v1beta1{{ end }}",
    "{{ .Capabilities.KubeVersion.Version }}",
    "{{ .Capabilities.KubeVersion.GitVersion }}",
    "{{ .Capabilities.KubeVersion.String }}",
    "{{ .Capabilities.KubeVersion }}",
    "{{ printf \"%s\" .Capabilities.KubeVersion }}",
    "{{ semverCompare \">=1.19-0\" .Capabilities.KubeVersion.GitVersion }}",
    "{{ semverCompare \"<1.20\" .Capabilities.KubeVersion.Version }}",
    "{{ .Capabilities.HelmVersion.Version }} {{ .Capabilities.HelmVersion.GitTreeState }}",
    "{{ .Capabilities.HelmVersion }}",
    "{{ typeOf .Capabilities.KubeVersion }} {{ typeOf .Capabilities.APIVersions }}",
    "{{ len .Capabilities.APIVersions | lt 20 }}",
    "{{ has \"apps/v1\" .Capabilities.APIVersions }}",
    "{{ .Capabilities.APIVersions.Has }}",
    "{{ .Capabilities.KubeVersion.GitVersion \"x\" }}",
    "{{ lookup \"v1\" \"Namespace\" \"\" \"kube-system\" }}",
    "{{ lookup \"v1\" \"Secret\" \"default\" \"db\" | len }}",
    "{{ (lookup \"v1\" \"ConfigMap\" \"default\" \"cm\").data }}",
    "{{ if (lookup \"v1\" \"Secret\" .Release.Namespace \"x\") }}found{{ else }}absent{{ end }}",
    "{{ $s := lookup \"v1\" \"Secret\" \"ns\" \"n\" }}{{ $s.data.password | default (randAlphaNum 0) | quote }}",
    "{{ lookup \"v1\" \"Pod\" }}",
    "{{ lookup 1 2 3 4 }}",
    "{{ typeOf (lookup \"v1\" \"Pod\" \"\" \"\") }}",
    "{{ .Release.IsUpgrade }} {{ .Release.IsInstall }} {{ .Release.Revision }} {{ typeOf .Release.Revision }}",
    "{{ .Chart.IsRoot }} {{ .Chart.APIVersion }} {{ .Chart.Type }}|{{ .Chart.Annotations }} {{ .Chart.Keywords }}",
    "{{ .Chart.Metadata }}",
    "{{ .Subcharts }} {{ typeOf .Subcharts }}",
    "{{ keys . | sortAlpha }}",
])
total += write("helm-objects", ".Capabilities methods, lookup, .Release/.Chart fields.", [(n, s | {"values.yaml": V}) for n, s in caps])
print("helm cases:", total)
