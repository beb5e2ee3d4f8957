package webhook

import (
	"bytes"
	"crypto/sha256"
	"time"

	"github.com/oklog/ulid/v2"
)

// DeliveryID is the ID of the delivery of one event under one webhook name to one endpoint, and the Standard
// Webhooks webhook-id of its requests: "msg_" and a ULID whose time is the event's time and whose 80 random bits
// are the first 80 bits of SHA-256(webhookID, name, eventID). The same event, fanned out again after a
// redelivery, gets the same ID, so CreateDelivery finds it instead of creating a second one; IDs of different
// events of one endpoint sort by event time. (Two different triples get the same ID only if their events share a
// millisecond and their hashes share 80 bits.)
func DeliveryID(webhookID, name, eventID string, eventTime time.Time) string {
	return "msg_" + derivedULID(eventTime, webhookID, name, eventID)
}

// derivedULID is a ULID with t's millisecond and entropy derived from the parts (each NUL-terminated, so the
// split between parts is unambiguous).
func derivedULID(t time.Time, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	sum := h.Sum(nil)
	ms := max(t.UnixMilli(), 0)
	return ulid.MustNew(uint64(ms), bytes.NewReader(sum[:10])).String()
}
