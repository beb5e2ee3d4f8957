package wasim

import (
	"strings"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// extension is server state for the features in this file (number lookups, logout, the 405 injection). Guarded by
// Server.mu.
type extension struct {
	outdated map[types.JID]bool
}

// Outdate makes every login of the companion fail with reason 405 (outdated on: the client emits
// events.ClientOutdated and stops reconnecting) or log in normally again (outdated off). Turning it on drops the
// companion's connections so the client logs in again at once; it reports how many it dropped.
func (s *Server) Outdate(jid types.JID, outdated bool) int {
	s.mu.Lock()
	if s.ext.outdated == nil {
		s.ext.outdated = map[types.JID]bool{}
	}
	s.ext.outdated[jid] = outdated
	s.mu.Unlock()
	if !outdated {
		return 0
	}
	return s.Kick(jid)
}

// loginRefusal is the <failure> a companion's login gets instead of <success>, if any.
func (s *Server) loginRefusal(comp *companion) (waBinary.Node, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ext.outdated[comp.jid] {
		return waBinary.Node{Tag: "failure", Attrs: waBinary.Attrs{"reason": 405, "location": "wasim"}}, true
	}
	return waBinary.Node{}, false
}

// answerExtra answers the IQs this file adds: number lookups (usync with a contact query) and the client's own
// logout (md remove-companion-device). It reports whether it handled the IQ.
func (s *Server) answerExtra(c *conn, iq *waBinary.Node, xmlns, typ, child string) (bool, error) {
	switch {
	case xmlns == "usync" && child == "usync" && hasQuery(iq, "contact"):
		return true, s.answerContacts(c, iq)
	case xmlns == "md" && typ == "set" && child == "remove-companion-device":
		jid, _ := iq.GetChildByTag("remove-companion-device").Attrs["jid"].(types.JID)
		s.mu.Lock()
		own := c.device != nil && c.device.jid == jid
		if own {
			delete(s.companions, jid)
		}
		s.mu.Unlock()
		if !own {
			return true, c.replyError(iq, 403, "forbidden")
		}
		return true, c.reply(iq)
	}
	return false, nil
}

func hasQuery(iq *waBinary.Node, tag string) bool {
	query := iq.GetChildByTag("usync", "query")
	for _, q := range query.GetChildren() {
		if q.Tag == tag {
			return true
		}
	}
	return false
}

// answerContacts says which of the queried numbers ("+digits@c.us") have a phone on the server: those are "in",
// with their LID as jid and their number as pn_jid, the others "out".
func (s *Server) answerContacts(c *conn, iq *waBinary.Node) error {
	usync := iq.GetChildByTag("usync")
	var users []waBinary.Node
	list := usync.GetChildByTag("list")
	for _, u := range list.GetChildren() {
		contact := u.GetChildByTag("contact")
		var query string
		switch v := contact.Content.(type) {
		case []byte:
			query = string(v)
		case string:
			query = v
		}
		number := strings.TrimPrefix(strings.TrimSuffix(query, "@"+types.LegacyUserServer), "+")
		pn := types.NewJID(number, types.DefaultUserServer)
		user := waBinary.Node{Tag: "user", Attrs: waBinary.Attrs{"jid": pn}}
		status := "out"
		if p, ok := s.account(pn); ok {
			user.Attrs = waBinary.Attrs{"jid": p.LID(), "pn_jid": pn}
			status = "in"
		}
		user.Content = []waBinary.Node{{Tag: "contact", Attrs: waBinary.Attrs{"type": status}, Content: []byte(query)}}
		users = append(users, user)
	}
	return c.reply(iq, waBinary.Node{
		Tag:   "usync",
		Attrs: waBinary.Attrs{"sid": usync.Attrs["sid"], "mode": usync.Attrs["mode"], "context": usync.Attrs["context"], "last": "true", "index": "0"},
		Content: []waBinary.Node{
			{Tag: "result"},
			{Tag: "list", Content: users},
		},
	})
}
