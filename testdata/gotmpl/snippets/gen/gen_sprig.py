#!/usr/bin/env python3
"""Writes testdata/gotmpl/snippets/sprig-*.txt. Run from anywhere:  python3 testdata/gotmpl/snippets/gen/gen_sprig.py"""
import os, sys
sys.path.insert(0, os.path.dirname(__file__))
from core import Family

VALUES = """i: 3
n: yaml-1.1-bool-key
f: 2.5
neg: -4
zero: 0
big: 1000000
s: hello world
word: Hello
e: ""
t: true
fa: false
nul: null
num: "42"
l: [1, 2, 3]
sl: [pear, apple, fig]
ml: [a, 1, null, true, 2.5]
el: []
m: {a: 1, b: two, c: null}
em: {}
nested: {x: {y: {z: deep}}}
"""

FAMILIES = []
def family(stem, title, values=VALUES):
    f = Family(stem, title, values)
    FAMILIES.append(f)
    return f

# ---------------------------------------------------------------- strings
s = family("sprig-strings", "string functions")
s.x("abbrev", 'abbrev 5 "hello world"', 'abbrev 3 "hello"', 'abbrev 4 "hello"', 'abbrev 20 "short"', 'abbrev 5 ""',
    'abbrev -1 "abc"', '.Values.s | abbrev 8', 'abbrev .Values.i "hello world"', 'abbrev 5 42', 'abbrev 5 .Values.nul',
    'abbrev 6 "héllo wörld"', 'abbrev (int .Values.f) .Values.s', 'abbrev "5" "hello world"')
s.x("abbrevboth", 'abbrevboth 5 10 "1234 5678 9123"', 'abbrevboth 0 8 "abcdefghij"', 'abbrevboth 3 20 "abc"',
    'abbrevboth 1 5 "abcdefghijkl"', '"abcdefghijklmnop" | abbrevboth 4 9', 'abbrevboth .Values.i 10 "x"',
    'abbrevboth 10 4 "abcdefghijklmnop"')
s.x("trunc", 'trunc 5 "hello world"', 'trunc -5 "hello world"', 'trunc 50 "x"', 'trunc -50 "x"', 'trunc 0 "abc"',
    '"abcdef" | trunc 3', 'trunc .Values.i "abc"', 'trunc (int .Values.i) .Values.s', 'trunc 2 "äöü"',
    'trunc 3 .Values.i', 'trunc 3 .Values.nul', 'trunc 3 .Values.num')
s.x("trim", 'trim "  a b  "', 'trim "\\t\\nx\\n"', '.Values.s | trim', 'trim ""', 'trim .Values.i', 'trim .Values.l',
    '"  y  " | trim | quote')
s.x("upper", 'upper "hello"', 'upper "straße"', '.Values.word | upper', 'upper .Values.t', 'upper "ǆ"', 'upper "µ"')
s.x("lower", 'lower "HeLLo"', 'lower "ÀÉÎ"', 'lower .Values.word', 'lower 1', 'lower "İ"')
s.x("title", 'title "hello wORLD"', 'title "it\'s a test-case_x"', 'title "élan vital"', '.Values.s | title',
    'title ""', 'title "hello\\tworld\\nnext"', 'title "a.b,c;d"')
s.x("untitle", 'untitle "Hello World"', 'untitle "HELLO WORLD"', 'untitle .Values.word', 'untitle "Éa Üb"')
s.x("substr", 'substr 0 5 "hello world"', 'substr 6 -1 "hello world"', 'substr -1 3 "hello"', 'substr 2 99 "hello"',
    'substr 3 2 "hello"', 'substr 10 20 "abc"', '"abcdef" | substr 1 3', 'substr .Values.i 5 "abcdef"',
    'substr 0 2 "日本語"', 'substr 0 0 "abc"', 'substr 1 "3" "abcdef"')
s.x("repeat", 'repeat 3 "ab"', 'repeat 0 "x"', 'repeat -1 "x"', '"-" | repeat 5', 'repeat .Values.i "x"',
    'repeat 2 .Values.word', 'repeat 2 ""')
s.x("trimAll", 'trimAll "$" "$5.00$"', 'trimall "ab" "abxba"', 'trimAll "" "  x "', '"--a--" | trimAll "-"',
    'trimAll "x" .Values.i', 'trimAll .Values.word "HelloxHello"')
s.x("trimSuffix", 'trimSuffix "-" "a-"', 'trimSuffix "-" "a--"', 'trimSuffix ".yaml" "x.yaml"', '"file.txt" | trimSuffix ".txt"',
    'trimSuffix "" "abc"', 'trimSuffix 1 "a1"')
s.x("trimPrefix", 'trimPrefix "-" "-a"', 'trimPrefix "v" "v1.2.3"', '"prefix-x" | trimPrefix "prefix-"', 'trimPrefix "zz" "abc"',
    'trimPrefix "h" .Values.s')
s.x("nospace", 'nospace "h e l l o"', 'nospace "\\ta\\nb c\\u00a0d"', '.Values.s | nospace', 'nospace ""')
s.x("initials", 'initials "hello big world"', 'initials "  a  b  "', 'initials ""', 'initials "Élan vital"',
    '.Values.s | initials', 'initials "one"')
s.x("swapcase", 'swapcase "Hello World"', 'swapcase "This Is A.Test"', 'swapcase "ÄbC"', '.Values.s | swapcase',
    'swapcase "hello  world"', 'swapcase ""')
s.x("snakecase", 'snakecase "HelloWorld"', 'snakecase "helloWorld"', 'snakecase "HTTPServer"', 'snakecase "already_snake"',
    'snakecase "with space"', 'snakecase "a1B2"', 'snakecase "JSONData2Go"', 'snakecase "kebab-case-x"', '.Values.word | snakecase',
    'snakecase ""', 'snakecase "XMLHttpRequest"', 'snakecase "__x__"')
s.x("camelcase", 'camelcase "hello_world"', 'camelcase "http_server"', 'camelcase "_a_b_"', 'camelcase "already Camel"',
    'camelcase "kebab-case"', 'camelcase "a__b"', '.Values.s | camelcase', 'camelcase ""', 'camelcase "x1_y2"')
s.x("kebabcase", 'kebabcase "HelloWorld"', 'kebabcase "helloWorld"', 'kebabcase "HTTPServer"', 'kebabcase "snake_case"',
    'kebabcase "with space"', '.Values.word | kebabcase', 'kebabcase "ABC"', 'kebabcase "a1B2c3"')
s.x("wrap", 'wrap 5 "hello world foo"', 'wrap 10 "the quick brown fox jumps over the lazy dog"', 'wrap 3 "abcdefgh"',
    'wrap 0 "a b c"', '.Values.s | wrap 5', 'wrap .Values.i "a b c"', 'wrap 5 "a\\nbb ccc dddd eeeee"')
s.x("wrapWith", 'wrapWith 5 "\\t" "hello world foo"', 'wrapWith 10 "<br>" "the quick brown fox jumps over"',
    'wrapWith 3 "|" "ab cd ef"', 'wrapWith 5 "," .Values.s', 'wrapWith 5 1 "a b"')
s.x("contains", 'contains "ll" "hello"', 'contains "zz" "hello"', 'contains "" "x"', '.Values.s | contains "world"',
    'contains "1" .Values.i', 'contains .Values.word "Hello!"', 'if contains "wor" .Values.s }}yes{{ else }}no{{ end')
s.x("hasPrefix", 'hasPrefix "he" "hello"', 'hasPrefix "lo" "hello"', '.Values.s | hasPrefix "hello"', 'hasPrefix "" ""',
    'hasPrefix "x" .Values.nul')
s.x("hasSuffix", 'hasSuffix "lo" "hello"', 'hasSuffix "he" "hello"', '.Values.s | hasSuffix "world"', 'hasSuffix "x" 1')
s.x("quote", 'quote "a"', 'quote "a" "b"', 'quote 1 2.5 true', 'quote nil', 'quote "x" nil "y"', 'quote',
    'quote .Values.i', 'quote .Values.f', 'quote .Values.big', 'quote .Values.l', 'quote .Values.m', 'quote .Values.nul',
    'quote "he said \\"hi\\""', 'quote "tab\\there"', 'quote "ünï"', '.Values.s | quote', 'quote .Values.t',
    'quote .Values.ml', 'quote (list 1 "a")', 'quote .Values.missing', 'quote "\\\\"', 'quote "\\u0001"')
s.x("squote", 'squote "a"', 'squote "a" "b"', "squote \"it's\"", 'squote 1 nil 2', 'squote .Values.i',
    'squote .Values.l', 'squote', '.Values.word | squote', 'squote .Values.m')
s.x("cat", 'cat "a" "b"', 'cat "a" 1 nil "b"', 'cat', 'cat nil', 'cat .Values.l', 'cat .Values.i .Values.f .Values.s',
    'cat .Values.m', '"z" | cat "a"', 'cat 1.0 2.50 1e21', 'cat .Values.big', 'cat (list) (dict)', 'cat true false')
s.x("indent", 'indent 2 "a\\nb"', 'indent 0 "x"', 'indent 4 ""', 'indent -1 "x"', 'indent .Values.i "x"',
    '"a\\n\\nb" | indent 3', 'indent 2 "trailing\\n"', 'indent 2 .Values.i')
s.x("nindent", 'nindent 4 "x"', 'nindent 2 "a\\nb"', 'nindent 0 "x"', '.Values.s | nindent 2', 'nindent .Values.f "x"',
    'toYaml .Values.m | nindent 2', 'nindent 1 ""')
s.x("replace", 'replace "a" "b" "banana"', '"banana" | replace "an" ""', 'replace "" "-" "abc"', 'replace "x" "y" ""',
    'replace " " "_" .Values.s', 'replace "1" "2" .Values.i', 'replace "." "\\n" "a.b"')
s.x("plural", 'plural "one" "many" 1', 'plural "one" "many" 2', 'plural "one" "many" 0', 'plural "one" "many" -1',
    'plural "a" "b" .Values.i', 'plural "a" "b" (int .Values.i)', 'len .Values.l | plural "item" "items"', 'plural "a" "b" "1"')
s.x("toString", 'toString 1', 'toString 1.5', 'toString nil', 'toString .Values.l', 'toString .Values.m', 'toString true',
    'toString .Values.i', 'toString .Values.big', 'toString "s"', 'toString (list "a" 1)', 'toString .Values.nul',
    'toString 1e21', 'toString (b64enc "x")', 'toString .Values.ml', 'typeOf (toString 5)', 'toString (toDate "2006" "2020")',
    'toString 0.1', 'toString -0.0', 'toString 100000000000')
s.x("atoi", 'atoi "42"', 'atoi "x"', 'atoi " 4"', 'atoi "-7"', 'atoi "3.5"', 'atoi .Values.num', 'atoi .Values.i',
    '"12" | atoi | add1', 'atoi ""', 'atoi "+8"', 'atoi "0x10"', 'typeOf (atoi "1")')
s.x("int", 'int "12"', 'int "1e3"', 'int "0x1F"', 'int "08"', 'int "010"', 'int 3.9', 'int -3.9', 'int .Values.f',
    'int nil', 'int true', 'int false', 'int "abc"', 'int .Values.num', 'int "12.0"', 'int "12.5"', 'int .Values.l',
    'typeOf (int "1")', 'int "  5"', 'int "-0b101"', 'int "1_000"')
s.x("int64", 'int64 "12"', 'int64 3.9', 'int64 .Values.i', 'int64 .Values.big', 'int64 "x"', 'int64 nil',
    'typeOf (int64 1)', 'int64 true', 'int64 "0o17"', 'int64 "9223372036854775807"', 'int64 "12.0"')
s.x("float64", 'float64 "1.5"', 'float64 "abc"', 'float64 3', 'float64 .Values.i', 'float64 nil', 'float64 true',
    'float64 "1e3"', 'typeOf (float64 1)', 'float64 .Values.num', 'float64 "0x10"', 'float64 " 2"', 'float64 "inf"',
    'float64 "1_0"')
s.x("toDecimal", 'toDecimal "0777"', 'toDecimal "777"', 'toDecimal 777', 'toDecimal "8"', 'toDecimal .Values.i',
    'toDecimal "x"', 'toDecimal .Values.f', 'toDecimal nil', 'typeOf (toDecimal "1")', 'toDecimal "-17"')
s.x("yaml11-key", 'trunc .Values.n "abc"', 'keys .Values | sortAlpha', 'toJson .Values.n', 'get .Values "false"')
s.x("hello", 'hello', 'hello | upper', 'typeOf hello')
s.x("shuffle", 'shuffle "abc" | len', 'shuffle "" | len', 'shuffle "aaaa"', 'shuffle "日本" | len')
s.x("string-errors", 'upper', 'upper "a" "b"', 'trunc "x"', 'indent 1', 'replace "a" "b"', 'substr 1 2',
    'nospace 1.5', 'title (list 1)', 'lower .Values.m', 'initials .Values.nul')

# ---------------------------------------------------------------- string lists
sl = family("sprig-stringlists", "string list functions")
sl.x("split", 'split "," "a,b,c"', '(split "," "a,b")._1', 'split "" "abc"', 'split "," ""', 'split ", " "a, b,c"',
     '.Values.s | split " "', 'split "," .Values.i', 'typeOf (split "," "a")', 'range $k, $v := split "." "x.y.z" }}{{ $k }}={{ $v }};{{ end',
     'split "," "a,,b" | len', '(split "," "a,b,c")._3')
sl.x("splitList", 'splitList "," "a,b,c"', 'splitList "" "abc"', 'splitList "," ""', 'splitList "," "a,,b" | len',
     '.Values.s | splitList " "', 'splitList "," .Values.l', 'typeOf (splitList "," "a")', 'splitList "," "a,b" | last',
     'splitList "ab" "xabyabz"', 'splitList "," "x" | toJson', 'range splitList ":" "p:q" }}[{{ . }}]{{ end')
