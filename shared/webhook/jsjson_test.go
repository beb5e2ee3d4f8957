package webhook_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/waqtor/waqtor/shared/webhook"
)

// canonicalTable holds inputs chosen to hit every rule of JSON.parse and JSON.stringify.
var canonicalTable = []string{
	// literals and whitespace
	`null`, `true`, `false`, ` null `, "\t\r\n[ 1 ,\t2 ]\n", `[]`, `{}`, `[ ]`, `{ }`, `""`,
	// key order: integer-like first ascending, then insertion order
	`{"b":1,"a":2,"1":3,"0":4}`,
	`{"10":1,"9":2,"a":3,"01":4,"1":5,"-1":6,"1.0":7," 1":8,"1 ":9}`,
	`{"4294967294":1,"4294967295":2,"4294967296":3,"0":4,"99999999999":5}`,
	`{"z":1,"00":2,"0":3,"+1":4,"1e3":5,"1000":6}`,
	// duplicate keys: first position, last value
	`{"a":1,"b":2,"a":3}`,
	`{"a":{"x":1},"b":2,"a":[1,2]}`,
	`{"2":1,"1":2,"2":3}`,
	`{"a":1,"\u0061":2}`,
	`{"😀":1,"\ud83d\ude00":2}`,
	`{"__proto__":1,"constructor":2,"toString":3}`,
	`{"__proto__":{"a":1},"__proto__":2}`,
	// numbers
	`0`, `-0`, `-0.0`, `0.0`, `1.0`, `1.5`, `-1.5`, `1e0`, `1E2`, `1e+2`, `1e-2`, `0.1`, `0.000001`, `0.0000001`,
	`1e-7`, `1.5e-7`, `123e-20`, `1e20`, `1e21`, `1e22`, `123456789012345678901`, `100000000000000000000`,
	`1000000000000000000000`, `9007199254740991`, `9007199254740992`, `9007199254740993`, `18446744073709551615`,
	`-9007199254740993`, `1.7976931348623157e308`, `1.7976931348623158e308`, `1.7976931348623159e308`, `1e309`,
	`-1e309`, `1e400`, `5e-324`, `2e-324`, `3e-324`, `1e-400`, `-1e-400`, `0.1e1`, `12.34e5`, `4.35`, `0.30000000000000004`,
	`1.0000000000000002`, `123456789.123456789`, `0.000123`, `1e-6`, `1.1e-6`, `9.999999999999999e20`,
	`1e999999999999999999999`, `0e999999999999999999999`, `1e-999999999999999999999`,
	`2.4703282292062327e-324`, `2.4703282292062328e-324`,
	`[` + strings.Repeat("1", 400) + `]`,
	`0.` + strings.Repeat("0", 330) + `1`,
	`1.` + strings.Repeat("0", 800) + `1`,
	`9007199254740993.` + strings.Repeat("0", 820) + `1`,
	// strings: escapes JSON.stringify keeps or removes
	`"<>&"`, `"\u003c\u003e\u0026"`, `"\u2028\u2029"`, "\"\u2028\u2029\"", `"\/"`, `"\\"`, `"\""`,
	`"\b\f\n\r\t"`, `"\u0000\u0001\u001f\u007f\u0080"`, `"\u00e9é"`, `"\uFFFF\uFFFE\uFEFF"`,
	`"\ud83d\ude00"`, `"\uD83D\uDE00"`, `"\ud83d"`, `"\ude00"`, `"\ude00\ud83d"`, `"\ud83d\ud83d\ude00"`,
	`"\ud83dx"`, `"a\ud800"`, `"\udbff\udfff"`, `"\ud800\u0041"`, `"\ud83d\\ude00"`, `"\ud83d\u00"`,
	"\"😀 é ü ß 中文 العربية\"", "\"\u007f\"",
	// nesting
	`[[[[[]]]]]`, `{"a":{"b":{"c":{"d":[1,{"e":null}]}}}}`, `[{"1":1,"0":0},{"b":1,"a":1}]`,
	strings.Repeat("[", webhook.MaxDepth) + strings.Repeat("]", webhook.MaxDepth),
	strings.Repeat(`{"a":`, webhook.MaxDepth-2) + `[{"":1}]` + strings.Repeat("}", webhook.MaxDepth-2),
	// invalid
	``, ` `, `[`, `]`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[,1]`, `{a:1}`, `{'a':1}`, `'a'`, `"a`,
	`nul`, `True`, `NaN`, `Infinity`, `-Infinity`, `+1`, `01`, `00`, `-`, `1.`, `.1`, `1e`, `1e+`, `-01`, `0x10`,
	`1 2`, `[1] [2]`, `"\x"`, `"\u12"`, `"\u12G4"`, `"\'"`, "\"a\tb\"", "\"a\nb\"", "\"\x00\"", "\ufeff{}",
	"\u00a0{}", "\v{}", "\f{}", `{"a":1}}`, `[1]]`, `"\U0041"`, `{"a" 1}`, `[1:2]`,
}

