package httpapi

import (
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/branding"
)

// brandingResponse is a branding with, when there is a logo, the URL to fetch it: the logo's digest in the query
// makes a new logo a new URL.
type brandingResponse struct {
	branding.Branding
	Logo *logoResponse `json:"logo"`
}

type logoResponse struct {
	branding.LogoInfo
	URL string `json:"url"`
}

func writeBranding(w http.ResponseWriter, b branding.Branding) {
	resp := brandingResponse{Branding: b}
	if b.Logo != nil {
		resp.Logo = &logoResponse{LogoInfo: *b.Logo, URL: "/api/tenant/branding/logo?v=" + b.Logo.SHA256[:16]}
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) handleGetBranding(w http.ResponseWriter, r *http.Request) error {
	b, err := s.Branding.Get(r.Context(), principalOf(r))
	if err != nil {
		return err
	}
	writeBranding(w, b)
	return nil
}

func (s *Server) handlePutBranding(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		AppName      *string `json:"appName"`
		LogoText     *string `json:"logoText"`
		ShowLogoText *bool   `json:"showLogoText"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	var f apperr.Fields
	if in.AppName == nil {
		f.Add("appName", "is required")
	}
	if in.ShowLogoText == nil {
		f.Add("showLogoText", "is required")
	}
	set := branding.Settings{}
	if in.AppName != nil {
		set.AppName = *in.AppName
	}
	if in.LogoText != nil {
		set.LogoText = *in.LogoText
	}
	if in.ShowLogoText != nil {
		set.ShowLogoText = *in.ShowLogoText
	}
	// One answer names every bad field: the missing ones and those the rules refuse.
	if _, err := branding.ValidateSettings(set); err != nil && !f.AddErr(err) {
		return err
	}
	if err := f.Err(); err != nil {
		return err
	}
	b, err := s.Branding.Update(r.Context(), principalOf(r), set)
	if err != nil {
		return err
	}
	writeBranding(w, b)
	return nil
}

// handlePutLogo takes the image as the raw body (Content-Type image/…) or as the part "file" of a multipart form.
// Its type is detected from the bytes, whatever the request declares.
func (s *Server) handlePutLogo(w http.ResponseWriter, r *http.Request) error {
	data, err := logoBody(r)
	if err != nil {
		return err
	}
	b, err := s.Branding.SetLogo(r.Context(), principalOf(r), data)
	if err != nil {
		return err
	}
	writeBranding(w, b)
	return nil
}

func logoBody(r *http.Request) ([]byte, error) {
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case mt == "multipart/form-data":
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return nil, fieldErr("file", "is required: the multipart part \"file\"")
			}
			if err != nil {
				return nil, apperr.New(apperr.BadRequest, "malformed multipart body: %v", err)
			}
			if part.FormName() != "file" {
				continue
			}
			data, err := io.ReadAll(part)
			if err != nil {
				return nil, apperr.New(apperr.BadRequest, "malformed multipart body: %v", err)
			}
			return data, nil
		}
	case strings.HasPrefix(mt, "image/") || mt == "application/octet-stream":
		return io.ReadAll(r.Body)
	}
	return nil, apperr.New(apperr.UnsupportedMedia,
		"send the logo as the raw body with an image Content-Type, or as the part \"file\" of multipart/form-data; got %q",
		r.Header.Get("Content-Type"))
}

// handleGetLogo serves the logo as an image that cannot run anything: its sniffed type, nosniff, and a CSP that
// allows nothing, so even a file that fooled the sniffer is never a page.
func (s *Server) handleGetLogo(w http.ResponseWriter, r *http.Request) error {
	l, err := s.Branding.Logo(r.Context(), principalOf(r))
	if err != nil {
		return err
	}
	etag := `"` + l.SHA256 + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, max-age=86400")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.Set("Content-Type", l.Mime)
	h.Set("Content-Length", fmt.Sprint(len(l.Data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(l.Data)
	return nil
}

func (s *Server) handleDeleteLogo(w http.ResponseWriter, r *http.Request) error {
	b, err := s.Branding.DeleteLogo(r.Context(), principalOf(r))
	if err != nil {
		return err
	}
	writeBranding(w, b)
	return nil
}