sl.x("splitn", 'splitn "," 2 "a,b,c"', 'splitn "," 0 "a,b"', 'splitn "," -1 "a,b,c"', 'splitn "," 5 "a,b"',
     'splitn "," .Values.i "a,b,c,d"', '"k=v=w" | splitn "=" 2', '(splitn "=" 2 "k=v=w")._1', 'typeOf (splitn "," 1 "a")')
sl.x("toStrings", 'toStrings (list 1 2 nil)', 'toStrings .Values.l', 'toStrings .Values.ml', 'toStrings "abc"',
     'toStrings nil', 'toStrings .Values.m | len', 'typeOf (toStrings (list 1))', 'toStrings (list 1.5 true "x") | toJson',
     'toStrings .Values.el', 'toStrings 5')
sl.x("join", 'join "," (list "a" "b")', 'join "," .Values.l', 'join "-" "abc"', 'join ", " .Values.sl', 'join "" (list 1 nil 2)',
     'list "x" "y" | join "+"', 'join "," .Values.ml', 'join "," nil', 'join "," .Values.el', 'join .Values.i (list 1)',
     'join "," (until 4)', 'join "," 42', 'join "," .Values.m | len', 'join "," (splitList "." "a.b")', 'join "," (list (list 1 2) 3)')
sl.x("sortAlpha", 'sortAlpha .Values.sl', 'sortAlpha (list "b" "a" "C" "10" "9")', 'sortAlpha (list 3 1 2)', 'sortAlpha "abc"',
     'sortAlpha .Values.ml', 'sortAlpha nil', 'sortAlpha .Values.m', 'typeOf (sortAlpha (list))', 'keys .Values.m | sortAlpha',
     'sortAlpha (list "é" "e" "z")', 'sortAlpha 12', 'sortAlpha .Values.el | len')

# ---------------------------------------------------------------- math (int)
mi = family("sprig-math-int", "integer math")
mi.x("add1", 'add1 1', 'add1 .Values.i', 'add1 .Values.f', 'add1 "5"', 'add1 "abc"', 'add1 nil', 'add1 -1', '.Values.i | add1',
     'typeOf (add1 1)', 'add1 true', 'add1 "2.5"', 'add1 .Values.big')
mi.x("add", 'add 1 2 3', 'add', 'add "1" 2', 'add .Values.f 1', 'add .Values.i .Values.i', 'add 1.9 1.9', 'add nil 1',
     '3 | add 4', 'add 9223372036854775807 1', 'add "x" 1', 'add .Values.neg .Values.i', 'add .Values.l 1', 'add "0x10" 1',
     'add 1 (len .Values.l)')
mi.x("sub", 'sub 5 3', 'sub 3 5', 'sub .Values.i 1', 'sub "10" "3"', 'sub 1.9 0.9', '1 | sub 10', 'sub 1', 'sub nil nil',
     'sub .Values.f .Values.i')
mi.x("div", 'div 7 2', 'div -7 2', 'div 1 0', 'div .Values.big 3', 'div "9" 3', 'div 7.9 2', '2 | div 10', 'div .Values.i .Values.zero',
     'div 0 5')
mi.x("mod", 'mod 7 3', 'mod -7 3', 'mod 1 0', 'mod .Values.i 2', 'mod "10" "4"', '3 | mod 10', 'mod 7.5 2')
mi.x("mul", 'mul 2 3 4', 'mul 5', 'mul .Values.i .Values.f', 'mul "2" 3', 'mul nil 3', '4 | mul 2', 'mul 2.5 2',
     'mul 4294967296 4294967296', 'mul -1 .Values.neg')
mi.x("max", 'max 1 5 3', 'max 7', 'max .Values.i .Values.neg', 'max "9" 10', 'max .Values.f 2', 'biggest 1 5 3', 'biggest .Values.i 1',
     'max -1 -5', 'max 1 "x"', '0 | max 3')
mi.x("min", 'min 1 5 3', 'min 7', 'min .Values.i .Values.neg', 'min "9" 10', 'min .Values.f 3', 'min -1 -5', '9 | min 3',
     'min nil 4')
mi.x("randInt", 'randInt 1 2', 'randInt 5 6', 'typeOf (randInt 1 10)', 'lt (randInt 0 10) 10', 'randInt .Values.i 4',
     'randInt 3 (int .Values.big) | ge 3', 'randInt 2 1')
mi.x("math-int-errors", 'add1', 'sub 1 2 3', 'div 1', 'mod 1', 'max', 'min', 'randInt 1')

# ---------------------------------------------------------------- math (float)
mf = family("sprig-math-float", "float math")
mf.x("add1f", 'add1f 1', 'add1f 1.5', 'add1f .Values.f', 'add1f "2.25"', 'add1f "x"', 'add1f nil', 'typeOf (add1f 1)',
     '.Values.i | add1f', 'add1f .Values.big')
mf.x("addf", 'addf 1.5 2', 'addf', 'addf 0.1 0.2', 'addf .Values.f .Values.i', 'addf "1.5" "1.5"', 'addf 1 2 3 4.5',
     '1.25 | addf 2', 'addf 1e20 1', 'addf nil 1')
mf.x("subf", 'subf 10 1 2', 'subf 1.5', 'subf .Values.f 0.5', 'subf 0.3 0.1', 'subf "3" 1', '1 | subf 5', 'subf 1 2')
mf.x("divf", 'divf 1 3', 'divf 1 0', 'divf -1 0', 'divf 0 0', 'divf .Values.f 2', 'divf 10 2 5', 'divf "9" 2', '4 | divf 2',
     'divf 2', 'divf 1 3 | toString', 'divf 1 7')
mf.x("mulf", 'mulf 1.5 2', 'mulf 0.1 3', 'mulf .Values.f .Values.f', 'mulf "2" 2.5', '3 | mulf 1.5', 'mulf 1e200 1e200',
     'mulf 2', 'mulf .Values.neg 0.5')
mf.x("maxf", 'maxf 1.5 2.5 0.5', 'maxf 1', 'maxf .Values.f .Values.i', 'maxf "3.5" 2', 'maxf -1.5 -0.5', 'maxf nil -1')
mf.x("minf", 'minf 1.5 2.5 0.5', 'minf 1', 'minf .Values.f .Values.i', 'minf "3.5" 2', 'minf -1.5 -0.5', '0.25 | minf 1')
mf.x("ceil", 'ceil 1.2', 'ceil -1.2', 'ceil 3', 'ceil .Values.f', 'ceil "2.1"', 'ceil nil', 'typeOf (ceil 1)', 'ceil 1e21')
mf.x("floor", 'floor 1.8', 'floor -1.2', 'floor .Values.f', 'floor "2.9"', 'floor "x"', '.Values.f | floor', 'floor 123456789.5')
mf.x("round", 'round 3.14159 2', 'round 2.5 0', 'round -2.5 0', 'round 1.2345 2 0.4', 'round 1.235 2 0.6', 'round "3.7" 0',
     'round 1.5 .Values.i', 'round .Values.f 0', 'round 1234.5678 -2', 'round 0.5 0', 'round 1.005 2', 'round 2 2',
     'round 2.675 2', 'round 1.5 0 0.5', 'round 1.5 0 0.6', 'round nil 1', 'round 1.55 1 "x"')
mf.x("float-format", 'addf 0.1 0.2 | toString', 'mulf 3 1e21', 'divf 1 1e21', 'addf 100000 0.5', 'mulf 1e6 1', 'mulf 1e20 10',
     'divf 1 3 | mulf 3', 'divf 2 3 | printf "%.3f"', 'addf 1e-5 0', 'addf 1e-4 0', 'addf 123456789 0.1', 'list (divf 1 4) (addf 1 1)',
     'dict "v" (divf 1 8)', 'divf 1 0 | toString', 'toJson (divf 3 2)', 'mulf 0 -1')

# ---------------------------------------------------------------- integer slices
ints = family("sprig-intslices", "integer sequences (until, untilStep, seq)")
ints.x("until", 'until 5', 'until 0', 'until -3', 'until .Values.i', 'until (int .Values.i)', 'typeOf (until 2)',
       'range until 3 }}[{{ . }}]{{ end', 'until 3 | len', 'until 4 | last', 'until "3"', 'until 3 | toJson', 'until 1 | first',
       'until 3 | reverse', 'range $i, $v := until 2 }}{{ $i }}{{ $v }} {{ end', 'until nil')
ints.x("untilStep", 'untilStep 0 10 3', 'untilStep 10 0 -3', 'untilStep 0 10 0', 'untilStep 0 10 -1', 'untilStep 5 5 1',
       'untilStep -3 3 2', 'untilStep 0 .Values.i 1', 'untilStep 1 4 1 | toJson', 'untilStep 10 0 3', 'untilStep 0 1 1',
       'typeOf (untilStep 0 2 1)', 'untilStep 0 "4" 1')
ints.x("seq", 'seq 5', 'seq 1 5', 'seq 5 1', 'seq 1 2 10', 'seq 10 -2 1', 'seq 0', 'seq', 'seq 1 2 3 4', 'seq .Values.i',
       'seq -3', 'seq 1 0 5', 'seq 2 2', 'seq 1 -1 5', 'typeOf (seq 3)', 'seq 3 | splitList " " | len', 'seq -1 -3',
       'seq 1 3 2', 'seq 5 -1 1', 'seq 0 0', 'seq 1 5 2 | quote')

# ---------------------------------------------------------------- dates
D = 'toDate "2006-01-02 15:04:05" "2024-03-15 13:45:30"'
dt = family("sprig-dates", "date functions (fixed inputs)")
dt.x("toDate", f'{D}', 'toDate "2006-01-02" "2020-02-29"', 'toDate "2006-01-02" "bad"', 'toDate "2006-01-02" "2021-02-30"',
     f'typeOf ({D})', f'kindOf ({D})', 'toDate "02/01/2006" "31/12/1999" | date "2006-01-02"', 'toDate "2006-01-02T15:04:05Z07:00" "2024-05-06T07:08:09+02:00"',
     'toDate "2006-01-02T15:04:05Z07:00" "2024-05-06T07:08:09Z"', 'toDate "Jan 2 2006" "Mar 4 2010"', 'toDate "2006" .Values.i',
     '"2023-07-01" | toDate "2006-01-02"', 'toDate "2006-01-02 MST" "2020-01-01 CET"', 'toDate "15:04" "25:00"',
     'toDate "2006-01-02" ""', f'({D}).Year', f'({D}).Unix', f'({D}).Weekday', f'({D}).YearDay', f'({D}).Month')
dt.x("mustToDate", 'mustToDate "2006-01-02" "2020-02-29"', 'mustToDate "2006-01-02" "bad"', 'mustToDate "2006-01-02" "2021-13-01"',
     'mustToDate "15:04" "25:00"', 'mustToDate "2006" "x" | date "2006"', 'mustToDate "2006-01-02" "2021-02-29"')
dt.x("date", f'date "2006-01-02" ({D})', f'date "Mon Jan _2 15:04:05 MST 2006" ({D})', f'date "3:04PM" ({D})', f'date "15:04:05.000" ({D})',
     f'date "Z07:00 -0700 MST" ({D})', f'date "January Monday Jan Mon 1 01 2 02 _2" ({D})', f'date "06 2006 pm PM" ({D})',
     f'{D} | date "02.01.2006"', 'date "2006-01-02 15:04" 0', 'date "2006-01-02 15:04:05" 86400', 'date "2006" (int64 1700000000)',
     f'date "" ({D})', f'date "no-layout" ({D})', f'date "2006-01-02T15:04:05Z07:00" ({D})', f'date "Monday, 2 January 2006" ({D})',
     'date "2006-01-02" (toDate "2006-01-02" "0001-01-01")', 'date "2006-01-02 .999999999" (toDate "2006-01-02 15:04:05.000" "2020-01-01 00:00:00.120")',
     f'date "2006-01-02 .000000" ({D})', f'date "__2 002" ({D})', 'now | date "2006" | len', f'date 2006 ({D})',
     'date "2006-01-02" (int 1)', 'date "15:04:05" (int64 -1)')
dt.x("dateInZone", f'dateInZone "2006-01-02 15:04 MST" ({D}) "UTC"', f'dateInZone "2006-01-02 15:04 MST" ({D}) "America/New_York"',
     f'dateInZone "2006-01-02 15:04 MST -0700" ({D}) "Asia/Kolkata"', f'dateInZone "2006-01-02 15:04 MST" ({D}) "Europe/Berlin"',
     f'dateInZone "15:04 MST" ({D}) "Not/AZone"', f'dateInZone "15:04 MST" ({D}) ""', f'dateInZone "15:04 MST" ({D}) "Local"',
     f'dateInZone "2006-01-02 15:04 MST" ({D}) "Australia/Lord_Howe"', 'dateInZone "2006-01-02 15:04 MST" 0 "Asia/Tokyo"',
     'dateInZone "2006-01-02 15:04 MST" (toDate "2006-01-02" "2024-07-01") "Europe/London"',
     'dateInZone "2006-01-02 15:04 MST" (toDate "2006-01-02" "2024-01-01") "Europe/London"',
     f'dateInZone "15:04 Z07:00" ({D}) "Asia/Kathmandu"', f'dateInZone "15:04" ({D}) .Values.i', f'dateInZone "15:04 MST" ({D}) "utc"',
     'dateInZone "2006-01-02 15:04 MST" (toDate "2006-01-02" "1950-06-01") "America/Los_Angeles"',
     f'dateInZone "2006-01-02 15:04 MST" ({D}) "Etc/GMT+5"')
dt.x("htmlDate", f'htmlDate ({D})', f'{D} | htmlDate', 'htmlDate 0', 'htmlDate (toDate "2006-01-02" "1999-12-31")', 'htmlDate (int64 1000000000)')
dt.x("htmlDateInZone", f'htmlDateInZone ({D}) "UTC"', f'htmlDateInZone ({D}) "Pacific/Kiritimati"', f'htmlDateInZone ({D}) "Pacific/Pago_Pago"',
     'htmlDateInZone 0 "America/New_York"', f'htmlDateInZone ({D}) "bogus"')
