package message

import (
	"fmt"
	"strings"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/session"
)

// The limits of a message's content. WhatsApp refuses (or silently drops) messages beyond them.
const (
	// MaxTextLen is WhatsApp's limit on a text message, in bytes.
	MaxTextLen = 65536
	// MinPollOptions and MaxPollOptions bound a poll's options.
	MinPollOptions, MaxPollOptions = 2, 12
	// MaxButtons is the most quick-reply buttons a message has (at least one).
	MaxButtons = 3
	// MaxListSections and MaxListRows bound a list's sections and its rows in all sections together.
	MaxListSections, MaxListRows = 10, 10
	// MaxReactionRunes is the longest reaction (one emoji, possibly with modifiers), in runes.
	MaxReactionRunes = 10
)

// Check is the one validation of what a send request carries: the chat, the mentions and the content. Every problem
// is reported at once, named by the API's request fields (chatId, options.mentionedIds[i], text, options[i], …),
// so a send that does not come through HTTP (a campaign, a bot) gets the errors the API answers. Send runs it.
func Check(r Request) error {
	var fe apperr.Fields
	if strings.TrimSpace(r.ChatID) == "" {
		fe.Add("chatId", "is required")
	} else if _, _, err := ParseChatID(r.ChatID); err != nil && !fe.AddErr(err) {
		fe.Add("chatId", "%s", err.Error())
	}
	for i, m := range r.Out.Mentions {
		if m.IsZero() || m.Group != "" {
			fe.Add(fmt.Sprintf("options.mentionedIds[%d]", i), "must be a user's phone number or chat ID")
		}
	}
	CheckContent(r.Out, &fe)
	return fe.Err()
}

// CheckContent adds the problems of out's content (its text, poll, location, contact, reaction, buttons or list; a
// media attachment's kind) to fe, leaving the chat and the mentions to Check. The API calls it to report a request's
// own fields together with the content's; Send checks everything again through Check.
func CheckContent(out session.Outgoing, fe *apperr.Fields) {
	switch {
	case out.Media != nil:
		switch out.Media.Kind {
		case session.Image, session.Video, session.Audio, session.Voice, session.Document, session.Sticker:
		case "":
			fe.Add("type", "is required: image, video, audio, voice, document or sticker")
		default:
			fe.Add("type", "must be image, video, audio, voice, document or sticker, not %q", out.Media.Kind)
		}
	case out.Poll != nil:
		checkPoll(*out.Poll, fe)
	case out.Location != nil:
		checkLocation(*out.Location, fe)
	case out.Contact != nil:
		checkContact(*out.Contact, fe)
	case out.Reaction != nil:
		if out.Reaction.MessageID == "" {
			fe.Add("messageId", "is required")
		}
		if len([]rune(out.Reaction.Emoji)) > MaxReactionRunes {
			fe.Add("reaction", "must be one emoji (or empty to remove the reaction)")
		}
	case out.Buttons != nil:
		checkButtons(*out.Buttons, fe)
	case out.List != nil:
		checkList(*out.List, fe)
	default:
		if strings.TrimSpace(out.Text) == "" {
			fe.Add("text", "is required")
		} else if len(out.Text) > MaxTextLen {
			fe.Add("text", "is longer than %d bytes", MaxTextLen)
		}
	}
}

func checkPoll(p session.Poll, fe *apperr.Fields) {
	if strings.TrimSpace(p.Question) == "" {
		fe.Add("question", "is required")
	}
	if len(p.Options) < MinPollOptions || len(p.Options) > MaxPollOptions {
		fe.Add("options", "must have %d to %d options", MinPollOptions, MaxPollOptions)
	}
	if p.Selectable < 0 || p.Selectable > len(p.Options) {
		fe.Add("selectableCount", "must be between 0 (one) and the number of options")
	}
	seen := map[string]bool{}
	for i, o := range p.Options {
		if strings.TrimSpace(o) == "" || seen[o] {
			fe.Add(fmt.Sprintf("options[%d]", i), "must be a non-empty, distinct option")
		}
		seen[o] = true
	}
}

// checkLocation refuses coordinates out of range; NaN stands for a coordinate not given.
func checkLocation(l session.Location, fe *apperr.Fields) {
	if !(l.Latitude >= -90 && l.Latitude <= 90) {
		fe.Add("latitude", "is required, between -90 and 90")
	}
	if !(l.Longitude >= -180 && l.Longitude <= 180) {
		fe.Add("longitude", "is required, between -180 and 180")
	}
}

func checkContact(c session.ContactCard, fe *apperr.Fields) {
	if strings.TrimSpace(c.Name) == "" {
		fe.Add("contact.name", "is required")
	}
	if addr, _, err := ParseChatID(c.Phone); err != nil || addr.Phone == "" {
		fe.Add("contact.phone", "must be an international phone number")
	}
}

func checkButtons(b session.Buttons, fe *apperr.Fields) {
	if strings.TrimSpace(b.Text) == "" {
		fe.Add("text", "is required")
	}
	if len(b.Buttons) < 1 || len(b.Buttons) > MaxButtons {
		fe.Add("buttons", "must have 1 to %d buttons", MaxButtons)
	}
	for i, x := range b.Buttons {
		if strings.TrimSpace(x.Text) == "" {
			fe.Add(fmt.Sprintf("buttons[%d].text", i), "is required")
		}
	}
}

func checkList(l session.List, fe *apperr.Fields) {
	if strings.TrimSpace(l.Text) == "" {
		fe.Add("text", "is required")
	}
	if strings.TrimSpace(l.ButtonText) == "" {
		fe.Add("buttonText", "is required")
	}
	if len(l.Sections) < 1 || len(l.Sections) > MaxListSections {
		fe.Add("sections", "must have 1 to %d sections", MaxListSections)
	}
	rows := 0
	for i, sec := range l.Sections {
		if len(sec.Rows) == 0 {
			fe.Add(fmt.Sprintf("sections[%d].rows", i), "must have at least one row")
		}
		for j, row := range sec.Rows {
			if strings.TrimSpace(row.Title) == "" {
				fe.Add(fmt.Sprintf("sections[%d].rows[%d].title", i, j), "is required")
			}
			rows++
		}
	}
	if rows > MaxListRows {
		fe.Add("sections", "may hold at most %d rows in all", MaxListRows)
	}
}

// normalize fills what a checked content may leave out: button and row IDs, and a contact card's phone in digits.
// It copies what it changes, so the caller's request stays as it was.
func normalize(out *session.Outgoing) {
	if out.Buttons != nil {
		b := *out.Buttons
		b.Buttons = append([]session.Button(nil), b.Buttons...)
		for i := range b.Buttons {
			if b.Buttons[i].ID == "" {
				b.Buttons[i].ID = fmt.Sprintf("btn-%d", i+1)
			}
		}
		out.Buttons = &b
	}
	if out.List != nil {
		l := *out.List
		l.Sections = append([]session.ListSection(nil), l.Sections...)
		for i := range l.Sections {
			l.Sections[i].Rows = append([]session.ListRow(nil), l.Sections[i].Rows...)
			for j := range l.Sections[i].Rows {
				if l.Sections[i].Rows[j].ID == "" {
					l.Sections[i].Rows[j].ID = fmt.Sprintf("row-%d-%d", i+1, j+1)
				}
			}
		}
		out.List = &l
	}
	if out.Contact != nil {
		c := *out.Contact
		if addr, _, err := ParseChatID(c.Phone); err == nil && addr.Phone != "" {
			c.Phone = addr.Phone
		}
		out.Contact = &c
	}
}
