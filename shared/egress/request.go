package egress

import (
	"net/http"
	"time"
)

// Request is one POST to send (a webhook delivery attempt).
type Request struct {
	URL     string
	Header  http.Header
	Body    []byte
	Timeout time.Duration
}

// Response is what came back. Err is set when no HTTP answer came (refused by the SSRF guard, DNS, connect,
// timeout); then StatusCode is 0.
type Response struct {
	StatusCode int
	Header     http.Header
	// Body is the first 2 KiB of the answer.
	Body     []byte
	Duration time.Duration
	Err      error
}