dt.x("dateModify", f'dateModify "1h" ({D}) | date "2006-01-02 15:04"', f'dateModify "-48h" ({D}) | date "2006-01-02 15:04"',
     f'dateModify "90m" ({D}) | date "15:04"', f'dateModify "bad" ({D}) | date "2006-01-02 15:04"', f'dateModify "1.5h" ({D}) | date "15:04"',
     f'dateModify "" ({D}) | date "15:04"', f'dateModify "1h30m15s" ({D}) | date "15:04:05"', f'dateModify "-1us" ({D}) | date "15:04:05.000000"',
     f'{D} | dateModify "24h" | date "2006-01-02"', f'dateModify "1d" ({D}) | date "2006"', f'dateModify "+2h" ({D}) | date "15"')
dt.x("mustDateModify", f'mustDateModify "2h" ({D}) | date "15:04"', f'mustDateModify "bad" ({D})', f'mustDateModify "1d" ({D})',
     f'mustDateModify "" ({D})', f'mustDateModify "-30s" ({D}) | date "15:04:05"')
dt.x("duration", 'duration 3600', 'duration "90"', 'duration 0', 'duration 86461', 'duration -5', 'duration .Values.i',
     'duration "x"', 'duration 1.9', 'duration .Values.big', 'typeOf (duration 1)', 'duration nil', 'duration 31536000')
dt.x("durationRound", 'durationRound "2h10m5s"', 'durationRound "50h"', 'durationRound "800h"', 'durationRound "9000h"',
     'durationRound "59s"', 'durationRound "61m"', 'durationRound 3600', 'durationRound "bad"', 'durationRound "-3h"',
     'durationRound (int64 60000000000)', 'durationRound "0s"', 'durationRound "1.5s"', 'durationRound "100ms"',
     'durationRound .Values.i', 'durationRound "8760h"', 'durationRound "744h"', 'durationRound "719h"', 'durationRound "25h"')
dt.x("unixEpoch", f'unixEpoch ({D})', 'unixEpoch (toDate "2006-01-02" "1970-01-01")', 'unixEpoch (toDate "2006-01-02" "1969-12-31")',
     f'{D} | unixEpoch', 'unixEpoch (toDate "2006-01-02T15:04:05Z07:00" "2001-09-09T01:46:40Z")')
dt.x("now", 'now | date "2006" | len', 'typeOf now', 'now | unixEpoch | len', 'ago now | typeOf', 'now | htmlDate | len',
     'kindOf now')
dt.x("ago", 'ago (toDate "2006" "2001") | hasSuffix "s"', 'typeOf (ago 0)', 'ago (now | dateModify "-2h") | hasPrefix "2h"')
dt.x("date-values", f'date .Values.s ({D})', 'dateInZone "2006" (toDate "2006" "2001") .Values.nul', 'toDate .Values.nul "x"',
     f'htmlDateInZone ({D}) .Values.i', 'dateModify .Values.i (now)', 'date "2006-01-02" "2020-01-01" | len',
     'date "2006-01-02" .Values.s | len', f'list ({D}) | toJson', f'dict "t" ({D}) | toYaml', f'toString ({D})', f'printf "%v" ({D})')

# ---------------------------------------------------------------- defaults
df = family("sprig-defaults", "defaults, emptiness, ternary")
df.x("default", 'default "x" ""', 'default "x" .Values.missing', 'default "x" 0', 'default "x" false', 'default "x" (list)',
     'default "x" (dict)', 'default "x" .Values.l', '.Values.s | default "d"', '.Values.e | default "d"', 'default "x"',
     'default "x" .Values.zero', 'default "x" .Values.fa', 'default "x" .Values.nul', 'default "x" .Values.el', 'default "x" .Values.em',
     'default "x" .Values.m', 'default 5 .Values.i', 'default .Values.f .Values.missing', '.Values.nested.x.y.z | default "none"',
     'default "x" "0"', 'default "x" 0.0', 'default "x" nil', 'default "x" "a" "b"', 'default "x" .Values.t', 'default (list 1) .Values.missing',
     'default "x" .Values.missing.deeper', 'default "d" (toDate "2006" "x")', 'default "d" (semver "1.0.0")', 'default "d" (int64 0)',
     '.Values.missing | default dict | toJson')
df.x("empty", 'empty ""', 'empty 0', 'empty .Values.zero', 'empty .Values.m', 'empty (dict)', 'empty nil', 'empty "0"',
     'empty .Values.el', 'empty .Values.em', 'empty .Values.fa', 'empty .Values.t', 'empty .Values.nul', 'empty .Values.missing',
     'empty 0.0', 'empty (list 0)', 'empty " "', 'empty .Values', 'empty (toDate "2006" "x")', 'empty (toDate "2006" "2001")',
     'empty (semver "0.0.0")', 'empty (until 0)', 'empty (splitList "," "")', 'empty (int64 0)', 'empty (float64 0)', 'empty',
     'empty 1 2')
df.x("coalesce", 'coalesce "" nil 0 "a"', 'coalesce', 'coalesce nil', 'coalesce .Values.missing .Values.e .Values.s',
     'coalesce .Values.zero .Values.i', 'coalesce (list) (dict "a" 1)', 'coalesce .Values.fa .Values.t', 'coalesce 0 "" false | typeOf',
     'coalesce .Values.nul .Values.el .Values.em | toJson', '.Values.s | coalesce ""')
df.x("all", 'all "a" 1 true', 'all "" 1', 'all', 'all .Values.s .Values.i', 'all .Values.s .Values.zero', 'all nil', 'all (list 1)',
     'all .Values.m .Values.l', 'all .Values.em')
df.x("any", 'any "" 0 "x"', 'any "" 0', 'any', 'any .Values.e .Values.zero', 'any .Values.e .Values.l', 'any nil false',
     'any (dict)', '.Values.t | any false')
df.x("compact", 'compact (list "" 1 nil 0 "a")', 'compact .Values.ml', 'compact .Values.l', 'compact (list)', 'compact "abc"',
     'compact nil', 'compact (list "" false) | len', 'compact .Values.m', 'compact (splitList "," "a,,b")', 'typeOf (compact (list))',
     'compact (list (list) (dict) 0.0 "0")')
df.x("mustCompact", 'mustCompact (list "" 1 "b")', 'mustCompact "abc"', 'mustCompact .Values.m', 'mustCompact .Values.i',
     'mustCompact .Values.sl', 'mustCompact nil')
df.x("ternary", 'ternary "y" "n" true', 'ternary "y" "n" false', 'ternary "y" "n" .Values.t', 'ternary "y" "n" "true"',
     'ternary "y" "n" .Values.nul', 'true | ternary 1 2', 'ternary (list 1) (dict) false', 'ternary "y" "n" (empty "")',
     'ternary "y" "n" 1', 'ternary "y" "n" .Values.missing', 'ternary nil "n" true', 'ternary "y" "n" (eq .Values.i 3.0)',
     'ternary "y"', 'ternary .Values.l .Values.m .Values.fa')
df.x("default-errors", 'default', 'coalesce | upper', 'all | typeOf', 'ternary "a" "b" "c" "d"')

# ---------------------------------------------------------------- encoding
en = family("sprig-encoding", "encoding and JSON")
en.x("b64enc", 'b64enc "hello"', 'b64enc ""', 'b64enc "ä€"', '.Values.s | b64enc', 'b64enc .Values.i', 'b64enc "a"', 'b64enc "ab"',
     'b64enc (toJson .Values.m)', 'b64enc "\\x00\\xff"')
en.x("b64dec", 'b64dec "aGVsbG8="', 'b64dec "!!!"', 'b64dec "aGVsbG8"', 'b64dec ""', '"d29ybGQ=" | b64dec', 'b64dec .Values.i',
     'b64dec "YQ==\\n"', 'b64dec "w6Q="', 'b64dec "_-8="', 'b64dec "/+8="', 'b64dec "YWJj=ZGVm"', 'b64enc "round" | b64dec')
en.x("b32enc", 'b32enc "hello"', 'b32enc ""', 'b32enc "a"', '.Values.word | b32enc', 'b32enc .Values.l')
en.x("b32dec", 'b32dec "NBSWY3DP"', 'b32dec "bad!"', 'b32dec "ME======"', 'b32dec "nbswy3dp"', 'b32enc "x y" | b32dec', 'b32dec "ME"')
en.x("toJson", 'toJson .Values.m', 'toJson .Values', 'toJson .Values.big', 'toJson .Values.f', 'toJson "<a&b>"', 'toJson nil',
     'toJson (list 1 "a" nil true)', 'toJson (dict "z" 1 "a" 2)', 'toJson .Values.l', 'toJson "ünï\\t"', 'toJson 1e21',
     'toJson (divf 0 0)', 'toJson .Values.nested', 'toJson (splitList "," "a,b")', 'toJson (until 3)', 'toJson 1.0',
     'toJson (toDate "2006-01-02" "2020-01-02")', 'toJson (semver "1.2.3")', 'toJson (int64 5)', 'toJson "\\u2028"',
     'toJson (b64enc "x")', 'toJson .Values.em', 'toJson .Values.el', 'toJson (dict "k" (list))', 'toJson (split "," "a,b")')
en.x("toPrettyJson", 'toPrettyJson .Values.m', 'toPrettyJson (list)', 'toPrettyJson (dict)', 'toPrettyJson .Values.nested',
     'toPrettyJson "<x>"', 'toPrettyJson (list 1 (dict "a" (list)))', 'toPrettyJson nil', 'toPrettyJson (divf 1 0)')
en.x("toRawJson", 'toRawJson "<a&b>"', 'toRawJson .Values.m', 'toRawJson (dict "h" "<html>")', 'toRawJson (list "&")', 'toRawJson nil',
     'toRawJson (divf 0 0)', 'toRawJson "\\u2028"')
en.x("fromJson", 'fromJson "{\\"a\\":1}" | toJson', 'fromJson "{\\"a\\":1}"', 'fromJson "bad"', 'fromJson "[1,2]"', 'fromJson "1.50"',
     'fromJson "\\"s\\""', 'fromJson "null"', '(fromJson "{\\"a\\":{\\"b\\":2}}").a.b', 'typeOf (fromJson "3")', 'fromJson ""',
     'fromJson "{\\"big\\":12345678901234567890}"', 'fromJson "[1,2] x"', 'toJson .Values.m | fromJson | toYaml',
     'typeOf (fromJson "{}")', 'fromJson .Values.i', '(fromJson "{\\"b\\":true}").b')
en.x("mustFromJson", 'mustFromJson "{\\"a\\":1}" | toJson', 'mustFromJson "bad"', 'mustFromJson ""', 'mustFromJson "{\\"a\\":}"',
     'mustFromJson "[1,2] x"', 'mustFromJson "{\\"a\\":1"', 'mustFromJson "nul"', 'mustFromJson "\\"\\\\x\\""')
en.x("mustToJson", 'mustToJson .Values.m', 'mustToJson (divf 0 0)', 'mustToJson (divf 1 0)', 'mustToJson nil', 'mustToJson "<"')
en.x("mustToPrettyJson", 'mustToPrettyJson .Values.l', 'mustToPrettyJson (divf 0 0)', 'mustToPrettyJson (dict "a" (dict))')
en.x("mustToRawJson", 'mustToRawJson "<&>"', 'mustToRawJson (divf 0 0)', 'mustToRawJson .Values.ml')

# ---------------------------------------------------------------- lists
li = family("sprig-lists", "list functions")
li.x("list", 'list 1 "a" nil', 'list', 'list | len', 'list .Values.i .Values.s', 'typeOf (list)', 'tuple 1 2', 'list (list 1) (dict)',
     'list 1 2 | toJson', 'list .Values.m .Values.nul', 'list 1.5 1e21 true')
li.x("append", 'append (list 1) 2', 'append .Values.l 4', 'append "abc" 1', 'append nil 1', 'append .Values.el "x"', 'push (list) 1',
     'list 1 | append 2', 'append (list 1) (list 2)', 'append .Values.m 1', 'append .Values.sl nil', 'append (until 2) 5',
     'append (splitList "," "a") "b"', 'append .Values.i 1',
     '{{ $a := list 1 }}{{ $b := append $a 2 }}{{ $a }} {{ $b }}', 'append (toStrings (list 1)) 2 | toJson')
li.x("mustAppend", 'mustAppend (list 1) 2', 'mustAppend "abc" 1', 'mustPush .Values.l 9', 'mustPush 5 1', 'mustAppend nil 1', 'mustAppend .Values.m 2')
li.x("prepend", 'prepend (list 1) 0', 'prepend .Values.l 0', 'prepend "x" 1', 'prepend .Values.el nil', 'list 2 | prepend 1',
     'prepend (until 2) -1', 'prepend nil 1')
li.x("mustPrepend", 'mustPrepend (list 1) 0', 'mustPrepend "x" 1', 'mustPrepend .Values.sl "z"', 'mustPrepend .Values.nul 1')
li.x("first", 'first (list 1 2)', 'first (list)', 'first .Values.l', 'first "abc"', 'first nil', 'first .Values.el', '.Values.sl | first',
     'first .Values.ml', 'first (until 3)', 'first (splitList "," "x,y")', 'first .Values.m', 'first .Values.nul')
li.x("mustFirst", 'mustFirst (list 1 2)', 'mustFirst (list)', 'mustFirst "abc"', 'mustFirst .Values.m', 'mustFirst .Values.i', 'mustFirst nil')
li.x("rest", 'rest (list 1 2 3)', 'rest (list)', 'rest (list 1)', 'rest .Values.l', 'rest "abc"', 'rest .Values.el', 'rest (until 3)',
     'rest nil')
