package queue_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/queue"
)

func TestValidateSend(t *testing.T) {
	std := queue.Spec{Name: "std"}
	fifo := queue.Spec{Name: "q.fifo", FIFO: true}
	body := func(s string) []queue.Outgoing { return []queue.Outgoing{{Body: []byte(s)}} }
	tests := []struct {
		name string
		spec queue.Spec
		msgs []queue.Outgoing
		want error
	}{
		{"plain text", std, body("hello"), nil},
		{"tab, newline, carriage return", std, body("a\tb\nc\rd"), nil},
		{"arabic and emoji", std, body("مرحبا 👋"), nil},
		{"last BMP character before the gap", std, body("\uFFFD"), nil},
		{"U+FFFE", std, body("\uFFFE"), queue.ErrInvalidMessage},
		{"NUL", std, body("a\x00"), queue.ErrInvalidMessage},
		{"truncated UTF-8", std, body("\xe2\x82"), queue.ErrInvalidMessage},
		{"encoded surrogate", std, body("\xed\xa0\x80"), queue.ErrInvalidMessage},
		{"exactly the size limit", std, body(strings.Repeat("x", queue.MaxMessageSize)), nil},
		{"one byte over", std, body(strings.Repeat("x", queue.MaxMessageSize+1)), queue.ErrInvalidMessage},
		{"attribute size counts", std, []queue.Outgoing{{Body: []byte(strings.Repeat("x", queue.MaxMessageSize-len("k"+"String"+"v")+1)),
			Attributes: map[string]string{"k": "v"}}}, queue.ErrInvalidMessage},
		{"attribute name with dots and dashes", std, []queue.Outgoing{{Body: []byte("x"), Attributes: map[string]string{"a.b-c_d": "v"}}}, nil},
		{"attribute name with two dots", std, []queue.Outgoing{{Body: []byte("x"), Attributes: map[string]string{"a..b": "v"}}}, queue.ErrInvalidMessage},
		{"attribute name amazon.", std, []queue.Outgoing{{Body: []byte("x"), Attributes: map[string]string{"Amazon.x": "v"}}}, queue.ErrInvalidMessage},
		{"15 minute delay", std, []queue.Outgoing{{Body: []byte("x"), Delay: queue.MaxDelay}}, nil},
		{"group and dedup ignored on standard", std, []queue.Outgoing{{Body: []byte("x"), GroupID: "a b", DedupID: "c d"}}, nil},
		{"FIFO with group", fifo, []queue.Outgoing{{Body: []byte("x"), GroupID: "g-1", DedupID: "d!#$%"}}, nil},
		{"FIFO without group", fifo, body("x"), queue.ErrGroupRequired},
		{"FIFO group with non-ASCII", fifo, []queue.Outgoing{{Body: []byte("x"), GroupID: "é"}}, queue.ErrInvalidMessage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := queue.ValidateSend(tc.spec, tc.msgs)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("ValidateSend = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	spec := queue.Spec{Name: "q", VisibilityTimeout: 45 * time.Second}
	got, err := queue.ReceiveOptions{}.Normalize(spec)
	if err != nil || got.Max != 1 || got.Visibility != 45*time.Second || got.Wait != 0 {
		t.Errorf("Normalize(zero) = %+v, %v, want Max 1 and the spec's 45 s", got, err)
	}
	got, err = queue.ReceiveOptions{Max: 10, Visibility: time.Second, Wait: queue.MaxWait}.Normalize(spec)
	if err != nil || got.Max != 10 || got.Visibility != time.Second || got.Wait != queue.MaxWait {
		t.Errorf("Normalize(10, 1s, 20s) = %+v, %v, want them kept", got, err)
	}
	got, err = queue.ReceiveOptions{}.Normalize(queue.Spec{Name: "q"})
	if err != nil || got.Visibility != 30*time.Second {
		t.Errorf("Normalize on a spec without timeout: %+v, %v, want the SQS default 30 s", got, err)
	}
}

func TestValidateCatalog(t *testing.T) {
	if err := queue.ValidateSpecs(queue.Catalog); err != nil {
		t.Errorf("queue.Catalog: %v", err)
	}
}
