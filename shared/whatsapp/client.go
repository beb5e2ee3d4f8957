package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"

	"github.com/waqtor/waqtor/shared/session"
)

// Client is one linked device: a long-lived whatsmeow.Client (replaced once after pairing), its supervisor and
// its watchdog.
type Client struct {
	devs *Devices
	opts Options
	log  *slog.Logger
	dog  *watchdog

	mu        sync.Mutex
	wa        *whatsmeow.Client
	handler   func(context.Context, session.Event) error
	life      context.Context // the connection's lifetime, set by Connect and by a finished login
	stop      context.CancelFunc
	stopped   bool      // Disconnect, Logout or a permanent failure: later disconnects are not reconnects
	jid       types.JID // the device, once paired (read here: whatsmeow clears Store.ID when it deletes the keys)
	loggingIn bool
	// outage is the status of a reconnect that cannot reach WhatsApp (reconnectFailed), until it connects again.
	outage *session.StatusChanged
}

var _ session.Client = (*Client)(nil)

func newClient(d *Devices, dev *store.Device) *Client {
	c := &Client{devs: d, opts: d.opts, log: d.opts.Logger, life: context.Background()}
	c.dog = newWatchdog(d.opts.WatchdogKeepalive, d.opts.WatchdogSendFailures, c.restart)
	c.wa = c.newWA(dev, context.Background(), false)
	if dev.ID != nil {
		c.jid = *dev.ID
	}
	return c
}

// newWA builds a whatsmeow client for dev with WaQtor's settings (WHATSAPP.md A.3, A.11). A login client does not
// reconnect by itself; a long-lived one does, and reports to the supervisor.
func (c *Client) newWA(dev *store.Device, ctx context.Context, login bool) *whatsmeow.Client {
	wa := whatsmeow.NewClient(dev, newWALog(c.log, "whatsmeow"))
	if hc := c.opts.HTTPClient; hc != nil {
		wa.SetPreLoginHTTPClient(hc)
		wa.SetWebsocketHTTPClient(hc)
		wa.SetMediaHTTPClient(hc)
	}
	wa.SynchronousAck = true
	wa.EnableDecryptedEventBuffer = true
	wa.UseRetryMessageStore = true
	zl := zerologFor(c.log)
	wa.BackgroundEventCtx = zl.WithContext(ctx)
	if login {
		wa.EnableAutoReconnect = false
		wa.DisableLoginAutoReconnect = true
		return wa
	}
	wa.EnableAutoReconnect = true
	wa.InitialAutoReconnect = true
	wa.AutoReconnectHook = func(err error) bool { return c.reconnectFailed(wa, err) }
	wa.AddEventHandlerWithSuccessStatus(func(evt any) bool { return c.onEvent(wa, evt) })
	return wa
}

// current is the long-lived whatsmeow client.
func (c *Client) current() *whatsmeow.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wa
}

func (c *Client) lifetime() context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.life
}

// Account is the linked account, known once paired.
func (c *Client) Account() (session.Account, bool) {
	st := c.current().Store
	if st.ID == nil {
		return session.Account{}, false
	}
	a := session.Account{Phone: st.ID.User, DeviceJID: st.ID.String(), PushName: st.PushName, Platform: st.Platform,
		BusinessName: st.BusinessName}
	if !st.LID.IsEmpty() {
		a.LID = st.LID.ToNonAD().String()
	}
	return a, true
}

// SetHandler sets the one event handler; see session.Client.
func (c *Client) SetHandler(h func(ctx context.Context, e session.Event) error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.handler = h
}

// emit hands e to the handler; a missing handler accepts everything.
func (c *Client) emit(ctx context.Context, e session.Event) error {
	c.mu.Lock()
	h := c.handler
	c.mu.Unlock()
	if h == nil {
		return nil
	}
	return h(ctx, e)
}