li.x("mustRest", 'mustRest (list 1 2)', 'mustRest "x"', 'mustRest .Values.sl', 'mustRest .Values.el')
li.x("last", 'last (list 1 2)', 'last (list)', 'last .Values.l', 'last "abc"', 'last .Values.ml', '.Values.sl | last', 'last (until 5)', 'last nil')
li.x("mustLast", 'mustLast (list 1 2)', 'mustLast (list)', 'mustLast .Values.m', 'mustLast .Values.f')
li.x("initial", 'initial (list 1 2 3)', 'initial (list)', 'initial .Values.l', 'initial "abc"', 'initial (list 1)', 'initial (until 3)', 'initial nil')
li.x("mustInitial", 'mustInitial (list 1 2)', 'mustInitial 1', 'mustInitial .Values.sl', 'mustInitial .Values.el')
li.x("reverse", 'reverse (list 1 2 3)', 'reverse (list)', 'reverse .Values.sl', 'reverse "abc"', 'reverse (until 3)', 'reverse nil',
     'reverse .Values.el', 'list 1 2 | reverse | toJson')
li.x("mustReverse", 'mustReverse (list 1 2)', 'mustReverse "abc"', 'mustReverse .Values.m', 'mustReverse .Values.ml')
li.x("uniq", 'uniq (list 1 1 "1" 2.0 2)', 'uniq .Values.sl', 'uniq (list)', 'uniq "abc"', 'uniq (list nil nil)', 'uniq (concat .Values.l (list 1.0 2))',
     'uniq (list (list 1) (list 1))', 'uniq (list (dict "a" 1) (dict "a" 1))', 'uniq nil', 'uniq (until 3)')
li.x("mustUniq", 'mustUniq (list 1 1)', 'mustUniq "abc"', 'mustUniq .Values.m', 'mustUniq .Values.ml')
li.x("without", 'without (list 1 2 3) 2', 'without .Values.l 2', 'without .Values.l 2.0', 'without (list 1 2 3) 1 3', 'without "abc" "a"',
     'without (list)', 'without .Values.sl "fig" "pear"', 'without (list nil 1) nil', 'without (list 1 2)', 'without nil 1')
li.x("mustWithout", 'mustWithout (list 1 2) 1', 'mustWithout "abc" "a"', 'mustWithout .Values.m 1', 'mustWithout .Values.ml nil')
li.x("has", 'has 2 (list 1 2)', 'has 2 .Values.l', 'has 2.0 .Values.l', 'has "fig" .Values.sl', 'has 1 "abc"', 'has nil (list nil)',
     'has 1 nil', '.Values.l | has 3.0', 'has "a" .Values.m', 'has (list 1) (list (list 1))', 'has "x" (list)', 'has 1 (until 2)',
     'has .Values.i .Values.l')
li.x("mustHas", 'mustHas 1 (list 1)', 'mustHas 1 "abc"', 'mustHas 1 .Values.m', 'mustHas 1 nil', 'mustHas "pear" .Values.sl')
li.x("slice", 'slice .Values.l 1', 'slice .Values.l 1 2', 'slice .Values.l', 'slice (list 1 2 3) 0 0', 'slice "abc" 1', 'slice .Values.l 5',
     'slice .Values.l 2 1', 'slice .Values.l .Values.i', 'slice .Values.l "1"', 'slice (until 5) 1 3', 'slice .Values.sl 1 | toJson',
     'slice nil', 'slice .Values.l 1 2 3', 'slice .Values.m 1', 'slice .Values.l -1', 'slice (list 1 2 3) 1 1.5', 'typeOf (slice (until 3) 1)')
li.x("mustSlice", 'mustSlice .Values.l 1', 'mustSlice "abc" 1', 'mustSlice .Values.l 4', 'mustSlice .Values.m', 'mustSlice (list 1 2) 0 2',
     'mustSlice .Values.l 3 1', 'mustSlice nil 0')
li.x("concat", 'concat (list 1) (list 2) .Values.l', 'concat', 'concat (list)', 'concat "a"', 'concat .Values.sl (until 2)', 'concat nil',
     'concat (list 1) nil', 'concat .Values.l .Values.el | len', 'typeOf (concat (list 1))', 'concat (splitList "," "a") (list 1) | toJson',
     'concat .Values.m')
li.x("chunk", 'chunk 2 (list 1 2 3 4 5)', 'chunk 3 (list 1 2 3)', 'chunk 5 (list 1 2)', 'chunk 2 (list)', 'chunk .Values.i .Values.l',
     'chunk 1 .Values.sl', 'chunk 2 "abc"', 'chunk -1 (list 1)', 'list 1 2 3 | chunk 2 | toJson', 'chunk 2 nil', 'typeOf (chunk 1 (list 1))',
     'chunk 2 (until 5) | len')
li.x("mustChunk", 'mustChunk 2 (list 1 2 3)', 'mustChunk 2 "abc"', 'mustChunk 2 .Values.m', 'mustChunk 4 .Values.ml')
li.x("list-mutation", '{{ $l := list 1 2 }}{{ $_ := append $l 3 }}{{ $l }}', '{{ $l := .Values.l }}{{ $r := reverse $l }}{{ $l }} {{ $r }}',
     '{{ $l := list 3 1 2 }}{{ $s := sortAlpha $l }}{{ $l }} {{ $s }}', '{{ $x := slice .Values.l 0 2 }}{{ $y := append $x 9 }}{{ .Values.l }} {{ $y }}')
li.x("list-errors", 'list | first | upper', 'append (list 1)', 'first', 'has 1', 'slice', 'chunk 2', 'concat 1 2')

# ---------------------------------------------------------------- dicts
dc = family("sprig-dicts", "dict functions")
dc.x("dict", 'dict "a" 1 "b" 2', 'dict', 'dict "a"', 'dict "a" 1 "b"', 'dict 1 2', 'dict nil 1', 'dict .Values.i "x"', 'dict "a" .Values.l',
     'dict "a" 1 "a" 2', 'typeOf (dict)', 'dict "b" 1 "a" 2 | toJson', '(dict "k" "v").k', 'dict (list 1) 2', 'dict true 1 1.5 2',
     'dict "x" nil | toJson', 'dict "z" 1 "y" (dict "x" 2)')
dc.x("get", 'get (dict "a" 1) "a"', 'get (dict "a" 1) "b"', 'get .Values.m "b"', 'get .Values "s"', 'get .Values.nul "a"',
     'get .Values.i "a"', 'get .Values.m "c"', 'get .Values.m 1', '.Values.m | get "a"', 'get (dict) ""', 'typeOf (get .Values.m "a")',
     'get .Values.l "a"', 'get .Values.nested "x" | toJson', 'get . "Values" | typeOf')
dc.x("set", 'set (dict "a" 1) "b" 2', '{{ $d := dict }}{{ $_ := set $d "k" "v" }}{{ $d }}', 'set .Values.m "a" 9 | toJson',
     'set .Values.nul "a" 1', 'set (dict) "k" nil', '{{ $_ := set .Values "s" "changed" }}{{ .Values.s }}', 'set .Values.i "a" 1',
     '{{ $d := dict "a" 1 }}{{ $e := set $d "a" 2 }}{{ $d.a }}{{ $e.a }}', 'set (dict) 1 2', 'dict | set "a" 1',
     '{{ $_ := set .Values.m "new" 1 }}{{ keys .Values.m | sortAlpha }}', '{{ $_ := set .Values.nested.x "y" "flat" }}{{ .Values.nested }}')
dc.x("unset", 'unset (dict "a" 1 "b" 2) "a"', 'unset (dict) "x"', 'unset .Values.m "a" | toJson', '{{ $_ := unset .Values.m "b" }}{{ .Values.m }}',
     'unset .Values.nul "a"', '{{ $d := dict "x" 1 }}{{ $_ := unset $d "x" }}{{ len $d }}', 'unset .Values.l "a"')
dc.x("hasKey", 'hasKey (dict "a" 1) "a"', 'hasKey (dict "a" 1) "b"', 'hasKey .Values.m "c"', 'hasKey .Values "s"', 'hasKey .Values.nul "a"',
     'hasKey .Values.em "a"', 'hasKey .Values.l "a"', '.Values.m | hasKey "a"', 'hasKey .Values 1', 'hasKey . "Release"')
dc.x("pluck", 'pluck "a" (dict "a" 1) (dict "a" 2) (dict "b" 3)', 'pluck "a"', 'pluck "x" .Values.m', 'pluck "a" .Values.m .Values.m',
     'pluck "c" .Values.m', 'pluck "a" .Values.nul', 'pluck "a" .Values.l', 'pluck "a" (dict "a" nil) | len', 'pluck 1 (dict)',
     'pluck "s" .Values | toJson', 'first (pluck "a" (dict "a" 5))')
dc.x("keys", 'keys (dict "b" 1 "a" 2) | sortAlpha', 'keys', 'keys (dict)', 'keys .Values.m | sortAlpha', 'keys (dict "a" 1) (dict "a" 2) | sortAlpha',
     'keys .Values.nul', 'keys .Values.l', 'keys .Values | sortAlpha', 'typeOf (keys (dict))', 'keys (dict "x" 1)', 'keys .Values.em | len')
dc.x("pick", 'pick (dict "a" 1 "b" 2 "c" 3) "a" "c"', 'pick .Values.m "a"', 'pick .Values.m', 'pick .Values.m "zz"', 'pick .Values.m "c" | toJson',
     'pick .Values.nul "a"', 'pick .Values "n" "f"', 'pick .Values.m 1', 'pick .Values.l "a"',
     '{{ $p := pick .Values.nested "x" }}{{ $_ := set $p.x "y" 1 }}{{ .Values.nested }}')
dc.x("omit", 'omit (dict "a" 1 "b" 2 "c" 3) "a" "c"', 'omit .Values.m "a"', 'omit .Values.m', 'omit .Values.m "zz" | len', 'omit .Values.nul "a"',
     'omit .Values "s" | keys | sortAlpha | len', 'omit .Values.m (1)', 'omit .Values.i "a"')
dc.x("values", 'values (dict "a" 1) ', 'values (dict)', 'values .Values.m | len', 'values (dict "x" "y") | first', 'values .Values.nul',
     'values .Values.l', 'typeOf (values (dict))', 'values .Values.nested | toJson', 'values (dict "b" 2 "a" 1) | sortAlpha')
dc.x("merge", 'merge (dict "a" 1) (dict "a" 2 "b" 2)', 'merge (dict) .Values.m | toJson', 'merge .Values.m (dict "a" 9 "z" 1) | toJson',
     '{{ $d := dict "a" 1 }}{{ $_ := merge $d (dict "b" 2) }}{{ $d }}', 'merge (dict "a" (dict "x" 1)) (dict "a" (dict "y" 2)) | toJson',
     'merge (dict "a" nil) (dict "a" 1)', 'merge (dict "a" "") (dict "a" 1)', 'merge (dict "a" 0) (dict "a" 1)', 'merge (dict "a" false) (dict "a" true)',
     'merge (dict "a" (list 1)) (dict "a" (list 2 3))', 'merge (dict)', 'merge .Values.nul (dict "a" 1)', 'merge (dict) .Values.nul',
     'merge (dict) .Values.i', 'merge (dict "a" 1) (dict "b" 2) (dict "c" 3) | toJson', 'merge (dict) .Values | keys | len',
     'merge .Values.nested (dict "x" (dict "y" (dict "w" 1))) | toJson', 'merge (dict "a" 1) "x"', 'typeOf (merge (dict) (dict))',
     '{{ $src := dict "n" (dict "k" 1) }}{{ $m := merge (dict) $src }}{{ $_ := set $m.n "k" 2 }}{{ $src }}',
     'merge (dict "a" (dict)) (dict "a" (dict "b" 1)) | toJson', 'merge (dict "a" "x") (dict "a" (dict "b" 1)) | toJson',
     'merge (dict "a" (dict "b" 1)) (dict "a" "x") | toJson', 'merge (dict "a" .Values.em) (dict "a" .Values.m) | toJson',
     '{{ $_ := merge .Values.m (dict "q" 1) }}{{ hasKey .Values.m "q" }}')
dc.x("mergeOverwrite", 'mergeOverwrite (dict "a" 1) (dict "a" 2 "b" 2)', 'mergeOverwrite .Values.m (dict "a" 9) | toJson',
     'mergeOverwrite (dict "a" 1) (dict "a" nil) | toJson', 'mergeOverwrite (dict "a" 1) (dict "a" "") | toJson', 'mergeOverwrite (dict "a" 1) (dict "a" 0) | toJson',
     'mergeOverwrite (dict "a" true) (dict "a" false) | toJson', 'mergeOverwrite (dict "a" (dict "x" 1 "y" 1)) (dict "a" (dict "y" 2)) | toJson',
     'mergeOverwrite (dict "a" (list 1 2)) (dict "a" (list 3)) | toJson', '{{ $d := dict "a" 1 }}{{ $_ := mergeOverwrite $d (dict "a" 3) }}{{ $d.a }}',
     'mergeOverwrite (dict) (dict "a" 1) (dict "a" 2) | toJson', 'mergeOverwrite .Values.nul (dict)', 'mergeOverwrite (dict "a" (dict "b" 1)) (dict "a" "s") | toJson',
     'mergeOverwrite (dict "a" "s") (dict "a" (dict "b" 1)) | toJson', 'mergeOverwrite (dict "a" (dict "b" 1)) (dict "a" (dict)) | toJson',
     'mergeOverwrite (dict "a" (dict "b" 1)) (dict "a" nil) | toJson', 'mergeOverwrite (dict) .Values.nested | toJson', 'mergeOverwrite (dict) 5',
     '{{ $_ := mergeOverwrite .Values (dict "s" "over") }}{{ .Values.s }}', 'mergeOverwrite (dict "l" (list)) (dict "l" (list 1)) | toJson')
