"""Generates lang-builtins, lang-printf, lang-compare, lang-define, lang-values, lang-errors.
Run: python3 testdata/gotmpl/snippets/gen/lang2.py"""
from lib import case, family, write, V_APP

total = 0
V_B = V_APP + """\
m: {a: 1, b: [x, y]}
s: "héllo"
big: 1000000
neg: -3
f: 2.5
i64s: [1, 2, 3, 4, 5]
html: "<a href=\\"x\\">T&C's</a>"
"""
b = family("andor", [
    "{{ and 1 2 }} {{ and 1 0 }} {{ and 0 1 }} {{ and \"\" \"x\" }}",
    "{{ or 0 \"\" nil }} {{ or 0 2 3 }} {{ or \"a\" 1 }}",
    "{{ and }}",
    "{{ or }}",
    "{{ and 1 }} {{ or 0 }}",
    "{{ and .Values.missing .Values.missing.deeper }}",
    "{{ or .Values.enabled (fail \"not evaluated\") }}",
    "{{ and .Values.disabled (fail \"not evaluated\") }}",
    "{{ or .Values.disabled (fail \"evaluated\") }}",
    "{{ and .Values.enabled (fail \"evaluated too\") }}",
    "{{ and (list) (dict) }} {{ or (list) (dict) }}",
    "{{ and .Values.list .Values.labels | typeOf }}",
    "{{ or .Values.empty .Values.list }}",
    "{{ not 0 }} {{ not 1 }} {{ not \"\" }} {{ not .Values.list }} {{ not .Values.env }}",
    "{{ not }}",
    "{{ not 1 2 }}",
    "{{ and 1 (not 0) (or 0 1) }}",
])
b += family("len", [
    "{{ len .Values.list }} {{ len .Values.labels }} {{ len .Values.name }} {{ len .Values.s }}",
    "{{ len \"\" }} {{ len (list) }} {{ len (dict) }}",
    "{{ len .Values.replicas }}",
    "{{ len .Values.missing }}",
    "{{ len }}",
    "{{ len 1 2 }}",
    "{{ len (toString 12345) }}",
    "{{ len .Values.enabled }}",
])
b += family("index", [
    "{{ index .Values.list 0 }} {{ index .Values.list 2 }}",
    "{{ index .Values.labels \"tier\" }}",
    "{{ index .Values.labels \"missing\" }}",
    "{{ index .Values.m \"b\" 1 }}",
    "{{ index .Values.list 3 }}",
    "{{ index .Values.list -1 }}",
    "{{ index .Values.list \"x\" }}",
    "{{ index .Values.labels 1 }}",
    "{{ index .Values.list }}",
    "{{ index .Values.name 0 }}",
    "{{ index .Values.missing \"x\" }}",
    "{{ index .Values.missing 0 }}",
    "{{ index .Values.replicas 0 }}",
    "{{ index .Values.list 1.0 }}",
    "{{ index (list 1 2 3) 1 }}",
    "{{ index (dict \"a\" (list 1 (dict \"b\" \"deep\"))) \"a\" 1 \"b\" }}",
    "{{ index . \"Values\" \"name\" }}",
    "{{ index .Values.list nil }}",
    "{{ index .Values.labels nil }}",
    "{{ index .Values.list 'a' }}",
    "{{ index }}",
    "{{ index .Values.m \"a\" \"x\" }}",
])
b += family("slice", [
    "{{ slice .Values.list 1 }}",
    "{{ slice .Values.list 1 2 }}",
    "{{ slice .Values.list }}",
    "{{ slice .Values.name 1 3 }}",
    "{{ slice .Values.list 0 5 }}",
    "{{ slice .Values.list 2 1 }}",
    "{{ slice .Values.list 1 2 3 }}",
    "{{ slice .Values.name 1 2 3 }}",
    "{{ slice .Values.labels 1 }}",
    "{{ slice .Values.missing 1 }}",
    "{{ slice .Values.s 1 }}",
    "{{ slice .Values.list 3 }}",
    "{{ slice .Values.list -1 }}",
    "{{ slice \"abcdef\" 2 4 }}",
    "{{ slice (list 1 2 3 4) 1 3 4 }}",
    "{{ slice .Values.list 1 1 1 1 }}",
    "{{ slice .Values.list \"1\" }}",
])
b += family("escape", [
    "{{ html .Values.html }}",
    "{{ js .Values.html }}",
    "{{ urlquery .Values.html }}",
    "{{ html \"a\" 1 true nil }}",
    "{{ js \"line\\nbreak\\ttab'\\\"=<>&\" }}",
    "{{ js \"unicode é \\u2028 \\x01\" }}",
    "{{ urlquery \"a b&c=d/é?\" }}",
    "{{ urlquery 1 2 }}",
    "{{ html \"\\x00 null\" }}",
    "{{ .Values.html | html | len }}",
    "{{ js .Values.list }}",
    "{{ html }}",
    "{{ urlquery }}",
])
b += family("print", [
    "{{ print 1 2 }} {{ print \"a\" \"b\" }} {{ print 1 \"a\" 2 }} {{ print \"a\" 1 \"b\" }}",
    "{{ print }}|{{ println }}|{{ println 1 2 }}|",
    "{{ print .Values.list }} {{ print .Values.labels }}",
    "{{ print .Values.m }}",
    "{{ print nil 1 }} {{ print 1 nil }}",
    "{{ print 1.5 2.0 1e6 1e21 }}",
    "{{ print .Values.big .Values.ratio .Values.f }}",
    "{{ print true false }}",
    "{{ println \"a\" \"b\" }}",
    "{{ print (list 1 \"a\" nil (list) (dict)) }}",
    "{{ print (dict \"z\" 1 \"a\" (list 1 2)) }}",
    "{{ print .Release }}",
    "{{ print .Capabilities.KubeVersion }}",
    "{{ .Capabilities.KubeVersion }}",
    "{{ print .Capabilities.APIVersions | len | lt 10 }}",
    "{{ print (list \"a b\" \"c\") }}",
    "{{ print 'x' }}",
    "{{ print \"\" \"\" }}|",
    "{{ print .Values.nothing }} {{ .Values.nothing }}",
    "{{ print (toYaml .Values.m) }}",
    "{{ print (b64enc \"x\" | b64dec) }}",
    "{{ print (list 1 2 | toJson) }}",
])
b += family("call", [
    "{{ call .Values.name }}",
    "{{ call nil }}",
    "{{ call }}",
    "{{ call .Values.missing 1 }}",
])
total += write("lang-builtins", "Builtins: and/or (short-circuit), not, len, index, slice, html, js, urlquery, print, println, call.", [(n, s | {"values.yaml": V_B}) for n, s in b])