// Connect logs the paired device in; ctx bounds the connection's lifetime. A first dial that fails for a network
// reason is retried in the background (status Reconnecting, with the cause and the next attempt's time), like any
// later drop. Another failure to reach WhatsApp is returned as a *session.UnreachableError.
func (c *Client) Connect(ctx context.Context) error {
	c.mu.Lock()
	wa := c.wa
	if wa.Store.ID == nil {
		c.mu.Unlock()
		return session.ErrNotPaired
	}
	life := c.startLocked(ctx, wa)
	c.mu.Unlock()
	_ = c.emit(life, session.StatusChanged{Status: session.Connecting})
	if err := wa.ConnectContext(socketContext(life)); err != nil {
		c.markStopped()
		if errors.Is(err, store.ErrDeviceDeleted) {
			return fmt.Errorf("connect: %w", session.ErrDeviceNotFound)
		}
		if errors.Is(err, whatsmeow.ErrAlreadyConnected) {
			return nil
		}
		return fmt.Errorf("connect: %w", classified(err))
	}
	return nil
}

// startLocked begins a connection lifetime for wa under ctx: cancelling it disconnects. The caller holds c.mu.
func (c *Client) startLocked(ctx context.Context, wa *whatsmeow.Client) context.Context {
	if c.stop != nil {
		c.stop()
	}
	life, stop := context.WithCancel(ctx)
	c.life, c.stop, c.stopped = life, stop, false
	zl := zerologFor(c.log)
	wa.BackgroundEventCtx = zl.WithContext(socketContext(life))
	context.AfterFunc(life, func() {
		c.mu.Lock()
		current, wasStopped := c.life == life, c.stopped
		if current {
			c.stopped = true
		}
		c.mu.Unlock()
		if !current {
			return
		}
		wa.Disconnect()
		if !wasStopped { // the caller's context ended the connection
			_ = c.emit(context.WithoutCancel(life), session.StatusChanged{Status: session.Stopped, Reason: "context ended"})
		}
	})
	c.dog.reset()
	return life
}

// markStopped records that the connection ends on purpose or for good, and ends its lifetime.
func (c *Client) markStopped() {
	c.mu.Lock()
	c.stopped = true
	stop := c.stop
	c.mu.Unlock()
	if stop != nil {
		stop()
	}
}

func (c *Client) isStopped() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopped
}

// Disconnect closes the connection on purpose and reports Stopped.
func (c *Client) Disconnect() {
	ctx := context.WithoutCancel(c.lifetime())
	c.markStopped()
	c.current().Disconnect()
	_ = c.emit(ctx, session.StatusChanged{Status: session.Stopped, Reason: "disconnected"})
}

// Logout unlinks the device and deletes its keys, then reports LoggedOut. A client that is not logged in only
// deletes its keys (the phone drops the device from its list when it next checks).
func (c *Client) Logout(ctx context.Context) error {
	wa := c.current()
	if wa.Store.ID == nil {
		return session.ErrNotPaired
	}
	evCtx := context.WithoutCancel(c.lifetime())
	if loggedIn(wa) {
		if err := wa.Logout(ctx); err != nil {
			return fmt.Errorf("logout: %w", err)
		}
	} else {
		wa.Disconnect()
		if err := wa.Store.Delete(ctx); err != nil {
			return fmt.Errorf("logout: delete keys: %w", err)
		}
	}
	c.markStopped()
	_ = c.emit(evCtx, session.StatusChanged{Status: session.LoggedOut, Reason: "logged out"})
	return nil
}

// NewMessageID allocates a WhatsApp message ID.
func (c *Client) NewMessageID() string { return c.current().GenerateMessageID() }

// restart is the watchdog's action: report Reconnecting and drop the connection so whatsmeow reconnects.
func (c *Client) restart(reason string) {
	wa := c.current()
	if c.isStopped() || !wa.IsConnected() {
		return
	}
	c.log.WarnContext(c.lifetime(), "whatsapp watchdog restarts the connection", "reason", reason)
	_ = c.emit(c.lifetime(), session.StatusChanged{Status: session.Reconnecting, Reason: reason})
	go wa.ResetConnection()
}

// loggedIn reports whether wa has a live, logged-in connection (whatsmeow's IsLoggedIn alone stays true for a
// moment after a disconnect).
func loggedIn(wa *whatsmeow.Client) bool { return wa.IsConnected() && wa.IsLoggedIn() }

// socketContext is the context a whatsmeow connection runs under: ctx's values without its cancellation. whatsmeow
// closes a socket whose context ends from its read pump, racing with Disconnect (a data race inside whatsmeow), so
// the end of a lifetime is always turned into a Disconnect instead (see startLocked and login.end).
func socketContext(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }
