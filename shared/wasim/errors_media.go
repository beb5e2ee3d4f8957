package wasim

import "errors"

var (
	// ErrNoMedia means no blob is stored under the media message's direct path.
	ErrNoMedia = errors.New("wasim: no such media on the server")
	// ErrBadMedia means a media blob does not decrypt or does not match its message's hashes.
	ErrBadMedia = errors.New("wasim: media does not match its message")
)
