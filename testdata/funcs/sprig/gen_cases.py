#!/usr/bin/env python3
"""Writes cases.txt: one Sprig call per line, `name<TAB>[args as typed JSON]`.

JSON integers are Go `int`, other numbers `float64`; one-key objects tag other Go types:
{"$i64": n}, {"$f": "NaN"}, {"$strs": [...]}, {"$ints": [...]}, {"$bytes": "..."}, {"$smap": {...}}.
"""
import json

cases = []


def c(name, *args):
    cases.append(f"{name}\t{json.dumps(list(args), ensure_ascii=False)}")


I64 = lambda n: {"$i64": n}
F = lambda s: {"$f": s}
STRS = lambda *s: {"$strs": list(s)}

words = ["", "hello world", "  padded  ", "HelloWorld", "hello_world-foo bar", "ALLCAPS", "XMLHttpRequest",
         "some.dotted.name", "Ünïcödé straße", "ǆemal", "i18n v2Beta3", "__init__", "  ", "a", "tab\tsep\nline",
         "HTTPServer2Go", "foo--bar__baz", "Hello, World!", "camelCaseString", "snake_case_string",
         "kebab-case-string", "x1y2z3", "100%", "ΑΒΓ αβγ", "東京 tower"]
for f in ["trim", "upper", "lower", "title", "untitle", "nospace", "initials", "swapcase", "snakecase",
          "camelcase", "kebabcase", "b64enc", "b32enc", "quote", "squote", "toString", "regexQuoteMeta"]:
    for w in words:
        c(f, w)

for w in ["aGVsbG8=", "aGVsbG8", "aGVsbA==", "aGVsbA=", "a", "ab==", "!!!!", "aGVs\nbG8=", "", "YQ==YQ==",
          "aGVsbG8gd29ybGQ=", "Zm9v====", "Zg=", "Zm9vYmFy"]:
    c("b64dec", w)
for w in ["NBSWY3DP", "NBSWY3D", "MFRGG===", "MFRGG", "MY======", "MY=", "", "1234", "NBSWY3DPEB3W64TMMQ======",
          "MZXW6===", "MZXW6YQ=", "MZXW6YTB", "mzxw6ytb"]:
    c("b32dec", w)

for a in [0, 3, 5, 10, -1, -3, -10, 100]:
    for s in ["hello world", "", "abc"]:
        c("trunc", a, s)
for args in [(0, 5, "hello world"), (-1, 5, "hello world"), (3, -1, "hello world"), (3, 100, "hello"),
             (2, 4, "abcdef"), (4, 2, "abcdef"), (10, 12, "abc"), (-1, -1, "abc"), (0, 0, ""), (-1, 10, "abc"),
             (5, 5, "abc")]:
    c("substr", *args)
for args in [(5, "hello world"), (3, "hello"), (4, "hi"), (10, "Now is the time for all good men"),
             (20, "Now is the time for all good men"), (4, "abcdefg"), (0, "abc")]:
    c("abbrev", *args)
for args in [(5, 10, "Now is the time for all good men"), (0, 10, "1234567890abcdef"), (10, 10, "abcdefghijklmnopqrstuvwxyz"),
             (1, 3, "abcdef"), (6, 7, "abcdefghijklmno"), (3, 8, "abcdefghijklmno"), (20, 10, "abcdefghijklmno")]:
    c("abbrevboth", *args)
for args in [(3, "ab"), (0, "ab"), (-1, "ab"), (2, "")]:
    c("repeat", *args)
for args in [("$", "$$5.00$"), ("ab", "abcba"), ("", "x"), (" ", "  x  ")]:
    c("trimAll", *args)
    c("trimall", *args)
for args in [("-", "foo-"), ("foo", "foobar"), ("", "x"), ("bar", "foobar")]:
    c("trimSuffix", *args)
    c("trimPrefix", *args)
for args in [(10, "The quick brown fox jumps over the lazy dog"), (5, "Supercalifragilistic word"), (0, "a b c"),
             (3, "  leading spaces here"), (80, "short"), (4, "ab cd ef gh"), (6, "http://example.com/very/long/url ok")]:
    c("wrap", *args)
    c("wrapWith", args[0], "<br>", args[1])
c("wrapWith", 5, "", "hello world again")
for args in [("cat", "concatenate"), ("dog", "cat"), ("", "x"), ("x", "")]:
    c("contains", *args)
    c("hasPrefix", *args)
    c("hasSuffix", *args)
