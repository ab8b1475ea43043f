package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgreSQL lets several replicas share the dashboard's data: with
// Config.DatabaseURL set, accounts, sessions, the login throttle and the
// audit log live there instead of in DataDir/dashboard.db.

// postgresMigrations are the PostgreSQL schema, versioned in the table
// schema_migrations (one row per migration applied). Append only: never
// edit a migration that has shipped. They describe the same tables as the
// SQLite migrations, in PostgreSQL's words: BIGINT milliseconds, identity
// ids, and a trigger function that refuses to change the audit tables.
var postgresMigrations = []string{
	// 1: the schema of SQLite's migrations 1–3. Usernames sort bytewise
	// ("C"), as in SQLite, whatever the database's locale.
	`CREATE TABLE accounts (
		username      TEXT COLLATE "C" PRIMARY KEY,
		password_hash TEXT NOT NULL,
		role          TEXT NOT NULL DEFAULT 'admin',
		created       BIGINT NOT NULL,
		last_login    BIGINT NOT NULL DEFAULT 0,
		disabled      INTEGER NOT NULL DEFAULT 0
	);
	CREATE TABLE sessions (
		id_hash   TEXT PRIMARY KEY,
		username  TEXT NOT NULL DEFAULT '',
		data      TEXT NOT NULL,
		created   BIGINT NOT NULL,
		last_seen BIGINT NOT NULL
	);
	CREATE INDEX sessions_username ON sessions(username);
	CREATE INDEX sessions_last_seen ON sessions(last_seen);
	CREATE TABLE login_attempts (
		scope        TEXT NOT NULL,
		key          TEXT NOT NULL,
		failures     INTEGER NOT NULL,
		window_start BIGINT NOT NULL,
		locked_until BIGINT NOT NULL DEFAULT 0,
		PRIMARY KEY (scope, key)
	);
	CREATE TABLE audit_log (
		id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		at          BIGINT NOT NULL,
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
		record_id     BIGINT PRIMARY KEY REFERENCES audit_log(id),
		at            BIGINT NOT NULL,
		outcome       TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
		error_code    TEXT NOT NULL DEFAULT '',
		error_message TEXT NOT NULL DEFAULT '',
		target        TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX audit_outcomes_target ON audit_outcomes(target);
	-- Statement triggers, so that even an UPDATE or DELETE that matches no
	-- row, and TRUNCATE (which row triggers do not see), are refused.
	CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		IF TG_OP = 'UPDATE' THEN
			RAISE EXCEPTION 'audit records cannot be changed';
		END IF;
		RAISE EXCEPTION 'audit records cannot be deleted';
	END
	$$;
	CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
		FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
	CREATE TRIGGER audit_outcomes_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_outcomes
		FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();`,
	// 2: SQLite's migration 4, the counter of failed sign-ins.
	`CREATE TABLE audit_sign_in_failures (
		addr         TEXT NOT NULL,
		window_start BIGINT NOT NULL,
		record_id    BIGINT NOT NULL,
		attempts     INTEGER NOT NULL,
		last_at      BIGINT NOT NULL,
		PRIMARY KEY (addr, window_start)
	);
	CREATE INDEX audit_sign_in_failures_record ON audit_sign_in_failures(record_id);`,
	// 3: SQLite's migration 5, block reasons and expiries.
	`CREATE TABLE block_records (
		group_id   TEXT NOT NULL,
		username   TEXT NOT NULL,
		reason     TEXT NOT NULL,
		blocked_by TEXT NOT NULL,
		blocked_at BIGINT NOT NULL,
		until      BIGINT,
		PRIMARY KEY (group_id, username)
	);
	CREATE INDEX block_records_until ON block_records(until) WHERE until IS NOT NULL;`,
	// 4: SQLite's migration 6, the change stamps.
	`CREATE TABLE change_stamps (
		name    TEXT PRIMARY KEY,
		version BIGINT NOT NULL
	);
	INSERT INTO change_stamps (name, version) VALUES ('accounts', 0);`,
}

// Advisory lock keys (any 64-bit numbers no other program of the database
// uses): one for migrations, one that account changes take turns on.
const (
	postgresMigrationLock int64 = 0x67726f7570646b01 // "groupdk" 1
	postgresAccountsLock  int64 = 0x67726f7570646b02 // "groupdk" 2
)