// canonicalKnown pins a few answers so the test does not rely on Node alone.
var canonicalKnown = map[string]string{
	`{"b":1,"a":2,"1":3,"0":4}`:          `{"0":4,"1":3,"b":1,"a":2}`,
	`{"a":1,"b":2,"a":3}`:                `{"a":3,"b":2}`,
	`-0`:                                 `0`,
	`1e21`:                               `1e+21`,
	`1e-7`:                               `1e-7`,
	`9007199254740993`:                   `9007199254740992`,
	`1e400`:                              `null`,
	`"<>&\u2028"`:                        "\"<>&\u2028\"",
	`"\ud83d"`:                           `"\ud83d"`,
	`"\u0001\/"`:                         `"\u0001/"`,
	" [ 1.50 , {\"x\" : \"\\u00e9\"} ] ": `[1.5,{"x":"é"}]`,
}

// node canonicalizes every document with the real JSON.parse and JSON.stringify; nil marks a parse error.
func nodeCanonical(t *testing.T, docs [][]byte) [][]byte {
	t.Helper()
	in := make([]string, len(docs))
	for i, d := range docs {
		in[i] = base64.StdEncoding.EncodeToString(d)
	}
	stdin, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	out := runTool(t, nil, stdin, jsNode(t), "testdata/canonical.js")
	var res []*string
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("node output: %v", err)
	}
	if len(res) != len(docs) {
		t.Fatalf("node answered %d documents, want %d", len(res), len(docs))
	}
	got := make([][]byte, len(res))
	for i, r := range res {
		if r == nil {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(*r)
		if err != nil {
			t.Fatal(err)
		}
		got[i] = b
	}
	return got
}

func compareWithNode(t *testing.T, docs [][]byte) {
	t.Helper()
	want := nodeCanonical(t, docs)
	same, errs := 0, 0
	for i, doc := range docs {
		got, err := webhook.Canonical(doc)
		switch {
		case want[i] == nil && err == nil:
			t.Errorf("Canonical(%q) = %q, but JSON.parse throws", short(doc), short(got))
		case want[i] != nil && err != nil:
			t.Errorf("Canonical(%q): %v, but Node gives %q", short(doc), err, short(want[i]))
		case want[i] != nil && string(got) != string(want[i]):
			t.Errorf("Canonical(%q)\n got %q\nwant %q", short(doc), got, want[i])
		case err != nil:
			errs++
		default:
			same++
		}
	}
	t.Logf("%d of %d documents byte-identical to Node's JSON.stringify(JSON.parse(doc)); %d refused by both", same, len(docs), errs)
}

