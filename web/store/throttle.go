package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Login throttle: this many failures within LoginWindow lock the account
// name, and separately the client address, for LoginLockout.
const (
	LoginMaxFailures = 5
	LoginWindow      = 15 * time.Minute
	LoginLockout     = 15 * time.Minute
)

const (
	throttleAccount = "account"
	throttleAddress = "address"
)

// LoginLockedUntil returns when the lockout of the account name or the
// address ends, or zero if neither is locked.
func (st *Store) LoginLockedUntil(ctx context.Context, now time.Time, username, addr string) (time.Time, error) {
	var latest int64
	err := st.queryRow(ctx,
		`SELECT coalesce(max(locked_until), 0) FROM login_attempts
		 WHERE ((scope = ? AND key = ?) OR (scope = ? AND key = ?)) AND locked_until > ?`,
		throttleAccount, username, throttleAddress, addr, millis(now)).Scan(&latest)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, err
	}
	return fromMillis(latest), nil
}

// RecordLoginFailure counts a failure against the name and the address and
// returns when a lockout it caused ends (zero if none).
func (st *Store) RecordLoginFailure(ctx context.Context, now time.Time, username, addr string) (time.Time, error) {
	var until time.Time
	for _, k := range [][2]string{{throttleAccount, username}, {throttleAddress, addr}} {
		var lockedUntil int64
		// In DO UPDATE the stored row's columns carry the table's name:
		// PostgreSQL finds a bare name ambiguous with excluded's.
		err := st.queryRow(ctx,
			`INSERT INTO login_attempts (scope, key, failures, window_start, locked_until) VALUES (?, ?, 1, ?, 0)
			 ON CONFLICT(scope, key) DO UPDATE SET
			   failures     = CASE WHEN login_attempts.window_start < ?3 - ?4 THEN 1 ELSE login_attempts.failures + 1 END,
			   window_start = CASE WHEN login_attempts.window_start < ?3 - ?4 THEN ?3 ELSE login_attempts.window_start END
			 RETURNING CASE WHEN failures >= ?5 THEN ?3 + ?6 ELSE 0 END`,
			k[0], k[1], millis(now), LoginWindow.Milliseconds(), LoginMaxFailures, LoginLockout.Milliseconds()).Scan(&lockedUntil)
		if err != nil {
			return time.Time{}, err
		}
		if lockedUntil > 0 {
			if _, err := st.exec(ctx,
				`UPDATE login_attempts SET failures = 0, window_start = ?, locked_until = ? WHERE scope = ? AND key = ?`,
				millis(now), lockedUntil, k[0], k[1]); err != nil {
				return time.Time{}, err
			}
			until = fromMillis(lockedUntil)
		}
	}
	return until, nil
}

// ClearLoginFailures forgets the failures of the name and the address
// after a successful sign-in.
func (st *Store) ClearLoginFailures(ctx context.Context, username, addr string) error {
	_, err := st.exec(ctx,
		`DELETE FROM login_attempts WHERE (scope = ? AND key = ?) OR (scope = ? AND key = ?)`,
		throttleAccount, username, throttleAddress, addr)
	return err
}
