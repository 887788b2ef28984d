"""Generates lang-lex.txt (lexer corner cases) and lang-output.txt (printing of every value kind).
Run: python3 testdata/gotmpl/snippets/gen/lang4.py"""
from lib import case, family, write, V_APP

total = 0
lex = family("lex", [
    "{{- 3}}", "{{3 -}}x", "{{-3}}", "{{ -.5 }}", "{{ +.5e-3 }}", "{{ 0x1.fp10 }}", "{{ 1.e3 }}", "{{ .5e+2 }}",
    "{{ '\\a' }} {{ '\\b' }} {{ '\\f' }} {{ '\\v' }} {{ '\\r' }}", "{{ '\\u12345' }}", "{{ '\\U00110000' }}", "{{ '\\400' }}", "{{ '\\x4' }}",
    "{{ `}}` }}", "{{ \"}}\" }}", "{{ `{{` }}", "{{\"a\"}}{{\"b\"}}", "{{ \"a\"|upper }}", "{{ \"a\" |upper|lower }}",
    "{{ /* c */ }}", "{{/* c */ }}", "{{ /* c */}}", "{{- /* a */ -}} {{- /* b */ -}}", "{{/* a */}}{{/* b */}}",
    "{{/* nested /* comment */ */}}", "{{/* * / */}}", "x{{/**/-}}  y", "x  {{-/**/}}y",
    "{{ .Values.name}}", "{{.Values.name }}", "{{.Values.name}}", "{{\t.Values.name\t}}", "{{\n.Values.name\n}}", "{{\r\n.Values.name\r\n}}",
    "{{ $x:=1 }}{{ $x }}", "{{ $x :=1 }}{{$x}}", "{{ $x= 1 }}", "{{ $x := 1 }}{{ $x=2 }}{{ $x }}",
    "{{ (1)}}", "{{(1) }}", "{{ ( 1 ) }}", "{{ print(1) }}", "{{ print (1)(2) }}", "{{ print 1(2) }}",
    "{{ .Values.image.tag.}}", "{{ . Values }}", "{{ .Values . }}", "{{ $.}}", "{{ $. }}", "{{ $.Values.name }}",
    "{{ true}}{{false }}", "{{ nil}}", "{{ truefalse }}", "{{ iftrue }}", "{{ if(true) }}x{{ end }}",
    "{{ 1 | printf \"%d\"|printf \"[%s]\" }}", "{{ print 1 2|print }}", "{{ print \"a\"\"b\" }}", "{{ print 'a''b' }}",
    "{{ .Values.list|len }}", "{{ len .Values.list|print }}", "{{ -1|print }}", "{{ print -1 }}", "{{ print - 1 }}",
    "{{ print 1- }}", "{{ 1+1 }}", "{{ print 1 +1 }}", "{{ $x := -1 }}{{ $x }}",
    "{{ \"\\x41\\101\\u0041\" }}", "{{ \"\\\\\" }}", "{{ \"\\'\" }}", "{{ '\"' }}",
    "{{{{ 1 }}", "{{ 1 }}}}", "{ {{ 1 }} }", "{{- }}", "{{ -}}", "{{-}}",
    "{{/*", "{{/* c", "{{ \"", "{{ `", "{{ '",
    "{{ if true -}} \n yes \n {{- end }}", "{{ range .Values.list -}}\n  {{ . }}\n{{- end }}",
    "{{- with .Values.image }}\n{{ .tag }}\n{{- end }}\n",
    "{{ $ | typeOf }}", "{{ $$ }}", "{{ $x$ }}", "{{ $x.1 }}", "{{ .1 }}", "{{ .a-b }}", "{{ .Values.with-dash }}",
    "{{ printf \"%s\" .Values.name -}}\n\n\ntext",
    "a{{/* comment with {{ braces }} inside */}}b",
    "{{ \"🙂\" | len }} {{ '🙂' }}",
])
total += write("lang-lex", "Lexer corner cases: spacing, trim markers, comments, literals, delimiters.", [(n, s | {"values.yaml": V_APP + "with-dash: d\n"}) for n, s in lex])

