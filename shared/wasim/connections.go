package wasim

import "go.mau.fi/whatsmeow/types"

// connStats counts each companion's logged-in connections, for tests that must show a device was never connected
// twice at once (two session hosts holding the same session). Guarded by Server.mu.
type connStats struct {
	peak   map[types.JID]int
	logins map[types.JID]int
}

// loggedInLocked records that c logged in as its companion. The caller holds s.mu and has set c.device.
func (s *Server) loggedInLocked(c *conn) {
	if s.stats.peak == nil {
		s.stats.peak, s.stats.logins = map[types.JID]int{}, map[types.JID]int{}
	}
	jid := c.device.jid
	s.stats.logins[jid]++
	s.stats.peak[jid] = max(s.stats.peak[jid], s.connectedLocked(jid))
}

func (s *Server) connectedLocked(jid types.JID) int {
	n := 0
	for c := range s.conns {
		if c.device != nil && c.device.jid == jid {
			n++
		}
	}
	return n
}

// Connected reports how many connections are logged in as the companion jid now.
func (s *Server) Connected(jid types.JID) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connectedLocked(jid)
}

// PeakConnected reports the most connections that were logged in as the companion jid at once, since the server
// started. WhatsApp replaces one connection with the other when a device logs in twice; this fake lets both run,
// so a test can see that it happened.
func (s *Server) PeakConnected(jid types.JID) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats.peak[jid]
}

// Logins reports how many times the companion jid logged in (after its pairing, or with its keys), since the
// server started.
func (s *Server) Logins(jid types.JID) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats.logins[jid]
}
