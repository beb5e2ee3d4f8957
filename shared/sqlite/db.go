// Package sqlite holds the SQLite adapters of the standalone runtime: the store, the durable queue and the
// database they share. It uses the pure-Go modernc.org/sqlite driver, WAL mode and a busy timeout.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is one SQLite database opened twice: a single-connection writer (SQLite allows one writer at a time, so
// queueing writers in Go is faster than letting them spin on the busy lock) and a pool of readers.
type DB struct {
	W   *sql.DB
	R   *sql.DB
	Now func() time.Time

	stmts  sync.Map // query text -> *sql.Stmt on R
	wstmts sync.Map // query text -> *sql.Stmt on W
	wr     *writer  // group commit of Write and Tx
}

// Open opens (creating if needed) the database file at path and applies every pending migration. The file is
// private to its owner (PrivateFile).
// Use ":memory:" only for a throw-away database in unit tests (shared cache, one name per call).
func Open(ctx context.Context, path string) (*DB, error) {
	if !strings.HasPrefix(path, ":memory:") {
		if err := PrivateFile(path); err != nil {
			return nil, err
		}
	}
	dsn := "file:" + filepath.ToSlash(path) + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s read-only: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	r.SetConnMaxIdleTime(0)
	db := &DB{W: w, R: r, Now: time.Now}
	db.startWriter()
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// PrivateFile makes the SQLite database at path readable and writable by its owner only (0600): it creates the file
// empty if it does not exist, so that SQLite, which gives its -wal and -shm files the database file's mode, creates
// them 0600 too, and tightens the file and its -wal and -shm if they exist with a wider mode.
func PrivateFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if fi.Mode().Perm() != 0o600 {
			if err := os.Chmod(p, 0o600); err != nil {
				return fmt.Errorf("make %s private: %w", p, err)
			}
		}
	}
	return nil
}

// readRow runs a one-row read on the reader pool through a statement prepared once per query text (parsing SQL is
// a large share of a point read's cost).
func (db *DB) readRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := db.readStmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.R.QueryRowContext(ctx, query, args...)
}

// readRows is readRow for a read of several rows.
func (db *DB) readRows(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := db.readStmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return db.R.QueryContext(ctx, query, args...)
}

// readStmt returns the reader pool's statement for query, prepared once, or nil if it cannot be prepared (the
// caller then runs the query unprepared, which reports the error).
func (db *DB) readStmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := db.stmts.Load(query); ok {
		return st.(*sql.Stmt)
	}
	st, err := db.R.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if prev, loaded := db.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		st = prev.(*sql.Stmt)
	}
	return st
}

// writeStmts returns statements on the writer for the queries, each prepared once per query text; inside a
// transaction use them through tx.StmtContext. Call it before Tx, never inside: the writer's one connection is the
// transaction's, so preparing there would wait for it forever.
func (db *DB) writeStmts(ctx context.Context, queries ...string) ([]*sql.Stmt, error) {
	out := make([]*sql.Stmt, len(queries))
	for i, q := range queries {
		if st, ok := db.wstmts.Load(q); ok {
			out[i] = st.(*sql.Stmt)
			continue
		}
		st, err := db.W.PrepareContext(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("prepare: %w", err)
		}
		if prev, loaded := db.wstmts.LoadOrStore(q, st); loaded {
			st.Close()
			st = prev.(*sql.Stmt)
		}
		out[i] = st
	}
	return out, nil
}

// Close waits for the writes already submitted, then closes both pools.
func (db *DB) Close() error {
	db.stopWriter()
	db.stmts.Range(func(_, st any) bool { st.(*sql.Stmt).Close(); return true })
	db.wstmts.Range(func(_, st any) bool { st.(*sql.Stmt).Close(); return true })
	return errors.Join(db.R.Close(), db.W.Close())
}

// Tx runs fn in a write transaction (BEGIN IMMEDIATE), committing if fn returns nil. It is Write for an fn that
// keeps using its caller's context: that works, but Write's own context spares each statement a goroutine that
// watches for cancellation, so hot paths use Write.
func (db *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.Write(ctx, func(_ context.Context, tx *sql.Tx) error { return fn(tx) })
}

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.sql", name)
		}
		b, err := migrationFiles.ReadFile("migrations/" + name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share a number", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if _, err := db.W.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for _, m := range ms {
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("apply %s: %w", m.name, err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, time.Now().UTC().Format(time.RFC3339Nano))
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	return nil
}
