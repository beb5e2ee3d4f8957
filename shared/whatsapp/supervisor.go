package whatsapp

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/waqtor/waqtor/shared/session"
)

// onEvent is the long-lived client's one event handler: the supervisor's lifecycle mapping, then messages,
// receipts and undecryptable messages. Its result is whatsmeow's success status: false (the handler failed) leaves
// the message unacknowledged so WhatsApp delivers it again.
//
// Ignored: history sync, app state, presence, contacts, push names, group and newsletter updates, calls, offline
// sync markers, identity changes.
func (c *Client) onEvent(wa *whatsmeow.Client, evt any) bool {
	if c.current() != wa {
		return true // a client replaced after pairing
	}
	ctx := c.lifetime()
	switch e := evt.(type) {
	case *events.Message:
		return c.onMessage(ctx, wa, e)
	case *events.Receipt:
		return c.onReceipt(ctx, wa, e)
	case *events.UndecryptableMessage:
		return c.emit(ctx, session.Undecryptable{ID: e.Info.ID, Chat: addressOf(ctx, wa, e.Info.Chat),
			Sender: addressOf(ctx, wa, e.Info.Sender, e.Info.SenderAlt), Time: e.Info.Timestamp}) == nil
	}
	st, ok := c.statusOf(evt)
	if !ok {
		return true
	}
	switch e := evt.(type) {
	case *events.Connected:
		c.dog.reset()
		c.mu.Lock()
		c.outage = nil
		c.mu.Unlock()
	case *events.KeepAliveRestored:
		c.dog.keepaliveOK()
	case *events.KeepAliveTimeout:
		// Report the timeout before the watchdog may report its restart.
		defer c.dog.keepaliveFailed(e.LastSuccess)
	}
	if st.Status.Permanent() {
		// whatsmeow does not reconnect from these and closes the socket itself; a late Disconnected must not be
		// reported as a reconnect.
		c.mu.Lock()
		c.stopped = true
		c.mu.Unlock()
	}
	if st.Status == session.LoggedOut {
		c.awaitDeleted(ctx)
	}
	return c.emit(ctx, st) == nil
}

// statusOf maps a lifecycle event to the status it puts the session in; false for other events. It has no side
// effects.
func (c *Client) statusOf(evt any) (session.StatusChanged, bool) {
	switch e := evt.(type) {
	case *events.Connected:
		return session.StatusChanged{Status: session.Ready}, true
	case *events.Disconnected:
		if c.isStopped() {
			return session.StatusChanged{}, false // Disconnect, Logout or a permanent failure already reported
		}
		c.mu.Lock()
		outage := c.outage
		c.mu.Unlock()
		if outage != nil { // a reconnect that cannot reach WhatsApp reported first: keep its cause
			return *outage, true
		}
		return session.StatusChanged{Status: session.Reconnecting, Reason: "connection lost"}, true
	case *events.KeepAliveTimeout:
		return session.StatusChanged{Status: session.Reconnecting, Reason: "keepalive timeout"}, true
	case *events.KeepAliveRestored:
		return session.StatusChanged{Status: session.Ready}, true
	case *events.LoggedOut:
		reason := "device_removed"
		if e.OnConnect {
			reason = "login refused: " + e.Reason.String()
		}
		return session.StatusChanged{Status: session.LoggedOut, Reason: reason}, true
	case *events.StreamReplaced:
		return session.StatusChanged{Status: session.Replaced, Reason: "another connection with the same keys took over"}, true
	case *events.TemporaryBan:
		return session.StatusChanged{Status: session.Banned, Reason: e.String(), Until: time.Now().Add(e.Expire)}, true
	case *events.ClientOutdated:
		return session.StatusChanged{Status: session.Outdated, Reason: "whatsapp refused this client version (405)"}, true
	case *events.ConnectFailure:
		// Unknown permanent refusals: whatsmeow stops, so does the session.
		return session.StatusChanged{Status: session.Stopped, Reason: fmt.Sprintf("connect failure %s %s", e.Reason, e.Message)}, true
	case *events.CATRefreshError:
		return session.StatusChanged{Status: session.Stopped, Reason: fmt.Sprintf("token refresh failed: %v", e.Error)}, true
	case *events.StreamError:
		// Unknown stream errors close the socket without expecting it: whatsmeow reconnects.
		return session.StatusChanged{Status: session.Reconnecting, Reason: "stream error " + e.Code}, true
	}
	return session.StatusChanged{}, false
}

// awaitDeleted waits (a few seconds at most) until whatsmeow, which deletes a logged-out device's keys right after
// dispatching events.LoggedOut, has done so: a handler that sees LoggedOut can then rely on Devices.Open failing
// with session.ErrDeviceNotFound.
func (c *Client) awaitDeleted(ctx context.Context) {
	c.mu.Lock()
	jid := c.jid
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		dev, err := c.devs.container.GetDevice(ctx, jid)
		if err == nil && dev == nil {
			return
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			c.log.WarnContext(ctx, "keys of a logged-out device still stored", "device", jid.String())
			return
		}
	}
}
