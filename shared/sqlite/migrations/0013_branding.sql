-- Each tenant's dashboard branding (branding.Branding): the text fields and the logo, one row per tenant. The logo
-- is at most 256 KiB (branding.MaxLogoSize); its type is the one sniffed from the bytes.
CREATE TABLE brandings (
	tenant_id        TEXT PRIMARY KEY,
	app_name         TEXT NOT NULL,
	logo_text        TEXT NOT NULL,
	show_logo_text   INTEGER NOT NULL,
	logo             BLOB,
	logo_mime        TEXT NOT NULL DEFAULT '',
	logo_sha256      TEXT NOT NULL DEFAULT '',
	logo_updated_at  TEXT NOT NULL DEFAULT '',
	updated_at       TEXT NOT NULL
) STRICT;
