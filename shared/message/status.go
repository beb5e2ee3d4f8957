package message

import (
	"slices"
	"time"
)

// rank orders the statuses a message moves through; receipts arrive out of order, so a message's Status is the
// highest rank it has seen. Failed sorts after pending in the timeline (it can only follow pending) and is handled
// apart from the ranks by Apply.
func (s Status) rank() int {
	switch s {
	case Pending:
		return 0
	case Failed:
		return 1
	case Sent, Received:
		return 2
	case Delivered:
		return 3
	case Read:
		return 4
	case Played:
		return 5
	}
	return -1
}

// Apply records that m reached status st at `at` (errMsg is the failure's reason, for Failed) and reports whether
// m changed; when it did, UpdatedAt is at. The rules, which make receipts safe to apply in any order and more than
// once:
//
//   - Outgoing messages rank pending < sent < delivered < read < played, incoming ones received < read. Status is
//     the highest rank seen: a delivered receipt may overtake the send's acknowledgement, and the late "sent" is
//     then added to the timeline while Status stays delivered.
//   - Each status appears at most once in Timeline, at the earliest At seen; the timeline is sorted by rank.
//   - Failed applies only while the message is pending, and records errMsg in Error and in its step.
//   - Nothing advances a failed message except Sent (a retry that succeeded), which clears Error.
//
// An unknown status changes nothing.
func Apply(m *Message, st Status, at time.Time, errMsg string) bool {
	if st.rank() < 0 {
		return false
	}
	switch {
	case st == Failed:
		if m.Status != Pending {
			return false
		}
		m.Status, m.Error = Failed, errMsg
		setStep(m, Step{Status: Failed, At: at, Error: errMsg})
	case m.Status == Failed:
		if st != Sent {
			return false
		}
		m.Status, m.Error = Sent, ""
		setStep(m, Step{Status: Sent, At: at})
	default:
		stepChanged := setStep(m, Step{Status: st, At: at})
		if st.rank() <= m.Status.rank() && !stepChanged {
			return false
		}
		if st.rank() > m.Status.rank() {
			m.Status = st
		}
	}
	m.UpdatedAt = at
	return true
}

// setStep adds step to m's timeline, or moves an existing step of its status to an earlier At, and reports whether
// the timeline changed.
func setStep(m *Message, step Step) bool {
	for i, s := range m.Timeline {
		if s.Status != step.Status {
			continue
		}
		if !step.At.Before(s.At) {
			return false
		}
		m.Timeline[i].At = step.At
		return true
	}
	m.Timeline = append(m.Timeline, step)
	slices.SortStableFunc(m.Timeline, func(a, b Step) int { return a.Status.rank() - b.Status.rank() })
	return true
}