dc.x("mustMerge", 'mustMerge (dict "a" 1) (dict "b" 2)', 'mustMerge (dict) .Values.i', 'mustMerge .Values.nul (dict "a" 1)', 'mustMerge .Values.m .Values.nested | toJson')
dc.x("mustMergeOverwrite", 'mustMergeOverwrite (dict "a" 1) (dict "a" 2)', 'mustMergeOverwrite (dict) "x"', 'mustMergeOverwrite .Values.nul (dict)',
     'mustMergeOverwrite (dict "a" (dict "b" 1)) (dict "a" (dict "c" 2)) | toJson')
dc.x("dig", 'dig "a" "def" (dict "a" 1)', 'dig "a" "b" "def" (dict "a" (dict "b" 2))', 'dig "x" "def" (dict)', 'dig "a" "b" "def" (dict "a" 1)',
     'dig "a" "b" "def" (dict "a" (dict))', 'dig "x" "y" "z" "none" .Values.nested', 'dig "x" "y" "z" "none" .Values', 'dig "a" "d" .Values.m',
     'dig "c" "d" .Values.m', 'dig "a" (dict)', 'dig "d"', 'dig 1 "d" (dict)', 'dig "a" "d" .Values.nul', 'dig "a" "d" .Values.l',
     '.Values.nested | dig "x" "y" "none" | toJson', 'dig "a" "b" "d" (dict "a" (dict "b" nil))', 'dig "a" "b" "d" (dict "a" .Values.m)',
     'dig "x" "y" "n" (fromJson "{\\"x\\":{\\"y\\":7}}")', 'dig "a" "d" (dict "a" "")', 'dig "a" "d" (dict "a" false)', 'typeOf (dig "a" 1 (dict))')
dc.x("deepCopy", 'deepCopy .Values.m', '{{ $c := deepCopy .Values.nested }}{{ $_ := set $c.x "y" 1 }}{{ .Values.nested }} {{ $c }}', 'deepCopy nil',
     'deepCopy (list 1 (dict "a" 2))', 'deepCopy .Values.l | toJson', 'typeOf (deepCopy .Values)', 'deepCopy 5', 'deepCopy "s"',
     'deepCopy .Values | toJson | len', '{{ $c := deepCopy (dict "a" (list 1)) }}{{ typeOf $c.a }}', 'typeOf (deepCopy (toDate "2006" "2001"))',
     'deepCopy (semver "1.2.3") | typeOf', 'deepCopy (until 3) | typeOf', 'deepCopy .Values.em | len')
dc.x("mustDeepCopy", 'mustDeepCopy .Values.m', 'mustDeepCopy nil', 'mustDeepCopy .Values.nul', 'mustDeepCopy (list)', 'mustDeepCopy 1.5')
dc.x("dict-errors", 'get (dict)', 'set (dict) "a"', 'dig', 'pick', 'hasKey (dict)', 'merge', 'keys 1', 'values', 'unset (dict)')

# ---------------------------------------------------------------- reflection
TARGETS = ['1', '1.5', '"s"', 'nil', 'true', '.Values.i', '.Values.f', '.Values.s', '.Values.l', '.Values.m', '.Values', '.Values.nul',
           '(list)', '(dict)', '(splitList "," "a")', '(until 3)', '(toDate "2006" "2001")', '(semver "1.0.0")', '(urlParse "http://x")',
           '.', '.Release', '.Capabilities', '.Chart', '.Values.missing', '(int64 1)', '(float64 1)', '(split "," "a")', '(b64enc "x")',
           '(genCA "x" 1)', '(deepCopy .Values)', '.Capabilities.KubeVersion', '.Template', '.Files']
rf = family("sprig-reflect", "type reflection")
for t in TARGETS:
    rf.x("typeOf", f'typeOf {t}')
for t in TARGETS[:20] + ['.Release', '.Capabilities', '(int64 1)', '(genCA "x" 1)']:
    rf.x("kindOf", f'kindOf {t}')
rf.x("typeIs", 'typeIs "int" 1', 'typeIs "float64" .Values.i', 'typeIs "int" .Values.i', 'typeIs "string" "x"', 'typeIs "<nil>" nil',
     'typeIs "[]interface {}" .Values.l', 'typeIs "map[string]interface {}" .Values', 'typeIs "chartutil.Values" .Values',
     'typeIs "common.Values" .Values', 'typeIs "*semver.Version" (semver "1.0.0")', 'typeIs "time.Time" now', '.Values.s | typeIs "string"',
     'typeIs 1 1', 'typeIs "int64" (int64 1)', 'typeIs "bool" .Values.t', 'typeIs "[]string" (splitList "," "x")')
rf.x("typeIsLike", 'typeIsLike "int" 1', 'typeIsLike "*int" 1', 'typeIsLike "semver.Version" (semver "1.0.0")', 'typeIsLike "*semver.Version" (semver "1.0.0")',
     'typeIsLike "float64" .Values.i', 'typeIsLike "*float64" .Values.i', 'typeIsLike "<nil>" nil', 'typeIsLike "*<nil>" nil',
     'typeIsLike "map[string]interface {}" .Values.m', 'typeIsLike "*chartutil.Capabilities" .Capabilities', 'typeIsLike "chartutil.Capabilities" .Capabilities',
     'typeIsLike "*common.Capabilities" .Capabilities')
rf.x("kindIs", 'kindIs "int" 1', 'kindIs "float64" .Values.i', 'kindIs "map" .Values', 'kindIs "slice" .Values.l', 'kindIs "invalid" nil',
     'kindIs "string" .Values.s', 'kindIs "ptr" (semver "1.0.0")', 'kindIs "struct" now', 'kindIs "map" .Values.nul', 'kindIs "invalid" .Values.nul',
     'kindIs "bool" true', 'kindIs "int64" (int64 1)', 'kindIs "map" .Values.m', 'kindIs "slice" (until 2)', '.Values.l | kindIs "slice"',
     'kindIs "Map" .Values.m', 'kindIs "map" .', 'kindIs "ptr" .Release', 'kindIs "ptr" .Capabilities')
rf.x("deepEqual", 'deepEqual 1 1', 'deepEqual 1 1.0', 'deepEqual .Values.i 3', 'deepEqual .Values.i 3.0', 'deepEqual (list 1 2) (list 1 2)',
     'deepEqual .Values.l (list 1.0 2.0 3.0)', 'deepEqual .Values.l (list 1 2 3)', 'deepEqual .Values.m (dict "a" 1.0 "b" "two" "c" nil)',
     'deepEqual .Values (dict)', 'deepEqual nil nil', 'deepEqual nil .Values.nul', 'deepEqual .Values.nul .Values.missing', 'deepEqual "a" "a"',
     'deepEqual (dict) (dict)', 'deepEqual (list) .Values.el', 'deepEqual .Values.em (dict)', 'deepEqual (splitList "," "a") (list "a")',
     'deepEqual (until 2) (list 0 1)', 'deepEqual .Values (deepCopy .Values)', 'deepEqual (semver "1.0.0") (semver "1.0.0")',
     'deepEqual (toDate "2006" "2001") (toDate "2006" "2001")', 'deepEqual (divf 0 0) (divf 0 0)', 'deepEqual .Values.s "hello world"',
     'deepEqual 1', 'deepEqual (int64 1) 1', 'deepEqual .Values.nested (fromJson "{\\"x\\":{\\"y\\":{\\"z\\":\\"deep\\"}}}")',
     'deepEqual (dict "a" nil) (dict)', 'deepEqual .Values.ml .Values.ml')

# ---------------------------------------------------------------- paths
pa = family("sprig-paths", "path functions")
PATHS = ['"/a/b.txt"', '""', '"/"', '"a/b/c"', '"a//b/../c/."', '"x.tar.gz"', '"noext"', '"/x/"', '"../up"', '"./."', '"dir/.hidden"',
         '"a\\\\b.c"', '"//double//"', '"a/b/"', '"c:/win/p.ini"', '"."', '".."', '"/../x"']
for fn in ["base", "dir", "clean", "ext", "isAbs"]:
    for p in PATHS:
        pa.x(fn, f'{fn} {p}')
    pa.x(fn, f'{fn} .Values.i', f'.Values.s | {fn}')
for fn in ["osBase", "osDir", "osClean", "osExt", "osIsAbs"]:
    for p in PATHS[:9]:
        pa.x(fn, f'{fn} {p}')
    pa.x(fn, f'{fn} .Values.nul')

# ---------------------------------------------------------------- flow control
fl = family("sprig-flow", "fail")
fl.x("fail", 'fail "x"', '"piped" | fail', 'fail 1', 'if .Values.t }}{{ fail "in branch" }}{{ end', 'fail ""', 'fail .Values.s',
     'if .Values.fa }}{{ fail "never" }}{{ end }}ok{{ "" ', 'fail', 'fail "a" "b"', 'fail .Values.nul', 'fail "multi\\nline"',
     'fail (printf "%d items" 3)', 'fail (toJson .Values.m)', 'range .Values.l }}{{ if eq . 2.0 }}{{ fail (printf "bad %v" .) }}{{ end }}{{ end',
     'fail "%s %d"', 'fail .Values.i')
fl.case("fail-in-define", '{{ include "boom" . }}', extra=[("templates/_h.tpl", '{{ define "boom" }}{{ fail "from define" }}{{ end }}\n')])
fl.case("fail-second-template", 'ok\n', extra=[("templates/b.yaml", '{{ fail "b fails" }}\n')])
fl.case("fail-tpl", '{{ tpl "{{ fail \\"inside tpl\\" }}" . }}')

# ---------------------------------------------------------------- random / uuid
ra = family("sprig-random", "random and UUID (shape only)")
for fn in ["randAlphaNum", "randAlpha", "randAscii", "randNumeric"]:
    ra.x(fn, f'{fn} 10 | len', f'{fn} 0', f'{fn} -1', f'{fn} .Values.i', f'typeOf ({fn} 1)', f'{fn} 1000 | len', f'{fn} (int .Values.i) | len',
         f'{fn} "5"', f'{fn}')
ra.x("randAlphaNum-shape", 'regexMatch "^[a-zA-Z0-9]{16}$" (randAlphaNum 16)', 'regexMatch "^[a-zA-Z]{16}$" (randAlpha 16)',
     'regexMatch "^[0-9]{16}$" (randNumeric 16)', 'regexMatch "^[ -~]{32}$" (randAscii 32)')
ra.x("randBytes", 'randBytes 12 | len', 'randBytes 24 | len', 'randBytes 0', 'randBytes .Values.i', 'typeOf (randBytes 1)',
     'randBytes 3 | regexMatch "^[A-Za-z0-9+/]{4}$"', 'randBytes -1')
ra.x("uuidv4", 'uuidv4 | len', 'regexMatch "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$" uuidv4', 'eq uuidv4 uuidv4',
     'typeOf uuidv4', 'uuidv4 1')
ra.x("randInt-shape", 'randInt 0 1', 'randInt -5 -4', 'lt (randInt 0 100) 100', 'randInt 5 5')

# ---------------------------------------------------------------- crypto
cr = family("sprig-crypto", "hashes, passwords, AES, keys and certificates")
for fn in ["sha1sum", "sha256sum", "sha512sum", "adler32sum"]:
    cr.x(fn, f'{fn} "hello"', f'{fn} ""', f'.Values.s | {fn}', f'{fn} .Values.i', f'{fn} "ünï"', f'{fn} (toJson .Values.m)', f'typeOf ({fn} "x")')
for kind in ["maximum", "long", "medium", "short", "basic", "pin"]:
    cr.x("derivePassword", f'derivePassword 1 "{kind}" "password" "user" "example.com"')
cr.x("derivePassword", 'derivePassword 2 "long" "pw" "u" "site"', 'derivePassword .Values.i "long" "pw" "u" "site"',
     'derivePassword 1 "bogus" "pw" "u" "site"', 'derivePassword -1 "long" "pw" "u" "site"', 'derivePassword 1 "long" "" "" ""',
     'derivePassword 1 "pin" "pw" .Values.s "s"', 'derivePassword 4294967296 "long" "pw" "u" "s"')
cr.x("encryptAES", 'encryptAES "secretkey" "plaintext" | decryptAES "secretkey"', 'encryptAES "k" "" | decryptAES "k"',
     'encryptAES "secretkey" "plaintext" | len', 'encryptAES "k" .Values.s | decryptAES "k"', 'encryptAES "k" "0123456789abcdef" | len',
     'encryptAES .Values.i "x"', 'typeOf (encryptAES "k" "x")')
cr.x("decryptAES", 'decryptAES "secretkey" "yxVSqDfu1yefDPhAMNWeYLevSPbbcqvVFyKchwQXeso="', 'decryptAES "wrongkey" "yxVSqDfu1yefDPhAMNWeYLevSPbbcqvVFyKchwQXeso=" | len', 'decryptAES "k" "!!notb64"',
     'decryptAES "k" "YWJj"', 'decryptAES "k" ""', '"yxVSqDfu1yefDPhAMNWeYLevSPbbcqvVFyKchwQXeso=" | decryptAES "secretkey"', 'decryptAES "k" "AAAAAAAAAAAAAAAAAAAAAA=="',
     'decryptAES "k" .Values.i')
cr.x("bcrypt", 'bcrypt "x" | hasPrefix "$2a$10$"', 'bcrypt "x" | len', 'bcrypt .Values.i', 'typeOf (bcrypt "")', 'bcrypt "x" | regexMatch "^\\\\$2a\\\\$10\\\\$[./A-Za-z0-9]{53}$"')
cr.x("htpasswd", 'htpasswd "user" "pass" | hasPrefix "user:$2a$10$"', 'htpasswd "a:b" "pass"', 'htpasswd "" "x" | hasPrefix ":$2a$"',
     'htpasswd "u" "p" | len', 'htpasswd "u" .Values.i', 'htpasswd "ü" "p" | splitList ":" | first')
