package wasim

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	waBinary "go.mau.fi/whatsmeow/binary"
)

// The media host the server advertises. Clients reach it through the same redirecting transport as the socket
// (Server.Configure sets the media HTTP client), so the name is never resolved.
const (
	mediaHost = "mmg.whatsapp.net"
	mediaAuth = "wasim-media-auth"
)

// mediaConn answers the w:m media_conn IQ with one host and an auth token for uploads.
func mediaConn() waBinary.Node {
	return waBinary.Node{Tag: "media_conn", Attrs: waBinary.Attrs{
		"auth": mediaAuth, "ttl": 3600, "auth_ttl": 3600, "max_buckets": 12,
	}, Content: []waBinary.Node{{Tag: "host", Attrs: waBinary.Attrs{"hostname": mediaHost}}}}
}

// uploadMedia stores an encrypted blob under its token (the base64url SHA-256 the client computed) and answers
// with the URL and direct path a download will use. The server does not decrypt or check the blob, as WhatsApp's
// media servers cannot.
func (s *Server) uploadMedia(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("auth") != mediaAuth {
		http.Error(w, "bad auth", http.StatusUnauthorized)
		return
	}
	token := r.PathValue("token")
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := s.putMedia(token, body); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	path := "/v/t62/" + token + "?ccb=wasim"
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"url": "https://" + mediaHost + path, "direct_path": path})
}

// putMedia keeps an uploaded blob: on disk with Options.Dir, in memory otherwise.
func (s *Server) putMedia(token string, body []byte) error {
	if s.disk != nil {
		return s.disk.update(func(tx *sql.Tx) error {
			return exec(tx, "INSERT OR REPLACE INTO media (token, body) VALUES (?, ?)", token, body)
		})
	}
	s.mu.Lock()
	s.media[token] = body
	s.mu.Unlock()
	return nil
}

// downloadMedia serves a stored blob by the direct path uploadMedia returned.
func (s *Server) downloadMedia(w http.ResponseWriter, r *http.Request) {
	body, ok, err := s.mediaBlob(r.PathValue("token"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(body)
}

// mediaBlob finds an uploaded blob: on disk with Options.Dir, where blobs live only there, in memory otherwise.
func (s *Server) mediaBlob(token string) ([]byte, bool, error) {
	if s.disk == nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		body, ok := s.media[token]
		return body, ok, nil
	}
	var body []byte
	err := s.disk.db.QueryRow("SELECT body FROM media WHERE token = ?", token).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read media %s: %w", token, err)
	}
	return body, true, nil
}
