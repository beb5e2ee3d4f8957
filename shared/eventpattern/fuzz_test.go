package eventpattern_test

import (
	"errors"
	"testing"

	"github.com/waqtor/waqtor/shared/eventpattern"
)

// FuzzPattern checks Compile and Match on any pattern and event: neither panics; a refused pattern is a
// *PatternError (errors.Is ErrInvalidPattern); a compiled pattern's String compiles to a pattern with the same
// String that matches every event the same way; Match agrees with MatchMap on the decoded event and errs exactly
// when the event is not a JSON object.
func FuzzPattern(f *testing.F) {
	for _, s := range [][2]string{
		{`{"source":["waqtor"],"detail-type":["message.received"]}`, `{"source":"waqtor","detail-type":"message.received"}`},
		{`{"detail":{"n":[{"numeric":[">",0,"<=",5]}]}}`, `{"detail":{"n":[1,7]}}`},
		{`{"detail":{"s":[{"prefix":{"equals-ignore-case":"AB"}},{"suffix":".png"}]}}`, `{"detail":{"s":"abc"}}`},
		{`{"detail":{"s":[{"wildcard":"a*b\\*c"}]}}`, `{"detail":{"s":"axxb*c"}}`},
		{`{"detail":{"s":[{"anything-but":{"wildcard":["a*","*z"]}}]}}`, `{"detail":{"s":["q"]}}`},
		{`{"detail":{"ip":[{"cidr":"10.0.0.0/8"}],"x":[{"exists":false}]}}`, `{"detail":{"ip":"::ffff:10.1.2.3"}}`},
		{`{"$or":[{"a":[1]},{"b":[null,true]}]}`, `{"b":true}`},
		{`{"a":[300]}`, `{"a":3e2}`},
		{`{"a":{"b":[{"anything-but":[1,2]}]}}`, `{"a":[{"b":3},{"c":1}]}`},
		{`{"a":[{"equals-ignore-case":"ǅ"}]}`, `{"a":"ǆ"}`},
		{`{"a":[{"numeric":["=",9007199254740993]}]}`, `{"a":9007199254740993}`},
		{`{}`, `[]`}, {`{"a":[]}`, `{}`}, {`{"a":[{"wildcard":"**"}]}`, `{"a":"x"}`},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, event string) {
		p, err := eventpattern.Compile(pattern)
		if err != nil {
			var pe *eventpattern.PatternError
			if !errors.As(err, &pe) || !errors.Is(err, eventpattern.ErrInvalidPattern) {
				t.Fatalf("Compile(%q) error %v is not a *PatternError", pattern, err)
			}
			return
		}
		p2, err := eventpattern.Compile(p.String())
		if err != nil {
			t.Fatalf("Compile(%q) = %s, which does not compile again: %v", pattern, p, err)
		}
		if p2.String() != p.String() {
			t.Fatalf("String is not stable: %s, then %s", p, p2)
		}
		got, err := p.Match([]byte(event))
		m, derr := eventpattern.Decode([]byte(event))
		if (err != nil) != (derr != nil) || (err != nil && !errors.Is(err, eventpattern.ErrInvalidEvent)) {
			t.Fatalf("Match(%q) error %v, Decode error %v", event, err, derr)
		}
		if err != nil {
			return
		}
		if again, _ := p2.Match([]byte(event)); again != got {
			t.Fatalf("%s matches %s: %v, but its String %s: %v", p, event, got, p2, again)
		}
		if byMap := p.MatchMap(m); byMap != got {
			t.Fatalf("%s on %s: Match %v, MatchMap %v", p, event, got, byMap)
		}
	})
}
