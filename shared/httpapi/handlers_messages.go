package httpapi

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/media"
	"github.com/waqtor/waqtor/shared/message"
	"github.com/waqtor/waqtor/shared/session"
)

// Messages: the seed's send endpoints and the additions (poll, location, contact, reaction), listing, status
// timelines, read receipts, media files and number checks.

// sendOptions are the seed's options of send-text (and of the other sends that accept them).
type sendOptions struct {
	QuotedMessageID string   `json:"quotedMessageId"`
	MentionedIDs    []string `json:"mentionedIds"`
}

// sendBase is what every send request has.
type sendBase struct {
	SessionID string       `json:"sessionId"`
	ChatID    string       `json:"chatId"`
	Options   *sendOptions `json:"options"`
}

// accepted answers a send: 202 with the new message's ID (the WhatsApp message ID), as the seed's clients expect.
func accepted(w http.ResponseWriter, m message.Message) {
	writeJSON(w, http.StatusAccepted, map[string]any{"messageId": m.ID, "timestamp": m.Timestamp.Unix(), "status": m.Status,
		"chatId": m.ChatID, "sessionId": m.SessionID, "phone": m.Chat.Phone})
}

// check adds the problems of the fields every send has to fe.
func (b sendBase) check(fe *apperr.Fields) {
	if strings.TrimSpace(b.ChatID) == "" {
		fe.Add("chatId", "is required")
	} else if _, _, err := message.ParseChatID(b.ChatID); err != nil && !fe.AddErr(err) {
		fe.Add("chatId", "%s", err.Error())
	}
	if b.Options == nil {
		return
	}
	for i, id := range b.Options.MentionedIDs {
		if addr, _, err := message.ParseChatID(id); err != nil || addr.Group != "" {
			fe.Add(fmt.Sprintf("options.mentionedIds[%d]", i), "must be a user's phone number or chat ID")
		}
	}
}

// send sends out to the base's chat; the handler has checked its own fields (and may have checked base's).
func (s *Server) send(w http.ResponseWriter, r *http.Request, base sendBase, out session.Outgoing) error {
	var fe apperr.Fields
	base.check(&fe)
	if err := fe.Err(); err != nil {
		return err
	}
	applyOptions(&out, base.Options)
	m, err := s.Messages.Send(r.Context(), principalOf(r).TenantID, message.Request{SessionID: base.SessionID, ChatID: base.ChatID, Out: out})
	if err != nil {
		return err
	}
	accepted(w, m)
	return nil
}

// applyOptions puts the (checked) options into out.
func applyOptions(out *session.Outgoing, o *sendOptions) {
	if o == nil {
		return
	}
	if o.QuotedMessageID != "" {
		out.ReplyTo = &session.Quoted{ID: o.QuotedMessageID}
	}
	for _, id := range o.MentionedIDs {
		addr, _, _ := message.ParseChatID(id)
		out.Mentions = append(out.Mentions, addr)
	}
}

// checked reports the request's own problems in fe together with the content's (message.CheckContent, the
// domain's rules), so one answer names every bad field.
func checked(fe *apperr.Fields, out session.Outgoing) error {
	message.CheckContent(out, fe)
	return fe.Err()
}

func (s *Server) handleSendText(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		sendBase
		Text string `json:"text"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	var fe apperr.Fields
	in.check(&fe)
	out := session.Outgoing{Text: in.Text}
	if err := checked(&fe, out); err != nil {
		return err
	}
	return s.send(w, r, in.sendBase, out)
}

// mediaRequest is send-media's fields: media is an https URL, an upload ID, a data: URL or plain base64 (the last
// two are streamed to a spool file as the body is read, see upload.go), or the file is the multipart part "file".
type mediaRequest struct {
	sendBase
	Media    string `json:"media"`
	Type     string `json:"type"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
	Mimetype string `json:"mimetype"`
}

// mediaFields reads send-media's fields from the parsed upload: a JSON body's (through decode) or a form's.
func mediaFields(r *http.Request, u *upload) (mediaRequest, error) {
	var in mediaRequest
	if u.form != nil {
		get := func(k string) string { return u.form[k] }
		in.SessionID, in.ChatID, in.Type, in.Caption = get("sessionId"), get("chatId"), get("type"), get("caption")
		in.Filename, in.Mimetype = get("filename"), get("mimetype")
		if q := get("quotedMessageId"); q != "" {
			in.Options = &sendOptions{QuotedMessageID: q}
		}
		return in, nil
	}
	fr := r.Clone(r.Context())
	fr.Body = io.NopCloser(bytes.NewReader(u.fields))
	return in, decode(fr, &in)
}

