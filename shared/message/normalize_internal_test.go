package message

import (
	"testing"

	"github.com/waqtor/waqtor/shared/session"
)

// TestNormalizeFillsIDsAndLeavesTheCallersContent: buttons and rows without an ID get btn-<n> and row-<s>-<r> (as
// the API has always stored them), given IDs stay, a contact's phone is kept as digits, and the caller's content
// is not changed (a campaign sends the same content many times).
func TestNormalizeFillsIDsAndLeavesTheCallersContent(t *testing.T) {
	buttons := []session.Button{{Text: "a"}, {ID: "mine", Text: "b"}}
	rows := []session.ListRow{{Title: "x"}, {ID: "r", Title: "y"}}
	out := session.Outgoing{Buttons: &session.Buttons{Text: "t", Buttons: buttons}}
	normalize(&out)
	if got := []string{out.Buttons.Buttons[0].ID, out.Buttons.Buttons[1].ID}; got[0] != "btn-1" || got[1] != "mine" {
		t.Errorf("button IDs = %q, want [btn-1 mine]", got)
	}
	out = session.Outgoing{List: &session.List{Text: "t", ButtonText: "b", Sections: []session.ListSection{{Rows: rows[:1]}, {Rows: rows[1:]}}}}
	normalize(&out)
	if got := []string{out.List.Sections[0].Rows[0].ID, out.List.Sections[1].Rows[0].ID}; got[0] != "row-1-1" || got[1] != "r" {
		t.Errorf("row IDs = %q, want [row-1-1 r]", got)
	}
	if buttons[0].ID != "" || rows[0].ID != "" {
		t.Errorf("normalize changed the caller's content: %+v %+v", buttons, rows)
	}
	out = session.Outgoing{Contact: &session.ContactCard{Name: "Ann", Phone: "+1 (415) 555-0101"}}
	normalize(&out)
	if out.Contact.Phone != "14155550101" {
		t.Errorf("contact phone = %q, want 14155550101", out.Contact.Phone)
	}
}