for args in [[], ["a"], ["a", "b"], [1, None, "c"], [1.5, True], [None], [["x", 1]], [{"k": "v"}], ["with \"quotes\"\n"],
             [{"$bytes": "bytes"}], [I64(5)], [F("1e6")]]:
    c("quote", *args)
    c("squote", *args)
    c("cat", *args)
for args in [(2, "a\nb"), (0, "x"), (4, ""), (-1, "x"), (3, "line1\nline2\n")]:
    c("indent", *args)
    c("nindent", *args)
for args in [("a", "b", "banana"), ("", "-", "abc"), ("x", "y", ""), ("na", "", "banana")]:
    c("replace", *args)
for n in [0, 1, 2, -1]:
    c("plural", "one", "many", n)

numbers = [0, 1, -7, 3.7, -3.7, 2.5, 1e6, 1e21, 1.5e-7, I64(42), "42", "-42", "0x1F", "0o17", "017", "0b101",
           "1_000", "3.5", "abc", "", " 4", "1e3", "9223372036854775807", "9223372036854775808", True, False, None,
           [1], {"a": 1}, "inf", "NaN", "-0", F("NaN"), F("+Inf"), F("-Inf"), "0x1p-2", "+5", "08", "1__0", "Infinity"]
for f in ["int", "int64", "float64", "toString", "toDecimal", "add1", "ceil", "floor", "empty", "typeOf", "kindOf",
          "toJson", "add1f"]:
    for n in numbers:
        c(f, n)
for s in ["42", "-42", "+42", "3.5", "abc", "", "0x10", "1_000", "99999999999999999999", "-99999999999999999999", " 1"]:
    c("atoi", s)
for args in [[], [1, 2], [1, "2", 3.9], [True, None, "x"], [I64(9223372036854775807), 1], [1.9, 1.9]]:
    c("add", *args)
    c("addf", *args)
for args in [(10, 3), (10, "3"), (-7, 2), (7.9, 2), (1, 0), ("abc", 1), (I64(-9223372036854775807 - 1), -1)]:
    c("sub", *args)
    c("div", *args)
    c("mod", *args)
    c("subf", *args)
    c("divf", *args)
for args in [(2,), (2, 3), (2, "3", 4.5), (0.1, 3), ("x", 5)]:
    c("mul", *args)
    c("mulf", *args)
for args in [(1,), (1, 5, 3), (-1, "-5", 2.9), (I64(3), 10), ("a", "b"), (1.5, 1.2, None)]:
    c("max", *args)
    c("min", *args)
    c("biggest", *args)
    c("maxf", *args)
    c("minf", *args)
for args in [(0.1, 0.2), (1.1, 2.2, 3.3), (1, 3), (10, 4), (1e20, 1e-20), (0.3, 0.1)]:
    c("addf", *args)
    c("subf", *args)
    c("mulf", *args)
    c("divf", *args)
c("divf", 1, 0)
c("addf", F("NaN"), 1)
c("addf", "NaN")
for args in [(2.5, 0), (-2.5, 0), (3.14159, 2), (3.145, 2), (1.005, 2), (123.456, -1), ("2.5", 0), (2.4, 0, 0.4),
             (2.5, 0, 0.6), (1234.5678, 3), (0.5, 0), (-0.5, 0), (1e300, 10), (5, -2), (F("NaN"), 0)]:
    c("round", *args)
for args in [(5,), (1, 5), (5, 1), (1, 2, 10), (10, -3, 1), (10, 3, 1), (0,), (-3,), (2, 2), ()]:
    c("seq", *args)
for n in [5, 0, -3, 1]:
    c("until", n)
for args in [(0, 10, 3), (10, 0, -3), (0, 10, 0), (0, 10, -1), (5, 5, 1), (3, 0, 1)]:
    c("untilStep", *args)

for args in [("/", "a/b/c"), (",", "a,,b,"), ("", "abc"), ("x", ""), ("", ""), ("ab", "cabbage")]:
    c("split", *args)
    c("splitList", *args)
for args in [("/", 2, "a/b/c"), ("/", 0, "a/b"), ("/", -1, "a/b/c"), ("", 2, "abc"), ("/", 10, "a/b")]:
    c("splitn", *args)
