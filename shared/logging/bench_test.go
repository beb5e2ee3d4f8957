package logging

import (
	"context"
	"io"
	"log/slog"
	"testing"
)

// BenchmarkLogLine is one request log line through the JSON logger New builds, without (the logger before phone
// masking) and with the redacting handler, with and without a phone number in it (docs/performance.md).
func BenchmarkLogLine(b *testing.B) {
	ctx := With(context.Background(), slog.String("request_id", "req_0123456789abcdef01234567"))
	line := func(b *testing.B, log *slog.Logger, path string) {
		b.ReportAllocs()
		for b.Loop() {
			log.InfoContext(ctx, "http request", "method", "POST", "path", path,
				"route", "POST /api/dev/demo/contacts/{phone}/messages", "status", 200, "bytes", 312, "duration_ms", 1.25)
		}
	}
	json := slog.NewJSONHandler(io.Discard, nil)
	before := slog.New(contextHandler{json})
	after := slog.New(contextHandler{redactHandler{json}})
	b.Run("before", func(b *testing.B) { line(b, before, "/api/dev/demo/contacts/{phone}/messages") })
	b.Run("redacting", func(b *testing.B) { line(b, after, "/api/dev/demo/contacts/{phone}/messages") })
	b.Run("redacting-phone", func(b *testing.B) { line(b, after, "/api/dev/demo/contacts/966501234567/messages") })
}