# ---------------------------------------------------------------- printf
verbs = ["%v", "%+v", "%#v", "%T", "%d", "%s", "%q", "%x", "%X", "%o", "%O", "%b", "%e", "%E", "%f", "%F", "%g", "%G", "%c", "%U", "%t", "%5d", "%-5d|", "%05d", "%+d", "% d", "%8.3f", "%-8.2f|", "%.0f", "%.3s", "%10s|", "%-10s|", "%#x", "%#o", "% x", "%x", "%.2e", "%6.2v", "%*d", "%[2]v %[1]v", "%!", "%z", "%", "%d %d", "%v%%"]
args = [("int", "42"), ("neg", ".Values.neg"), ("float", ".Values.f"), ("bigf", ".Values.big"), ("str", "\"héllo\""), ("bool", "true"), ("nil", "nil"), ("list", ".Values.list"), ("map", ".Values.m"), ("nums", ".Values.nums"), ("char", "'A'"), ("int64", "(int64 7)")]
pf = []
for ai, (an, a) in enumerate(args):
    tpl = "\n".join(f"{v!r:>8}: {{{{ printf {v!r} {a} }}}}".replace("'", "\"") if "'" not in v else "" for v in verbs)
    # one case per argument kind, every verb a line
    lines = []
    for v in verbs:
        gv = '"' + v.replace('"', '\\"') + '"'
        lines.append(f"{v} => {{{{ printf {gv} {a} }}}}")
    pf.append(case(f"verbs-{an}", "\n".join(lines)))
pf += family("printf", [
    "{{ printf \"%s is %d years\" \"x\" 3 }}",
    "{{ printf \"%d\" }}",
    "{{ printf \"%d %s\" 1 }}",
    "{{ printf \"%d\" 1 2 }}",
    "{{ printf \"no verbs\" 1 \"a\" }}",
    "{{ printf \"%s\" .Values.list }}",
    "{{ printf \"%v|%s|%d\" .Values.m .Values.m .Values.m }}",
    "{{ printf \"%*d|%-*d|\" 5 42 5 42 }}",
    "{{ printf \"%.*f\" 2 3.14159 }}",
    "{{ printf \"%[3]s %[1]s %[2]s\" \"a\" \"b\" \"c\" }}",
    "{{ printf \"%[5]d\" 1 }}",
    "{{ printf \"%[0]d\" 1 }}",
    "{{ printf \"%.2f%%\" 99.5 }}",
    "{{ printf \"%x %X\" \"hi\" \"hi\" }}",
    "{{ printf \"%08.3f|%+.2e|%x\" 3.14159 12345.678 255 }}",
    "{{ printf \"%t %t\" true 1 }}",
    "{{ printf \"%c|%c\" 65 0x1F600 }}",
    "{{ printf \"%q\" 65 }}",
    "{{ printf \"%v\" .Capabilities.APIVersions | len | lt 100 }}",
    "{{ printf \"%s\" .Release }}",
    "{{ printf \"%d\" .Values.f }}",
    "{{ printf \"%d\" .Values.big }}",
    "{{ printf \"%s\" nil }}",
    "{{ printf \"%d\" \"str\" }}",
    "{{ printf \"%v %v\" (int 3) (float64 3) }}",
    "{{ printf \"%6.2f|%-6.1f|%6d|%-6d|\" 1.0 2.0 3 4 }}",
    "{{ printf \"%#q\" \"back`tick\" }}",
    "{{ printf \"%#q\" \"plain\" }}",
    "{{ printf \"%+q\" \"é\" }}",
    "{{ printf \"%x\" (list 1 2 255) }}",
    "{{ printf \"%s\" (list \"a\" 1) }}",
    "{{ printf \"%v\" (dict \"b\" 2 \"a\" (list 1)) }}",
    "{{ printf \"%5t|%-7v|\" true nil }}",
    "{{ printf \"%.1f %.1f %.1f\" 0.05 0.15 0.25 }}",
    "{{ printf \"%g %g %g %g\" 100000.0 1000000.0 1e-4 1e-5 }}",
    "{{ printf \"%v %v\" 1e20 1e21 }}",
    "{{ printf \"%e\" 0.0 }}",
    "{{ printf \"%b\" 5.0 }}",
    "{{ printf \"%08s|%-08d|\" \"ab\" 3 }}",
    "{{ printf \"%U %#U\" 0x1F600 'x' }}",
    "{{ printf \"%!d\" 1 }}",
    "{{ printf \"%-+ #0d\" 5 }}",
    "{{ printf \"%v\" (printf \"%v\" nil) }}",
    "{{ printf \"%d items\" (len .Values.list) | upper }}",
    "{{ printf \"%s\" (b64enc \"x\" | toString) }}",
    "{{ printf \"%v\" (list nil) }}",
    "{{ printf \"%T %T %T %T\" .Values.list .Values.m .Values.replicas .Values.nothing }}",
    "{{ printf \"%T %T\" .Release .Chart }}",
    "{{ printf \"%T\" .Capabilities.APIVersions }}",
    "{{ printf \"%T %T\" .Files .Template }}",
    "{{ printf \"%v\" .Chart.IsRoot }}",
    "{{ printf }}",
    "{{ printf 1 }}",
])
total += write("lang-printf", "printf/print with every verb, flag, width, precision, argument index and bad verbs.", [(n, s | {"values.yaml": V_B}) for n, s in pf])

