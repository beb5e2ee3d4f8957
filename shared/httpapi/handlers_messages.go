package httpapi

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
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

// MaxTextLen is WhatsApp's limit on a text message.
const MaxTextLen = 65536

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
	if strings.TrimSpace(in.Text) == "" {
		fe.Add("text", "is required")
	} else if len(in.Text) > MaxTextLen {
		fe.Add("text", "is longer than %d bytes", MaxTextLen)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return s.send(w, r, in.sendBase, session.Outgoing{Text: in.Text})
}

// mediaRequest is send-media as JSON: media is an https URL, a data: URL, or plain base64.
type mediaRequest struct {
	sendBase
	Media    string `json:"media"`
	Type     string `json:"type"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
	Mimetype string `json:"mimetype"`
}

func (s *Server) handleSendMedia(w http.ResponseWriter, r *http.Request) error {
	in, data, err := s.readMediaRequest(r)
	if err != nil {
		return err
	}
	kind := session.MediaKind(in.Type)
	switch kind {
	case session.Image, session.Video, session.Audio, session.Voice, session.Document, session.Sticker:
	case "":
		return fieldErr("type", "is required: image, video, audio, voice, document or sticker")
	default:
		return fieldErr("type", fmt.Sprintf("must be image, video, audio, voice, document or sticker, not %q", in.Type))
	}
	mt, _, err := media.Sniff(data, in.Mimetype)
	if err != nil {
		return err
	}
	if err := media.Check(kind, mt, int64(len(data))); err != nil {
		return err
	}
	if kind == session.Document && in.Filename == "" {
		in.Filename = "document" + extFor(mt)
	}
	return s.send(w, r, in.sendBase, session.Outgoing{Media: &session.Media{Kind: kind, Mime: mt, FileName: in.Filename,
		Caption: in.Caption, Data: data}})
}

func extFor(mt string) string {
	if exts, _ := mime.ExtensionsByType(mt); len(exts) > 0 {
		return exts[0]
	}
	return ""
}

// readMediaRequest reads send-media from JSON or from a multipart form with the file in "file".
func (s *Server) readMediaRequest(r *http.Request) (mediaRequest, []byte, error) {
	var in mediaRequest
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return in, nil, apperr.New(apperr.BadRequest, "malformed multipart form: %v", err)
		}
		f := r.MultipartForm
		get := func(k string) string {
			if v := f.Value[k]; len(v) > 0 {
				return v[0]
			}
			return ""
		}
		in.SessionID, in.ChatID, in.Type, in.Caption = get("sessionId"), get("chatId"), get("type"), get("caption")
		in.Filename, in.Mimetype = get("filename"), get("mimetype")
		if q := get("quotedMessageId"); q != "" {
			in.Options = &sendOptions{QuotedMessageID: q}
		}
		files := f.File["file"]
		if len(files) != 1 {
			return in, nil, fieldErr("file", "exactly one file is required")
		}
		fh := files[0]
		if in.Filename == "" {
			in.Filename = fh.Filename
		}
		if in.Mimetype == "" {
			in.Mimetype = fh.Header.Get("Content-Type")
		}
		file, err := fh.Open()
		if err != nil {
			return in, nil, apperr.New(apperr.BadRequest, "read the uploaded file: %v", err)
		}
		defer file.Close()
		data, err := io.ReadAll(file)
		if err != nil {
			return in, nil, apperr.New(apperr.BadRequest, "read the uploaded file: %v", err)
		}
		return in, data, nil
	}
	if err := decode(r, &in); err != nil {
		return in, nil, err
	}
	data, declared, err := s.mediaBytes(r.Context(), in.Media)
	if err != nil {
		return in, nil, err
	}
	if in.Mimetype == "" {
		in.Mimetype = declared
	}
	return in, data, nil
}

// mediaBytes resolves the media field: an http(s) URL is fetched through the SSRF guard, a data: URL or plain
// base64 is decoded.
func (s *Server) mediaBytes(ctx context.Context, v string) ([]byte, string, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return nil, "", fieldErr("media", "is required: an https URL, a data: URL or base64")
	case strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://"):
		if s.FetchMedia == nil {
			return nil, "", fieldErr("media", "URLs are not enabled on this server; send base64 or a multipart upload")
		}
		data, mt, err := s.FetchMedia(ctx, v, s.cfg.MaxUploadBytes)
		if ae, ok := errors.AsType[*apperr.Error](err); ok && ae.Code == apperr.Validation {
			return nil, "", fieldErr("media", ae.Message) // the guard names the URL; the request field is media
		}
		return data, mt, err
	case strings.HasPrefix(v, "data:"):
		meta, payload, ok := strings.Cut(strings.TrimPrefix(v, "data:"), ",")
		if !ok || !strings.HasSuffix(meta, ";base64") {
			return nil, "", fieldErr("media", "a data: URL must be base64 (data:<mime>;base64,<data>)")
		}
		data, err := decodeBase64(payload)
		if err != nil {
			return nil, "", fieldErr("media", "the data: URL's base64 is invalid")
		}
		return data, strings.TrimSuffix(meta, ";base64"), nil
	}
	data, err := decodeBase64(v)
	if err != nil {
		return nil, "", fieldErr("media", "must be an https URL, a data: URL or valid base64")
	}
	return data, "", nil
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
	if strings.TrimSpace(q) == "" {
		fe.Add("question", "is required")
	}
	if len(in.Options) < 2 || len(in.Options) > 12 {
		fe.Add("options", "must have 2 to 12 options")
	}
	if in.SelectableCount < 0 || in.SelectableCount > len(in.Options) {
		fe.Add("selectableCount", "must be between 0 (one) and the number of options")
	}
	seen := map[string]bool{}
	for i, o := range in.Options {
		if strings.TrimSpace(o) == "" || seen[o] {
			fe.Add(fmt.Sprintf("options[%d]", i), "must be a non-empty, distinct option")
		}
		seen[o] = true
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return s.send(w, r, in.sendBase, session.Outgoing{Poll: &session.Poll{Question: q, Options: in.Options, Selectable: in.SelectableCount}})
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
	if in.Latitude == nil || *in.Latitude < -90 || *in.Latitude > 90 {
		fe.Add("latitude", "is required, between -90 and 90")
	}
	if in.Longitude == nil || *in.Longitude < -180 || *in.Longitude > 180 {
		fe.Add("longitude", "is required, between -180 and 180")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return s.send(w, r, in.sendBase, session.Outgoing{Location: &session.Location{Latitude: *in.Latitude, Longitude: *in.Longitude,
		Name: in.Name, Address: in.Address}})
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
	if strings.TrimSpace(card.Name) == "" {
		fe.Add("contact.name", "is required")
	}
	addr, _, err := message.ParseChatID(card.Phone)
	if err != nil || addr.Phone == "" {
		fe.Add("contact.phone", "must be an international phone number")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return s.send(w, r, in.sendBase, session.Outgoing{Contact: &session.ContactCard{Name: in.Contact.Name, Phone: addr.Phone}})
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
	if in.MessageID == "" {
		fe.Add("messageId", "is required")
	}
	if len([]rune(in.Reaction)) > 10 {
		fe.Add("reaction", "must be one emoji (or empty to remove the reaction)")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return s.send(w, r, in.sendBase, session.Outgoing{Reaction: &session.Reaction{MessageID: in.MessageID, Emoji: in.Reaction}})
}

func (s *Server) handleSendButtons(w http.ResponseWriter, r *http.Request) error {
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
	if strings.TrimSpace(in.Text) == "" {
		fe.Add("text", "is required")
	}
	if len(in.Buttons) < 1 || len(in.Buttons) > 3 {
		fe.Add("buttons", "must have 1 to 3 buttons")
	}
	for i, b := range in.Buttons {
		if strings.TrimSpace(b.Text) == "" {
			fe.Add(fmt.Sprintf("buttons[%d].text", i), "is required")
		}
		if b.ID == "" {
			in.Buttons[i].ID = fmt.Sprintf("btn-%d", i+1)
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return s.send(w, r, in.sendBase, session.Outgoing{Buttons: &session.Buttons{Text: in.Text, Footer: in.Footer, Buttons: in.Buttons}})
}

func (s *Server) handleSendList(w http.ResponseWriter, r *http.Request) error {
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
	if strings.TrimSpace(in.Text) == "" {
		fe.Add("text", "is required")
	}
	if strings.TrimSpace(in.ButtonText) == "" {
		fe.Add("buttonText", "is required")
	}
	if len(in.Sections) < 1 || len(in.Sections) > 10 {
		fe.Add("sections", "must have 1 to 10 sections")
	}
	rows := 0
	for i, sec := range in.Sections {
		if len(sec.Rows) == 0 {
			fe.Add(fmt.Sprintf("sections[%d].rows", i), "must have at least one row")
		}
		for j, row := range sec.Rows {
			if strings.TrimSpace(row.Title) == "" {
				fe.Add(fmt.Sprintf("sections[%d].rows[%d].title", i, j), "is required")
			}
			if row.ID == "" {
				in.Sections[i].Rows[j].ID = fmt.Sprintf("row-%d-%d", i+1, j+1)
			}
			rows++
		}
	}
	if rows > 10 {
		fe.Add("sections", "may hold at most 10 rows in all")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return s.send(w, r, in.sendBase, session.Outgoing{List: &session.List{Text: in.Text, Footer: in.Footer, ButtonText: in.ButtonText,
		Sections: in.Sections}})
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
	if len(in.MessageIDs) == 0 || len(in.MessageIDs) > 100 {
		return fieldErr("messageIds", "must list 1 to 100 message IDs")
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
