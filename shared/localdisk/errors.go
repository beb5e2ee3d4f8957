package localdisk

import "errors"

// ErrCorrupt: a stored media file has no valid header, or its length disagrees with the header (someone edited
// or truncated it outside the store).
var ErrCorrupt = errors.New("localdisk: corrupt media file")
