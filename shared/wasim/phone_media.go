package wasim

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/util/cbcutil"
	"go.mau.fi/whatsmeow/util/hkdfutil"
)

// Upload encrypts data the way WhatsApp clients encrypt media of mediaType (a random media key expanded with
// HKDF, AES-CBC, a truncated HMAC) and stores the blob on the server's media host, as the phone's app would before
// sending a media message. The result fills the message's URL, DirectPath, MediaKey, hashes and length; a client
// downloads and decrypts it with whatsmeow's Download.
func (p *Phone) Upload(data []byte, mediaType whatsmeow.MediaType) (whatsmeow.UploadResponse, error) {
	mediaKey := make([]byte, 32)
	_, _ = rand.Read(mediaKey)
	expanded := hkdfutil.SHA256(mediaKey, nil, []byte(mediaType), 112)
	iv, cipherKey, macKey := expanded[:16], expanded[16:48], expanded[48:80]
	ciphertext, err := cbcutil.Encrypt(cipherKey, iv, data)
	if err != nil {
		return whatsmeow.UploadResponse{}, fmt.Errorf("encrypt media: %w", err)
	}
	mac := hmac.New(sha256.New, macKey)
	mac.Write(iv)
	mac.Write(ciphertext)
	blob := append(ciphertext, mac.Sum(nil)[:10]...)
	encHash, plainHash := sha256.Sum256(blob), sha256.Sum256(data)
	token := base64.RawURLEncoding.EncodeToString(encHash[:])
	p.srv.mu.Lock()
	p.srv.media[token] = blob
	p.srv.mu.Unlock()
	path := "/v/t62/" + token + "?ccb=wasim"
	return whatsmeow.UploadResponse{
		URL: "https://" + mediaHost + path, DirectPath: path, MediaKey: mediaKey,
		FileEncSHA256: encHash[:], FileSHA256: plainHash[:], FileLength: uint64(len(data)),
	}, nil
}
