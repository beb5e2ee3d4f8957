package event

import (
	"bytes"
	"encoding/json"
)

// Marshal encodes v like json.Marshal but without escaping <, > and &, so the bytes equal what JavaScript's
// JSON.stringify gives for the same value. Every event body, bus entry and webhook body is encoded with it.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
