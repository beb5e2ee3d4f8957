package whatsapp

import (
	"context"
	"encoding/json"
	"fmt"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"

	"github.com/waqtor/waqtor/shared/session"
)

// locator is what Download needs of an incoming media message, stored as MediaRef.Locator (JSON, so a MediaRef can
// be persisted and downloaded later, by another process too).
type locator struct {
	Kind          session.MediaKind `json:"kind"`
	DirectPath    string            `json:"directPath"`
	MediaKey      []byte            `json:"mediaKey"`
	FileEncSHA256 []byte            `json:"fileEncSha256"`
	FileSHA256    []byte            `json:"fileSha256"`
	FileLength    uint64            `json:"fileLength"`
}

// downloadable is what every media message proto offers.
type downloadable interface {
	whatsmeow.DownloadableMessage
	GetFileLength() uint64
}

func mediaRef(kind session.MediaKind, mime, fileName, caption string, m downloadable) *session.MediaRef {
	loc, _ := json.Marshal(locator{Kind: kind, DirectPath: m.GetDirectPath(), MediaKey: m.GetMediaKey(),
		FileEncSHA256: m.GetFileEncSHA256(), FileSHA256: m.GetFileSHA256(), FileLength: m.GetFileLength()})
	return &session.MediaRef{Kind: kind, Mime: mime, FileName: fileName, Caption: caption,
		Size: int64(m.GetFileLength()), Locator: loc}
}

// Download fetches and decrypts an incoming media file; see session.Client.
func (c *Client) Download(ctx context.Context, ref session.MediaRef) ([]byte, error) {
	var loc locator
	if err := json.Unmarshal(ref.Locator, &loc); err != nil || loc.DirectPath == "" || len(loc.MediaKey) == 0 {
		return nil, fmt.Errorf("download: %w", ErrBadMediaRef)
	}
	path, length := proto.String(loc.DirectPath), proto.Uint64(loc.FileLength)
	var msg whatsmeow.DownloadableMessage
	switch loc.Kind {
	case session.Image:
		msg = &waE2E.ImageMessage{DirectPath: path, MediaKey: loc.MediaKey, FileEncSHA256: loc.FileEncSHA256,
			FileSHA256: loc.FileSHA256, FileLength: length}
	case session.Video:
		msg = &waE2E.VideoMessage{DirectPath: path, MediaKey: loc.MediaKey, FileEncSHA256: loc.FileEncSHA256,
			FileSHA256: loc.FileSHA256, FileLength: length}
	case session.Audio, session.Voice:
		msg = &waE2E.AudioMessage{DirectPath: path, MediaKey: loc.MediaKey, FileEncSHA256: loc.FileEncSHA256,
			FileSHA256: loc.FileSHA256, FileLength: length}
	case session.Document:
		msg = &waE2E.DocumentMessage{DirectPath: path, MediaKey: loc.MediaKey, FileEncSHA256: loc.FileEncSHA256,
			FileSHA256: loc.FileSHA256, FileLength: length}
	case session.Sticker:
		msg = &waE2E.StickerMessage{DirectPath: path, MediaKey: loc.MediaKey, FileEncSHA256: loc.FileEncSHA256,
			FileSHA256: loc.FileSHA256, FileLength: length}
	default:
		return nil, fmt.Errorf("download: %w: kind %q", ErrBadMediaRef, loc.Kind)
	}
	data, err := c.current().Download(ctx, msg)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", loc.Kind, err)
	}
	return data, nil
}