// Connection pool of one replica: PostgreSQL's default max_connections is
// 100, shared by every replica and everything else on the server.
const (
	postgresMaxOpenConns    = 10
	postgresMaxIdleConns    = 5
	postgresConnMaxLifetime = 30 * time.Minute
	// postgresOpenTimeout bounds connecting and migrating at start,
	// including the wait for another replica's migration.
	postgresOpenTimeout = time.Minute
)

// CheckDatabaseURL reports what is wrong with a GROUPDESK_DATABASE_URL,
// without repeating it (it holds a password).
func CheckDatabaseURL(databaseURL string) error {
	u, err := url.Parse(databaseURL)
	if err != nil {
		// url's error quotes the URL: say what is wanted instead.
		return errors.New("GROUPDESK_DATABASE_URL is not a URL; use postgres://USER:PASSWORD@HOST:5432/DATABASE?sslmode=require")
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return fmt.Errorf("GROUPDESK_DATABASE_URL has the scheme %q; use postgres://USER:PASSWORD@HOST:5432/DATABASE (only PostgreSQL is supported; leave it empty for the embedded SQLite database)", u.Scheme)
	}
	return nil
}

// RedactDatabaseURL returns databaseURL fit for a log line: a password,
// in the user part or as a password= parameter, is replaced by "xxxxx".
func RedactDatabaseURL(databaseURL string) string {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "(a database URL that does not parse)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// databasePasswords returns the passwords databaseURL carries, to cut
// from error messages.
func databasePasswords(databaseURL string) []string {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return nil
	}
	var out []string
	if p, ok := u.User.Password(); ok && p != "" {
		out = append(out, p, url.QueryEscape(p), url.PathEscape(p))
	}
	if p := u.Query().Get("password"); p != "" {
		out = append(out, p, url.QueryEscape(p))
	}
	return out
}

// redactedError is an error whose message had secrets cut out; errors.Is
// and errors.As still see the original.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact returns err with every secret in its message replaced by "xxxxx".
func redact(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, s := range secrets {
		msg = strings.ReplaceAll(msg, s, "xxxxx")
	}
	return &redactedError{msg: msg, err: err}
}

// openPostgres connects to databaseURL through pgx's database/sql driver
// and migrates the schema.
func openPostgres(databaseURL string) (*Store, error) {
	if err := CheckDatabaseURL(databaseURL); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	secrets := databasePasswords(databaseURL)
	where := RedactDatabaseURL(databaseURL)
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("store: GROUPDESK_DATABASE_URL %s: %w", where, redact(err, secrets))
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(postgresMaxOpenConns)
	db.SetMaxIdleConns(postgresMaxIdleConns)
	db.SetConnMaxLifetime(postgresConnMaxLifetime)
	st := &Store{db: db, dialect: Postgres, databaseURL: databaseURL, stmts: NewStatements(db)}
	ctx, cancel := context.WithTimeout(context.Background(), postgresOpenTimeout)
	defer cancel()
	if err := st.migratePostgres(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: prepare the database at %s: %w", where, redact(err, secrets))
	}
	st.locks = openLocks(stdlib.OpenDB(*cfg))
	return st, nil
}

// migratePostgres applies the migrations schema_migrations does not list,
// in one transaction that first takes an advisory lock: replicas starting
// at once take turns, and each after the first finds the schema up to
// date. PostgreSQL's DDL is transactional, so a failed migration leaves
// nothing half done, and the lock ends with the transaction.
func (st *Store) migratePostgres(ctx context.Context) error {
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, postgresMigrationLock); err != nil {
		return fmt.Errorf("wait for the migration lock: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		applied BIGINT NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var version int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return err
	}
	if version > len(postgresMigrations) {
		return fmt.Errorf("database schema version %d is newer than this build knows (%d); use a newer groupdesk", version, len(postgresMigrations))
	}
	for i := version; i < len(postgresMigrations); i++ {
		// Without arguments pgx sends the text as it is, several
		// statements at once.
		if _, err := tx.ExecContext(ctx, postgresMigrations[i]); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied) VALUES ($1, $2)`,
			i+1, Millis(time.Now())); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	return tx.Commit()
}