# ---------------------------------------------------------------- comparisons
cmp = []
operands = ["1", "2", "1.0", "1.5", "\"a\"", "\"b\"", "true", "nil", ".Values.replicas", ".Values.f", ".Values.name", ".Values.list", ".Values.m", "(int64 3)", "'a'", ".Values.missing", "(uint 1)"]
for op in ["eq", "ne", "lt", "le", "gt", "ge"]:
    lines = []
    for x in operands:
        # one case per (op, left operand); right operands listed on lines, errors break the case
        pass
import itertools
groups = {
    "ints": ["1", "2", "-1", "(int64 2)", "(int 1)", "(uint 3)", "'a'", "97"],
    "floats": ["1.0", "1.5", ".Values.f", ".Values.replicas", "2.5", "(float64 1)"],
    "strings": ["\"a\"", "\"b\"", ".Values.name", "\"shop\"", "\"\""],
    "bools": ["true", "false", ".Values.enabled"],
}
for op in ["eq", "ne", "lt", "le", "gt", "ge"]:
    for g, ops in groups.items():
        lines = [f"{x} {op} {y} = {{{{ {op} {x} {y} }}}}" for x, y in itertools.product(ops, ops)]
        if op in ("lt", "le", "gt", "ge") and g == "bools":
            lines = lines[:1]
        cmp.append(case(f"{op}-{g}", "\n".join(lines)))
cross = ["1 1.0", "1.0 1", ".Values.replicas 3", "3 .Values.replicas", "\"1\" 1", "1 \"1\"", "nil nil", "nil 1", "1 nil", ".Values.missing nil",
         ".Values.list .Values.list", ".Values.m .Values.m", "true 1", "'a' \"a\"", "(int64 1) 1", "(uint 1) 1", "(uint 1) -1", ".Values.nothing .Values.missing",
         "\"a\" \"a\" \"b\"", "\"c\" \"a\" \"b\" \"c\"", "1 2 3 1", "1", "(list 1) (list 1)", ".Release.Name \"release\"", ".Values.f 2.5", "(dict) (dict)"]
for op in ["eq", "ne", "lt", "le", "gt", "ge"]:
    for i, c in enumerate(cross):
        cmp.append(case(f"{op}-cross-{i + 1:02d}", f"{{{{ {op} {c} }}}}"))
cmp += family("cmp-misc", [
    "{{ eq }}",
    "{{ lt 1 }}",
    "{{ lt 1 2 3 }}",
    "{{ if eq .Values.image.pullPolicy \"Always\" \"IfNotPresent\" }}pull{{ end }}",
    "{{ if and (ge .Values.replicas 1.0) (le .Values.replicas 5.0) }}in-range{{ end }}",
    "{{ if gt (len .Values.list) 2 }}long{{ end }}",
    "{{ eq (int .Values.replicas) 3 }}",
    "{{ eq .Values.replicas 3.0 }}",
    "{{ lt .Values.neg 0.0 }}",
    "{{ eq (toString .Values.replicas) \"3\" }}",
])
total += write("lang-compare", "eq/ne/lt/le/gt/ge with Go's type rules (basic kinds, int vs float, nil, incomparable).", [(n, s | {"values.yaml": V_B}) for n, s in cmp])
print("lang2 cases:", total)
