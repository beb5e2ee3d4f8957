package eventpattern_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/eventpattern"
	"github.com/waqtor/waqtor/shared/routing"
)

// The sample event is the EC2 state-change event of the EventBridge user guide ("Event pattern syntax"), with
// detail fields added for the operators of "Comparison operators for use in event patterns".
const sample = `{
  "version": "0",
  "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "EC2 Instance State-change Notification",
  "source": "aws.ec2",
  "account": "111122223333",
  "time": "2017-12-22T18:43:48Z",
  "region": "us-west-1",
  "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
  "detail": {
    "instance-id": "i-1234567890abcdef0",
    "state": "terminated",
    "c-count": 5,
    "x-limit": 301.8,
    "big": 123456789012,
    "source-ip": "10.0.0.123",
    "location": null,
    "flag": true,
    "empty": "",
    "tags": ["a", "b"],
    "matrix": [["x", "y"], ["z"]],
    "no-items": [],
    "filename": "dir/file.PNG",
    "path": "a*b\\c",
    "service": "EventBridge",
    "unicode": "Straße",
    "employees": [
      {"firstName": "John", "lastName": "Doe"},
      {"firstName": "Anna", "lastName": "Smith", "roles": [{"name": "admin"}]}
    ],
    "nested": {"deep": {"v": 1}}
  }
}`

