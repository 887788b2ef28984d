"""Generates helm-yaml-emit.txt: toYaml (go-yaml v2 via JSON) and toYamlPretty (go-yaml v3)
on awkward strings, keys and shapes. Run: python3 testdata/gotmpl/snippets/gen/helm3.py"""
from lib import case, family, write, V_APP

total = 0
VE = """\
long: "this is a rather long sentence that keeps going well past the eighty column limit of the emitter, really"
longnospace: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
longquoted: "yes: this long line has a colon-space so it must be quoted, and it runs past eighty columns for sure"
multi: "first line\\nsecond line\\n"
multinoeol: "first line\\nsecond line"
multitrail: "a\\n\\n\\n"
multilead: "  indented first\\nsecond\\n"
tabs: "a\\tb"
cr: "a\\rb"
unicode: "żółć ☃ 日本"
bom: "\\ufeffbom"
nel: "a\\u0085b"
ls: "a\\u2028b"
emoji: "🙂 ok"
hash: "#hash"
colon: "key: value"
dash: "- item"
quote1: "'single'"
quote2: "\\"double\\""
amp: "&anchor"
star: "*alias"
pct: "%tag"
at: "@at"
tick: "`tick`"
brace: "{a: 1}"
bracket: "[1, 2]"
bool: "true"
null: "null"
tilde: "~"
num: "0755"
float: "1.5e3"
inf: ".inf"
date: "2020-01-01"
time: "12:30:45"
sexagesimal: "1:20"
space: " "
empty: ""
trailing: "trail "
keys:
  a10: 1
  a2: 2
  a1: 3
  B: 4
  b: 5
  "10": 6
  "9": 7
  _x: 8
  "-y": 9
  "a b": 10
  "": 11
  "é": 12
nested:
  list:
    - [1, [2, [3]]]
    - {a: {b: {c: {}}}}
    - []
    - {}
    - null
  map: {x: [], y: {}, z: [{}]}
"""
keys = ["long", "longnospace", "longquoted", "multi", "multinoeol", "multitrail", "multilead", "tabs", "cr", "unicode", "bom", "nel", "ls", "emoji",
        "hash", "colon", "dash", "quote1", "quote2", "amp", "star", "pct", "at", "tick", "brace", "bracket", "bool", "null", "tilde", "num", "float",
        "inf", "date", "time", "sexagesimal", "space", "empty", "trailing"]
em = []
for k in keys:
    em.append(case(f"emit-{k}", f"v2: {{{{ toYaml .Values.{k} }}}}\nv2-map:\n{{{{ toYaml (dict \"k\" .Values.{k}) | indent 2 }}}}\nv2-list:\n{{{{ toYaml (list .Values.{k}) | indent 2 }}}}\njson: {{{{ toJson .Values.{k} }}}}\n"))
    em.append(case(f"pretty-{k}", f"{{{{ toYamlPretty (dict \"k\" .Values.{k} \"l\" (list .Values.{k})) }}}}\n---\n{{{{ toYamlPretty .Values.{k} }}}}\n"))
