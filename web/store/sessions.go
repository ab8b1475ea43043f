package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SessionRow is a stored session. The table keys sessions by a hash of
// their id (the web package hashes), so a copy of the database does not
// yield usable cookies.
type SessionRow struct {
	Data     string // the session's values, encoded by the web package
	Created  time.Time
	LastSeen time.Time
}

// Session returns the session stored under idHash, or nil if there is none.
func (st *Store) Session(ctx context.Context, idHash string) (*SessionRow, error) {
	var row SessionRow
	var created, lastSeen int64
	err := st.queryRow(ctx,
		`SELECT data, created, last_seen FROM sessions WHERE id_hash = ?`, idHash).
		Scan(&row.Data, &created, &lastSeen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	row.Created, row.LastSeen = FromMillis(created), FromMillis(lastSeen)
	return &row, nil
}

// TouchSession records activity on a session.
func (st *Store) TouchSession(ctx context.Context, idHash string, now time.Time) error {
	if _, err := st.exec(ctx, `UPDATE sessions SET last_seen = ? WHERE id_hash = ?`, Millis(now), idHash); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// SaveSession creates the session or replaces its user and data; a new
// session is created now, an existing one keeps its creation time.
func (st *Store) SaveSession(ctx context.Context, idHash, username, data string, now time.Time) error {
	_, err := st.exec(ctx,
		`INSERT INTO sessions (id_hash, username, data, created, last_seen) VALUES (?, ?, ?, ?, ?)
		 ON CONFLICT(id_hash) DO UPDATE SET username = excluded.username, data = excluded.data, last_seen = excluded.last_seen`,
		idHash, username, data, Millis(now), Millis(now))
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return nil
}

// DeleteSession deletes one session; deleting none is no error. It moves
// the accounts stamp, so that replicas holding the session in memory drop it.
func (st *Store) DeleteSession(ctx context.Context, idHash string) error {
	tx, err := st.begin(ctx)
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	defer tx.rollback()
	res, err := tx.exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash)
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	if err := bumpAccounts(ctx, tx); err != nil {
		return err
	}
	if err := tx.commit(); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	st.notifyAccountsChanged()
	return nil
}

// CountActiveSessions counts signed-in sessions seen since idleSince and
// created since createdSince.
func (st *Store) CountActiveSessions(ctx context.Context, idleSince, createdSince time.Time) (int, error) {
	var n int
	err := st.queryRow(ctx,
		`SELECT COUNT(*) FROM sessions WHERE last_seen >= ? AND created >= ? AND username != ''`,
		Millis(idleSince), Millis(createdSince)).Scan(&n)
	return n, err
}

// DeleteExpired removes sessions past either timeout and throttle rows
// quiet for a window since their last lockout ended (a failure after a
// lockout sooner than that locks again, for longer).
func (st *Store) DeleteExpired(ctx context.Context, now time.Time, idle, absolute time.Duration) error {
	_, err := st.exec(ctx,
		`DELETE FROM sessions WHERE last_seen < ? OR created < ?`,
		Millis(now.Add(-idle)), Millis(now.Add(-absolute)))
	if err != nil {
		return err
	}
	_, err = st.exec(ctx,
		`DELETE FROM login_attempts WHERE window_start < ?1 AND locked_until < ?1`,
		Millis(now.Add(-LoginWindow)))
	return err
}
