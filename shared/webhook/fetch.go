package webhook

import (
	"context"
	"io"
	"net/http"

	"github.com/waqtor/waqtor/shared/apperr"
)

// Fetch GETs a URL through the same guard as deliveries (so a media URL given to the API cannot reach internal
// addresses) and returns at most max bytes of the body with its Content-Type. Anything but a 200 answer, or a
// body over max, is refused with a precise error.
func (c *Client) Fetch(ctx context.Context, url string, max int64) ([]byte, string, error) {
	if err := c.guard.CheckURL(ctx, url); err != nil {
		return nil, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, "", apperr.New(apperr.Validation, "media URL: %v", err)
	}
	req.Header.Set("User-Agent", c.userAgent)
	res, err := c.http.Do(req)
	if err != nil {
		return nil, "", apperr.New(apperr.Validation, "media URL could not be fetched: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, "", apperr.New(apperr.Validation, "media URL answered %s", res.Status)
	}
	if res.ContentLength > max {
		return nil, "", apperr.New(apperr.TooLarge, "the media file is %d bytes; the limit is %d", res.ContentLength, max)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, max+1))
	if err != nil {
		return nil, "", apperr.New(apperr.Validation, "media URL: reading the body failed: %v", err)
	}
	if int64(len(body)) > max {
		return nil, "", apperr.New(apperr.TooLarge, "the media file is over the limit of %d bytes", max)
	}
	return body, res.Header.Get("Content-Type"), nil
}