cr.x("genPrivateKey", 'genPrivateKey "rsa" | hasPrefix "-----BEGIN RSA PRIVATE KEY-----\\n"', 'genPrivateKey "ecdsa" | hasPrefix "-----BEGIN EC PRIVATE KEY-----\\n"',
     'genPrivateKey "ed25519" | hasPrefix "-----BEGIN PRIVATE KEY-----\\n"', 'genPrivateKey "dsa" | hasPrefix "-----BEGIN DSA PRIVATE KEY-----\\n"',
     'genPrivateKey "bogus"', 'genPrivateKey "" | hasPrefix "-----BEGIN RSA PRIVATE KEY-----"', 'genPrivateKey "ecdsa" | hasSuffix "-----END EC PRIVATE KEY-----\\n"', 'genPrivateKey .Values.i',
     'genPrivateKey "ed25519" | len', 'genPrivateKey "RSA" | hasPrefix "-----BEGIN RSA"', 'genPrivateKey "ECDSA" | len | lt 10')
cr.x("genCA", '(genCA "x" 1).Cert | hasPrefix "-----BEGIN CERTIFICATE-----"', '(genCA "x" 1).Key | hasPrefix "-----BEGIN RSA PRIVATE KEY-----"',
     'genCA "x" .Values.i', 'keys (genCA "x" 1)', 'typeOf (genCA "x" 1)', '(genCA "x" 1).Missing', 'genCA "x" 1 | toJson | fromJson | keys | sortAlpha',
     '(genCA "" -1).Cert | hasSuffix "-----END CERTIFICATE-----\\n"', 'kindOf (genCA "x" 1).Cert', 'genCA "x" "1"')
cr.x("genCAWithKey", '(genCAWithKey "x" 1 (genPrivateKey "ecdsa")).Cert | hasPrefix "-----BEGIN CERTIFICATE-----"',
     '{{ $k := genPrivateKey "ed25519" }}{{ eq (genCAWithKey "x" 1 $k).Key $k }}', 'genCAWithKey "x" 1 "not a key"', 'genCAWithKey "x" 1 ""',
     '{{ $k := genPrivateKey "ecdsa" }}{{ eq (genCAWithKey "x" 1 $k).Key $k }}')
cr.x("genSelfSignedCert", '(genSelfSignedCert "h" (list "1.2.3.4") (list "a.b") 30).Cert | hasPrefix "-----BEGIN CERTIFICATE-----"',
     '(genSelfSignedCert "h" nil nil 30).Key | hasPrefix "-----BEGIN RSA PRIVATE KEY-----"', 'genSelfSignedCert "h" (list "not-an-ip") nil 30',
     'genSelfSignedCert "h" nil nil .Values.i', 'genSelfSignedCert "h" "1.2.3.4" nil 1', 'genSelfSignedCert "h" (list 1) nil 1',
     'genSelfSignedCert "h" nil (list 1) 1', '(genSelfSignedCert "h" .Values.el .Values.sl 1).Cert | len | lt 100')
cr.x("genSelfSignedCertWithKey", '(genSelfSignedCertWithKey "h" nil nil 30 (genPrivateKey "ecdsa")).Cert | hasPrefix "-----BEGIN CERTIFICATE-----"',
     'genSelfSignedCertWithKey "h" nil nil 30 "garbage"', '{{ $k := genPrivateKey "ed25519" }}{{ eq (genSelfSignedCertWithKey "h" nil nil 1 $k).Key $k }}')
cr.x("genSignedCert", '{{ $ca := genCA "ca" 1 }}{{ (genSignedCert "h" nil (list "x.y") 1 $ca).Cert | hasPrefix "-----BEGIN CERTIFICATE-----" }}',
     '{{ $ca := genCA "ca" 1 }}{{ (genSignedCert "h" (list "10.0.0.1") nil 1 $ca).Key | hasPrefix "-----BEGIN RSA PRIVATE KEY-----" }}',
     'genSignedCert "h" nil nil 1 (dict)', 'genSignedCert "h" nil nil 1 "x"', '{{ $ca := genCA "ca" 1 }}{{ genSignedCert "h" (list "bad ip") nil 1 $ca }}',
     'genSignedCert "h" nil nil 1 .Values.m', '{{ $ca := genCA "ca" 1 }}{{ genSignedCert "h" nil nil .Values.i $ca }}')
cr.x("genSignedCertWithKey", '{{ $ca := genCA "ca" 1 }}{{ (genSignedCertWithKey "h" nil nil 1 $ca (genPrivateKey "ecdsa")).Cert | hasPrefix "-----BEGIN CERTIFICATE-----" }}',
     '{{ $ca := genCA "ca" 1 }}{{ genSignedCertWithKey "h" nil nil 1 $ca "nokey" }}', '{{ $ca := genCA "ca" 1 }}{{ $k := genPrivateKey "rsa" }}{{ eq (genSignedCertWithKey "h" nil nil 1 $ca $k).Key $k }}')
cr.x("buildCustomCert", '{{ $ca := genCA "x" 1 }}{{ $c := buildCustomCert ($ca.Cert | b64enc) ($ca.Key | b64enc) }}{{ eq $c.Cert $ca.Cert }} {{ eq $c.Key $ca.Key }}',
     'buildCustomCert "bad" "bad"', 'buildCustomCert (b64enc "x") (b64enc "y")', '{{ $ca := genCA "x" 1 }}{{ buildCustomCert ($ca.Cert | b64enc) (b64enc "nokey") }}',
     '{{ $ca := genCA "x" 1 }}{{ $c := buildCustomCert ($ca.Cert | b64enc) ($ca.Key | b64enc) }}{{ (genSignedCert "h" nil nil 1 $c).Cert | hasPrefix "-----BEGIN" }}',
     'buildCustomCert "" ""', 'typeOf (buildCustomCert "" "")', 'buildCustomCert .Values.i ""')

# ---------------------------------------------------------------- semver
se = family("sprig-semver", "semver and semverCompare")
for v in ['"1.2.3"', '"v1.2.3-beta.1+build.5"', '"1.2"', '"1"', '"01.2.3"', '"1.2.3.4"', '"bad"', '""', '"v1"', '"1.2.3-"', '"1.2.3-01"',
          '"1.2.3+meta"', '"=1.2.3"', '" 1.2.3"', '"1.2.3-rc.1.x-y"', '"v1.2.3"', '"1.2.3-alpha..1"', '"999999999999999999999.0.0"']:
    se.x("semver", f'semver {v}', f'(semver {v}).Major', f'(semver {v}).Prerelease', f'(semver {v}).Original')
se.x("semver-fields", '(semver "1.2.3-rc.1+b.2").Minor', '(semver "1.2.3-rc.1+b.2").Patch', '(semver "1.2.3-rc.1+b.2").Metadata',
     '(semver "v1.2").String', '(semver "1.2.3").IncMajor', '(semver "1.2.3-a").IncPatch', '(semver "1.2.3").IncMinor',
     '(semver "1.2.3").LessThan (semver "1.3.0")', '(semver "1.2.3").GreaterThan (semver "1.3.0")', '(semver "1.2.3").Equal (semver "v1.2.3")',
     '(semver "1.2.3").Compare (semver "1.2.3-a")', 'semver .Values.i', 'semver .Values.s', '.Values.v | semver', '(semver "1.2.3").Major | typeOf',
     'semver "1.2.3" | toString', 'semver "1.2.3" | toJson', '(semver "1.2.3-b").Prerelease | empty', 'printf "%v" (semver "v2.0")',
     '(semver "1.2.3").Compare (semver "1.2.4")', '(semver "1.2.3").Original | typeOf', '(semver "1.0.0").LessThan nil',
     '(semver "1.2.3-alpha").Compare (semver "1.2.3-beta")', '(semver "1.2.3-alpha.10").Compare (semver "1.2.3-alpha.9")',
     '(semver "1.2.3-alpha").Compare (semver "1.2.3-alpha.1")', '(semver "1.2.3-1").Compare (semver "1.2.3-a")',
     '(semver "1.2.3+a").Equal (semver "1.2.3+b")', '(semver "1.2.3").Compare "1.2.3"', '(semver "1.2.3").IncMajor.String',
     '(semver "1.2.3").Segments', '(semver "1.2.3").MarshalJSON', '(semver "1.2.3").Nope', '(semver "1.2.3").SetPrerelease "x"')
SEMVER_CASES = [
    (">=1.21.0", "1.22.3"), (">=1.21.0", "1.21.0-eks-1"), (">=1.21.0-0", "1.22.0-eks-1"), (">=1.21.0-0", "1.21.0-eks-1"),
    (">=1.21.0-0", "1.20.9"), ("^1.2", "1.9"), ("^1.2", "2.0.0"), ("^0.2.3", "0.2.9"), ("^0.2.3", "0.3.0"), ("^0.0.3", "0.0.4"),
    ("~1.2", "1.3"), ("~1.2", "1.2.9"), ("~1", "1.9.0"), ("~1.2.3", "1.2.4"), ("1.x", "1.5.0"), ("1.x", "2.0.0"), ("*", "1.0.0-alpha"),
    ("*", "1.0.0"), (">1.0 <2.0", "1.5"), (">1.0 <2.0", "2.0"), (">1.0, <2.0", "1.5"), ("<1 || >3", "4.0.0"), ("<1 || >3", "2.0.0"),
    ("!=1.2.3", "1.2.3"), ("!=1.2.3", "1.2.4"), ("1.1 - 2", "2.0.5"), ("1.1 - 2", "3.0.0"), ("1.1 - 2.3.4", "2.3.5"), ("=1.2.3", "v1.2.3"),
    ("1.2.3", "1.2.3"), ("v1.2.3", "1.2.3"), (">= 1.2", "1.2.0"), ("<=1.2", "1.2.9"), ("<1.2", "1.2.0-rc1"), ("<1.2.0", "1.1.9-rc1"),
    (">1.2.0-alpha", "1.2.0-beta"), (">1.2.0-alpha", "1.2.1-beta"), (">=1.2.0-alpha.1", "1.2.0-alpha.10"), ("^1.2.0-0", "1.3.0-rc.1"),
    ("~1.2.0-0", "1.2.5-rc"), ("1.2.x", "1.2.0-beta"), (">=0.0.0-0", "0.0.1-a"), ("=1.2.3-beta", "1.2.3-beta"), (">1.x", "2.0.0"),
    ("<2.x", "1.9.9"), (">=1.21", "v1.30.0"), (">=1.21", "v1.30.0+k3s1"), (">=1.21-0", "v1.30.0-gke.100"), (">= 1.19.0-0 < 1.25.0-0", "1.24.7-eks-fb459a0"),
    ("^1.x", "1.4.0"), ("~>1.2", "1.2.5"), ("1.2.3 - 1.2.4", "1.2.4-rc"), ("bad", "1.0.0"), (">=1.0.0", "bad"), ("", "1.0.0"),
    (">=1.0.0", ""), (">=1.0.0 ||", "1.0.0"), ("=>1.0", "1.0.0"), ("1.2.3.4", "1.2.3"), (">1.2.3+meta", "1.2.4"), ("^0.0", "0.0.5"),
    ("^0", "0.9.0"), ("~0", "0.9.0"), (">=1.2.3, <1.2.3", "1.2.3"), ("x", "3.0.0"), ("1.X.X", "1.2.3"), ("< 1.0.0", "0.9.9"),
    ("<=1.2.3-beta", "1.2.3-alpha"), (">=01.2.3", "1.2.3"), ("^1.2.3", "1.2.3-beta"), (">=1.2.3", "1.2.4-beta"),
]
for c, v in SEMVER_CASES:
    se.x("semverCompare", f'semverCompare "{c}" "{v}"')
se.x("semverCompare-values", 'semverCompare ">=1.21.0-0" .Capabilities.KubeVersion.Version', 'semverCompare ">=1.21.0-0" .Capabilities.KubeVersion.GitVersion',
     'semverCompare .Values.c .Values.v', 'semverCompare ">1" .Values.i', '.Values.v | semverCompare "^1.0.0"', 'semverCompare ">1" nil',
     'if semverCompare "<1.19-0" .Capabilities.KubeVersion.Version }}old{{ else }}new{{ end', 'semverCompare ">=1.0" .Chart.Version',
     'semverCompare "1.0.0"', 'semverCompare "~1.0" .Chart.AppVersion', 'typeOf (semverCompare "*" "1.0.0")',
     values="v: 1.4.2\nc: '>=1.2 <2'\ni: 3\n")