// short keeps failure messages readable.
func short(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

func TestCanonicalMatchesNodeOnTrickyInputs(t *testing.T) {
	docs := make([][]byte, 0, len(canonicalTable)+len(canonicalKnown))
	for _, s := range canonicalTable {
		docs = append(docs, []byte(s))
	}
	for in, want := range canonicalKnown {
		got, err := webhook.Canonical([]byte(in))
		if err != nil || string(got) != want {
			t.Errorf("Canonical(%q) = %q, %v; want %q", in, got, err, want)
		}
		docs = append(docs, []byte(in))
	}
	compareWithNode(t, docs)
}

func TestCanonicalMatchesNodeOnRandomDocuments(t *testing.T) {
	g := jsonGen{rnd: rand.New(rand.NewPCG(20251030, 1))}
	docs := make([][]byte, 400)
	for i := range docs {
		var b strings.Builder
		g.value(&b, 0)
		doc := b.String()
		if i%8 == 7 { // damage some: drop one byte, keeping the text UTF-8
			at := g.rnd.IntN(len(doc))
			if cut := doc[:at] + doc[at+1:]; utf8.ValidString(cut) {
				doc = cut
			}
		}
		docs[i] = []byte(doc)
	}
	compareWithNode(t, docs)
}

// TestCanonicalNumbersMatchNodeAndEncodingJSON checks doubles of random bit patterns: Canonical writes them as
// Node does, and so does encoding/json (hence event.Marshal) except for negative zero, which it writes as -0.
func TestCanonicalNumbersMatchNodeAndEncodingJSON(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 11))
	docs := [][]byte{[]byte("-0"), []byte("-0.0e5")}
	for len(docs) < 300 {
		f := math.Float64frombits(rnd.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		if len(docs)%3 == 0 {
			f = math.Trunc(f/math.Pow(10, math.Floor(math.Log10(math.Abs(f))))) * math.Pow(10, float64(rnd.IntN(40)-20))
		}
		docs = append(docs, strconv.AppendFloat(nil, f, "eg"[rnd.IntN(2)], -1, 64))
	}
	compareWithNode(t, docs)
	for _, doc := range docs {
		f, err := strconv.ParseFloat(string(doc), 64)
		if err != nil {
			t.Fatal(err)
		}
		got, err := webhook.Canonical(doc)
		if err != nil {
			t.Fatal(err)
		}
		std, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if f == 0 && math.Signbit(f) {
			if string(std) != "-0" || string(got) != "0" {
				t.Errorf("-0: encoding/json %s, Canonical %s; want -0 and 0", std, got)
			}
			continue
		}
		if string(std) != string(got) {
			t.Errorf("%s: encoding/json writes %s, Canonical (and Node) %s", doc, std, got)
		}
	}
}

func TestCanonicalRefusesInvalidUTF8AndDeepNesting(t *testing.T) {
	// Node would decode these bytes with U+FFFD replacements, and parse the deep ones; WaQtor never sends such a
	// body, so they are errors.
	for _, in := range []string{"\"\xff\"", "\"\xed\xa0\x80\"", "{\"\xc3\":1}", "\"\xe2\x82\"",
		strings.Repeat("[", webhook.MaxDepth+1) + strings.Repeat("]", webhook.MaxDepth+1),
		strings.Repeat(`{"a":`, webhook.MaxDepth) + `[]` + strings.Repeat("}", webhook.MaxDepth)} {
		if got, err := webhook.Canonical([]byte(in)); err == nil {
			t.Errorf("Canonical(%q) = %q, want an error", in, got)
		}
	}
}

// jsonGen writes random JSON text with the features that make canonicalization hard.
type jsonGen struct{ rnd *rand.Rand }

var genKeys = []string{"0", "1", "2", "10", "9", "01", "-1", "1.5", "4294967294", "4294967295", "a", "b", "é",
	"😀", "__proto__", "length", " ", "", "A", "aa", `\u0061`, `\ud83d\ude00`, `\u0000`, "<", "&amp;", "1e2"}

func (g jsonGen) ws(b *strings.Builder) {
	for range g.rnd.IntN(3) {
		b.WriteByte(" \t\n\r"[g.rnd.IntN(4)])
	}
}

func (g jsonGen) value(b *strings.Builder, depth int) {
	g.ws(b)
	n := g.rnd.IntN(10)
	if depth > 4 {
		n = g.rnd.IntN(6)
	}
	switch n {
	case 0:
		b.WriteString([]string{"null", "true", "false"}[g.rnd.IntN(3)])
	case 1, 2, 3:
		g.number(b)
	case 4, 5:
		g.str(b)
	case 6, 7:
		b.WriteByte('[')
		for i := range g.rnd.IntN(5) {
			if i > 0 {
				g.ws(b)
				b.WriteByte(',')
			}
			g.value(b, depth+1)
		}
		g.ws(b)
		b.WriteByte(']')
	default:
		b.WriteByte('{')
		for i := range g.rnd.IntN(8) {
			if i > 0 {
				g.ws(b)
				b.WriteByte(',')
			}
			g.ws(b)
			if g.rnd.IntN(3) == 0 {
				g.str(b)
			} else {
				b.WriteString(`"` + genKeys[g.rnd.IntN(len(genKeys))] + `"`)
			}
			g.ws(b)
			b.WriteByte(':')
			g.value(b, depth+1)
		}
		g.ws(b)
		b.WriteByte('}')
	}
	g.ws(b)
}