for v in [["a", 1, None, True], STRS("x", "y"), "single", None, 5, [], {"$ints": [1, 2]}, {"$bytes": "hi"}]:
    c("toStrings", v)
    c("join", "-", v)
    c("sortAlpha", v)
c("sortAlpha", ["b", "a", "C", 10, 2])
c("sortAlpha", STRS("z", "y", "x"))

# defaults
empties = [None, "", 0, 0.0, False, [], {}, "x", 1, 0.5, True, [0], {"a": None}, I64(0), STRS()]
for v in empties:
    c("default", "dflt", v)
c("default", "dflt")
c("default", "dflt", None, "second")
c("default", None, "")
for args in [[], [None, "", 0, "first", "second"], [0, False], [None], [[], {}, "z"]]:
    c("coalesce", *args)
    c("all", *args)
    c("any", *args)
for args in [("a", "b", True), ("a", "b", False), (None, 1, True)]:
    c("ternary", *args)
c("ternary", "a", "b", "true")

# json
json_docs = ['{"a":1,"b":[1,2,{"c":null}],"d":"x"}', '[1, 2.5, -3e2, true, false, null]', '"str"', '1e999', '',
             '{"a" 1}', '[1,]', '{"a":1,}', '{"a":1 "b":2}', 'tru', 'nul', 'x', '[1 2]', '1 2', '"\\u00e9\\ud83d\\ude00"',
             '"\\ud800"', '"bad \\q"', '{"k":"v","k":"w"}', '  {"n": 123456789012345678901234567890}  ', '-', '01',
             '1.', '1e', '"\\u12G4"', '{"a":{"b":{"c":[]}}}', '{1:2}', '[', '"unterminated', '"tab\tinside"',
             '0.1', '-0', '1E+2', '"<&>"', '[]', '{}']
for d in json_docs:
    c("fromJson", d)
    c("mustFromJson", d)
json_vals = [{"b": 1, "a": [1, 2.5, "x<y>&z", None, True]}, [], {}, "plain", 1e21, 1e20, 1.5e-7, 0.000001, 123456789.0,
             -0.0, 100, I64(7), F("NaN"), F("+Inf"), {"nested": {"deep": {"list": [{}, []]}}}, "\u2028 \b\f\x01",
             {"$bytes": "bytes"}, STRS("a", "b"), {"$smap": {"k": "v"}}, None, "é😀", 1e-7, 12345678.9, 1e6]
for v in json_vals:
    for f in ["toJson", "mustToJson", "toPrettyJson", "mustToPrettyJson", "toRawJson", "mustToRawJson"]:
        c(f, v)

# lists
lists = [[1, 2, 3], [], ["a"], STRS("x", "y", "z"), {"$ints": [4, 5]}, "str", 5, None, {"a": 1}, [None, 1, "", 0, [], "x"],
         [1, 1, "1", 1.0, [1], [1], {"a": 1}, {"a": 1}], {"$bytes": "ab"}]
for l in lists:
    for f in ["first", "mustFirst", "last", "mustLast", "rest", "mustRest", "initial", "mustInitial", "reverse",
              "mustReverse", "uniq", "mustUniq", "compact", "mustCompact"]:
        c(f, l)
    c("append", l, "new")
    c("mustPush", l, "new")
    c("prepend", l, 0)
    c("mustPrepend", l, 0)
    c("without", l, 1, "x")
    c("mustWithout", l)
    c("has", 1, l)
    c("mustHas", "x", l)
    c("slice", l)
    c("slice", l, 1)
    c("mustSlice", l, 1, 2)
    c("chunk", 2, l)
    c("concat", l, [9])
c("list")
c("list", 1, "a", None, [1])
c("tuple", 1, 2)
c("has", None, None)
c("has", None, [None])
c("has", 1, [I64(1), 1.0])
c("slice", [1, 2, 3], 2, 1)
c("slice", [1, 2, 3], -1)
c("slice", [1, 2, 3], 0, 5)
c("slice", [1, 2, 3], "1", 2.9)
c("concat")
c("concat", [1], STRS("a"), [])
c("concat", [1], "x")
for size in [1, 3, 4, 0, -2]:
    c("chunk", size, [1, 2, 3, 4, 5, 6, 7])
    c("mustChunk", size, [])

