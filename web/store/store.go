// Package store owns the dashboard database, SQLite or PostgreSQL: its
// schema and migrations, and one file per kind of record (accounts,
// sessions, the login throttle, the audit log), all methods of one *Store.
// It knows nothing of HTTP: the web handlers and the `groupdesk users`
// command both call it.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// DBFile is the dashboard's own database inside Config.DataDir: accounts,
// sessions, the login throttle and the audit log, unless Config.DatabaseURL
// names a PostgreSQL database for them. Agora data is never stored here
// (the audit log keeps names and counts of what was changed).
const DBFile = "dashboard.db"

// sqliteBusyRetry is how long opening dashboard.db tries again while
// another process holds it busy.
const sqliteBusyRetry = 5 * time.Second

// Store is the dashboard database, SQLite or PostgreSQL. Its statements go
// through exec, query and queryRow (dialect.go), which adapt them.
type Store struct {
	db          *sql.DB
	dialect     Dialect
	databaseURL string  // "" for SQLite
	locks       *sql.DB // PostgreSQL: LockGroup's own pool; nil on SQLite
	// accountsChanged is called after this process changed accounts or
	// deleted sessions (OnAccountsChanged).
	accountsChanged atomic.Pointer[func()]

	stmts *Statements
}

// sqliteMigrations are applied in order; PRAGMA user_version records how
// many ran. Append only: never edit a migration that has shipped. A change
// here needs its PostgreSQL counterpart in postgresMigrations.
var sqliteMigrations = []string{
	`CREATE TABLE accounts (
		username      TEXT PRIMARY KEY,
		password_hash TEXT NOT NULL,
		role          TEXT NOT NULL DEFAULT 'admin',
		created       INTEGER NOT NULL,
		last_login    INTEGER NOT NULL DEFAULT 0
	);
	CREATE TABLE sessions (
		id_hash   TEXT PRIMARY KEY,
		username  TEXT NOT NULL DEFAULT '',
		data      TEXT NOT NULL,
		created   INTEGER NOT NULL,
		last_seen INTEGER NOT NULL
	);
	CREATE INDEX sessions_username ON sessions(username);
	CREATE INDEX sessions_last_seen ON sessions(last_seen);
	CREATE TABLE login_attempts (
		scope        TEXT NOT NULL,
		key          TEXT NOT NULL,
		failures     INTEGER NOT NULL,
		window_start INTEGER NOT NULL,
		locked_until INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (scope, key)
	);`,
	// 2: roles can be disabled; the audit log. An audit record is written
	// before the action it describes (audit_log) and its outcome after it
	// (audit_outcomes, at most one per record), so neither ever needs an
	// UPDATE. Both tables refuse UPDATE and DELETE.
	`ALTER TABLE accounts ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
	CREATE TABLE audit_log (
		id          INTEGER PRIMARY KEY AUTOINCREMENT,
		at          INTEGER NOT NULL,
		actor       TEXT NOT NULL,
		addr        TEXT NOT NULL,
		action      TEXT NOT NULL,
		target_type TEXT NOT NULL,
		target      TEXT NOT NULL,
		summary     TEXT NOT NULL
	);
	CREATE INDEX audit_log_actor ON audit_log(actor, id);
	CREATE INDEX audit_log_action ON audit_log(action, id);
	CREATE INDEX audit_log_target ON audit_log(target, id);
	CREATE INDEX audit_log_at ON audit_log(at);
	CREATE TABLE audit_outcomes (
		record_id     INTEGER PRIMARY KEY REFERENCES audit_log(id),
		at            INTEGER NOT NULL,
		outcome       TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
		error_code    TEXT NOT NULL DEFAULT '',
		error_message TEXT NOT NULL DEFAULT '',
		target        TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX audit_outcomes_target ON audit_outcomes(target) WHERE target != '';
	CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
		BEGIN SELECT RAISE(ABORT, 'audit records cannot be changed'); END;
	CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
		BEGIN SELECT RAISE(ABORT, 'audit records cannot be deleted'); END;
	CREATE TRIGGER audit_outcomes_no_update BEFORE UPDATE ON audit_outcomes
		BEGIN SELECT RAISE(ABORT, 'audit records cannot be changed'); END;
	CREATE TRIGGER audit_outcomes_no_delete BEFORE DELETE ON audit_outcomes
		BEGIN SELECT RAISE(ABORT, 'audit records cannot be deleted'); END;`,
	// 3: the target filter compares with a bound value, which a partial
	// index cannot be proven to cover; a full index serves it.
	`DROP INDEX audit_outcomes_target;
	CREATE INDEX audit_outcomes_target ON audit_outcomes(target);`,
	// 4: failed sign-ins from one address in one window are one audit
	// record; this counter, which may change, says how many it stands for.
	`CREATE TABLE audit_sign_in_failures (
		addr         TEXT NOT NULL,
		window_start INTEGER NOT NULL,
		record_id    INTEGER NOT NULL,
		attempts     INTEGER NOT NULL,
		last_at      INTEGER NOT NULL,
		PRIMARY KEY (addr, window_start)
	);
	CREATE INDEX audit_sign_in_failures_record ON audit_sign_in_failures(record_id);`,
	// 5: what Agora's block list does not keep: why, by whom, when, and
	// until when (blocks.go).
	`CREATE TABLE block_records (
		group_id   TEXT NOT NULL,
		username   TEXT NOT NULL,
		reason     TEXT NOT NULL,
		blocked_by TEXT NOT NULL,
		blocked_at INTEGER NOT NULL,
		until      INTEGER,
		PRIMARY KEY (group_id, username)
	);
	CREATE INDEX block_records_until ON block_records(until) WHERE until IS NOT NULL;`,
	// 6: a stamp every account change and session deletion moves, so each
	// replica can keep sessions and accounts in memory (stamps.go).
	`CREATE TABLE change_stamps (
		name    TEXT PRIMARY KEY,
		version INTEGER NOT NULL
	);
	INSERT INTO change_stamps (name, version) VALUES ('accounts', 0);`,
}

