package store

import (
	"context"
	"database/sql"
	"fmt"
)

// postgresLockConns bounds the connections that hold save locks, in a
// pool of their own: a save holds its lock while it writes the audit log
// through the main pool, so the two must not compete for connections.
const postgresLockConns = 16

// LockGroup serializes the saves of group id across every replica on the
// database, for a save's read-compare-write (Agora has no conditional
// update): it waits, until ctx ends, for the lock and returns the func that
// releases it. On PostgreSQL it is an advisory lock held by a transaction
// of its own; on SQLite, whose replicas are one process's, it does nothing
// (the caller's in-process lock is enough).
func (st *Store) LockGroup(ctx context.Context, id string) (unlock func(), err error) {
	if st.locks == nil {
		return func() {}, nil
	}
	// The transaction outlives ctx, which only bounds the wait.
	tx, err := st.locks.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return nil, fmt.Errorf("store: lock group %s: %w", id, err)
	}
	// The schema is in the key: advisory locks are per database, and
	// schemas of one database are separate dashboards (tests).
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('groupdesk group save ' || current_schema() || ' ' || $1, 0))`, id); err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("store: lock group %s: %w", id, err)
	}
	return func() { tx.Rollback() }, nil
}

// openLocks sizes db as the pool LockGroup uses.
func openLocks(db *sql.DB) *sql.DB {
	db.SetMaxOpenConns(postgresLockConns)
	db.SetMaxIdleConns(2)
	db.SetConnMaxLifetime(postgresConnMaxLifetime)
	return db
}