# dicts
d = {"a": 1, "b": {"c": 2}, "e": None}
c("dict")
c("dict", "a", 1, "b")
c("dict", 1, 2, None, 3, True, "x")
c("dict", "k", [1, 2], "m", {"n": 1})
for k in ["a", "b", "e", "z"]:
    c("get", d, k)
    c("hasKey", d, k)
    c("unset", d, k)
    c("set", d, k, "v")
c("get", None, "a")
c("set", None, "a", 1)
c("unset", None, "a")
c("hasKey", None, "a")
c("get", {"$smap": {"a": "b"}}, "a")
c("pluck", "a", {"a": 1}, {"b": 2}, {"a": 3})
c("pluck", "a")
c("pluck", "a", None, {"a": None})
c("keys", {"b": 1, "a": 2}, {"c": 3, "a": 4})
c("keys")
c("keys", None)
c("values", {"b": 1, "a": "x"})
c("values", None)
c("pick", {"a": 1, "b": 2, "c": 3}, "a", "c", "z")
c("pick", None, "a")
c("omit", {"a": 1, "b": 2, "c": 3}, "a", "c", "z")
c("omit", {"a": 1})
merge_cases = [
    ({"a": 1, "b": {"x": 1}}, {"a": 2, "b": {"y": 2}, "c": 3}),
    ({"a": "", "b": 0, "c": False, "d": None, "e": []}, {"a": "A", "b": 1, "c": True, "d": "D", "e": [1]}),
    ({"a": "keep"}, {"a": None}),
    ({"a": "scalar"}, {"a": {"m": 1}}),
    ({"a": {"m": 1}}, {"a": "scalar"}),
    ({"a": [1, 2]}, {"a": [3]}),
    ({"a": {"m": 1}}, {"a": [3]}),
    ({"a": [1]}, {"a": {"m": 1}}),
    ({}, {"a": {"b": {"c": 1}}}),
    ({"a": {}}, {"a": {"b": 1}}),
    ({"a": {"b": {"c": 1, "d": ""}}}, {"a": {"b": {"c": 2, "d": "D", "e": False}}}),
    ({"a": 1}, {"a": 0}),
    ({"a": 1}, {"a": ""}),
]
for dst, src in merge_cases:
    for f in ["merge", "mustMerge", "mergeOverwrite", "mustMergeOverwrite"]:
        c(f, dst, src)
c("merge", None, {"a": 1})
c("merge", {"a": 1})
c("merge", {"a": 1}, {"b": 2}, {"a": 3, "c": 4})
c("mergeOverwrite", {"a": 1}, {"b": 2}, {"a": 3, "c": 4})
c("merge", {"a": 1}, None)
for v in [d, [1, {"a": [2]}], "s", None, 5]:
    c("deepCopy", v)
    c("mustDeepCopy", v)
c("dig", "b", "c", "def", d)
c("dig", "b", "z", "def", d)
c("dig", "a", "def", d)
c("dig", "a", "x", "def", d)
c("dig", "z", "x", "def", d)
c("dig", "e", "def", d)
c("dig", "a", "def")
c("dig", "a", "def", "notamap")
c("dig", 1, "def", d)
c("dig", "a", "def", None)

# reflection
for v in [1, I64(1), 1.5, "s", True, None, [1], STRS("a"), {"a": 1}, {"$smap": {}}, {"$bytes": "x"}, {"$ints": [1]}]:
    c("typeOf", v)
    c("kindOf", v)
    c("typeIs", "int", v)
    c("typeIsLike", "[]interface {}", v)
    c("kindIs", "slice", v)
    c("kindIs", "map", v)
for a, b in [(1, 1), (1, I64(1)), (1, 1.0), ("a", "a"), ([1, 2], [1, 2]), ([1], STRS("1")), ({"a": [1]}, {"a": [1]}),
             (None, None), (None, ""), (F("NaN"), F("NaN")), ({}, {}), ([], None)]:
    c("deepEqual", a, b)

# paths
for p in ["", "/", "a/b/c", "/a/b/c/", "a//b/../c/.", "../../x", "/../x", ".", "..", "file.tar.gz", "/dir.d/file",
          "dir.d/", "a/./b/", "//double//slash", "x/..", "/x/..", "a/b/../../..", ".hidden", "noext", "a/b.c/d"]:
    for f in ["base", "dir", "clean", "ext", "isAbs", "osBase", "osDir", "osClean", "osExt", "osIsAbs"]:
        c(f, p)

