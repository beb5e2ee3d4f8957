// Package eventpattern compiles and evaluates Amazon EventBridge event patterns, so that standalone WaQtor routes
// events with exactly the rules that infra deploys as EventBridge rules.
//
// No Go implementation of the pattern language is obtainable here (quamina is not on the module proxy), so this is
// one, written against the EventBridge user guide ("Event pattern syntax", "Comparison operators for use in event
// patterns", "Matching on arrays") and the behaviour of aws/event-ruler, the open-source engine behind EventBridge.
//
// # Patterns
//
// A pattern is a JSON object. Every field named in it must match (AND); a nested object matches the nested object
// of the event with the same name. A leaf is always an array of alternatives (OR), each one of:
//
//   - an exact value: a string (case-sensitive), a number (compared as a number: 300 matches 300.0 and 3e2), true,
//     false or null. A string never matches a number and the other way round ("300" does not match 300).
//   - {"prefix": "us-"}, {"prefix": {"equals-ignore-case": "us-"}}
//   - {"suffix": ".png"}, {"suffix": {"equals-ignore-case": ".png"}}
//   - {"equals-ignore-case": "alice"}
//   - {"wildcard": "dir/*.png"}: '*' matches any run of characters (also none); "\*" is a literal star and "\\" a
//     literal backslash; "**" and any other escape are invalid.
//   - {"anything-but": X} where X is a string, a number, a non-empty list of only strings or only numbers, or an
//     object {"prefix": s}, {"suffix": s}, {"equals-ignore-case": s}, {"wildcard": s} where s is a string or a list
//     of strings. It matches any present value except the listed ones (values of another type match).
//   - {"numeric": [">", 0, "<=", 5]}: a lower bound (">" or ">=") and/or an upper bound ("<" or "<="), or
//     ["=", n]. Only JSON numbers match; the lower bound must be below the upper bound.
//   - {"exists": true} / {"exists": false}: whether the event has a leaf value at that path. A path whose value is
//     an object, or an empty array, has no leaf value.
//   - {"cidr": "10.0.0.0/24"}: a string holding an IPv4 or IPv6 address inside the prefix.
//
// "$or": [{...}, {...}] (at least two objects) matches when any of its objects matches the object that holds it;
// field names of operators ("prefix", "numeric", ...) are reserved inside it.
//
// # Arrays in events
//
// When the event value at a leaf is an array, the leaf matches if any element matches (nested arrays are
// flattened). When the event value at a nested pattern object is an array of objects, the pattern object must
// match one element as a whole: fields from different elements of one array are never combined.
//
// # Differences from EventBridge
//
// Exact string values that are IP addresses are compared as strings (EventBridge normalises them); numbers in
// events are compared as IEEE 754 doubles without event-ruler's exact-representability check; pattern size limits
// are not enforced.
package eventpattern