VO = V_APP + """\
inf: .inf
ninf: -.inf
nan: .nan
big: 1e+21
small: 1e-7
neg0: -0.0
huge: 123456789012345678901234567890
nested: {a: {b: {c: [1, {d: [true, null, "s"]}]}}}
emptys: {l: [], m: {}, s: ""}
"""
out = family("out", [
    "{{ .Values.inf }} {{ .Values.ninf }} {{ .Values.nan }}",
    "{{ toJson .Values.inf }}|{{ toYaml .Values.inf }}|{{ toToml (dict \"x\" .Values.inf) }}",
    "{{ .Values.big }} {{ .Values.small }} {{ .Values.neg0 }} {{ .Values.huge }}",
    "{{ toJson .Values.big }} {{ toJson .Values.small }} {{ toJson .Values.neg0 }} {{ toJson .Values.huge }}",
    "{{ toYaml .Values.big }} {{ toYaml .Values.small }} {{ toYaml .Values.neg0 }} {{ toYaml .Values.huge }}",
    "{{ .Values.nested }}",
    "{{ toYaml .Values.nested }}",
    "{{ toJson .Values.nested }}",
    "{{ toPrettyJson .Values.nested }}",
    "{{ .Values.emptys }} {{ toJson .Values.emptys }}",
    "{{ toYaml .Values.emptys }}",
    "{{ printf \"%v|%+v|%#v\" .Values.emptys .Values.emptys .Values.emptys }}",
    "{{ printf \"%v|%#v\" .Values.nested .Values.nested }}",
    "{{ printf \"%#v\" .Values.inf }} {{ printf \"%#v\" .Values.big }} {{ printf \"%#v\" 1.0 }}",
    "{{ printf \"%#v %#v %#v %#v\" \"s\" true nil 3 }}",
    "{{ printf \"%#v\" (list \"a\" (list 1) (dict \"k\" nil)) }}",
    "{{ printf \"%#v\" (splitList \",\" \"a,b\") }}",
    "{{ printf \"%#v\" (b64enc \"hi\" | b64dec) }}",
    "{{ printf \"%#v\" .Values.huge }}",
    "{{ printf \"%x %X %o %b\" .Values.ratio .Values.ratio 8 5 }}",
    "{{ printf \"%e %E %.3g %G\" .Values.small .Values.big .Values.ratio .Values.big }}",
    "{{ printf \"%08.3f|%-8.3f|%+08d|% 08d\" .Values.ratio .Values.ratio 42 42 }}",
    "{{ printf \"%#g %#.3g %#e %#f\" 1.0 2.0 3.0 4.0 }}",
    "{{ printf \"%#x %#X %#o %#b\" 255 255 8 5 }}",
    "{{ printf \"%#x\" \"hi\" }} {{ printf \"% x\" \"hi\" }} {{ printf \"%# x\" \"hi\" }} {{ printf \"%X\" \"hi\" }}",
    "{{ printf \"%.1x\" \"hello\" }} {{ printf \"%5.1s|\" \"hello\" }}",
    "{{ printf \"%6.2f%%\" 12.345 }}",
    "{{ printf \"%v\" .Values.inf }} {{ printf \"%f\" .Values.inf }} {{ printf \"%+.1f\" .Values.ninf }} {{ printf \"%08.2f\" .Values.nan }}",
    "{{ printf \"%d\" (int64 .Values.big) }}",
    "{{ printf \"%q\" (list \"a\" \"b\") }} {{ printf \"%q\" .Values.labels }}",
    "{{ printf \"%s\" (list 1 \"a\" true nil) }}",
    "{{ printf \"%d\" (list 1 \"a\" true nil) }}",
    "{{ printf \"%t\" (list true 1) }}",
    "{{ printf \"%c\" (list 65 66) }}",
    "{{ printf \"%U\" 'é' }} {{ printf \"%#U\" 'é' }} {{ printf \"%q\" 'é' }} {{ printf \"%+q\" 'é' }}",
    "{{ printf \"%x\" -255 }} {{ printf \"%X\" -1 }} {{ printf \"%o\" -8 }} {{ printf \"%b\" -5 }}",
    "{{ printf \"%.3d|%.0d|%5.0d|\" 7 0 0 }}",
    "{{ printf \"%-010d|%0-10d|\" 5 5 }}",
    "{{ printf \"%[1]d %[1]x %[1]o\" 64 }}",
    "{{ printf \"%[2]*[1]d|\" 12 5 }}",
    "{{ printf \"%[3]v\" 1 2 }}",
    "{{ printf \"%.[2]f\" 1.0 }}",
    "{{ printf \"%d %[1]d %d\" 1 2 }}",
    "{{ printf \"%[1]\" 1 }}",
    "{{ printf \"%[x]d\" 1 }}",
    "{{ printf \"%[1\" 1 }}",
    "{{ printf \"%-*d|\" -5 1 }}",
    "{{ printf \"%*d|\" \"x\" 1 }}",
    "{{ printf \"%.*d|\" -1 1 }}",
    "{{ printf \"%!\" }} {{ printf \"%%%d%%\" 5 }}",
    "{{ printf \"%v %v\" .Release.IsInstall .Release.Revision }}",
    "{{ printf \"%s\" .Files }} {{ printf \"%v\" .Files }} {{ printf \"%d\" .Files }}",
    "{{ printf \"%v\" (.Files.GetBytes \"nope\") }} {{ printf \"%s\" (list) }} {{ printf \"%v\" (dict) }}",
])
total += write("lang-output", "How every kind of value prints: actions, print, printf verbs, JSON and YAML.", [(n, s | {"values.yaml": VO}) for n, s in out])
print("lang4 cases:", total)
