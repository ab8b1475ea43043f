package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The login throttle (OWASP's advice: throttle per address and per account
// and address, with growing delays, never a lock of the account from
// everywhere). Two counters each sign-in attempt must pass:
//
//   - the account name from one address: LoginMaxFailures attempts within
//     LoginWindow, then a lockout of LoginLockout that doubles with every
//     further failure, up to LoginMaxLockout. The right password from any
//     other address still works.
//   - the address, whatever names it tries (password spraying): the same,
//     after LoginAddressMaxFailures attempts, so that people behind one
//     NAT do not lock each other out at once.
//
// An attempt is counted when it is reserved, before the password is
// checked, in one transaction: parallel guesses cannot check more
// passwords than sequential ones. A right password clears both counters.
const (
	LoginMaxFailures        = 5
	LoginAddressMaxFailures = 4 * LoginMaxFailures
	LoginWindow             = 15 * time.Minute
	LoginLockout            = 15 * time.Minute
	LoginMaxLockout         = 8 * LoginLockout
)

const (
	throttleAccountAddress = "account_address"
	throttleAddress        = "address"
)

// throttleKey is the account-and-address counter's key. A username holds
// no NUL (the web package refuses it before), an address neither.
func throttleKey(username, addr string) string { return username + "\x00" + addr }

// LoginAttempt is the throttle's answer to a reserved sign-in attempt.
type LoginAttempt struct {
	// Allowed: the password may be checked; the attempt counts as a
	// failure until ClearLoginFailures. Not allowed: it was refused and
	// not counted.
	Allowed bool
	// LockedUntil is when the lockout that refused the attempt, or that
	// this attempt started, ends; zero if none.
	LockedUntil time.Time
}

// lockoutAfter is how long failure n (1-based) of a counter that allows max
// locks it: nothing below max, then LoginLockout, doubling per failure.
func lockoutAfter(n, max int) time.Duration {
	if n < max {
		return 0
	}
	d := LoginLockout
	for i := max; i < n && d < LoginMaxLockout; i++ {
		d *= 2
	}
	return min(d, LoginMaxLockout)
}

// ReserveLoginAttempt counts a sign-in attempt of username from addr
// against both counters, or refuses it while either is locked.
func (st *Store) ReserveLoginAttempt(ctx context.Context, now time.Time, username, addr string) (LoginAttempt, error) {
	tx, err := st.begin(ctx)
	if err != nil {
		return LoginAttempt{}, err
	}
	defer tx.rollback()
	var res LoginAttempt
	// Always in this order, so that two PostgreSQL transactions never wait
	// for each other's rows crosswise.
	for _, c := range []struct {
		scope, key string
		max        int
	}{
		{throttleAddress, addr, LoginAddressMaxFailures},
		{throttleAccountAddress, throttleKey(username, addr), LoginMaxFailures},
	} {
		until, ok, err := reserve(ctx, tx, now, c.scope, c.key, c.max)
		if err != nil {
			return LoginAttempt{}, fmt.Errorf("login throttle: %w", err)
		}
		if until.After(res.LockedUntil) {
			res.LockedUntil = until
		}
		if !ok {
			// Refused: the rollback leaves the other counter as it was.
			return res, nil
		}
	}
	res.Allowed = true
	return res, tx.commit()
}

// reserve counts one attempt on a counter unless it is locked. A counter
// starts again after a window without failures and without a lockout.
func reserve(ctx context.Context, tx *txn, now time.Time, scope, key string, max int) (time.Time, bool, error) {
	var n int
	// DO UPDATE … WHERE leaves a locked row alone and returns no row. In DO
	// UPDATE the stored row's columns carry the table's name: PostgreSQL
	// finds a bare name ambiguous with excluded's.
	err := tx.queryRow(ctx,
		`INSERT INTO login_attempts (scope, key, failures, window_start, locked_until) VALUES (?, ?, 1, ?, 0)
		 ON CONFLICT(scope, key) DO UPDATE SET
		   failures     = CASE WHEN login_attempts.window_start < ?3 - ?4 AND login_attempts.locked_until <= ?3 - ?4 THEN 1 ELSE login_attempts.failures + 1 END,
		   window_start = CASE WHEN login_attempts.window_start < ?3 - ?4 AND login_attempts.locked_until <= ?3 - ?4 THEN ?3 ELSE login_attempts.window_start END
		 WHERE login_attempts.locked_until <= ?3
		 RETURNING failures`,
		scope, key, Millis(now), LoginWindow.Milliseconds()).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		var until int64
		err := tx.queryRow(ctx, `SELECT locked_until FROM login_attempts WHERE scope = ? AND key = ?`, scope, key).Scan(&until)
		return FromMillis(until), false, err
	}
	if err != nil {
		return time.Time{}, false, err
	}
	d := lockoutAfter(n, max)
	if d == 0 {
		return time.Time{}, true, nil
	}
	until := now.Add(d)
	_, err = tx.exec(ctx, `UPDATE login_attempts SET locked_until = ? WHERE scope = ? AND key = ?`, Millis(until), scope, key)
	return until, true, err
}

// ClearLoginFailures forgets the failures of the name from the address, and
// of the address, after a successful sign-in.
func (st *Store) ClearLoginFailures(ctx context.Context, username, addr string) error {
	_, err := st.exec(ctx,
		`DELETE FROM login_attempts WHERE (scope = ? AND key = ?) OR (scope = ? AND key = ?)`,
		throttleAccountAddress, throttleKey(username, addr), throttleAddress, addr)
	return err
}
