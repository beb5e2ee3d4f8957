package wasim

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"

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
	if err := p.srv.putMedia(token, blob); err != nil {
		return whatsmeow.UploadResponse{}, fmt.Errorf("store media: %w", err)
	}
	path := "/v/t62/" + token + "?ccb=wasim"
	return whatsmeow.UploadResponse{
		URL: "https://" + mediaHost + path, DirectPath: path, MediaKey: mediaKey,
		FileEncSHA256: encHash[:], FileSHA256: plainHash[:], FileLength: uint64(len(data)),
	}, nil
}

// Download fetches a media blob a client uploaded to the server and decrypts it as the phone's app would, checking
// the hashes and the MAC: what a contact sees of a media message the client sent. mediaType is the encryption
// domain of the message kind (whatsmeow.MediaImage for images and stickers, and so on).
func (p *Phone) Download(m whatsmeow.DownloadableMessage, mediaType whatsmeow.MediaType) ([]byte, error) {
	path := m.GetDirectPath()
	token, _, _ := strings.Cut(strings.TrimPrefix(path, "/v/t62/"), "?")
	blob, ok, err := p.srv.mediaBlob(token)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNoMedia, path)
	}
	if encHash := sha256.Sum256(blob); !hmac.Equal(encHash[:], m.GetFileEncSHA256()) {
		return nil, fmt.Errorf("%w: encrypted hash mismatch", ErrBadMedia)
	}
	if len(blob) < 10 {
		return nil, fmt.Errorf("%w: %d bytes", ErrBadMedia, len(blob))
	}
	expanded := hkdfutil.SHA256(m.GetMediaKey(), nil, []byte(mediaType), 112)
	iv, cipherKey, macKey := expanded[:16], expanded[16:48], expanded[48:80]
	ciphertext, tag := blob[:len(blob)-10], blob[len(blob)-10:]
	mac := hmac.New(sha256.New, macKey)
	mac.Write(iv)
	mac.Write(ciphertext)
	if !hmac.Equal(mac.Sum(nil)[:10], tag) {
		return nil, fmt.Errorf("%w: bad MAC", ErrBadMedia)
	}
	plain, err := cbcutil.Decrypt(cipherKey, iv, ciphertext)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadMedia, err)
	}
	if plainHash := sha256.Sum256(plain); !hmac.Equal(plainHash[:], m.GetFileSHA256()) {
		return nil, fmt.Errorf("%w: plaintext hash mismatch", ErrBadMedia)
	}
	return plain, nil
}
