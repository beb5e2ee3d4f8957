package httpapi

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/demo"
	"github.com/waqtor/waqtor/shared/media"
)

// Demo mode's /api/dev/demo endpoints: 404 unless the server runs with WAQTOR_WHATSAPP=demo.

func (s *Server) demoWorld() (demo.World, error) {
	if s.Demo == nil {
		return nil, apperr.New(apperr.NotFound, "demo mode is off: the /api/dev/demo endpoints exist only with WAQTOR_WHATSAPP=demo")
	}
	return s.Demo, nil
}

func (s *Server) handleDemoContacts(w http.ResponseWriter, r *http.Request) error {
	world, err := s.demoWorld()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"contacts": world.Contacts()})
	return nil
}

func (s *Server) handleDemoScan(w http.ResponseWriter, r *http.Request) error {
	world, err := s.demoWorld()
	if err != nil {
		return err
	}
	sess, err := s.Sessions.QR(r.Context(), principalOf(r).TenantID, r.PathValue("id"))
	if err != nil {
		return err
	}
	phone, err := world.Scan(r.Context(), sess.QR)
	if err != nil {
		return apperr.New(apperr.Conflict, "the demo phone could not scan the QR code: %v", err)
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"success": true, "sessionId": sess.ID, "phone": phone})
	return nil
}

// demoContact checks that phone is a demo contact.
func demoContact(world demo.World, phone string) (string, error) {
	phone = strings.TrimPrefix(phone, "+")
	if !slices.ContainsFunc(world.Contacts(), func(c demo.Contact) bool { return c.Phone == phone }) {
		return "", apperr.New(apperr.NotFound, "no demo contact has the number %s", phone)
	}
	return phone, nil
}

func (s *Server) handleDemoWrite(w http.ResponseWriter, r *http.Request) error {
	world, err := s.demoWorld()
	if err != nil {
		return err
	}
	phone, err := demoContact(world, r.PathValue("phone"))
	if err != nil {
		return err
	}
	var in struct {
		To   string `json:"to"`
		Text string `json:"text"`
		// Image is an optional image (base64) the contact sends, with Text as its caption.
		Image string `json:"image"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Text) == "" && in.Image == "" {
		return fieldErr("text", "is required (or image)")
	}
	var img []byte
	mt := ""
	if in.Image != "" {
		var err error
		if img, err = decodeBase64(in.Image); err != nil {
			return fieldErr("image", "must be base64")
		}
		if mt, _, err = media.Sniff(img, ""); err != nil || !strings.HasPrefix(mt, "image/") {
			return fieldErr("image", "must be an image (JPEG, PNG or WebP)")
		}
	}
	sess, err := s.Sessions.Get(r.Context(), principalOf(r).TenantID, in.To)
	if err != nil {
		return err
	}
	if sess.Account == nil {
		return apperr.New(apperr.Conflict, "session %s is not paired yet", sess.ID)
	}
	var id string
	if img != nil {
		id, err = world.WriteImage(r.Context(), phone, sess.Account.Phone, img, mt, in.Text)
	} else {
		id, err = world.Write(r.Context(), phone, sess.Account.Phone, in.Text)
	}
	if err != nil {
		return apperr.New(apperr.Conflict, "the demo contact could not send: %v", err)
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"success": true, "messageId": id})
	return nil
}

func (s *Server) handleDemoInbox(w http.ResponseWriter, r *http.Request) error {
	world, err := s.demoWorld()
	if err != nil {
		return err
	}
	phone, err := demoContact(world, r.PathValue("phone"))
	if err != nil {
		return err
	}
	msgs, err := demo.TenantInbox(r.Context(), world, s.Sessions.Store, principalOf(r).TenantID, phone)
	if errors.Is(err, demo.ErrUnknownContact) {
		return apperr.New(apperr.NotFound, "no demo contact has the number %s", phone)
	}
	if err != nil {
		return err
	}
	if msgs == nil {
		msgs = []demo.Message{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": msgs})
	return nil
}

func (s *Server) handleDemoFault(w http.ResponseWriter, r *http.Request) error {
	world, err := s.demoWorld()
	if err != nil {
		return err
	}
	var in struct {
		Kind string `json:"kind"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if !slices.Contains(demo.Faults, in.Kind) {
		return fieldErr("kind", "must be one of "+strings.Join(demo.Faults, ", "))
	}
	sess, err := s.Sessions.Get(r.Context(), principalOf(r).TenantID, r.PathValue("id"))
	if err != nil {
		return err
	}
	if sess.Account == nil || sess.Account.DeviceJID == "" {
		return apperr.New(apperr.Conflict, "session %s is not paired", sess.ID)
	}
	if err := world.Fault(r.Context(), sess.Account.DeviceJID, in.Kind); err != nil {
		return apperr.New(apperr.Conflict, "inject %s: %v", in.Kind, err)
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"success": true, "kind": in.Kind})
	return nil
}