em += [
    case("emit-keys", "{{ toYaml .Values.keys }}"),
    case("pretty-keys", "{{ toYamlPretty .Values.keys }}"),
    case("emit-nested", "{{ toYaml .Values.nested }}"),
    case("pretty-nested", "{{ toYamlPretty .Values.nested }}"),
    case("emit-all", "{{ toYaml .Values }}"),
    case("pretty-all", "{{ toYamlPretty .Values }}"),
    case("emit-long-key", "{{ toYaml (dict (repeat 130 \"k\") 1) }}"),
    case("pretty-long-key", "{{ toYamlPretty (dict (repeat 130 \"k\") 1) }}"),
    case("emit-multiline-key", "{{ toYaml (dict \"a\\nb\" 1) }}"),
    case("pretty-multiline-key", "{{ toYamlPretty (dict \"a\\nb\" 1) }}"),
    case("emit-deep-indent", "spec:\n  template:\n    {{- toYaml .Values.nested | nindent 4 }}"),
    case("pretty-ints", "{{ toYamlPretty (list 1 (int64 2) 3.0 3.5 1e21 1e-7 -0.0 (int 7)) }}"),
    case("emit-ints", "{{ toYaml (list 1 (int64 2) 3.0 3.5 1e21 1e-7 -0.0 (int 7)) }}"),
    case("pretty-objects", "{{ toYamlPretty .Capabilities.KubeVersion }}"),
    case("pretty-bools", "{{ toYamlPretty (list true false \"true\" \"False\" \"on\" \"y\" \"n\" \"No\") }}"),
    case("emit-bools", "{{ toYaml (list true false \"true\" \"False\" \"on\" \"y\" \"n\" \"No\") }}"),
    case("pretty-numbers-as-strings", "{{ toYamlPretty (list \"1\" \"-1\" \"+1\" \"0x1F\" \"0o17\" \"0b101\" \"1_000\" \"1e3\" \".5\" \"5.\" \"0755\" \"08\" \"1:20\" \"-.inf\" \".NaN\") }}"),
    case("emit-numbers-as-strings", "{{ toYaml (list \"1\" \"-1\" \"+1\" \"0x1F\" \"0o17\" \"0b101\" \"1_000\" \"1e3\" \".5\" \"5.\" \"0755\" \"08\" \"1:20\" \"-.inf\" \".NaN\") }}"),
    case("fromyaml-multidoc", "{{ fromYaml \"a: 1\\n---\\nb: 2\" }} {{ fromYamlArray \"- 1\\n---\\n- 2\" }}"),
    case("fromyaml-types", "{{ range $k, $v := fromYaml \"i: 1\\nf: 1.5\\nb: yes\\ns: '1'\\nn: ~\\nl: [1]\\nm: {a: 1}\\nd: 2020-01-01\\no: 0o17\\nx: 0x1F\" }}{{ $k }}={{ typeOf $v }} {{ end }}"),
    case("fromyaml-anchors", "{{ toJson (fromYaml \"base: &b {x: 1}\\nd:\\n  <<: *b\\n  y: 2\") }}"),
    case("fromyaml-bad-indent", "{{ fromYaml \"a:\\n  b: 1\\n c: 2\" }}"),
    case("fromyaml-tab", "{{ fromYaml \"a:\\n\\tb: 1\" }}"),
    case("fromyaml-unclosed-quote", "{{ fromYaml \"a: \\\"x\" }}"),
    case("fromyaml-mapping-in-seq-error", "{{ fromYamlArray \"- a: 1\\n b: 2\" }}"),
]
total += write("helm-yaml-emit", "toYaml (go-yaml v2 through JSON) and toYamlPretty (go-yaml v3) on awkward strings, keys and shapes; fromYaml corners.", [(n, s | {"values.yaml": VE}) for n, s in em])
misc = family("scope", [
    "{{ if $x := .Values.missing }}a{{ else }}[{{ $x }}]{{ end }}",
    "{{ with $x := .Values.missing }}a{{ else }}[{{ $x }}]{{ end }}",
    "{{ range $i, $v := .Values.list }}{{ $v := \"shadow\" }}{{ $v }}{{ end }}",
    "{{ range $i, $v := .Values.list }}{{ $i = 10 }}{{ $i }}{{ end }}",
    "{{ $x := 1 }}{{ range .Values.list }}{{ $x := 2 }}{{ end }}{{ $x }}",
    "{{ $x := 1 }}{{ define \"z\" }}{{ end }}{{ $x }}",
    "{{ with .Values.image }}{{ $t := .tag }}{{ end }}{{ $t }}",
    "{{ if true }}{{ $a := 1 }}{{ else }}{{ $a }}{{ end }}",
    "{{ range .Values.list }}{{ $x := . }}{{ else }}{{ $x }}{{ end }}",
    "{{ $x := \"outer\" }}{{ with \"inner\" }}{{ $x = . }}{{ end }}{{ $x }}",
    "{{ $x := \"outer\" }}{{ range .Values.list }}{{ $x = . }}{{ end }}{{ $x }}",
    "{{ $x := list }}{{ range .Values.list }}{{ $x = append $x (upper .) }}{{ end }}{{ $x }}",
    "{{ $ := \"redeclared\" }}",
    "{{ range $.Values.list }}{{ $ | typeOf }}{{ end }}",
])
must = family("must", [
    "{{ mustToYaml (dict \"x\" (float64 \"NaN\")) }}",
    "{{ mustToJson (dict \"x\" (float64 \"NaN\")) }}",
    "{{ toYaml (dict \"x\" (float64 \"NaN\")) }}|{{ toJson (float64 \"+Inf\") }}|",
    "{{ mustToYaml .Values.nested }}",
    "{{ mustToJson .Values.nested }}",
    "{{ mustToYaml nil }}|{{ mustToJson nil }}",
    "{{ toYamlPretty (float64 \"NaN\") }} {{ toYamlPretty (list (float64 \"+Inf\") (float64 \"-Inf\")) }}",
])
tomls = family("toml2", [
    "{{ toToml (dict \"srv\" (dict \"a b\" (dict \"c.d\" (list (dict \"x\" 1) (dict \"y\" (dict \"z\" 2)))))) }}",
    "{{ toToml (dict \"arr\" (list (dict \"a\" 1) 2)) }}",
    "{{ toToml (dict \"arr\" (list (list (dict \"a\" 1)))) }}",
    "{{ toToml (dict \"m\" (dict \"inner\" (dict) \"v\" 1) \"z\" (list)) }}",
    "{{ toToml (dict \"t\" (list (dict \"n\" nil \"k\" 1))) }}",
    "{{ toToml (dict \"inline\" (list (dict \"a\" (dict \"b\" 1) \"c\" 2) 3)) }}",
    "{{ toToml (list (dict \"a\" 1)) }}",
    "{{ toToml (dict \"s\" \"\\u007f \\u001b\") }}",
    "{{ toToml .Values.nested }}",
    "{{ toToml .Values.keys }}",
    "{{ toToml (dict \"b\" (b64enc \"x\" | b64dec | toString) \"v\" (semver \"1.2.3\")) }}",
])
total += write("helm-must-toml", "mustToYaml/mustToJson failures, more toToml shapes.", [(n, s | {"values.yaml": VE}) for n, s in must + tomls])
total += write("lang-scope", "Variable scope across if/else, with/else, range/else and define.", [(n, s | {"values.yaml": V_APP}) for n, s in misc])
print("helm3 cases:", total)