// sqliteMaxOpenConns bounds the connections to dashboard.db. Code holding
// a transaction must not wait for another connection meanwhile (with this
// many such waits at once, nothing could go on). Each connection keeps its
// own copy of the schema and of the statements prepared on it: after the
// search and job pages had been served, eight connections held about
// 1.6 MiB more than four (web/perf), and SQLite writes one at a time.
const sqliteMaxOpenConns = 4

// Open opens the PostgreSQL database at databaseURL or, when that is
// empty, dataDir/dashboard.db (creating it if needed), and migrates it.
func Open(dataDir, databaseURL string) (*Store, error) {
	if databaseURL != "" {
		return openPostgres(databaseURL)
	}
	if dataDir == "" {
		return nil, errors.New("store: data directory is empty; set it to where dashboard.db should live")
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create data directory: %w", err)
	}
	return openSQLite(filepath.Join(dataDir, DBFile), "FULL")
}

// openSQLite opens the SQLite database at path. synchronous is the
// PRAGMA's value: FULL, so that a committed audit record survives a power
// loss (BenchmarkAuditAppend measures what it costs against NORMAL).
func openSQLite(path, synchronous string) (*Store, error) {
	// The file holds password hashes and session data. SQLite creates the
	// -wal and -shm files with the database file's mode, so the database
	// is created 0600 before SQLite opens it, and files an older build
	// left readable are narrowed.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: create %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("store: restrict %s to its owner: %w", p, err)
		}
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(" + synchronous + ")&_pragma=foreign_keys(1)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// Unbounded, 100 concurrent requests opened some 70 connections, each
	// with its own page cache, and closed all but two again (so the next
	// burst ran the pragmas anew): about 15 MB for nothing, as SQLite
	// serves one writer at a time anyway.
	db.SetMaxOpenConns(sqliteMaxOpenConns)
	db.SetMaxIdleConns(sqliteMaxOpenConns)
	st := &Store{db: db, dialect: SQLite, stmts: NewStatements(db)}
	// Processes opening a new file at the same moment can find it busy
	// while one of them turns WAL on, which the busy timeout does not
	// cover: try again for a while.
	for deadline := time.Now().Add(sqliteBusyRetry); ; {
		err = st.migrateSQLite(context.Background())
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: prepare %s: %w", path, err)
	}
	return st, nil
}

func (st *Store) migrateSQLite(ctx context.Context) error {
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return err
	}
	if version > len(sqliteMigrations) {
		return fmt.Errorf("database schema version %d is newer than this build knows (%d); use a newer groupdesk", version, len(sqliteMigrations))
	}
	for i := version; i < len(sqliteMigrations); i++ {
		if _, err := tx.ExecContext(ctx, sqliteMigrations[i]); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, len(sqliteMigrations))); err != nil {
		return err
	}
	return tx.Commit()
}

// Close closes the database.
func (st *Store) Close() error {
	if st.locks != nil {
		st.locks.Close()
	}
	st.stmts.Close()
	return st.db.Close()
}

// DB is the database handle, for what shares the dashboard database (the
// job queue): on SQLite a second handle would compete for the one writer.
func (st *Store) DB() *sql.DB { return st.db }

// Dialect is which database the store runs on.
func (st *Store) Dialect() Dialect { return st.dialect }

// DatabaseURL is the PostgreSQL URL the store was opened with, "" for
// SQLite. It holds a password: never log it (see RedactDatabaseURL).
func (st *Store) DatabaseURL() string { return st.databaseURL }

// Ping reports whether the database answers.
func (st *Store) Ping(ctx context.Context) error { return st.db.PingContext(ctx) }

// Millis is how the dashboard database stores a time: Unix milliseconds,
// 0 for never. The search index, which lives in the same database, uses
// it too.
func Millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// FromMillis reads a time stored by Millis.
func FromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}
