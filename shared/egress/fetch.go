package egress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/waqtor/waqtor/shared/apperr"
)

// Fetch GETs a URL through the client's guard (so a media URL given to the API cannot reach internal addresses or
// the product's own listeners) and copies the body, at most max bytes, to dst as it arrives: nothing is held in
// memory. It returns the bytes copied and the answer's Content-Type. A refused URL or address is the guard's
// validation error (field "url"); anything but a 200 answer, or a body over max, is refused with a precise error.
// On an error dst may hold part of the body.
func (c *Client) Fetch(ctx context.Context, url string, max int64, dst io.Writer) (int64, string, error) {
	if err := c.guard.CheckURL(ctx, url); err != nil {
		return 0, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", apperr.New(apperr.Validation, "media URL: %v", unwrapURLError(err))
	}
	req.Header.Set("User-Agent", c.userAgent)
	res, err := c.http.Do(req)
	if err != nil {
		err = unwrapURLError(err)
		if ae, ok := errors.AsType[*apperr.Error](err); ok {
			return 0, "", ae // the guard refused the address at dial time
		}
		return 0, "", apperr.New(apperr.Validation, "media URL could not be fetched: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 0, "", apperr.New(apperr.Validation, "media URL answered %s", res.Status)
	}
	if res.ContentLength > max {
		return 0, "", apperr.New(apperr.TooLarge, "the media file is %d bytes; the limit is %d", res.ContentLength, max)
	}
	w := &recordingWriter{w: dst}
	n, err := io.Copy(w, io.LimitReader(res.Body, max+1))
	if w.err != nil {
		return n, "", fmt.Errorf("media URL: write the body: %w", w.err) // ours (a full disk), not the URL's
	}
	if err != nil {
		return n, "", apperr.New(apperr.Validation, "media URL: reading the body failed: %v", err)
	}
	if n > max {
		return n, "", apperr.New(apperr.TooLarge, "the media file is over the limit of %d bytes", max)
	}
	return n, res.Header.Get("Content-Type"), nil
}

// recordingWriter keeps the error of the writer below, so a failed write is told apart from a failed read.
type recordingWriter struct {
	w   io.Writer
	err error
}

func (r *recordingWriter) Write(p []byte) (int, error) {
	n, err := r.w.Write(p)
	if err != nil {
		r.err = err
	}
	return n, err
}
