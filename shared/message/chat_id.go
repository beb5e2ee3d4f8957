package message

import (
	"fmt"
	"strings"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/session"
)

// WhatsApp servers of the chat IDs WaQtor accepts. "c.us" is the seed's (whatsapp-web.js) name for
// "s.whatsapp.net"; ParseChatID accepts both and answers the latter.
const (
	serverUser   = "s.whatsapp.net"
	serverLegacy = "c.us"
	serverLID    = "lid"
	serverGroup  = "g.us"
)

// ParseChatID reads a chat ID as an API client writes it and returns the address with its canonical chat ID:
//
//   - a user's JID, "966501234567@c.us" or "966501234567@s.whatsapp.net" → "966501234567@s.whatsapp.net";
//   - a phone number in any common notation ("+966 50 123 4567", "966-50-123-4567", "(966) 501234567",
//     "00966501234567") → the same canonical form;
//   - a linked ID, "123456789012345@lid" → itself;
//   - a group, "120363012345678901@g.us" or the old "966501234567-1609876543@g.us" → itself.
//
// A phone number must have 7–15 digits including the country code (no leading 0 once "+" or "00" is removed).
// Anything else is a validation error on the field "chatId".
func ParseChatID(s string) (session.Address, string, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return session.Address{}, "", chatIDError("is required")
	}
	user, server, isJID := strings.Cut(in, "@")
	if !isJID {
		phone, err := session.NormalizePhone(in)
		if err != nil {
			return session.Address{}, "", chatIDError("%v", err)
		}
		return session.Address{Phone: phone}, phone + "@" + serverUser, nil
	}
	switch strings.ToLower(server) {
	case serverUser, serverLegacy:
		if !allDigits(user) {
			return session.Address{}, "", chatIDError("%q is not a user ID: the part before @ must be the phone number's digits", in)
		}
		if err := session.CheckPhone(user); err != nil {
			return session.Address{}, "", chatIDError("%v", err)
		}
		return session.Address{Phone: user}, user + "@" + serverUser, nil
	case serverLID:
		if !allDigits(user) || len(user) > 20 {
			return session.Address{}, "", chatIDError("%q is not a linked ID: the part before @lid must be 1 to 20 digits", in)
		}
		lid := user + "@" + serverLID
		return session.Address{LID: lid}, lid, nil
	case serverGroup:
		if !isGroupUser(user) {
			return session.Address{}, "", chatIDError("%q is not a group ID: the part before @g.us must be digits (or the old digits-digits form)", in)
		}
		group := user + "@" + serverGroup
		return session.Address{Group: group}, group, nil
	}
	return session.Address{}, "", chatIDError("%q is not a supported chat ID: use a phone number or an ID ending in @s.whatsapp.net, @c.us, @lid or @g.us", in)
}

// FormatChatID returns the canonical chat ID of a: the group's JID, else the user's phone JID
// ("digits@s.whatsapp.net") when the number is known, else the LID; "" for the zero address. Preferring the phone
// keeps one chat under one ID while WhatsApp reveals a user's LID only some of the time.
func FormatChatID(a session.Address) string {
	switch {
	case a.Group != "":
		return withServer(a.Group, serverGroup)
	case a.Phone != "":
		return a.Phone + "@" + serverUser
	case a.LID != "":
		return withServer(a.LID, serverLID)
	}
	return ""
}

func withServer(id, server string) string {
	if strings.Contains(id, "@") {
		return id
	}
	return id + "@" + server
}

func isGroupUser(user string) bool {
	creator, created, old := strings.Cut(user, "-")
	if old {
		return allDigits(creator) && allDigits(created)
	}
	return allDigits(user)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// chatIDError is the validation error of an invalid chat ID.
func chatIDError(format string, args ...any) error {
	return apperr.Field("chatId", fmt.Sprintf(format, args...))
}
