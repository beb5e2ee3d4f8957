// Package docs embeds the documents the running program serves, so the OpenAPI description in this folder is the
// one source of truth for both the docs and GET /api/openapi.yaml.
package docs

import _ "embed"

// OpenAPI is docs/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte
