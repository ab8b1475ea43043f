package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// migrations are the queue's own tables, in SQL both databases accept
// ({{bytes}} is BLOB or BYTEA). Append only. Times are Unix milliseconds.
var migrations = []string{
	`CREATE TABLE job_progress (
		job_id    BIGINT PRIMARY KEY,
		done      BIGINT NOT NULL DEFAULT 0,
		failed    BIGINT NOT NULL DEFAULT 0,
		total     BIGINT NOT NULL DEFAULT 0,
		calls     BIGINT NOT NULL DEFAULT 0,
		heartbeat BIGINT NOT NULL DEFAULT 0,
		ended_by  TEXT NOT NULL DEFAULT '',
		error     TEXT NOT NULL DEFAULT ''
	);
	CREATE TABLE job_items (
		job_id  BIGINT NOT NULL,
		item    TEXT NOT NULL,
		outcome TEXT NOT NULL,
		reason  TEXT NOT NULL DEFAULT '',
		at      BIGINT NOT NULL,
		PRIMARY KEY (job_id, item)
	);
	CREATE TABLE job_output (
		job_id BIGINT NOT NULL,
		seq    INTEGER NOT NULL,
		data   {{bytes}} NOT NULL,
		PRIMARY KEY (job_id, seq)
	);`,
}

// pgMigrationLock is the advisory lock replicas take turns on while
// migrating River's tables and the queue's (River's migrator takes none).
const pgMigrationLock int64 = 0x67726f7570646b03 // "groupdk" 3

// migrate brings River's schema and the queue's up to date.
func (q *Queue) migrate(ctx context.Context) error {
	if q.postgres {
		// River's migrations must not share one transaction (a new enum
		// value cannot be used in the transaction that adds it), so the
		// lock is a session's, held on one connection throughout.
		conn, err := q.pool.Acquire(ctx)
		if err != nil {
			return err
		}
		defer conn.Release()
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, pgMigrationLock); err != nil {
			return fmt.Errorf("wait for the migration lock: %w", err)
		}
		defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, pgMigrationLock)
		m, err := rivermigrate.New(riverpgxv5.New(q.pool), &rivermigrate.Config{Logger: slog.New(quiet{q.log.Handler()})})
		if err != nil {
			return err
		}
		if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("river: %w", err)
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		if err := applyOwn(ctx, "BYTEA", tx.Exec, func(q string) (int, error) {
			var v int
			err := tx.QueryRow(ctx, q).Scan(&v)
			return v, err
		}); err != nil {
			return err
		}
		return tx.Commit(ctx)
	}
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	m, err := rivermigrate.New(riversqlite.New(q.db), &rivermigrate.Config{Logger: slog.New(quiet{q.log.Handler()})})
	if err != nil {
		return err
	}
	if _, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river: %w", err)
	}
	exec := func(ctx context.Context, s string, args ...any) (any, error) { return tx.ExecContext(ctx, s, args...) }
	if err := applyOwn(ctx, "BLOB", exec, func(q string) (int, error) {
		var v int
		err := tx.QueryRowContext(ctx, q).Scan(&v)
		return v, err
	}); err != nil {
		return err
	}
	return tx.Commit()
}

// applyOwn applies the queue's migrations that job_migrations does not list.
func applyOwn[R any](ctx context.Context, bytesType string, exec func(context.Context, string, ...any) (R, error), version func(string) (int, error)) error {
	if _, err := exec(ctx, `CREATE TABLE IF NOT EXISTS job_migrations (version INTEGER PRIMARY KEY)`); err != nil {
		return err
	}
	v, err := version(`SELECT coalesce(max(version), 0) FROM job_migrations`)
	if err != nil {
		return err
	}
	if v > len(migrations) {
		return fmt.Errorf("job tables are at version %d, newer than this build knows (%d); use a newer groupdesk", v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		if _, err := exec(ctx, strings.ReplaceAll(migrations[i], "{{bytes}}", bytesType)); err != nil {
			return fmt.Errorf("job tables, migration %d: %w", i+1, err)
		}
		if _, err := exec(ctx, fmt.Sprintf(`INSERT INTO job_migrations (version) VALUES (%d)`, i+1)); err != nil {
			return err
		}
	}
	return nil
}