# Prerelease rules that changed between Masterminds/semver v3.2.1 (helm 3) and v3.4.0 (helm 4):
# a prerelease in any constraint of an AND group lets prereleases through the whole group.
SEMVER_PRE = [
    (">=1.0.0-0 <2.0.0", "1.5.0-beta"), (">=1.0.0-0 <2.0.0", "1.5.0"), ("<2.0.0 >=1.0.0-alpha", "1.9.0-rc"),
    (">=1.21.0-0 <1.25.0", "1.24.0-eks-1"), (">=1.21.0-0 <1.25.0-0", "1.24.0-eks-1"), (">=1.21.0 <1.25.0-0", "1.22.0-rc.1"),
    ("!=1.2.3", "1.2.4-beta"), ("!=1.2.3-beta", "1.2.4-beta"), ("~1.2.3-beta", "1.2.5-rc"), ("~1.2.3-beta", "1.3.0-rc"),
    ("^1.2.3-alpha", "1.3.0-beta"), ("^1.2.3-alpha", "2.0.0-beta"), ("1.2.3-alpha - 2", "1.5.0-a"), ("1.2.3 - 2.0.0-rc", "1.9.0-x"),
    (">1.0.0-0 || <0.5", "1.2.0-pre"), ("<0.5 || >1.0.0-0", "0.4.0-pre"), (">=1.0.0-0, <=1.0.0", "1.0.0-0"),
    ("=1.2.3-rc.1", "1.2.3-rc.1"), ("=1.2.3", "1.2.3-rc.1"), (">1.2.3-rc.1", "1.2.3"), ("<1.2.3", "1.2.3-rc.1"),
    ("<=1.2.3-0", "1.2.3-alpha"), (">=1.2.3-rc.2", "1.2.3-rc.10"), (">=1.2.3-rc.2", "1.2.3-rc.1a"), ("*-0", "1.0.0-alpha"),
    (">=0-0", "0.0.0-a"), ("1.2.x-0", "1.2.5-b"), ("1.2.*", "1.2.5-b"), ("^1.2.x", "1.3.0"), ("~1.x", "1.9.0"),
    (">=v1.2.3-rc", "v1.2.3-rc.1"), ("1.2.3+build", "1.2.3+other"), (">=1.2.3+build", "1.2.3"), ("^0.0.0-0", "0.0.0-a"),
    (">= 1.2.3 <= 1.5.0", "1.5.0"), (">=1.2.3 !=1.4.0", "1.4.0"), (">=1.2.3 !=1.4.0", "1.4.0-rc"), ("!=1.4.0-0", "1.4.0-rc"),
    ("<1.0.0-0", "0.9.9-rc"), ("<1.0.0-0", "1.0.0-rc"), (">=1.2", "1.2.0-0"), (">=1.2-0", "1.2.0-0"), ("=1.2", "1.2.0-rc"),
    ("~0.0.1", "0.0.2"), ("^0.0.1", "0.0.2"), ("^0.0.1-0", "0.0.1-rc"), ("1.2.3 || 1.2.4-pre", "1.2.4-pre"),
]
for c, v in SEMVER_PRE:
    se.x("semverCompare-pre", f'semverCompare "{c}" "{v}"')
for v in ["1.2.3-0", "1.2.3-rc.01", "1.2.3-rc..1", "1.2.3+", "1.2.3+a..b", "1.2.3-", "v1.2.3-a+b", "1.2.3-a_b", "1.2.3-🙂",
          "00.1.0", "1.02.3", "1.2.03", "v", "1.2.3 ", "1.2.3\n", "18446744073709551616.0.0", "18446744073709551615.0.0", "1.2.3-9223372036854775808"]:
    se.x("semver-parse", f'semver "{v}" | toString', f'semverCompare ">=0.0.0-0" "{v}"')

# ---------------------------------------------------------------- regex
rx = family("sprig-regex", "regular expressions (Go RE2)")
rx.x("regexMatch", 'regexMatch "^a.c$" "abc"', 'regexMatch "^a.c$" "abcd"', 'regexMatch "(" "x"', 'regexMatch "(?i)HELLO" .Values.s',
     'regexMatch "\\\\bworld\\\\b" .Values.s', 'regexMatch "^\\\\p{Greek}+$" "αβγ"', 'regexMatch "(?=x)" "x"', 'regexMatch "a{2,}" "caaat"',
     '.Values.s | regexMatch "o w"', 'regexMatch "[[:digit:]]" "a1"', 'regexMatch "x" .Values.i', 'regexMatch "^$" ""',
     'regexMatch "\\\\d" "٣"', 'regexMatch "^.$" "é"', 'regexMatch "(a)\\\\1" "aa"', 'regexMatch "\\\\Qa.b\\\\E" "a.b"', 'regexMatch "a++" "aa"',
     'regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" "my-name-1"', 'regexMatch "(?s)a.b" "a\\nb"', 'regexMatch "a.b" "a\\nb"', 'regexMatch "(?m)^b" "a\\nb"',
     'regexMatch "\\\\w+" "日本"', 'regexMatch "x{1001}" "x"')
rx.x("mustRegexMatch", 'mustRegexMatch "^a" "abc"', 'mustRegexMatch "(" "x"', 'mustRegexMatch "(?=x)" "x"', 'mustRegexMatch "[z-a]" "x"',
     'mustRegexMatch "a**" "a"', 'mustRegexMatch "\\\\" "x"', 'mustRegexMatch "(?P<n>a)(?P<n>b)" "ab"', 'mustRegexMatch "x{1001}" "x"',
     'mustRegexMatch "\\\\8" "x"', 'mustRegexMatch "[[:foo:]]" "x"', 'mustRegexMatch "(?<n>a)" "a"', 'mustRegexMatch "\\\\pX" "x"')
rx.x("regexFindAll", 'regexFindAll "[0-9]+" "a1b22c333" -1', 'regexFindAll "[0-9]+" "a1b22c333" 2', 'regexFindAll "[0-9]+" "a1b22c333" 0',
     'regexFindAll "x" "abc" -1', 'regexFindAll "(" "abc" -1', 'regexFindAll "a*" "baaab" -1', 'regexFindAll "." "héllo" 3',
     'regexFindAll "[a-z]+" .Values.s .Values.i', '.Values.s | regexFindAll "o" -1', 'regexFindAll "" "abc" -1', 'typeOf (regexFindAll "a" "a" -1)',
     'regexFindAll "a|ab" "abab" -1', 'regexFindAll "(?U)a+" "aaa" -1', 'regexFindAll "\\\\b\\\\w" .Values.s -1 | join ""')
rx.x("mustRegexFindAll", 'mustRegexFindAll "a" "banana" -1', 'mustRegexFindAll "(" "x" -1', 'mustRegexFindAll "n." "banana" 1', 'mustRegexFindAll "[" "x" 1')
rx.x("regexFind", 'regexFind "[0-9]+" "a1b22"', 'regexFind "x" "abc"', 'regexFind "(" "abc"', 'regexFind "(?i)W.r" .Values.s', 'regexFind "a+?" "aaa"',
     '"k8s-1.30" | regexFind "[0-9.]+$"', 'regexFind "a*" "baaa"', 'regexFind "ä" "xäy"', 'regexFind .Values.i "3"')
rx.x("mustRegexFind", 'mustRegexFind "b." "abc"', 'mustRegexFind "(" "abc"', 'mustRegexFind "z" "abc"')
rx.x("regexReplaceAll", 'regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W"', 'regexReplaceAll "a(x*)b" "-ab-axxb-" "$1W"', 'regexReplaceAll "a(x*)b" "-ab-axxb-" "$1"',
     'regexReplaceAll "a(?P<x>x*)b" "-axb-" "[$x]"', 'regexReplaceAll "[aeiou]" .Values.s "*"', 'regexReplaceAll "(" "x" "y"', 'regexReplaceAll "" "abc" "-"',
     'regexReplaceAll "a" "aaa" "$$"', 'regexReplaceAll "(a)(b)?" "a" "[$2]"', 'regexReplaceAll "a" "banana" "${0}${0}"', '.Values.s | regexReplaceAll "o" "0"',
     'regexReplaceAll "\\\\s+" "a  b\\t\\nc" " "', 'regexReplaceAll "(\\\\w+)@(\\\\w+)" "me@host" "$2 at $1"', 'regexReplaceAll "x" "x" "$"',
     'regexReplaceAll "x" "x" "${"', 'regexReplaceAll "x" "x" "$9"', 'regexReplaceAll "^" "ab" ">"', 'regexReplaceAll "$" "ab" "<"',
     'regexReplaceAll "(?m)^" "a\\nb" "# "', 'regexReplaceAll "[^a-z0-9-]" "My_App.Name" "-" | lower')
rx.x("mustRegexReplaceAll", 'mustRegexReplaceAll "a" "banana" "o"', 'mustRegexReplaceAll "(" "x" "y"', 'mustRegexReplaceAll "(a)" "a" "$1$1"')
rx.x("regexReplaceAllLiteral", 'regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "${1}W"', 'regexReplaceAllLiteral "a" "banana" "$$"',
     'regexReplaceAllLiteral "(" "x" "y"', 'regexReplaceAllLiteral "" "ab" "."', '.Values.s | regexReplaceAllLiteral " " "$1"')
rx.x("mustRegexReplaceAllLiteral", 'mustRegexReplaceAllLiteral "a" "banana" "$1"', 'mustRegexReplaceAllLiteral "(" "x" "y"')
rx.x("regexSplit", 'regexSplit "a" "banana" -1', 'regexSplit "a" "banana" 2', 'regexSplit "a" "banana" 0', 'regexSplit "" "abc" -1', 'regexSplit "" "abc" 2',
     'regexSplit "\\\\s*,\\\\s*" "a , b,c" -1', 'regexSplit "(" "x" -1', 'regexSplit "x" "" -1', 'regexSplit "z" "abc" -1', 'regexSplit "a*" "baaac" -1',
     'regexSplit " " .Values.s .Values.i', 'typeOf (regexSplit "a" "a" -1)', 'regexSplit "a" "banana" -1 | len', 'regexSplit "$" "ab" -1', 'regexSplit "^" "ab" -1')
rx.x("mustRegexSplit", 'mustRegexSplit "," "a,b" -1', 'mustRegexSplit "(" "x" -1', 'mustRegexSplit "," "a,b,c" 2')
rx.x("regexQuoteMeta", 'regexQuoteMeta "1.2+3"', 'regexQuoteMeta "[a]{b}(c)|^$\\\\"', 'regexQuoteMeta ""', 'regexQuoteMeta .Values.s',
     'regexQuoteMeta "日本.x"', 'regexMatch (regexQuoteMeta "a.b") "axb"', 'regexQuoteMeta .Values.i', 'regexQuoteMeta "-#&~"')

# ---------------------------------------------------------------- urls
ur = family("sprig-url", "URL functions")
URLS = ['"https://user:pw@host:8080/p/a?q=1&r=2#frag"', '"http://x"', '"mailto:a@b.c"', '"/relative/path?x=1"', '""', '"host:80"',
        '"https://[::1]:443/"', '"http://h/%41b?x=%20"', '"file:///etc/hosts"', '"https://user@h"', '"//h/p"', '"http://h?"', '"http://h#"',
        '"http://h/a b"', '"HTTP://H.COM/"', '"https://user:@h"', '"http://h/?q=a%zz"']
for u in URLS:
    ur.x("urlParse", f'urlParse {u} | toJson')
ur.x("urlParse-fields", '(urlParse "https://u:p@h:1/x?y#z").hostname', '(urlParse "https://u:p@h:1/x?y#z").host', '(urlParse "https://u:p@h:1/x?y#z").userinfo',
     '(urlParse "https://u:p@h:1/x?y#z").opaque', 'urlParse "http://a b"', 'urlParse "::bad"', 'urlParse "http://h:port"', 'urlParse "%"',
     'urlParse .Values.i', 'typeOf (urlParse "x")', 'urlParse "http://[::1"', 'urlParse "http://h/\\x7f"', 'urlParse "a\\nb"', '(urlParse "x").scheme | quote',
     'keys (urlParse "x") | sortAlpha', 'urlParse "http://h" | keys | len', 'urlParse .Values.u | toJson', '.Values.u | urlParse | urlJoin',
     values="i: 1\nu: 'https://example.com:8443/api?v=1'\n")
ur.x("urlJoin", 'urlJoin (dict "scheme" "https" "host" "x.com" "path" "/a" "query" "b=1")', 'urlJoin (dict)', 'urlJoin (dict "host" "h")',
     'urlJoin (dict "scheme" "http" "host" "h" "userinfo" "u:p" "fragment" "f")', 'urlJoin (dict "scheme" "http" "host" "h" "userinfo" "u")',
     'urlJoin (dict "path" "a b" "query" "x y")', 'urlJoin (dict "opaque" "o" "scheme" "mailto")', 'urlJoin (urlParse "https://u:p@h:1/x?y=2#z")',
     'urlJoin (dict "host" 5)', 'urlJoin (dict "scheme" 1)', 'urlJoin (dict "userinfo" 1 "host" "h")', 'urlJoin "x"', 'urlJoin .Values.m',
     'urlJoin (dict "path" "rel" "host" "h")', 'urlJoin (dict "scheme" "https" "host" "h" "path" "/ä ö")', 'urlJoin (dict "fragment" "a b#c")',
     'urlJoin (dict "unknown" "x" "host" "h")', 'urlJoin (dict "host" "h" "userinfo" "")', 'urlJoin (dict "scheme" "http" "host" "h" "path" "p")',
     'urlJoin nil', 'urlJoin (dict "query" "a=1&b=%zz")', 'urlJoin (dict "scheme" "http" "host" "[::1]:80")')

# ---------------------------------------------------------------- network
nw = family("sprig-network", "getHostByName (helm makes it return an empty string)")
nw.x("getHostByName", 'getHostByName "localhost"', 'getHostByName "example.invalid"', 'getHostByName ""', 'getHostByName "localhost" | len',
     'getHostByName .Values.i', 'getHostByName', 'typeOf (getHostByName "x")', '.Values.s | getHostByName | quote', 'getHostByName 1',
     'getHostByName "a" "b"')

# ---------------------------------------------------------------- values conversion (cross-family)
vc = family("sprig-values-args", "Go argument conversion with values.yaml inputs")
INT_FNS = ['trunc {} "abc"', 'abbrev {} "abcdefgh"', 'repeat {} "x"', 'indent {} "x"', 'nindent {} "x"', 'plural "a" "b" {}', 'until {}',
           'untilStep 0 {} 1', 'seq {}', 'splitn "," {} "a,b"', 'wrap {} "a b"', 'substr 0 {} "abcdef"', 'randAlpha {} | len', 'chunk {} (list 1 2)',
           'regexSplit "," "a,b" {}', 'regexFindAll "a" "aa" {}', 'round 1.5 {}', 'genCA "x" {} | len', 'derivePassword {} "pin" "p" "u" "s"',
           'wrapWith {} " " "a b"', 'abbrevboth 1 {} "abcdef"', 'randNumeric {} | len']
for tmpl in INT_FNS:
    for v in ['.Values.i', '.Values.f', '.Values.nul', '.Values.num', '(int .Values.i)']:
        vc.x("int-param", tmpl.format(v))
STR_FNS = ['upper {}', 'b64enc {}', 'trim {}', 'sha1sum {}', 'semverCompare "*" {}', 'regexMatch "." {}', 'base {}', 'urlParse {} | len',
           'atoi {}', 'contains "a" {}']