func (s *Server) handleSendMedia(w http.ResponseWriter, r *http.Request) error {
	u := uploadOf(r)
	in, err := mediaFields(r, u)
	if err != nil {
		return err
	}
	kind := session.MediaKind(in.Type)
	var fe apperr.Fields
	if message.CheckContent(session.Outgoing{Media: &session.Media{Kind: kind}}, &fe); len(fe) > 0 {
		return fe.Err()
	}
	if strings.TrimSpace(in.ChatID) == "" {
		return fieldErr("chatId", "is required")
	}
	if in.Media != "" { // a field name in another case ("Media") reached decode
		if u.file != nil || u.media != "" {
			return fieldErr("media", "is given twice")
		}
		if err := u.readMediaString(strings.NewReader(in.Media)); err != nil {
			return err
		}
	}
	md := &session.Media{Kind: kind, FileName: in.Filename, Caption: in.Caption}
	switch {
	case u.file != nil:
	case u.media == "":
		if u.form != nil {
			return fieldErr("file", "is required: the file as the part \"file\", or media with a URL or an upload ID")
		}
		return fieldErr("media", "is required: an https URL, an upload ID (med_…), a data: URL or base64")
	case media.IsUploadID(u.media):
		if s.Media == nil {
			return &apperr.Error{Code: apperr.ServiceUnavailable, Message: "media storage is not configured on this server"}
		}
		rc, info, err := media.OpenUpload(r.Context(), s.Media, principalOf(r).TenantID, u.media, s.Now())
		if err != nil {
			if ae, ok := errors.AsType[*apperr.Error](err); ok && (ae.Code == apperr.NotFound || ae.Code == apperr.Validation) {
				return &apperr.Error{Code: ae.Code, Message: "media: " + ae.Message, Details: map[string]any{
					"fields": []apperr.FieldError{{Field: "media", Message: ae.Message}}}}
			}
			return err
		}
		defer rc.Close()
		md.Mime, md.Body, md.Size = info.Mime, rc, info.Size
	default: // a URL
		if s.FetchMedia == nil {
			return fieldErr("media", "URLs are not enabled on this server; send base64, an upload ID or a multipart upload")
		}
		if !u.slot { // a download of up to MaxUploadBytes counts as a large upload
			if err := s.slots.acquire(r.Context(), s.cfg.UploadWait); err != nil {
				return err
			}
			defer s.slots.release()
			u.slot = true
		}
		sp, err := u.newSpool()
		if err != nil {
			return err
		}
		_, mt, err := s.FetchMedia(r.Context(), u.media, s.cfg.MaxUploadBytes, sp)
		if ae, ok := errors.AsType[*apperr.Error](err); ok && ae.Code == apperr.Validation {
			return fieldErr("media", fieldMessage(ae)) // the guard names the URL; the request field is media
		}
		if err != nil {
			return err
		}
		u.file, u.fileField, u.declared = sp, "media", mt
	}
	if u.file != nil {
		if u.file.size == 0 {
			return fieldErr(u.fileField, "is empty")
		}
		declared := in.Mimetype
		if declared == "" {
			declared = u.declared
		}
		if in.Filename == "" {
			md.FileName = u.filename
		}
		mt, _, err := media.Sniff(u.file.head(), declared)
		if err != nil {
			return err
		}
		md.Mime, md.Body, md.Size = mt, u.file.reader(), u.file.size
	}
	if err := media.Check(kind, md.Mime, md.Size); err != nil {
		return err
	}
	if kind == session.Document && md.FileName == "" {
		md.FileName = "document" + extFor(md.Mime)
	}
	return s.send(w, r, in.sendBase, session.Outgoing{Media: md})
}

// fieldMessage is the message of a one-field validation error without its field name, else the whole message.
func fieldMessage(ae *apperr.Error) string {
	if d, ok := ae.Details.(map[string]any); ok {
		if f, ok := d["fields"].([]apperr.FieldError); ok && len(f) == 1 {
			return f[0].Message
		}
	}
	return ae.Message
}

func extFor(mt string) string {
	if exts, _ := mime.ExtensionsByType(mt); len(exts) > 0 {
		return exts[0]
	}
	return ""
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' {
			return -1
		}
		return r
	}, s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

