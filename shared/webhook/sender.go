package webhook

import (
	"context"

	"github.com/waqtor/waqtor/shared/egress"
)

// Request is one delivery attempt to send; Response is what came back (egress's, the client's types).
type (
	Request  = egress.Request
	Response = egress.Response
)

// Sender sends attempts. The product's Sender is the SSRF-guarded HTTP client (egress.NewClient); it never
// follows redirects and dials only the address it checked.
type Sender interface {
	Send(ctx context.Context, r Request) Response
}

var _ Sender = (*egress.Client)(nil)