for tmpl in STR_FNS:
    for v in ['.Values.i', '.Values.nul', '.Values.l', '.Values.t', '.Values.missing']:
        vc.x("str-param", tmpl.format(v))
MAP_FNS = ['get {} "a"', 'hasKey {} "a"', 'keys {} | sortAlpha', 'pick {} "a"', 'omit {} "a"', 'values {} | len', 'merge (dict) {}', 'pluck "a" {}',
           'set {} "q" 1 | len', 'urlJoin {}']
for tmpl in MAP_FNS:
    for v in ['.Values.m', '.Values', '.Values.nul', '.Values.l', '.Values.s', '.Values.missing']:
        vc.x("map-param", tmpl.format(v))
for tmpl in ['ternary 1 2 {}']:
    for v in ['.Values.t', '.Values.nul', '.Values.i', '.Values.s', '.Values.missing']:
        vc.x("bool-param", tmpl.format(v))

# ---------------------------------------------------------------- mutation and aliasing
mu = family("sprig-mutation", "dict mutation and aliasing visible to later uses")
MUT = [
    '{{ $src := dict "n" (dict "k" 1) }}{{ $d := dict }}{{ $_ := merge $d $src }}{{ $_ := set $d.n "k" 2 }}{{ $src.n.k }}',
    '{{ $src := dict "n" (dict "k" 1) }}{{ $d := dict }}{{ $_ := mergeOverwrite $d $src }}{{ $_ := set $d.n "k" 2 }}{{ $src.n.k }}',
    '{{ $src := dict "n" (dict "k" 1) }}{{ $d := dict "n" (dict "j" 0) }}{{ $_ := merge $d $src }}{{ $_ := set $d.n "k" 2 }}{{ $src.n.k }} {{ toJson $d }}',
    '{{ $src := dict "l" (list 1) }}{{ $d := merge (dict) $src }}{{ $_ := set $d "l" (append $d.l 2) }}{{ $src.l }} {{ $d.l }}',
    '{{ $a := dict "x" 1 }}{{ $b := $a }}{{ $_ := set $b "x" 2 }}{{ $a.x }}',
    '{{ $a := dict "x" (dict "y" 1) }}{{ $c := deepCopy $a }}{{ $_ := set $c.x "y" 2 }}{{ $a.x.y }} {{ $c.x.y }}',
    '{{ $a := dict "x" (dict "y" 1) }}{{ $p := pick $a "x" }}{{ $_ := set $p.x "y" 2 }}{{ $a.x.y }}',
    '{{ $a := dict "x" (dict "y" 1) "z" 0 }}{{ $o := omit $a "z" }}{{ $_ := set $o.x "y" 3 }}{{ $a.x.y }}',
    '{{ $a := dict "x" 1 }}{{ $o := omit $a "x" }}{{ $_ := set $o "w" 1 }}{{ keys $a }}',
    '{{ $_ := set .Values.m "a" 100 }}{{ get .Values.m "a" }}',
    '{{ $m := .Values.m }}{{ $_ := set $m "zz" 1 }}{{ hasKey .Values.m "zz" }}',
    '{{ $_ := unset .Values "s" }}{{ .Values.s | default "gone" }}',
    '{{ $d := dict "a" (dict "b" 1) }}{{ $e := merge (dict "a" (dict "c" 2)) $d }}{{ $_ := set $e.a "d" 3 }}{{ toJson $d }}',
    '{{ $d := dict "a" (dict "b" 1) }}{{ $e := mergeOverwrite (dict "a" (dict "c" 2)) $d }}{{ $_ := set $e.a "d" 3 }}{{ toJson $d }}',
    '{{ $x := list (dict "k" 1) }}{{ $_ := set (first $x) "k" 2 }}{{ toJson $x }}',
    '{{ $x := list (dict "k" 1) }}{{ $y := deepCopy $x }}{{ $_ := set (first $y) "k" 2 }}{{ toJson $x }}',
    '{{ $x := dict "k" (list 1 2) }}{{ $y := deepCopy $x }}{{ $_ := set $y "k" (append $y.k 3) }}{{ toJson $x }} {{ toJson $y }}',
    '{{ $d := dict }}{{ range $i, $e := until 3 }}{{ $_ := set $d (toString $i) $e }}{{ end }}{{ toJson $d }}',
    '{{ $d := dict "n" 0 }}{{ range until 4 }}{{ $_ := set $d "n" (add1 $d.n) }}{{ end }}{{ $d.n }}',
    '{{ $acc := dict }}{{ range .Values.sl }}{{ $_ := set $acc . (upper .) }}{{ end }}{{ values $acc | sortAlpha }}',
    '{{ $m := merge .Values.nested (dict "x" (dict "y" (dict "extra" 1))) }}{{ toJson .Values.nested }}',
    '{{ $m := mergeOverwrite .Values.nested (dict "x" (dict "y" (dict "z" "over"))) }}{{ .Values.nested.x.y.z }}',
    '{{ $m := mergeOverwrite (dict) .Values.nested }}{{ $_ := set $m.x "new" 1 }}{{ toJson .Values.nested }}',
    '{{ $m := merge (dict) .Values.nested }}{{ $_ := set $m "top" 1 }}{{ hasKey .Values.nested "top" }}',
    '{{ $c := deepCopy .Values.nested }}{{ $_ := set $c.x.y "z" "copy" }}{{ .Values.nested.x.y.z }}',
    '{{ $d := dict "a" 1 }}{{ $_ := set $d "self" $d }}{{ len $d }}',
    '{{ $d := dict "a" nil }}{{ $_ := merge $d (dict "a" (dict "b" 1)) }}{{ toJson $d }}',
    '{{ $d := dict "a" (list) }}{{ $_ := merge $d (dict "a" (list 1)) }}{{ toJson $d }}',
    '{{ $d := dict "a" (dict) }}{{ $_ := merge $d (dict "a" (dict "b" (dict "c" 1))) }}{{ toJson $d }}',
    '{{ $d := dict "a" 0.0 }}{{ $_ := merge $d (dict "a" 5) }}{{ toJson $d }}',
    '{{ $d := dict "a" .Values.em }}{{ $_ := merge $d (dict "a" (dict "b" 1)) }}{{ toJson $d }} {{ toJson .Values.em }}',
    '{{ $l := .Values.l }}{{ $r := reverse $l }}{{ $_ := append $r 9 }}{{ .Values.l }}',
    '{{ $s := splitList "," "b,a" }}{{ $t := sortAlpha $s }}{{ $s }} {{ $t }}',
    '{{ $d := dict "k" "v" }}{{ $e := dict "d" $d }}{{ $_ := set $d "k" "w" }}{{ $e.d.k }}',
    '{{ $d := dict "k" "v" }}{{ $l := list $d }}{{ $_ := set $d "k" "w" }}{{ (first $l).k }}',
    '{{ $d := dict "k" (dict) }}{{ $p := pluck "k" $d }}{{ $_ := set (first $p) "x" 1 }}{{ toJson $d }}',
    '{{ $d := dict "k" (dict "x" 1) }}{{ $v := values $d }}{{ $_ := set (first $v) "x" 2 }}{{ toJson $d }}',
    '{{ $d := dict "k" (dict "x" 1) }}{{ $g := get $d "k" }}{{ $_ := set $g "x" 5 }}{{ toJson $d }}',
    '{{ $d := dict "k" (dict "x" 1) }}{{ $g := dig "k" dict $d }}{{ $_ := set $g "x" 6 }}{{ toJson $d }}',
    '{{ $d := dict "a" 1 }}{{ $x := ternary $d (dict) true }}{{ $_ := set $x "b" 2 }}{{ toJson $d }}',
    '{{ $d := dict "a" 1 }}{{ $x := default (dict) $d }}{{ $_ := set $x "c" 3 }}{{ toJson $d }}',
    '{{ $d := dict "a" 1 }}{{ $x := coalesce nil $d }}{{ $_ := set $x "e" 5 }}{{ toJson $d }}',
]
for t in MUT:
    mu.case("mutate", t)
mu.case("values-set-in-helper", '{{ include "setter" . }}{{ .Values.fromHelper }}\n',
        extra=[("templates/_h.tpl", '{{ define "setter" }}{{ $_ := set .Values "fromHelper" "yes" }}{{ end }}\n')])
mu.case("values-set-earlier-file", '{{ .Values.order | default "none" }}\n',
        extra=[("templates/0.yaml", '{{ $_ := set .Values "order" "from-0" }}\n')])
mu.case("values-set-later-file", '{{ $_ := set .Values "late" "from-a" }}\n',
        extra=[("templates/0.yaml", '{{ .Values.late | default "not-yet" }}\n')])
mu.case("values-merge-across-files", '{{ toJson .Values.m }}\n',
        extra=[("templates/0.yaml", '{{ $_ := mergeOverwrite .Values.m (dict "b" "over") }}\n')])
mu.case("values-deepcopy-isolated", '{{ toJson .Values.m }}\n',
        extra=[("templates/0.yaml", '{{ $c := deepCopy .Values.m }}{{ $_ := set $c "b" "copy" }}\n')])
mu.case("tpl-sees-mutation", '{{ $_ := set .Values "t" "{{ .Values.s | upper }}" }}{{ tpl .Values.t . }}\n')

# ---------------------------------------------------------------- pipelines
pp = family("sprig-pipelines", "Sprig functions composed in pipelines")
pp.x("pipe", '.Values.s | upper | replace " " "-" | trunc 8 | quote', '.Values.sl | sortAlpha | join "," | upper',
     '.Values.l | last | add1 | mul 2', '.Values.m | keys | sortAlpha | toJson | b64enc | b64dec', 'list "b" "a" | sortAlpha | first | repeat 3',
     '.Values.s | splitList " " | reverse | join " "', '"a,b,c" | splitList "," | has "b"', '.Values.i | int | until | toJson',
     'dict "k" "v" | toYaml | nindent 2 | trim', '.Values.s | sha256sum | trunc 10', '.Values.num | atoi | add 1 | toString | quote',
     'now | date "2006" | atoi | lt 2000', '.Values.f | floor | int | until | len', '.Values.s | title | swapcase | snakecase',
     'list 1 2 3 | rest | initial | first', '.Values.word | lower | regexReplaceAll "l+" "L"', '.Values.m | pick "a" | values | first | int',
     'semver "1.2.3" | toString | semverCompare ">=1"', '"{\\"a\\":[1,2]}" | fromJson | dig "a" list | last', 'uuidv4 | splitList "-" | len',
     '.Values.sl | compact | uniq | without "fig" | toJson', '.Values.nested | deepCopy | toJson | sha1sum | len', 'tuple 1 2 | concat (list 0) | toJson',
     '.Values.s | b64enc | b32enc | b32dec | b64dec', '"x" | list | append "y" | join ""', 'splitList "." "a.b.c" | slice 1 | join "."',
     '.Values.e | default .Values.word | lower', 'list .Values.i .Values.f | toStrings | join "+"', '3 | until | reverse | toJson',
     '"20" | int | add1 | toString | len', '"x" | b64enc | quote | squote', '.Values.s | urlquery | quote', '"a b" | regexSplit " " -1 | join "_"')
for body in ['{{ range $i, $e := .Values.sl }}{{ $i }}:{{ $e | upper }} {{ end }}', '{{ with .Values.m }}{{ .a | add1 }}{{ end }}',
             '{{ $x := dict }}{{ range .Values.sl }}{{ $_ := set $x . (len .) }}{{ end }}{{ toJson $x }}',
             '{{ $acc := list }}{{ range until 3 }}{{ $acc = append $acc (mul . .) }}{{ end }}{{ $acc }}',
             '{{ $total := 0 }}{{ range .Values.l }}{{ $total = add $total . }}{{ end }}{{ $total }}',
             '{{ $s := "" }}{{ range $k, $v := .Values.m }}{{ $s = cat $s $k }}{{ end }}{{ $s | trim }}',
             '{{ range splitList "," "x,y" }}{{ . | quote }},{{ end }}', '{{ if and (hasKey .Values "s") (not (empty .Values.s)) }}set{{ end }}',
             '{{ $d := dict "a" (list 1) }}{{ $_ := set $d "a" (append $d.a 2) }}{{ toJson $d }}',
             '{{ $ca := genCA "x" 1 }}{{ $ca.Cert | b64enc | b64dec | hasPrefix "-----BEGIN" }}',
             '{{ $m := dict }}{{ $_ := mergeOverwrite $m .Values.m (dict "b" "over") }}{{ toJson $m }} {{ toJson .Values.m }}',
             '{{ $v := .Values }}{{ $_ := set $v "added" 1 }}{{ .Values.added }}',
             '{{ $c := .Values.l }}{{ $_ := append $c 4 }}{{ len .Values.l }}',
             '{{ $d := .Values.m }}{{ $_ := unset $d "a" }}{{ hasKey .Values.m "a" }}',
             '{{- range $k := keys .Values.m | sortAlpha }}\n{{ $k }}: {{ get $.Values.m $k | toJson }}\n{{- end }}',
             '{{ define "x" }}{{ . | upper }}{{ end }}{{ include "x" "abc" | lower | quote }}']:
    pp.case("control", body)
pp.case("mutation-across-templates", '{{ .Values.m }}\n', extra=[("templates/_set.tpl", '{{ $_ := set .Values.m "fromtpl" 1 }}\n')])
pp.case("mutation-across-files", '{{ $_ := set .Values "z" "a" }}\n', extra=[("templates/b.yaml", '{{ .Values.z | default "unset" }}\n')])

def main():
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    total = 0
    for f in FAMILIES:
        text = f.render()
        with open(os.path.join(out_dir, f.stem + ".txt"), "w") as fh:
            fh.write(text)
        total += len(f.cases)
        print(f"{f.stem}: {len(f.cases)}")
    print("total", total)

if __name__ == "__main__":
    main()
