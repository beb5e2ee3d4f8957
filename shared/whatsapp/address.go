package whatsapp

import (
	"context"
	"fmt"
	"strings"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"

	"github.com/waqtor/waqtor/shared/session"
)

// jidOf turns an Address into the JID whatsmeow sends to: the group, else the LID (what WhatsApp addresses DMs by
// today), else the phone number.
func jidOf(a session.Address) (types.JID, error) {
	switch {
	case a.Group != "":
		jid, err := types.ParseJID(a.Group)
		if err != nil || jid.Server != types.GroupServer {
			return types.JID{}, fmt.Errorf("%w: group %q", ErrBadAddress, a.Group)
		}
		return jid, nil
	case a.LID != "":
		jid, err := types.ParseJID(a.LID)
		if !strings.Contains(a.LID, "@") {
			jid, err = types.NewJID(a.LID, types.HiddenUserServer), nil
		}
		if err != nil || jid.Server != types.HiddenUserServer {
			return types.JID{}, fmt.Errorf("%w: lid %q", ErrBadAddress, a.LID)
		}
		return jid.ToNonAD(), nil
	case a.Phone != "":
		digits := strings.TrimPrefix(a.Phone, "+")
		if digits == "" || strings.Trim(digits, "0123456789") != "" {
			return types.JID{}, fmt.Errorf("%w: phone %q", ErrBadAddress, a.Phone)
		}
		return types.NewJID(digits, types.DefaultUserServer), nil
	}
	return types.JID{}, fmt.Errorf("%w: empty", ErrBadAddress)
}

// addressOf names the user or group behind jid and its alternative form alt (either may be empty), filling the
// missing phone or LID from the client's LID map when it knows the other.
func addressOf(ctx context.Context, wa *whatsmeow.Client, jids ...types.JID) session.Address {
	var a session.Address
	for _, j := range jids {
		switch j.Server {
		case types.DefaultUserServer:
			a.Phone = j.User
		case types.HiddenUserServer:
			a.LID = j.ToNonAD().String()
		case types.GroupServer:
			a.Group = j.String()
		}
	}
	if a.Group != "" || wa == nil || wa.Store == nil || wa.Store.LIDs == nil {
		return a
	}
	switch {
	case a.LID == "" && a.Phone != "":
		if lid, err := wa.Store.LIDs.GetLIDForPN(ctx, types.NewJID(a.Phone, types.DefaultUserServer)); err == nil && !lid.IsEmpty() {
			a.LID = lid.ToNonAD().String()
		}
	case a.Phone == "" && a.LID != "":
		lid, _ := types.ParseJID(a.LID)
		if pn, err := wa.Store.LIDs.GetPNForLID(ctx, lid); err == nil && !pn.IsEmpty() {
			a.Phone = pn.User
		}
	}
	return a
}
