package message_test

import (
	"slices"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/message"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

type apply struct {
	st  message.Status
	at  int
	err string
	// changed is what Apply must report.
	changed bool
}

func TestApply(t *testing.T) {
	type step struct {
		st message.Status
		at int
	}
	tests := []struct {
		name     string
		start    message.Status // the message starts with this status and a step at second 0 ("" for none)
		applies  []apply
		status   message.Status
		errMsg   string
		timeline []step
		updated  int
	}{
		{"in order", message.Pending,
			[]apply{{message.Sent, 1, "", true}, {message.Delivered, 2, "", true}, {message.Read, 3, "", true}, {message.Played, 4, "", true}},
			message.Played, "", []step{{message.Pending, 0}, {message.Sent, 1}, {message.Delivered, 2}, {message.Read, 3}, {message.Played, 4}}, 4},
		{"delivered before sent", message.Pending,
			[]apply{{message.Delivered, 2, "", true}, {message.Sent, 1, "", true}},
			message.Delivered, "", []step{{message.Pending, 0}, {message.Sent, 1}, {message.Delivered, 2}}, 1},
		{"read skips delivered", message.Pending,
			[]apply{{message.Sent, 1, "", true}, {message.Read, 3, "", true}, {message.Delivered, 2, "", true}},
			message.Read, "", []step{{message.Pending, 0}, {message.Sent, 1}, {message.Delivered, 2}, {message.Read, 3}}, 2},
		{"duplicate receipt changes nothing", message.Pending,
			[]apply{{message.Delivered, 2, "", true}, {message.Delivered, 2, "", false}, {message.Delivered, 5, "", false}},
			message.Delivered, "", []step{{message.Pending, 0}, {message.Delivered, 2}}, 2},
		{"earlier duplicate keeps the earliest time", message.Pending,
			[]apply{{message.Delivered, 5, "", true}, {message.Delivered, 2, "", true}},
			message.Delivered, "", []step{{message.Pending, 0}, {message.Delivered, 2}}, 2},
		{"failed while pending", message.Pending,
			[]apply{{message.Failed, 1, "not on whatsapp", true}},
			message.Failed, "not on whatsapp", []step{{message.Pending, 0}, {message.Failed, 1}}, 1},
		{"failed after sent is ignored", message.Pending,
			[]apply{{message.Sent, 1, "", true}, {message.Failed, 2, "timeout", false}},
			message.Sent, "", []step{{message.Pending, 0}, {message.Sent, 1}}, 1},
		{"failed twice keeps the first", message.Pending,
			[]apply{{message.Failed, 1, "first", true}, {message.Failed, 2, "second", false}},
			message.Failed, "first", []step{{message.Pending, 0}, {message.Failed, 1}}, 1},
		{"receipts do not advance a failed message", message.Pending,
			[]apply{{message.Failed, 1, "x", true}, {message.Delivered, 2, "", false}, {message.Read, 3, "", false}, {message.Pending, 4, "", false}},
			message.Failed, "x", []step{{message.Pending, 0}, {message.Failed, 1}}, 1},
		{"a successful retry clears the failure", message.Pending,
			[]apply{{message.Failed, 1, "x", true}, {message.Sent, 5, "", true}, {message.Delivered, 6, "", true}},
			message.Delivered, "", []step{{message.Pending, 0}, {message.Failed, 1}, {message.Sent, 5}, {message.Delivered, 6}}, 6},
		{"incoming received then read", message.Received,
			[]apply{{message.Read, 3, "", true}, {message.Received, 0, "", false}},
			message.Read, "", []step{{message.Received, 0}, {message.Read, 3}}, 3},
		{"lower status adds its step only", message.Pending,
			[]apply{{message.Read, 3, "", true}, {message.Pending, 0, "", false}},
			message.Read, "", []step{{message.Pending, 0}, {message.Read, 3}}, 3},
		{"unknown status", message.Pending,
			[]apply{{"bogus", 3, "", false}},
			message.Pending, "", []step{{message.Pending, 0}}, 0},
		{"from nothing", "",
			[]apply{{message.Pending, 0, "", true}, {message.Sent, 1, "", true}},
			message.Sent, "", []step{{message.Pending, 0}, {message.Sent, 1}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := message.Message{ID: "3EB0", Status: tt.start, UpdatedAt: t0}
			if tt.start != "" {
				m.Timeline = []message.Step{{Status: tt.start, At: t0}}
			}
			for i, a := range tt.applies {
				if got := message.Apply(&m, a.st, at(a.at), a.err); got != a.changed {
					t.Fatalf("apply %d (%s at %d) reported changed=%v, want %v", i, a.st, a.at, got, a.changed)
				}
			}
			var got []step
			for _, s := range m.Timeline {
				got = append(got, step{s.Status, int(s.At.Sub(t0) / time.Second)})
			}
			if m.Status != tt.status || m.Error != tt.errMsg || !slices.Equal(got, tt.timeline) || !m.UpdatedAt.Equal(at(tt.updated)) {
				t.Fatalf("got status %s error %q timeline %v updated %v;\nwant status %s error %q timeline %v updated %v",
					m.Status, m.Error, got, m.UpdatedAt, tt.status, tt.errMsg, tt.timeline, at(tt.updated))
			}
		})
	}
}

// The failure's reason is kept in its step, also after a retry cleared Error.
func TestApplyKeepsTheFailureInTheTimeline(t *testing.T) {
	m := message.Message{Status: message.Pending, Timeline: []message.Step{{Status: message.Pending, At: t0}}}
	message.Apply(&m, message.Failed, at(1), "recipient is not on whatsapp")
	message.Apply(&m, message.Sent, at(2), "")
	if m.Timeline[1].Status != message.Failed || m.Timeline[1].Error != "recipient is not on whatsapp" {
		t.Fatalf("timeline %+v lost the failure", m.Timeline)
	}
}

// Whatever the order receipts arrive in, the result is the same.
func TestApplyOrderDoesNotMatter(t *testing.T) {
	sts := []message.Status{message.Sent, message.Delivered, message.Read, message.Played}
	when := map[message.Status]int{message.Sent: 1, message.Delivered: 2, message.Read: 3, message.Played: 4}
	var want *message.Message
	permute(sts, func(order []message.Status) {
		m := message.Message{Status: message.Pending, Timeline: []message.Step{{Status: message.Pending, At: t0}}}
		for _, st := range order {
			message.Apply(&m, st, at(when[st]), "")
			message.Apply(&m, st, at(when[st]), "") // and again
		}
		m.UpdatedAt = time.Time{} // depends on the order by design
		if want == nil {
			want = &m
			return
		}
		if m.Status != want.Status || !slices.Equal(m.Timeline, want.Timeline) {
			t.Fatalf("order %v gave %s %v, want %s %v", order, m.Status, m.Timeline, want.Status, want.Timeline)
		}
	})
	if want.Status != message.Played || len(want.Timeline) != 5 {
		t.Fatalf("result %s %v", want.Status, want.Timeline)
	}
}

func permute(s []message.Status, f func([]message.Status)) {
	var rec func(k int)
	rec = func(k int) {
		if k == len(s) {
			f(slices.Clone(s))
			return
		}
		for i := k; i < len(s); i++ {
			s[k], s[i] = s[i], s[k]
			rec(k + 1)
			s[k], s[i] = s[i], s[k]
		}
	}
	rec(0)
}
