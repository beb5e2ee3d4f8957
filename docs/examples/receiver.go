//go:build ignore

// A WaQtor webhook receiver in Go, standard library only. It checks the Standard Webhooks signature
// (webhook-signature over "webhook-id.webhook-timestamp.body"), refuses timestamps more than 5 minutes off and
// ignores a webhook-id it has already handled.
//
// Run: WEBHOOK_SECRET=whsec_... PORT=3000 go run receiver.go
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

const tolerance = 5 * time.Minute

// signingKey: whsec_ secrets carry a base64 key; a secret you chose without the prefix is used as it is.
func signingKey(secret string) []byte {
	if rest, ok := strings.CutPrefix(secret, "whsec_"); ok {
		if key, err := base64.StdEncoding.DecodeString(rest); err == nil {
			return key
		}
	}
	return []byte(secret)
}

func verify(key []byte, h http.Header, body []byte, now time.Time) bool {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	unix, err := strconv.ParseInt(ts, 10, 64)
	if id == "" || err != nil || sigs == "" {
		return false
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := []byte(base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	// One "v1,<signature>" per active secret: during a secret rotation both the old and the new one sign.
	for _, entry := range strings.Fields(sigs) {
		if version, sig, _ := strings.Cut(entry, ","); version == "v1" && hmac.Equal([]byte(sig), want) {
			return true
		}
	}
	return false
}

func main() {
	key := signingKey(os.Getenv("WEBHOOK_SECRET"))
	if len(key) == 0 {
		log.Fatal("set WEBHOOK_SECRET")
	}
	var mu sync.Mutex
	seen := map[string]bool{} // use your database in production

	http.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil || !verify(key, r.Header, body, time.Now()) {
			http.Error(w, `{"error":"invalid signature"}`, http.StatusUnauthorized)
			return
		}
		id := r.Header.Get("webhook-id")
		mu.Lock()
		dup := seen[id]
		seen[id] = true
		mu.Unlock()
		var payload struct {
			Event string          `json:"event"`
			Data  json.RawMessage `json:"data"`
		}
		if !dup {
			if err := json.Unmarshal(body, &payload); err != nil {
				http.Error(w, `{"error":"bad JSON"}`, http.StatusBadRequest)
				return
			}
			fmt.Printf("%s #%s (%s)\n", payload.Event, r.Header.Get("X-Waqtor-Sequence"), id)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"received":true,"duplicate":%t}`, dup)
	})

	addr := net.JoinHostPort(os.Getenv("HOST"), orDefault(os.Getenv("PORT"), "3000"))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on %s\n", ln.Addr())
	log.Fatal(http.Serve(ln, nil))
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
