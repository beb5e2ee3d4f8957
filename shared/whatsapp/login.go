package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/waqtor/waqtor/shared/session"
)

// login is one pairing attempt on a throw-away whatsmeow client that never reconnects by itself (the mautrix
// pattern): it collects the QR refs, rotates them by Options.QRIntervals, and after the phone accepted the pairing
// and WhatsApp asked for a restart (515, events.ManualLoginReconnect) it hands over to a long-lived client built
// from the stored device.
type login struct {
	c       *Client
	ctx     context.Context
	cancel  context.CancelFunc
	wa      *whatsmeow.Client
	events  chan any
	updates chan session.LoginUpdate
}

func (c *Client) beginLogin(ctx context.Context) (*login, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.wa.Store.ID != nil {
		return nil, session.ErrAlreadyPaired
	}
	if c.loggingIn {
		return nil, ErrLoginInProgress
	}
	c.loggingIn = true
	lctx, cancel := context.WithCancel(ctx)
	l := &login{c: c, ctx: lctx, cancel: cancel, events: make(chan any, 16),
		updates: make(chan session.LoginUpdate, len(c.opts.QRIntervals)+1)}
	l.wa = c.newWA(c.wa.Store, socketContext(lctx), true)
	l.wa.AddEventHandler(l.onEvent)
	return l, nil
}

func (l *login) onEvent(evt any) {
	switch evt.(type) {
	case *events.QR, *events.PairSuccess, *events.PairError, *events.ManualLoginReconnect, *events.Disconnected,
		*events.LoggedOut, *events.TemporaryBan, *events.ClientOutdated, *events.ConnectFailure, *events.StreamError,
		*events.QRScannedWithoutMultidevice:
		select {
		case l.events <- evt:
		case <-l.ctx.Done():
		}
	}
}

// LoginQR pairs by QR code; see session.Client.
func (c *Client) LoginQR(ctx context.Context) (<-chan session.LoginUpdate, error) {
	l, err := c.beginLogin(ctx)
	if err != nil {
		return nil, err
	}
	if err := l.wa.ConnectContext(socketContext(l.ctx)); err != nil {
		l.end()
		return nil, fmt.Errorf("connect for login: %w", classified(err))
	}
	go l.run(nil)
	return l.updates, nil
}

// LoginCode pairs by phone code: it connects, waits for the socket to be ready (the first QR refs) and asks
// WhatsApp for the code the user types on the phone with that number; see session.Client.
func (c *Client) LoginCode(ctx context.Context, phone string) (string, <-chan session.LoginUpdate, error) {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, phone)
	switch {
	case len(digits) <= 6:
		return "", nil, fmt.Errorf("%w %q: %w", ErrInvalidPhone, phone, whatsmeow.ErrPhoneNumberTooShort)
	case strings.HasPrefix(digits, "0"):
		return "", nil, fmt.Errorf("%w %q: %w", ErrInvalidPhone, phone, whatsmeow.ErrPhoneNumberIsNotInternational)
	}
	l, err := c.beginLogin(ctx)
	if err != nil {
		return "", nil, err
	}
	if err := l.wa.ConnectContext(socketContext(l.ctx)); err != nil {
		l.end()
		return "", nil, fmt.Errorf("connect for login: %w", classified(err))
	}
	var refs *events.QR
	for refs == nil {
		select {
		case evt := <-l.events:
			if qr, ok := evt.(*events.QR); ok {
				refs = qr
			} else if err := loginFailure(evt); err != nil {
				l.end()
				return "", nil, err
			}
		case <-l.ctx.Done():
			l.end()
			return "", nil, fmt.Errorf("login: %w", l.ctx.Err())
		}
	}
	code, err := l.wa.PairPhone(l.ctx, digits, true, whatsmeow.PairClientChrome, "Chrome (Linux)")
	if err != nil {
		l.end()
		if errors.Is(err, whatsmeow.ErrPhoneNumberTooShort) || errors.Is(err, whatsmeow.ErrPhoneNumberIsNotInternational) {
			return "", nil, fmt.Errorf("%w %q: %w", ErrInvalidPhone, phone, err)
		}
		return "", nil, fmt.Errorf("request pairing code: %w", err)
	}
	go l.run(refs)
	return code, l.updates, nil
}

// loginFailure is the error a lifecycle event means during a login, nil for events that do not end it.
func loginFailure(evt any) error {
	switch e := evt.(type) {
	case *events.PairError:
		return fmt.Errorf("%w: %w", ErrPairFailed, e.Error)
	case *events.QRScannedWithoutMultidevice:
		return fmt.Errorf("%w: the phone has no multi-device support", ErrPairFailed)
	case *events.ClientOutdated:
		return ErrClientOutdated
	case *events.LoggedOut:
		return fmt.Errorf("%w: logged out (%s)", ErrPairFailed, e.Reason)
	case *events.TemporaryBan:
		return fmt.Errorf("%w: %s", ErrPairFailed, e)
	case *events.ConnectFailure:
		return fmt.Errorf("%w: connect failure %s", ErrPairFailed, e.Reason)
	case *events.StreamError:
		return fmt.Errorf("%w: stream error %s", ErrLoginInterrupted, e.Code)
	}
	return nil
}