func (g jsonGen) number(b *strings.Builder) {
	r := g.rnd
	switch r.IntN(6) {
	case 0:
		b.WriteString(strconv.Itoa(r.IntN(2000) - 1000))
	case 1:
		b.WriteString(strconv.FormatUint(r.Uint64(), 10)) // often above 2^53
	case 2:
		b.WriteString(strconv.FormatFloat(r.NormFloat64()*1e6, 'f', r.IntN(25), 64))
	case 3:
		fmt.Fprintf(b, "%se%d", strconv.FormatFloat(r.Float64()*10, 'f', r.IntN(20), 64), r.IntN(700)-350)
	case 4:
		if r.IntN(2) == 0 {
			b.WriteByte('-')
		}
		b.WriteString([]string{"0", "0.0", "0.5", "1", "1.0"}[r.IntN(5)])
		b.WriteString([]string{"", "e1", "E-1", "e+21", "e-7", "e20", "e-6", "e21", "e-324", "e308", "e309"}[r.IntN(11)])
	default:
		digits := make([]byte, 1+r.IntN(30))
		for i := range digits {
			digits[i] = byte('0' + r.IntN(10))
		}
		digits[0] = byte('1' + r.IntN(9))
		fmt.Fprintf(b, "%s.%de%d", digits, r.IntN(1000), r.IntN(60)-30)
	}
}

func (g jsonGen) str(b *strings.Builder) {
	r := g.rnd
	b.WriteByte('"')
	for range r.IntN(12) {
		switch r.IntN(9) {
		case 0:
			b.WriteString([]string{`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`}[r.IntN(8)])
		case 1:
			// any code unit, surrogates included, in either hex case
			u := fmt.Sprintf(`\u%04x`, r.IntN(0x10000))
			if r.IntN(2) == 0 {
				u = `\u` + strings.ToUpper(u[2:])
			}
			b.WriteString(u)
		case 2:
			hi, lo := 0xd800+r.IntN(0x400), 0xdc00+r.IntN(0x400)
			fmt.Fprintf(b, `\u%04x\u%04x`, hi, lo)
		case 3:
			b.WriteString([]string{"<", ">", "&", "\u2028", "\u2029", "\u007f", "\u0080", "\ufeff", "😀", "é"}[r.IntN(10)])
		case 4:
			c := rune(0x20 + r.IntN(0x10ffff-0x20))
			if !utf8.ValidRune(c) || c == '"' || c == '\\' {
				c = 'x'
			}
			b.WriteRune(c)
		default:
			c := byte(0x20 + r.IntN(0x5f))
			if c == '"' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// FuzzCanonical checks what must hold for any input: Canonical accepts exactly the UTF-8 JSON texts (within
// MaxDepth), its output is JSON, and canonicalizing twice changes nothing. Node comparisons are in the tests above.
func FuzzCanonical(f *testing.F) {
	for _, s := range canonicalTable {
		if len(s) < 300 {
			f.Add([]byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		out, err := webhook.Canonical(raw)
		valid := json.Valid(raw) && utf8.Valid(raw)
		switch {
		case err != nil && valid && !strings.Contains(err.Error(), "nested"):
			t.Fatalf("Canonical(%q) refused valid JSON: %v", raw, err)
		case err == nil && !valid:
			t.Fatalf("Canonical(%q) = %q, but the input is not UTF-8 JSON", raw, out)
		case err != nil:
			return
		}
		if !json.Valid(out) || !utf8.Valid(out) {
			t.Fatalf("Canonical(%q) = %q, not UTF-8 JSON", raw, out)
		}
		again, err := webhook.Canonical(out)
		if err != nil || string(again) != string(out) {
			t.Fatalf("Canonical is not idempotent on %q: %q, %v", out, again, err)
		}
	})
}
