package web

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// dbFile is the dashboard's own database inside Config.DataDir: accounts,
// sessions and the login throttle. Agora data is never stored here.
const dbFile = "dashboard.db"

// store is the dashboard database.
type store struct {
	db *sql.DB
}

// migrations are applied in order; PRAGMA user_version records how many ran.
// Append only: never edit a migration that has shipped.
var migrations = []string{
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
}

// openStore opens (creating if needed) dataDir/dashboard.db and migrates it.
func openStore(dataDir string) (*store, error) {
	if dataDir == "" {
		return nil, errors.New("web: data directory is empty; set it to where dashboard.db should live")
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("web: create data directory: %w", err)
	}
	path := filepath.Join(dataDir, dbFile)
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("web: open %s: %w", path, err)
	}
	st := &store{db: db}
	if err := st.migrate(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("web: prepare %s: %w", path, err)
	}
	// The file holds password hashes and session data.
	_ = os.Chmod(path, 0o600)
	return st, nil
}

func (st *store) migrate(ctx context.Context) error {
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return err
	}
	if version > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this build knows (%d); use a newer groupdesk", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, len(migrations))); err != nil {
		return err
	}
	return tx.Commit()
}

func (st *store) Close() error { return st.db.Close() }

// millis is how times are stored: Unix milliseconds, 0 for never.
func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// deleteExpired removes sessions past either timeout and throttle rows whose
// window and lockout have both ended.
func (st *store) deleteExpired(ctx context.Context, now time.Time, idle, absolute, window time.Duration) error {
	_, err := st.db.ExecContext(ctx,
		`DELETE FROM sessions WHERE last_seen < ? OR created < ?`,
		millis(now.Add(-idle)), millis(now.Add(-absolute)))
	if err != nil {
		return err
	}
	_, err = st.db.ExecContext(ctx,
		`DELETE FROM login_attempts WHERE window_start < ? AND locked_until < ?`,
		millis(now.Add(-window)), millis(now))
	return err
}
