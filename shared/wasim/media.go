package wasim

import (
	"encoding/json"
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
	s.mu.Lock()
	s.media[token] = body
	s.mu.Unlock()
	path := "/v/t62/" + token + "?ccb=wasim"
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"url": "https://" + mediaHost + path, "direct_path": path})
}

// downloadMedia serves a stored blob by the direct path uploadMedia returned.
func (s *Server) downloadMedia(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	body, ok := s.media[r.PathValue("token")]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(body)
}