# regex
for re, s in [("a.c", "abc"), ("^a", "ba"), (r"\d+", "abc123def45"), (r"\w+", "héllo wörld"), (r"\s", "a\u00a0b c"),
              (r"\bfoo\b", "foo foobar"), (r"\bé", "é"), ("(", "x"), ("a)", "x"), ("[a-", "x"), ("*a", "x"), ("a**", "x"),
              (r"\Z", "x"), ("x{2,3}", "xxxx"), ("a{", "a{"), ("{}", "{}"), ("[[]", "["), (r"\Qa.b\E", "a.b axb"),
              ("(?i)HELLO", "hello"), ("(?P<first>\\w+) (?P<last>\\w+)", "john smith"), ("a|b|", "c"), ("", "abc"),
              ("x*", "abc"), ("a*", "baaab"), ("[[:alpha:]]+", "ab12"), (r"\D+", "ab12cd"), (r"[^\d]", "1a"),
              (r"[\w.]+", "a.b-c"), ("(?s).+", "a\nb"), (".+", "a\nb"), ("(?m)^b", "a\nb"), ("(?<n>x)", "x"),
              (r"\pL+", "héllo1"), ("a+?", "aaa"), ("(?U)a+", "aaa"), ("\\", "x"), ("[a", "x"), ("a{2}{3}", "x"),
              ("(?z)", "x"), ("+", "x"), ("a|*", "x"), ("()", "x"), ("[]a]", "]")]:
    c("regexMatch", re, s)
    c("mustRegexMatch", re, s)
    c("regexFind", re, s)
    c("mustRegexFind", re, s)
    c("regexFindAll", re, s, -1)
    c("mustRegexFindAll", re, s, 2)
    c("regexReplaceAll", re, s, "<$0>")
    c("mustRegexReplaceAllLiteral", re, s, "<$0>")
    c("regexSplit", re, s, -1)
    c("mustRegexSplit", re, s, 2)
for repl in ["$1", "${1}x", "$1x", "$$", "$", "${last}, ${first}", "$first$last", "$9", "${", "$0", "$01", "${first"]:
    c("regexReplaceAll", "(?P<first>\\w+) (?P<last>\\w+)", "john smith", repl)
    c("regexReplaceAllLiteral", "(?P<first>\\w+) (?P<last>\\w+)", "john smith", repl)
c("regexFindAll", "a", "aaaa", 0)
c("regexFindAll", "a", "aaaa", 3)
c("regexSplit", "a", "", -1)
c("regexSplit", "", "abc", -1)
c("regexSplit", "", "", -1)
c("regexSplit", ",", "a,b,c", 0)
c("regexSplit", ",", "a,b,c,", -1)
c("regexSplit", ",", ",a", -1)
c("regexReplaceAll", "", "abc", "-")
c("regexReplaceAll", "b*", "abc", "-")
c("regexReplaceAll", "\u00e9?", "aé", "-")

# urls
for u in ["https://user:pa%20ss@example.com:8080/p/a%2Fth?q=1&r=2#frag%20x", "http://example.com", "mailto:joe@example.com",
          "/relative/path?x", "example.com/path", "http://[::1]:80/x", "://bad", "http://host:port/", "http://a b.com/",
          "HTTP://EXAMPLE.COM/", "http://user@host/", "http://%zz/", "a:b", "x/y:z", "http://h/p?", "", "*", "//host/path",
          "file:///etc/passwd", "http://h/%7Efoo", "http://h/a%zzb"]:
    c("urlParse", u)
for d in [{"scheme": "https", "host": "example.com", "path": "/a b", "query": "x=1", "fragment": "f g"},
          {"scheme": "http", "host": "h", "userinfo": "u:p@ss"}, {"path": "a:b"}, {"scheme": "mailto", "opaque": "joe@x.com"},
          {"host": "h", "path": "rel"}, {}, {"scheme": "http", "host": 5}, {"scheme": "s", "path": "/p?q", "fragment": "!()*"},
          {"scheme": "http", "host": "h", "userinfo": "user"}, {"scheme": "file", "path": "/etc"}, {"host": "h:80", "query": "a=b c"}]:
    c("urlJoin", d)

c("fail", "boom")
c("fail", "")

with open("cases.txt", "w") as f:
    f.write("\n".join(cases) + "\n")
print(len(cases), "cases")
