package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
)

// userRow is one user. Passwords are checked for presence on the API but
// never stored: the sandbox has no user login.
type userRow struct {
	Username, UUID    string
	Created, Modified int64
}

// requireUsers fails with 404 "username X doesn't exist!" for the first
// name that is not a user.
func requireUsers(ctx context.Context, tx *sql.Tx, names ...string) error {
	for _, n := range names {
		var ok bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE username = ?)`, n).Scan(&ok); err != nil {
			return fmt.Errorf("sandbox: look up user: %w", err)
		}
		if !ok {
			return errUserNotFound(n)
		}
	}
	return nil
}

func errDuplicateUser(appUUID, username string) *apiError {
	return newErr(http.StatusBadRequest, "duplicate_unique_property_exists", excDuplicate,
		"Application %s Entity user requires that property named username be unique, value of %s exists", appUUID, username)
}

// createUsers adds users (already validated and lower-cased) in one
// transaction. An existing name fails the whole batch, unless
// skipExisting, when it is left as it is.
func (st *store) createUsers(ctx context.Context, names []string, nowMs int64, skipExisting bool) ([]userRow, error) {
	out := make([]userRow, 0, len(names))
	err := st.write(ctx, func(tx *sql.Tx) error {
		for _, n := range names {
			u := userRow{Username: n, UUID: newUUID(), Created: nowMs, Modified: nowMs}
			res, err := tx.ExecContext(ctx, `INSERT INTO users (username, uuid, created, modified) VALUES (?, ?, ?, ?)
				ON CONFLICT (username) DO NOTHING`, u.Username, u.UUID, u.Created, u.Modified)
			if err != nil {
				return fmt.Errorf("sandbox: insert user: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				if skipExisting {
					continue
				}
				return errDuplicateUser(st.appUUID, u.Username)
			}
			out = append(out, u)
		}
		return nil
	})
	return out, err
}

// getUser returns the user, or nil when there is none.
func (st *store) getUser(ctx context.Context, username string) (*userRow, error) {
	var u userRow
	err := st.r.QueryRowContext(ctx, `SELECT username, uuid, created, modified FROM users WHERE username = ?`, username).
		Scan(&u.Username, &u.UUID, &u.Created, &u.Modified)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox: get user: %w", err)
	}
	return &u, nil
}

// deleteUser removes the user and its memberships, and deletes the groups
// it owns (as Easemob does). It returns nil when there is no such user.
func (st *store) deleteUser(ctx context.Context, username string, nowMs int64) (*userRow, error) {
	var u *userRow
	err := st.write(ctx, func(tx *sql.Tx) error {
		var row userRow
		err := tx.QueryRowContext(ctx, `SELECT username, uuid, created, modified FROM users WHERE username = ?`, username).
			Scan(&row.Username, &row.UUID, &row.Created, &row.Modified)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sandbox: get user: %w", err)
		}
		u = &row
		steps := []struct {
			what, sql string
			args      []any
		}{
			{"leave groups", `UPDATE groups SET member_count = member_count - 1, modified = ?
				WHERE id IN (SELECT group_id FROM members WHERE username = ? AND role <> ?)`, []any{nowMs, username, roleOwner}},
			{"delete owned groups", `DELETE FROM groups WHERE owner = ?`, []any{username}},
			{"delete user", `DELETE FROM users WHERE username = ?`, []any{username}}, // memberships cascade
		}
		for _, step := range steps {
			if _, err := tx.ExecContext(ctx, step.sql, step.args...); err != nil {
				return fmt.Errorf("sandbox: delete user: %s: %w", step.what, err)
			}
		}
		return nil
	})
	return u, err
}