func (s *Server) handleSendPoll(w http.ResponseWriter, r *http.Request) error {
	if err := s.Messages.Allowed(r.Context(), principalOf(r).TenantID, "poll"); err != nil {
		return err // a locked tenant hears it before any field error
	}
	var in struct {
		sendBase
		Question        string   `json:"question"`
		Name            string   `json:"name"`
		Options         []string `json:"options"`
		SelectableCount int      `json:"selectableCount"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	q := in.Question
	if q == "" {
		q = in.Name
	}
	var fe apperr.Fields
	in.check(&fe)
	out := session.Outgoing{Poll: &session.Poll{Question: q, Options: in.Options, Selectable: in.SelectableCount}}
	if err := checked(&fe, out); err != nil {
		return err
	}
	return s.send(w, r, in.sendBase, out)
}

func (s *Server) handleSendLocation(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		sendBase
		Latitude  *float64 `json:"latitude"`
		Longitude *float64 `json:"longitude"`
		Name      string   `json:"name"`
		Address   string   `json:"address"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	var fe apperr.Fields
	in.check(&fe)
	lat, long := math.NaN(), math.NaN() // NaN: not given
	if in.Latitude != nil {
		lat = *in.Latitude
	}
	if in.Longitude != nil {
		long = *in.Longitude
	}
	out := session.Outgoing{Location: &session.Location{Latitude: lat, Longitude: long, Name: in.Name, Address: in.Address}}
	if err := checked(&fe, out); err != nil {
		return err
	}
	return s.send(w, r, in.sendBase, out)
}

func (s *Server) handleSendContact(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		sendBase
		Contact *session.ContactCard `json:"contact"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	var fe apperr.Fields
	in.check(&fe)
	var card session.ContactCard
	if in.Contact != nil {
		card = *in.Contact
	}
	out := session.Outgoing{Contact: &card} // the send service keeps the phone's digits
	if err := checked(&fe, out); err != nil {
		return err
	}
	return s.send(w, r, in.sendBase, out)
}

func (s *Server) handleSendReaction(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		sendBase
		MessageID string `json:"messageId"`
		Reaction  string `json:"reaction"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	var fe apperr.Fields
	in.check(&fe)
	out := session.Outgoing{Reaction: &session.Reaction{MessageID: in.MessageID, Emoji: in.Reaction}}
	if err := checked(&fe, out); err != nil {
		return err
	}
	return s.send(w, r, in.sendBase, out)
}

func (s *Server) handleSendButtons(w http.ResponseWriter, r *http.Request) error {
	if err := s.Messages.Allowed(r.Context(), principalOf(r).TenantID, "buttons"); err != nil {
		return err // a locked tenant hears it before any field error
	}
	var in struct {
		sendBase
		Text    string           `json:"text"`
		Footer  string           `json:"footer"`
		Buttons []session.Button `json:"buttons"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	var fe apperr.Fields
	in.check(&fe)
	out := session.Outgoing{Buttons: &session.Buttons{Text: in.Text, Footer: in.Footer, Buttons: in.Buttons}} // IDs: the send service's
	if err := checked(&fe, out); err != nil {
		return err
	}
	return s.send(w, r, in.sendBase, out)
}

func (s *Server) handleSendList(w http.ResponseWriter, r *http.Request) error {
	if err := s.Messages.Allowed(r.Context(), principalOf(r).TenantID, "list"); err != nil {
		return err // a locked tenant hears it before any field error
	}
	var in struct {
		sendBase
		Text       string                `json:"text"`
		Footer     string                `json:"footer"`
		ButtonText string                `json:"buttonText"`
		Sections   []session.ListSection `json:"sections"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	var fe apperr.Fields
	in.check(&fe)
	out := session.Outgoing{List: &session.List{Text: in.Text, Footer: in.Footer, ButtonText: in.ButtonText, Sections: in.Sections}}
	if err := checked(&fe, out); err != nil { // row IDs: the send service's
		return err
	}
	return s.send(w, r, in.sendBase, out)
}

func (s *Server) handleMarkMessagesRead(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		SessionID  string   `json:"sessionId"`
		ChatID     string   `json:"chatId"`
		MessageIDs []string `json:"messageIds"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	n, err := s.Messages.MarkRead(r.Context(), principalOf(r).TenantID, in.SessionID, in.ChatID, in.MessageIDs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"success": true, "messageIds": n})
	return nil
}

// messageView is a stored message with its media URL filled in.
func messageView(m message.Message) message.Message {
	if m.Media != nil && m.Media.Key != "" {
		mi := *m.Media
		mi.URL = message.MediaURL(m.ID)
		m.Media = &mi
	}
	return m
}

func (s *Server) handleListMessages(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := message.Filter{SessionID: q.Get("sessionId"), Direction: q.Get("direction"), Status: message.Status(q.Get("status")),
		Type: q.Get("type"), Cursor: q.Get("cursor")}
	// Every invalid parameter is reported at once.
	var fe apperr.Fields
	if c := q.Get("chatId"); c != "" {
		_, canon, err := message.ParseChatID(c)
		if err != nil && !fe.AddErr(err) {
			return err
		}
		f.ChatID = canon
	}
	if f.Direction != "" && f.Direction != message.Inbound && f.Direction != message.Outbound {
		fe.Add("direction", "must be in or out")
	}
	if f.Status != "" && !slices.Contains(message.Statuses, f.Status) {
		fe.Add("status", "must be one of pending, sent, delivered, read, played, failed, received")
	}
	if f.Type != "" && !slices.Contains(message.Types, f.Type) {
		fe.Add("type", "must be one of %s", strings.Join(message.Types, ", "))
	}
	var err error
	if f.From, err = queryTime(r, "from"); err != nil && !fe.AddErr(err) {
		return err
	}
	if f.To, err = queryTime(r, "to"); err != nil && !fe.AddErr(err) {
		return err
	}
	if f.Limit, err = queryLimit(r, 50, 200); err != nil && !fe.AddErr(err) {
		return err
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if f.SessionID == "default" {
		sess, err := s.Sessions.Get(r.Context(), principalOf(r).TenantID, "")
		if err != nil {
			return err
		}
		f.SessionID = sess.ID
	}
	page, err := s.Messages.Messages.List(r.Context(), principalOf(r).TenantID, f)
	if err != nil {
		return err
	}
	for i := range page.Messages {
		page.Messages[i] = messageView(page.Messages[i])
	}
	if page.Messages == nil {
		page.Messages = []message.Message{}
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) handleGetMessage(w http.ResponseWriter, r *http.Request) error {
	m, err := s.Messages.Messages.GetMessage(r.Context(), principalOf(r).TenantID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"message": messageView(m)})
	return nil
}

func (s *Server) handleMessageMedia(w http.ResponseWriter, r *http.Request) error {
	tenantID := principalOf(r).TenantID
	m, err := s.Messages.Messages.GetMessage(r.Context(), tenantID, r.PathValue("id"))
	if err != nil {
		return err
	}
	if m.Media == nil || m.Media.Key == "" {
		return apperr.New(apperr.NotFound, "message %s has no stored media file", m.ID)
	}
	if s.Media == nil {
		return apperr.New(apperr.NotFound, "media files are not served here")
	}
	if url, err := s.Media.PresignGet(r.Context(), tenantID, m.Media.Key, 15*time.Minute); err == nil {
		http.Redirect(w, r, url, http.StatusFound)
		return nil
	}
	rc, info, err := s.Media.Open(r.Context(), tenantID, m.Media.Key)
	if err != nil {
		return err
	}
	defer rc.Close()
	mt := m.Media.Mime
	if mt == "" {
		mt = info.Mime
	}
	w.Header().Set("Content-Type", mt)
	w.Header().Set("Content-Length", fmt.Sprint(info.Size))
	w.Header().Set("Cache-Control", "private, max-age=3600")
	if m.Media.FileName != "" {
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": m.Media.FileName}))
	}
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, rc)
	return nil
}

func (s *Server) handleCheckContacts(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		SessionID string   `json:"sessionId"`
		Phone     string   `json:"phone"`
		Phones    []string `json:"phones"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Phone != "" {
		in.Phones = append(in.Phones, in.Phone)
	}
	if len(in.Phones) == 0 || len(in.Phones) > 50 {
		return fieldErr("phones", "must list 1 to 50 phone numbers")
	}
	var fe apperr.Fields
	norm := make([]string, len(in.Phones))
	for i, p := range in.Phones {
		addr, _, err := message.ParseChatID(p)
		if err != nil || addr.Phone == "" {
			fe.Add(fmt.Sprintf("phones[%d]", i), "must be an international phone number")
		}
		norm[i] = "+" + addr.Phone
	}
	if err := fe.Err(); err != nil {
		return err
	}
	res, err := s.Sessions.Lookup(r.Context(), principalOf(r).TenantID, in.SessionID, norm)
	if err != nil {
		return err
	}
	type result struct {
		Phone  string `json:"phone"`
		Exists bool   `json:"exists"`
		ChatID string `json:"chatId,omitempty"`
		LID    string `json:"lid,omitempty"`
		Name   string `json:"verifiedName,omitempty"`
	}
	out := make([]result, 0, len(res))
	for i, x := range res {
		rr := result{Phone: strings.TrimPrefix(x.Query, "+"), Exists: x.OnWA, LID: x.User.LID, Name: x.VerifiedName}
		if rr.Phone == "" && i < len(norm) {
			rr.Phone = strings.TrimPrefix(norm[i], "+")
		}
		if x.OnWA {
			rr.ChatID = message.FormatChatID(x.User)
		}
		out = append(out, rr)
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out})
	return nil
}