// run drives the login to its one final update. refs is set for code pairing (no QR codes are shown, the login
// waits the sum of the QR intervals); for QR pairing the refs come with the first events.QR.
func (l *login) run(refs *events.QR) {
	defer l.end()
	defer close(l.updates)
	intervals := l.c.opts.QRIntervals
	showQR := refs == nil
	wait := time.Duration(0)
	if !showQR {
		for _, d := range intervals {
			wait += d
		}
	}
	timer := time.NewTimer(wait)
	if showQR {
		timer.Stop()
	}
	defer timer.Stop()
	var codes []string
	shown := 0
	next := func() bool { // shows the next QR code; false when they ran out
		if shown >= len(codes) || shown >= len(intervals) {
			return false
		}
		d := intervals[shown]
		l.send(session.LoginUpdate{QR: codes[shown], ExpiresAt: time.Now().Add(d)})
		shown++
		timer.Reset(d)
		return true
	}
	var paired *events.PairSuccess
	restarted := false
	for {
		if paired != nil && restarted {
			l.finish(paired)
			return
		}
		select {
		case evt := <-l.events:
			switch e := evt.(type) {
			case *events.QR:
				if showQR && codes == nil {
					codes = e.Codes
					if !next() {
						l.fail(session.ErrLoginTimeout)
						return
					}
				}
			case *events.PairSuccess:
				paired = e
				timer.Reset(l.c.opts.PairReconnectTimeout)
			case *events.ManualLoginReconnect:
				restarted = true
			case *events.Disconnected:
				if l.wa.Store.ID != nil {
					restarted = true // paired; the 515 closed the socket
				} else {
					l.fail(ErrLoginInterrupted)
					return
				}
			default:
				if err := loginFailure(evt); err != nil {
					l.fail(err)
					return
				}
			}
		case <-timer.C:
			if paired != nil {
				l.fail(fmt.Errorf("%w: no restart within %s of pairing", ErrLoginInterrupted, l.c.opts.PairReconnectTimeout))
				return
			}
			if !showQR || !next() {
				l.fail(session.ErrLoginTimeout)
				return
			}
		case <-l.ctx.Done():
			l.fail(fmt.Errorf("login: %w", l.ctx.Err()))
			return
		}
	}
}

// finish replaces the login client with a long-lived one from the stored device, connects it, and reports
// Paired once it is logged in. The connection outlives the login's context; Disconnect or Logout end it.
func (l *login) finish(paired *events.PairSuccess) {
	c := l.c
	l.wa.Disconnect()
	dev, err := c.devs.container.GetDevice(l.ctx, paired.ID)
	if err == nil && dev == nil {
		err = session.ErrDeviceNotFound
	}
	if err != nil {
		l.fail(fmt.Errorf("%w: load paired device %s: %w", ErrPairFailed, paired.ID, err))
		return
	}
	c.mu.Lock()
	wa := c.newWA(dev, context.Background(), false)
	c.wa, c.jid = wa, paired.ID
	life := c.startLocked(context.WithoutCancel(l.ctx), wa)
	c.mu.Unlock()
	_ = c.emit(life, session.StatusChanged{Status: session.Connecting})
	if err := wa.ConnectContext(socketContext(life)); err != nil {
		c.markStopped()
		l.fail(fmt.Errorf("%w: first login: %w", ErrLoginInterrupted, err))
		return
	}
	deadline, ok := l.ctx.Deadline()
	if !ok || time.Until(deadline) > c.opts.PairReconnectTimeout {
		deadline = time.Now().Add(c.opts.PairReconnectTimeout)
	}
	if !wa.WaitForConnection(time.Until(deadline)) {
		l.fail(fmt.Errorf("%w: paired device did not log in", ErrLoginInterrupted))
		return
	}
	account, _ := c.Account()
	if account.BusinessName == "" {
		account.BusinessName = paired.BusinessName
	}
	if account.Platform == "" {
		account.Platform = paired.Platform
	}
	l.send(session.LoginUpdate{Paired: &account})
}

func (l *login) fail(err error) {
	l.wa.Disconnect()
	l.send(session.LoginUpdate{Err: err})
}

// send delivers an update. The channel has room for every update a login produces (a QR code per interval and
// the final one), so a reader that stopped reading never blocks the login.
func (l *login) send(u session.LoginUpdate) { l.updates <- u }

// end releases the login: its connection, its context, and the client's login flag.
func (l *login) end() {
	l.wa.Disconnect()
	l.cancel()
	l.c.mu.Lock()
	l.c.loggingIn = false
	l.c.mu.Unlock()
}