func TestMatch(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		want    bool
	}{
		// "Event pattern syntax": the event must contain every field of the pattern, with the same nesting;
		// matching is exact, character by character, case-sensitive.
		{"exact string", `{"source":["aws.ec2"]}`, true},
		{"exact string other value", `{"source":["aws.s3"]}`, false},
		{"exact string is case-sensitive", `{"source":["AWS.EC2"]}`, false},
		{"exact string is not a prefix match", `{"source":["aws"]}`, false},
		{"array of values is OR", `{"source":["aws.s3","aws.ec2"]}`, true},
		{"fields are AND, all match", `{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"]}`, true},
		{"fields are AND, one fails", `{"source":["aws.ec2"],"detail-type":["Other"]}`, false},
		{"nested field", `{"detail":{"state":["terminated"]}}`, true},
		{"nested field other value", `{"detail":{"state":["running"]}}`, false},
		{"missing field never matches a value", `{"detail":{"missing":["x"]}}`, false},
		{"pattern object where the event has a string", `{"detail":{"state":{"x":["terminated"]}}}`, false},
		{"pattern leaf where the event has an object", `{"detail":{"nested":["x"]}}`, false},
		{"deeply nested", `{"detail":{"nested":{"deep":{"v":[1]}}}}`, true},

		// "Matching on arrays": an event array matches if the intersection with the pattern array is non-empty.
		{"event array contains the value", `{"resources":["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"]}`, true},
		{"event array intersection", `{"detail":{"tags":["c","b"]}}`, true},
		{"event array no intersection", `{"detail":{"tags":["c","d"]}}`, false},
		{"nested event arrays are flattened", `{"detail":{"matrix":["z"]}}`, true},
		{"empty event array matches no value", `{"detail":{"no-items":["x"]}}`, false},

		// Numbers compare as numbers; strings never equal numbers.
		{"number", `{"detail":{"c-count":[5]}}`, true},
		{"number written as float", `{"detail":{"c-count":[5.0]}}`, true},
		{"number written with exponent", `{"detail":{"c-count":[0.5e1]}}`, true},
		{"number other value", `{"detail":{"c-count":[6]}}`, false},
		{"string does not match number", `{"detail":{"c-count":["5"]}}`, false},
		{"number does not match string", `{"version":[0]}`, false},
		{"fractional number", `{"detail":{"x-limit":[301.8]}}`, true},
		{"account-sized integer", `{"detail":{"big":[123456789012]}}`, true},

		// "Matching null values and empty strings".
		{"true", `{"detail":{"flag":[true]}}`, true},
		{"false does not match true", `{"detail":{"flag":[false]}}`, false},
		{"string true does not match boolean", `{"detail":{"flag":["true"]}}`, false},
		{"null matches null", `{"detail":{"location":[null]}}`, true},
		{"null does not match a missing field", `{"detail":{"missing":[null]}}`, false},
		{"null does not match empty string", `{"detail":{"empty":[null]}}`, false},
		{"empty string matches empty string", `{"detail":{"empty":[""]}}`, true},
		{"empty string does not match null", `{"detail":{"location":[""]}}`, false},

		// Prefix, suffix, equals-ignore-case (Comparison operators: "Begins with", "Ends with", "Equals (ignore case)").
		{"prefix", `{"time":[{"prefix":"2017-12-22"}]}`, true},
		{"prefix no", `{"time":[{"prefix":"2018"}]}`, false},
		{"prefix only works on strings", `{"detail":{"c-count":[{"prefix":"5"}]}}`, false},
		{"prefix ignore case", `{"source":[{"prefix":{"equals-ignore-case":"AWS.E"}}]}`, true},
		{"prefix ignore case no", `{"source":[{"prefix":{"equals-ignore-case":"AWS.S"}}]}`, false},
		{"prefix ignore case on non-ASCII", `{"detail":{"unicode":[{"prefix":{"equals-ignore-case":"STRAßE"}}]}}`, true},
		{"suffix", `{"detail":{"filename":[{"suffix":".PNG"}]}}`, true},
		{"suffix is case-sensitive", `{"detail":{"filename":[{"suffix":".png"}]}}`, false},
		{"suffix ignore case", `{"detail":{"filename":[{"suffix":{"equals-ignore-case":".png"}}]}}`, true},
		{"suffix ignore case no", `{"detail":{"filename":[{"suffix":{"equals-ignore-case":".jpg"}}]}}`, false},
		{"equals-ignore-case", `{"detail":{"service":[{"equals-ignore-case":"eventbridge"}]}}`, true},
		{"equals-ignore-case is not prefix", `{"detail":{"service":[{"equals-ignore-case":"eventb"}]}}`, false},
		{"equals-ignore-case only on strings", `{"detail":{"flag":[{"equals-ignore-case":"TRUE"}]}}`, false},

		// Wildcard ("Wildcard matching").
		{"wildcard", `{"detail":{"filename":[{"wildcard":"dir/*.PNG"}]}}`, true},
		{"wildcard is case-sensitive", `{"detail":{"filename":[{"wildcard":"*.png"}]}}`, false},
		{"wildcard star alone", `{"detail":{"state":[{"wildcard":"*"}]}}`, true},
		{"wildcard several stars", `{"detail":{"filename":[{"wildcard":"d*r*e*G"}]}}`, true},
		{"wildcard stars in order only", `{"detail":{"filename":[{"wildcard":"*file*dir*"}]}}`, false},
		{"wildcard star matches empty", `{"detail":{"state":[{"wildcard":"term*inated"}]}}`, true},
		{"wildcard without star is exact", `{"detail":{"state":[{"wildcard":"terminate"}]}}`, false},
		{"wildcard escaped star and backslash", `{"detail":{"path":[{"wildcard":"a\\*b\\\\*"}]}}`, true},
		{"wildcard escaped star is literal", `{"detail":{"state":[{"wildcard":"term\\*"}]}}`, false},
		{"wildcard only on strings", `{"detail":{"c-count":[{"wildcard":"*"}]}}`, false},

		// Anything-but ("Anything-but matching").
		{"anything-but string", `{"detail":{"state":[{"anything-but":"initializing"}]}}`, true},
		{"anything-but string excluded", `{"detail":{"state":[{"anything-but":"terminated"}]}}`, false},
		{"anything-but list excluded", `{"detail":{"state":[{"anything-but":["stopped","terminated"]}]}}`, false},
		{"anything-but list", `{"detail":{"state":[{"anything-but":["stopped","overloaded"]}]}}`, true},
		{"anything-but number excluded", `{"detail":{"c-count":[{"anything-but":5}]}}`, false},
		{"anything-but number excluded numerically", `{"detail":{"c-count":[{"anything-but":[5.0, 7]}]}}`, false},
		{"anything-but number", `{"detail":{"c-count":[{"anything-but":[100,200,300]}]}}`, true},
		{"anything-but string list matches a number", `{"detail":{"c-count":[{"anything-but":["5"]}]}}`, true},
		{"anything-but matches null", `{"detail":{"location":[{"anything-but":"x"}]}}`, true},
		{"anything-but needs the field", `{"detail":{"missing":[{"anything-but":"x"}]}}`, false},
		{"anything-but on array: another element differs", `{"detail":{"tags":[{"anything-but":"a"}]}}`, true},
		{"anything-but on array: every element excluded", `{"detail":{"tags":[{"anything-but":["a","b"]}]}}`, false},
		{"anything-but prefix excluded", `{"detail":{"state":[{"anything-but":{"prefix":"term"}}]}}`, false},
		{"anything-but prefix", `{"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}`, true},
		{"anything-but prefix list", `{"detail":{"state":[{"anything-but":{"prefix":["init","term"]}}]}}`, false},
		{"anything-but prefix matches non-string", `{"detail":{"c-count":[{"anything-but":{"prefix":"5"}}]}}`, true},
		{"anything-but suffix excluded", `{"detail":{"filename":[{"anything-but":{"suffix":".PNG"}}]}}`, false},
		{"anything-but suffix", `{"detail":{"filename":[{"anything-but":{"suffix":".png"}}]}}`, true},
		{"anything-but ignore case excluded", `{"detail":{"state":[{"anything-but":{"equals-ignore-case":"TERMINATED"}}]}}`, false},
		{"anything-but ignore case list", `{"detail":{"state":[{"anything-but":{"equals-ignore-case":["Stopped","OverLoaded"]}}]}}`, true},
		{"anything-but wildcard excluded", `{"detail":{"filename":[{"anything-but":{"wildcard":"dir/*"}}]}}`, false},
		{"anything-but wildcard", `{"detail":{"filename":[{"anything-but":{"wildcard":"*/lib/*"}}]}}`, true},

		// Numeric ("Numeric matching").
		{"numeric range", `{"detail":{"c-count":[{"numeric":[">",0,"<=",5]}]}}`, true},
		{"numeric open lower bound", `{"detail":{"c-count":[{"numeric":[">",5]}]}}`, false},
		{"numeric closed lower bound", `{"detail":{"c-count":[{"numeric":[">=",5]}]}}`, true},
		{"numeric open upper bound", `{"detail":{"c-count":[{"numeric":["<",5]}]}}`, false},
		{"numeric closed upper bound", `{"detail":{"c-count":[{"numeric":["<=",5]}]}}`, true},
		{"numeric range below", `{"detail":{"c-count":[{"numeric":[">=",6,"<",10]}]}}`, false},
		{"numeric equals", `{"detail":{"c-count":[{"numeric":["=",5]}]}}`, true},
		{"numeric equals with exponent", `{"detail":{"x-limit":[{"numeric":["=",3.018e2]}]}}`, true},
		{"numeric negative", `{"detail":{"c-count":[{"numeric":[">",-1e3,"<",1e3]}]}}`, true},
		{"numeric only on numbers", `{"version":[{"numeric":[">=",0]}]}`, false},
		{"numeric on array", `{"detail":{"employees":{"roles":{"name":[{"numeric":[">",0]}]}}}}`, false},

		// Exists ("Exists matching"): only on leaves.
		{"exists true", `{"detail":{"state":[{"exists":true}]}}`, true},
		{"exists true missing", `{"detail":{"missing":[{"exists":true}]}}`, false},
		{"exists false missing", `{"detail":{"missing":[{"exists":false}]}}`, true},
		{"exists false present", `{"detail":{"state":[{"exists":false}]}}`, false},
		{"exists true on null", `{"detail":{"location":[{"exists":true}]}}`, true},
		{"exists true on an object is false", `{"detail":{"nested":[{"exists":true}]}}`, false},
		{"exists false on an object is true", `{"detail":{"nested":[{"exists":false}]}}`, true},
		{"exists false under a missing parent", `{"nope":{"x":[{"exists":false}]}}`, true},
		{"exists true under a missing parent", `{"nope":{"x":[{"exists":true}]}}`, false},
		{"exists false on an empty array", `{"detail":{"no-items":[{"exists":false}]}}`, true},
		{"exists or value", `{"detail":{"missing":[{"exists":false},"x"]}}`, true},

		// CIDR ("IP address matching").
		{"cidr", `{"detail":{"source-ip":[{"cidr":"10.0.0.0/24"}]}}`, true},
		{"cidr outside", `{"detail":{"source-ip":[{"cidr":"10.0.1.0/24"}]}}`, false},

		// $or ("Or" relationship).
		{"$or one branch", `{"source":["aws.ec2"],"$or":[{"detail":{"state":["running"]}},{"detail":{"c-count":[5]}}]}`, true},
		{"$or no branch", `{"source":["aws.ec2"],"$or":[{"detail":{"state":["running"]}},{"detail":{"c-count":[6]}}]}`, false},
		{"$or AND outside fails", `{"source":["aws.s3"],"$or":[{"detail":{"state":["terminated"]}},{"detail":{"c-count":[5]}}]}`, false},
		{"$or nested in detail", `{"detail":{"$or":[{"state":["x"]},{"service":["EventBridge"]}]}}`, true},
		{"$or nested $or", `{"$or":[{"source":["x"]},{"account":["111122223333"],"$or":[{"region":["x"]},{"region":["us-west-1"]}]}]}`, true},
		{"$or with branch AND failing", `{"$or":[{"source":["x"]},{"account":["111122223333"],"region":["x"]}]}`, false},

		// Arrays of objects ("Matching on arrays"): one element must match the whole nested pattern.
		{"array of objects", `{"detail":{"employees":{"firstName":["Anna"]}}}`, true},
		{"array of objects same element", `{"detail":{"employees":{"firstName":["Anna"],"lastName":["Smith"]}}}`, true},
		{"array of objects never combines elements", `{"detail":{"employees":{"firstName":["Anna"],"lastName":["Doe"]}}}`, false},
		{"array of objects deeper", `{"detail":{"employees":{"lastName":["Smith"],"roles":{"name":["admin"]}}}}`, true},
		{"array of objects deeper other element", `{"detail":{"employees":{"lastName":["Doe"],"roles":{"name":["admin"]}}}}`, false},
		{"array of objects exists false in one element", `{"detail":{"employees":{"roles":{"name":[{"exists":false}]}}}}`, true},
		{"array of objects leaf exists on objects", `{"detail":{"employees":[{"exists":true}]}}`, false},
	}
	event, err := eventpattern.Decode([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := eventpattern.Compile([]byte(tt.pattern))
			if err != nil {
				t.Fatalf("Compile(%s): %v", tt.pattern, err)
			}
			got, err := p.Match([]byte(sample))
			if err != nil {
				t.Fatalf("Match: %v", err)
			}
			if got != tt.want {
				t.Errorf("Match(%s) = %v, want %v", tt.pattern, got, tt.want)
			}
			if got := p.MatchMap(event); got != tt.want {
				t.Errorf("MatchMap(%s) = %v, want %v", tt.pattern, got, tt.want)
			}
		})
	}
}

// TestMatchMapGoValues checks MatchMap on events decoded by json.Unmarshal (float64) and built in Go (ints).
func TestMatchMapGoValues(t *testing.T) {
	p := eventpattern.MustCompile(`{"detail":{"n":[{"numeric":[">",1,"<",3]}],"m":[7],"s":["x"]}}`)
	var decoded map[string]any
	if err := json.Unmarshal([]byte(`{"detail":{"n":2,"m":7.0,"s":"x"}}`), &decoded); err != nil {
		t.Fatal(err)
	}
	if !p.MatchMap(decoded) {
		t.Error("MatchMap(float64 event) = false, want true")
	}
	built := map[string]any{"detail": map[string]any{"n": int64(2), "m": 7, "s": "x"}}
	if !p.MatchMap(built) {
		t.Error("MatchMap(int event) = false, want true")
	}
	built["detail"].(map[string]any)["m"] = uint32(8)
	if p.MatchMap(built) {
		t.Error("MatchMap(m=8) = true, want false")
	}
}

func TestMatchInvalidEvent(t *testing.T) {
	p := eventpattern.MustCompile(`{"source":["x"]}`)
	for _, ev := range []string{`[1]`, `"x"`, `{`, `{"source":"x"} {}`, ``} {
		if _, err := p.Match([]byte(ev)); !errors.Is(err, eventpattern.ErrInvalidEvent) {
			t.Errorf("Match(%q) error = %v, want ErrInvalidEvent", ev, err)
		}
	}
}

func TestCompileMap(t *testing.T) {
	// Patterns written in Go (routing.Route.Pattern) may use Go slices and integers.
	p, err := eventpattern.Compile(map[string]any{
		"source": []string{"waqtor.api"},
		"detail": map[string]any{
			"version": []any{map[string]any{"numeric": []any{">=", 1, "<", 2}}},
			"data":    map[string]any{"n": []int{3}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"detail":{"data":{"n":[3]},"version":[{"numeric":[">=",1,"<",2]}]},"source":["waqtor.api"]}`; p.String() != want {
		t.Errorf("String() = %s, want %s", p, want)
	}
	ok, err := p.Match([]byte(`{"source":"waqtor.api","detail":{"version":1,"data":{"n":3}}}`))
	if err != nil || !ok {
		t.Errorf("Match = %v, %v; want true", ok, err)
	}
}

// TestRoutingTable compiles every route WaQtor deploys, and checks the audit route on WaQtor-shaped events.
func TestRoutingTable(t *testing.T) {
	for _, r := range routing.Table {
		if _, err := eventpattern.Compile(r.Pattern); err != nil {
			t.Errorf("route %s: %v", r.Name, err)
		}
	}
	p := eventpattern.MustCompile(`{"source":["waqtor.api"],"detail-type":[{"prefix":"apikey."},{"prefix":"user."}]}`)
	for _, tt := range []struct {
		event string
		want  bool
	}{
		{`{"source":"waqtor.api","detail-type":"apikey.created","detail":{"id":"evt_1"}}`, true},
		{`{"source":"waqtor.api","detail-type":"user.logged-in","detail":{"id":"evt_1"}}`, true},
		{`{"source":"waqtor.api","detail-type":"message.sent","detail":{"id":"evt_1"}}`, false},
		{`{"source":"waqtor.session-host","detail-type":"user.created","detail":{"id":"evt_1"}}`, false},
	} {
		if got, err := p.Match([]byte(tt.event)); err != nil || got != tt.want {
			t.Errorf("Match(%s) = %v, %v; want %v", tt.event, got, err, tt.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name     string
		pattern  any
		wantPath string
		wantMsg  string
	}{
		{"not an object", `["a"]`, "", "pattern must be a JSON object"},
		{"malformed JSON", `{"source":`, "", "malformed JSON"},
		{"trailing data", `{"source":["a"]} {}`, "", "malformed JSON"},
		{"unsupported Go type", 42, "", "unsupported pattern type int"},
		{"empty pattern", `{}`, "", "empty objects are not allowed"},
		{"empty nested object", `{"detail":{"x":{}}}`, "detail.x", "empty objects are not allowed"},
		{"non-array leaf", `{"source":"aws.ec2"}`, "source", `"source" must be an object or an array, got "aws.ec2"`},
		{"number leaf", `{"detail":{"n":5}}`, "detail.n", `"n" must be an object or an array, got number 5`},
		{"empty array", `{"source":[]}`, "source", "empty arrays are not allowed"},
		{"array in array", `{"source":[["a"]]}`, "source[0]", "match value must be a string, number, true, false, null or a match expression object"},
		{"empty match expression", `{"source":[{}]}`, "source[0]", "empty match expression"},
		{"two operators", `{"source":[{"prefix":"a","suffix":"b"}]}`, "source[0]", "only one key allowed in match expression, got prefix, suffix"},
		{"unknown operator", `{"source":[{"contains":"a"}]}`, "source[0]", `unrecognized match type "contains"`},
		{"prefix not a string", `{"detail":{"state":[{"prefix":5}]}}`, "detail.state[0].prefix", "prefix match pattern must be a string, got number 5"},
		{"prefix unknown nested operator", `{"source":[{"prefix":{"wildcard":"a"}}]}`, "source[0].prefix", `unsupported prefix pattern "wildcard"`},
		{"suffix ignore case not a string", `{"source":[{"suffix":{"equals-ignore-case":5}}]}`, "source[0].suffix.equals-ignore-case", "equals-ignore-case match pattern must be a string"},
		{"equals-ignore-case list", `{"source":[{"equals-ignore-case":["a"]}]}`, "source[0].equals-ignore-case", "equals-ignore-case match pattern must be a string, got an array"},
		{"wildcard consecutive stars", `{"source":[{"wildcard":"a**b"}]}`, "source[0].wildcard", "consecutive wildcard characters at position 1"},
		{"wildcard bad escape", `{"source":[{"wildcard":"a\\b"}]}`, "source[0].wildcard", "invalid escape character at position 1"},
		{"wildcard trailing backslash", `{"source":[{"wildcard":"a\\"}]}`, "source[0].wildcard", "invalid escape character at position 1"},
		{"anything-but null", `{"source":[{"anything-but":null}]}`, "source[0].anything-but", "value of anything-but must be"},
		{"anything-but boolean", `{"source":[{"anything-but":true}]}`, "source[0].anything-but", "value of anything-but must be"},
		{"anything-but empty list", `{"source":[{"anything-but":[]}]}`, "source[0].anything-but", "anything-but list must not be empty"},
		{"anything-but mixed list", `{"source":[{"anything-but":["a",1]}]}`, "source[0].anything-but", "mixed types are not supported"},
		{"anything-but boolean in list", `{"source":[{"anything-but":["a",true]}]}`, "source[0].anything-but[1]", "only strings or numbers are allowed"},
		{"anything-but numeric", `{"source":[{"anything-but":{"numeric":[">",1]}}]}`, "source[0].anything-but", `unsupported anything-but pattern "numeric"`},
		{"anything-but two keys", `{"source":[{"anything-but":{"prefix":"a","suffix":"b"}}]}`, "source[0].anything-but", "only one key allowed in anything-but expression"},
		{"anything-but empty prefix", `{"source":[{"anything-but":{"prefix":""}}]}`, "source[0].anything-but.prefix", "empty prefix/suffix not allowed"},
		{"anything-but empty suffix in list", `{"source":[{"anything-but":{"suffix":["a",""]}}]}`, "source[0].anything-but.suffix", "empty prefix/suffix not allowed"},
		{"anything-but prefix number", `{"source":[{"anything-but":{"prefix":1}}]}`, "source[0].anything-but.prefix", "value must be a string or a list of strings"},
		{"anything-but ignore case number in list", `{"source":[{"anything-but":{"equals-ignore-case":["a",1]}}]}`, "source[0].anything-but.equals-ignore-case[1]", "values must be strings"},
		{"anything-but wildcard invalid", `{"source":[{"anything-but":{"wildcard":"a**"}}]}`, "source[0].anything-but.wildcard", "consecutive wildcard characters"},
		{"anything-but huge number", `{"source":[{"anything-but":1e999}]}`, "source[0].anything-but", "cannot compare number 1e999"},
		{"numeric not an array", `{"n":[{"numeric":5}]}`, "n[0].numeric", "value of numeric must be an array"},
		{"numeric empty", `{"n":[{"numeric":[]}]}`, "n[0].numeric", "numeric array must not be empty"},
		{"numeric operator missing", `{"n":[{"numeric":[1,">"]}]}`, "n[0].numeric[0]", "numeric expression must start with an operator"},
		{"numeric unknown operator", `{"n":[{"numeric":["!=",1]}]}`, "n[0].numeric[0]", `unrecognized numeric operator "!="`},
		{"numeric value missing", `{"n":[{"numeric":[">"]}]}`, "n[0].numeric", "value of > is missing"},
		{"numeric value string", `{"n":[{"numeric":[">","1"]}]}`, "n[0].numeric[1]", `value of > must be numeric, got "1"`},
		{"numeric bottom above top", `{"n":[{"numeric":[">",5,"<",1]}]}`, "n[0].numeric", "lower bound 5 must be less than upper bound 1"},
		{"numeric empty range", `{"n":[{"numeric":[">=",5,"<=",5]}]}`, "n[0].numeric", "lower bound 5 must be less than upper bound 5"},
		{"numeric two lower bounds", `{"n":[{"numeric":[">",1,">",5]}]}`, "n[0].numeric[2]", `bad numeric range operator ">"`},
		{"numeric upper bound first", `{"n":[{"numeric":["<",5,">",1]}]}`, "n[0].numeric", "too many elements in numeric expression"},
		{"numeric equals extra", `{"n":[{"numeric":["=",1,2]}]}`, "n[0].numeric", "too many elements in numeric expression"},
		{"numeric too many terms", `{"n":[{"numeric":[">",1,"<",5,"<",6]}]}`, "n[0].numeric", "too many terms in numeric range expression"},
		{"numeric upper value missing", `{"n":[{"numeric":[">",1,"<"]}]}`, "n[0].numeric", "value of < is missing"},
		{"numeric infinite", `{"n":[{"numeric":[">",1e400]}]}`, "n[0].numeric[1]", "cannot compare number 1e400"},
		{"numeric not representable", `{"n":[{"numeric":["=",12345678901234567891]}]}`, "n[0].numeric[1]", "not exactly representable"},
		{"exists not boolean", `{"n":[{"exists":"true"}]}`, "n[0].exists", "exists match pattern must be either true or false"},
		{"cidr invalid", `{"ip":[{"cidr":"10.0.0.0"}]}`, "ip[0].cidr", `invalid CIDR "10.0.0.0"`},
		{"$or not an array", `{"$or":{"a":["x"]}}`, "$or", "$or must be an array of objects"},
		{"$or one branch", `{"$or":[{"a":["x"]}]}`, "$or", "$or needs at least 2 objects, got 1"},
		{"$or non-object branch", `{"$or":[{"a":["x"]},"b"]}`, "$or[1]", "only objects are allowed in $or"},
		{"$or empty branch", `{"$or":[{"a":["x"]},{}]}`, "$or[1]", "empty objects are not allowed"},
		{"$or reserved name", `{"$or":[{"a":["x"]},{"prefix":["b"]}]}`, "$or[1].prefix", `"prefix" is a reserved field name inside $or`},
		{"$or reserved name nested", `{"detail":{"$or":[{"a":["x"]},{"b":{"numeric":["c"]}}]}}`, "detail.$or[1].b.numeric", "reserved field name inside $or"},
		{"$or invalid leaf", `{"$or":[{"a":["x"]},{"b":[{"numeric":[]}]}]}`, "$or[1].b[0].numeric", "numeric array must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p *eventpattern.Pattern
			var err error
			if s, ok := tt.pattern.(string); ok {
				p, err = eventpattern.Compile([]byte(s))
			} else {
				p, err = eventpattern.Compile(tt.pattern)
			}
			if err == nil {
				t.Fatalf("Compile(%v) = %s, want error", tt.pattern, p)
			}
			if !errors.Is(err, eventpattern.ErrInvalidPattern) {
				t.Errorf("error %v is not ErrInvalidPattern", err)
			}
			var pe *eventpattern.PatternError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *PatternError", err)
			}
			if pe.Path != tt.wantPath {
				t.Errorf("path = %q, want %q (error %v)", pe.Path, tt.wantPath, err)
			}
			if !strings.Contains(pe.Reason, tt.wantMsg) {
				t.Errorf("reason = %q, want it to contain %q", pe.Reason, tt.wantMsg)
			}
		})
	}
}

func TestMustCompilePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustCompile of an invalid pattern did not panic")
		}
	}()
	eventpattern.MustCompile(`{"source":"x"}`)
}

// benchEvent is a WaQtor bus event as the router matches it.
const benchEvent = `{"version":"0","id":"evt_01JBZ6Q8R8V7N4W2X5Y3Z9A0BC","detail-type":"message.received","source":"waqtor.session-host",` +
	`"account":"000000000000","time":"2026-11-25T10:00:00.123456789Z","region":"local","resources":[],` +
	`"detail":{"id":"evt_01JBZ6Q8R8V7N4W2X5Y3Z9A0BC","type":"message.received","version":1,"time":"2026-11-25T10:00:00.123456789Z",` +
	`"tenantId":"ten_01JBZ6Q8R8V7N4W2X5Y3Z9A0BD","sessionId":"ses_1","data":{"from":"966501234567@s.whatsapp.net","body":"hello",` +
	`"timestamp":1764064800,"messageId":"3EB0C767D26A1B2C","isGroup":false}}}`

var benchPatterns = []string{
	`{"source":["waqtor.api"],"detail-type":[{"prefix":"apikey."},{"prefix":"user."}]}`,
	`{"detail-type":["message.received"],"detail":{"data":{"isGroup":[false]}}}`,
	`{"detail-type":[{"prefix":"message."}],"detail":{"sessionId":[{"exists":true}],"tenantId":[{"anything-but":"ten_x"}]}}`,
	`{"detail-type":[{"prefix":"campaign."}],"detail":{"data":{"sent":[{"numeric":[">",0]}]}}}`,
}

// BenchmarkMatch measures decoding one event and matching it against the routes (the router's work per event),
// and the matching alone.
func BenchmarkMatch(b *testing.B) {
	ps := make([]*eventpattern.Pattern, len(benchPatterns))
	for i, s := range benchPatterns {
		ps[i] = eventpattern.MustCompile(s)
	}
	ev := []byte(benchEvent)
	b.Run("decode+4patterns", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m, err := eventpattern.Decode(ev)
			if err != nil {
				b.Fatal(err)
			}
			for _, p := range ps {
				p.MatchMap(m)
			}
		}
	})
	m, err := eventpattern.Decode(ev)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("4patterns", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			for _, p := range ps {
				if p.MatchMap(m) {
					n++
				}
			}
		}
		if n == 0 {
			b.Fatal("no pattern matched")
		}
	})
	b.Run("compile", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			eventpattern.MustCompile(benchPatterns[2])
		}
	})
}
