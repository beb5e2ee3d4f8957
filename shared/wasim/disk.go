package wasim

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

// stateFile is the SQLite database under Options.Dir holding everything the server knows.
const stateFile = "wasim.db"

// schema is the whole state. Keys and records are stored as the server holds them in memory: libsignal records
// serialised, stanzas in WhatsApp's binary XML, decrypted messages as waE2E protobuf, times as Unix nanoseconds
// (0 for none). seq orders the offline queue and the inboxes across restarts.
const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS phone (
	number TEXT PRIMARY KEY, lid TEXT NOT NULL, identity BLOB NOT NULL, registration_id INTEGER NOT NULL,
	signed_prekey_id INTEGER NOT NULL, signed_prekey BLOB NOT NULL, signed_prekey_sig BLOB NOT NULL,
	next_prekey INTEGER NOT NULL, next_device INTEGER NOT NULL, key_index INTEGER NOT NULL, name TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS signal (
	number TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,
	PRIMARY KEY (number, kind, key)
) STRICT;
CREATE TABLE IF NOT EXISTS companion (
	jid TEXT PRIMARY KEY, lid TEXT NOT NULL, noise_key BLOB NOT NULL, identity_key BLOB NOT NULL,
	registration_id INTEGER NOT NULL, signed_prekey_id INTEGER NOT NULL, signed_prekey BLOB NOT NULL,
	signature BLOB NOT NULL, banned_until INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS companion_prekey (
	jid TEXT NOT NULL, id INTEGER NOT NULL, pub BLOB NOT NULL, PRIMARY KEY (jid, id)
) STRICT;
CREATE TABLE IF NOT EXISTS pending (
	seq INTEGER PRIMARY KEY, jid TEXT NOT NULL, key TEXT NOT NULL, node BLOB NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS media (token TEXT PRIMARY KEY, body BLOB NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS inbox (
	seq INTEGER PRIMARY KEY, number TEXT NOT NULL, id TEXT NOT NULL, sender TEXT NOT NULL, account TEXT NOT NULL,
	message BLOB NOT NULL, prekey INTEGER NOT NULL, at INTEGER NOT NULL, delivered INTEGER NOT NULL,
	read INTEGER NOT NULL
) STRICT;
`

// disk is the server's durable state (Options.Dir): one SQLite file in WAL mode, written through in the same
// transaction as the change it records and before the server tells a client about that change. A process that is
// killed therefore loses nothing a client or a contact has seen. A nil *disk (no Dir) keeps nothing.
//
// One connection serialises every transaction. Lock order: Phone.signalMu, then Server.mu, then the connection,
// then signalStore.mu; code inside a transaction never takes Server.mu.
type disk struct{ db *sql.DB }

// openDisk opens (creating if needed) the state under dir.
func openDisk(dir string) (*disk, error) {
	// Private to the owner: the state holds the fake accounts' keys and messages. The file exists before SQLite
	// opens it so that its -wal and -shm (SQLite gives them the file's mode) are 0600 too.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create state dir: %w", err)
	}
	path := filepath.Join(dir, stateFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create state: %w", err)
	}
	f.Close()
	for _, p := range []string{dir, path, path + "-wal", path + "-shm"} {
		mode := os.FileMode(0o600)
		if p == dir {
			mode = 0o700
		}
		if err := os.Chmod(p, mode); err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("make state private: %w", err)
		}
	}
	// synchronous NORMAL in WAL mode: a committed transaction survives the process being killed; only a power
	// loss can take back the last few.
	dsn := "file:" + filepath.ToSlash(path) + "?_pragma=journal_mode(WAL)" +
		"&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open state: %w", err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("create state schema: %w", err)
	}
	return &disk{db: db}, nil
}

func (d *disk) close() error {
	if d == nil {
		return nil
	}
	return d.db.Close()
}

// update runs fn in one transaction and commits it; with no disk it does nothing.
func (d *disk) update(fn func(tx *sql.Tx) error) error {
	if d == nil {
		return nil
	}
	tx, err := d.db.Begin()
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// persist writes a change through to disk, reporting a failure in Problems: the in-memory state stays the truth
// for this process either way.
func (s *Server) persist(what string, fn func(tx *sql.Tx) error) {
	if err := s.disk.update(fn); err != nil {
		s.problem(fmt.Sprintf("persist %s: %v", what, err))
	}
}

// exec runs one statement in tx.
func exec(tx *sql.Tx, query string, args ...any) error {
	if _, err := tx.Exec(query, args...); err != nil {
		return fmt.Errorf("%.40s: %w", query, err)
	}
	return nil
}
