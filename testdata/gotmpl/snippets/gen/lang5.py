"""Generates lang-edge.txt: positions, unicode, deep nesting, byte-level strings.
Run: python3 testdata/gotmpl/snippets/gen/lang5.py"""
from lib import case, family, write, V_APP

total = 0
edge = family("edge", [
    "{{ \"é\" }}{{ .Values.a.b }}",
    "日本語 {{ .Values.a.b }}",
    "line1\n日本 {{ \"x\" }} {{ index .Values.list 5 }}",
    "{{ slice \"é\" 0 1 }}",
    "{{ slice \"héllo\" 1 2 | len }}",
    "{{ printf \"%c\" 0xD800 }}|{{ printf \"%c\" -1 }}|{{ printf \"%c\" 0x110000 }}",
    "{{ printf \"%q\" (slice \"é\" 0 1) }}",
    "{{ printf \"%x\" \"é\" }} {{ len \"é\" }}",
    "{{ index \"é\" 0 }} {{ index \"abc\" 1 }}",
    "{{ \"a\\u00a0b\" | quote }}",
    "x \u00a0{{- 1 -}}\u00a0 y",
    "x\u2003{{- 1 -}}\u2003y",
    "{{ 9007199254740993 }} {{ .Values.bigv }} {{ printf \"%.0f\" .Values.bigv }}",
    "{{ index .Values.labels 1.5 }}",
    "{{ index .Values.list (int64 1) }} {{ index .Values.list 1.0 }}",
    "{{ index .Values.list true }}",
    "{{ index .Values.labels (int64 1) }}",
    "{{ index (list 1 2) 9223372036854775807 }}",
    "{{ slice .Values.list (int64 1) }}",
    "{{ slice .Values.list 1.5 }}",
    "{{ len .Values.labels.tier }}",
    "{{ len (index .Values.ports 0) }}",
    "{{ (index .Values.ports 0).missing }}",
    "{{ (index .Values.ports 0).missing.deeper }}",
    "{{ .Values.ports.0 }}",
    "{{ template \"snippet/templates/a.yaml\" . }}",
    "{{ if eq 1 1 }}{{ if eq 2 2 }}{{ if eq 3 3 }}{{ if eq 4 4 }}{{ if eq 5 5 }}deep{{ end }}{{ end }}{{ end }}{{ end }}{{ end }}",
    "{{ range .Values.list }}{{ range $.Values.list }}{{ range $.Values.list }}.{{ end }}{{ end }}{{ end }}",
    "{{ ((((((((((1)))))))))) }}",
    "{{ print (print (print (print (print (print \"nested\"))))) }}",
    "{{ .Values.name | upper | lower | upper | lower | upper | lower | upper | lower | title }}",
])
edge += [
    case("edge-define-recursion-limit", "{{ template \"r\" 0 }}", templates={"_r.tpl": "{{ define \"r\" }}{{ template \"r\" . }}{{ end }}"}),
    case("edge-parse-error-line-in-comment", "{{/* line1\nline2 */}}\n{{ if }}"),
    case("edge-parse-error-after-two-comments", "{{/* a\nb */}}\n{{- /* c\n\nd */ -}}\n\n{{ end }}"),
    case("edge-parse-error-comment-then-text-lines", "{{/*\n*/}}\ntext\ntext\n{{ else }}"),
    case("edge-parse-error-inside-after-comment", "{{/* x\ny */}}{{ if true }}\n{{ range }}{{ end }}"),
    case("edge-parse-error-unclosed-action-after-comment", "{{/*\n*/}}\n{{ print 1\n\n"),
    case("edge-exec-error-after-comment", "{{/* one\ntwo */}}\n{{ .Values.a.b }}"),
    case("edge-parse-error-multiline-action", "{{ print\n  1\n  (\n }}"),
    case("edge-parse-error-partial", "ok", templates={"_h.tpl": "a\n\n{{ define \"h\" }}\n{{ end }}{{ end }}"}),
    case("edge-parse-error-colons", "{{ template \"a: b\" 1 2 }}"),
    case("edge-parse-error-first-file-wins", "{{ if }}", templates={"b.yaml": "{{ end }}", "_c.tpl": "{{ else }}"}),
    case("edge-exec-error-first-file-wins", "{{ .Values.a.b }}", templates={"b.yaml": "{{ .Values.c.d }}", "z.yaml": "{{ .Values.e.f }}"}),
    case("edge-template-defined-in-renderable", "{{ template \"from-b\" . }}", templates={"b.yaml": "{{ define \"from-b\" }}B:{{ .Template.Name }}{{ end }}b-body"}),
    case("edge-include-of-renderable-with-define", "{{ include \"snippet/templates/b.yaml\" . | trim }}", templates={"b.yaml": "{{ define \"q\" }}Q{{ end }}\n  body {{ template \"q\" }}  \n"}),
    case("edge-utf8-names", "{{ include \"名前\" . }}", templates={"_h.tpl": "{{ define \"名前\" }}ok-ユニコード{{ end }}"}),
    case("edge-dot-in-define-name", "{{ include \"a.b.c\" . }}{{ include \"a-b_c/d\" . }}", templates={"_h.tpl": "{{ define \"a.b.c\" }}1{{ end }}{{ define \"a-b_c/d\" }}2{{ end }}"}),
    case("edge-empty-define-name", "{{ include \"\" . }}", templates={"_h.tpl": "{{ define \"\" }}empty-name{{ end }}"}),
]
total += write("lang-edge", "Edge cases: positions with multi-byte text, byte-level strings, index/slice argument types, nesting.", [(n, s | ({"values.yaml": V_APP + "bigv: 9007199254740993\n"} if "values.yaml" not in s else {})) for n, s in edge])
print("lang5 cases:", total)
