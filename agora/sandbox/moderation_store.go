package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// refusal says why one user of a moderation call was not handled. err is
// the answer when the call named that user alone; reason is the text of
// its item in a per-user array.
type refusal struct {
	err    *apiError
	reason string
}

func refuseNotMember(u, rawID string) *refusal {
	return &refusal{
		err:    errForbiddenOp("users [%s] are not members of this group!", u),
		reason: "user: " + u + " doesn't exist in group: " + rawID,
	}
}

func refuseOwner() *refusal {
	const msg = "forbidden operation on group owner!"
	return &refusal{err: errForbiddenOp(msg), reason: msg}
}

func refuseNoUser(u string) *refusal {
	return &refusal{err: errUserNotFound(u), reason: "user " + u + " doesn't exist."}
}

// perUser runs fn for each user in one write transaction on group gid and
// collects the refusals (nil = done).
func (st *store) perUser(ctx context.Context, gid int64, rawID string, users []string,
	fn func(tx *sql.Tx, g *groupRow, u string) (*refusal, error)) ([]*refusal, error) {
	out := make([]*refusal, len(users))
	err := st.write(ctx, func(tx *sql.Tx) error {
		g, err := mustLoadGroup(ctx, tx, gid, rawID)
		if err != nil {
			return err
		}
		for i, u := range users {
			if out[i], err = fn(tx, g, u); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// targetMember refuses u unless it is a member other than the owner.
func targetMember(ctx context.Context, tx *sql.Tx, g *groupRow, rawID, u string) (*refusal, error) {
	role, isMember, err := memberRole(ctx, tx, g.ID, u)
	switch {
	case err != nil:
		return nil, err
	case !isMember:
		if requireUsers(ctx, tx, u) != nil {
			return refuseNoUser(u), nil
		}
		return refuseNotMember(u, rawID), nil
	case role == roleOwner:
		return refuseOwner(), nil
	}
	return nil, nil
}

// muteEntry is one item of the mute list.
type muteEntry struct {
	Expire int64  `json:"expire"`
	User   string `json:"user"`
}

// permanentMute is the expire of a mute without end, stored and reported.
const permanentMute = -1

// activeMute is the SQL condition for a mute that has not ended at ?.
const activeMute = `(expire = -1 OR expire > ?)`

func (st *store) listMutes(ctx context.Context, gid int64, rawID string, nowMs int64) ([]muteEntry, error) {
	out := []muteEntry{}
	err := st.read(ctx, func(tx *sql.Tx) error {
		if _, err := mustLoadGroup(ctx, tx, gid, rawID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT expire, username FROM mutes WHERE group_id = ? AND `+activeMute+` ORDER BY seq`, gid, nowMs)
		if err != nil {
			return fmt.Errorf("sandbox: list mutes: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var m muteEntry
			if err := rows.Scan(&m.Expire, &m.User); err != nil {
				return fmt.Errorf("sandbox: list mutes: %w", err)
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	return out, err
}

// mute mutes every user until expire (Unix ms, or permanentMute); with
// expire 0 it lifts their mutes instead. All or nothing: the first user who
// is not a member, or is the owner, fails the call.
func (st *store) mute(ctx context.Context, gid int64, rawID string, users []string, expire int64) error {
	return st.write(ctx, func(tx *sql.Tx) error {
		g, err := mustLoadGroup(ctx, tx, gid, rawID)
		if err != nil {
			return err
		}
		for _, u := range users {
			ref, err := targetMember(ctx, tx, g, rawID, u)
			if err != nil {
				return err
			}
			if ref != nil {
				if ref.err.status == 404 { // not a user: not a member either
					ref = refuseNotMember(u, rawID)
				}
				return ref.err
			}
			if expire == 0 {
				_, err = tx.ExecContext(ctx, `DELETE FROM mutes WHERE group_id = ? AND username = ?`, gid, u)
			} else {
				_, err = tx.ExecContext(ctx, `INSERT INTO mutes (group_id, username, expire) VALUES (?, ?, ?)
					ON CONFLICT (group_id, username) DO UPDATE SET expire = excluded.expire`, gid, u, expire)
			}
			if err != nil {
				return fmt.Errorf("sandbox: mute: %w", err)
			}
		}
		return nil
	})
}

// unmute lifts the users' mutes; a user without an active mute is refused.
func (st *store) unmute(ctx context.Context, gid int64, rawID string, users []string, nowMs int64) ([]*refusal, error) {
	return st.perUser(ctx, gid, rawID, users, func(tx *sql.Tx, g *groupRow, u string) (*refusal, error) {
		res, err := tx.ExecContext(ctx, `DELETE FROM mutes WHERE group_id = ? AND username = ? AND `+activeMute, gid, u, nowMs)
		if err != nil {
			return nil, fmt.Errorf("sandbox: unmute: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &refusal{reason: "user: " + u + " is not muted in group: " + rawID}, nil
		}
		return nil, nil
	})
}

// setGroupFlag sets the mute-all or disabled flag of a group.
func (st *store) setGroupFlag(ctx context.Context, gid int64, rawID, column string, on bool) error {
	if column != "mute" && column != "disabled" {
		return fmt.Errorf("sandbox: setGroupFlag: unknown column %q", column)
	}
	return st.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE groups SET `+column+` = ? WHERE id = ?`, on, gid)
		if err != nil {
			return fmt.Errorf("sandbox: set %s: %w", column, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errGroupNotFound(rawID)
		}
		return nil
	})
}

// listBlocks returns up to limit blocked users with seq < before, newest
// first, and the seq to continue from (0 when no more follow).
func (st *store) listBlocks(ctx context.Context, gid int64, rawID string, before int64, limit int) ([]string, int64, error) {
	out := []string{}
	var next int64
	err := st.read(ctx, func(tx *sql.Tx) error {
		if _, err := mustLoadGroup(ctx, tx, gid, rawID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT seq, username FROM blocks WHERE group_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
			gid, before, limit+1)
		if err != nil {
			return fmt.Errorf("sandbox: list blocks: %w", err)
		}
		defer rows.Close()
		var last int64
		for rows.Next() {
			var seq int64
			var u string
			if err := rows.Scan(&seq, &u); err != nil {
				return fmt.Errorf("sandbox: list blocks: %w", err)
			}
			if len(out) == limit {
				next = last
				break
			}
			out = append(out, u)
			last = seq
		}
		return rows.Err()
	})
	return out, next, err
}

// block puts members on the block list, which takes them out of the group.
func (st *store) block(ctx context.Context, gid int64, rawID string, users []string, nowMs int64) ([]*refusal, error) {
	return st.perUser(ctx, gid, rawID, users, func(tx *sql.Tx, g *groupRow, u string) (*refusal, error) {
		if ref, err := targetMember(ctx, tx, g, rawID, u); ref != nil || err != nil {
			return ref, err
		}
		if err := leaveGroup(ctx, tx, gid, u); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO blocks (group_id, username) VALUES (?, ?)`, gid, u); err != nil {
			return nil, fmt.Errorf("sandbox: block: %w", err)
		}
		return nil, bumpMemberCount(ctx, tx, gid, -1, nowMs)
	})
}

// unblock takes users off the block list; they do not become members again.
func (st *store) unblock(ctx context.Context, gid int64, rawID string, users []string) ([]*refusal, error) {
	return st.perUser(ctx, gid, rawID, users, func(tx *sql.Tx, g *groupRow, u string) (*refusal, error) {
		res, err := tx.ExecContext(ctx, `DELETE FROM blocks WHERE group_id = ? AND username = ?`, gid, u)
		if err != nil {
			return nil, fmt.Errorf("sandbox: unblock: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			// EM documents the not-members text for this case.
			return &refusal{
				err:    errForbiddenOp("users [%s] are not members of this group!", u),
				reason: "user: " + u + " is not in the blacklist of group: " + rawID,
			}, nil
		}
		return nil, nil
	})
}

// listAllowed returns the allow list: the owner, the admins in join order,
// then the explicit entries in the order they were added.
func (st *store) listAllowed(ctx context.Context, gid int64, rawID string) ([]string, error) {
	var out []string
	err := st.read(ctx, func(tx *sql.Tx) error {
		if _, err := mustLoadGroup(ctx, tx, gid, rawID); err != nil {
			return err
		}
		var err error
		out, err = queryStrings(ctx, tx, `SELECT username FROM (
				SELECT username, 0 AS src, -role AS k, seq FROM members WHERE group_id = ? AND role <> ?
				UNION ALL
				SELECT username, 1, 0, seq FROM allows WHERE group_id = ?
					AND username NOT IN (SELECT username FROM members WHERE group_id = ? AND role <> ?)
			) ORDER BY src, k, seq`, gid, roleMember, gid, gid, roleMember)
		if err != nil {
			return fmt.Errorf("sandbox: list allow list: %w", err)
		}
		return nil
	})
	return out, err
}

// allow adds members to the allow list.
func (st *store) allow(ctx context.Context, gid int64, rawID string, users []string) ([]*refusal, error) {
	return st.perUser(ctx, gid, rawID, users, func(tx *sql.Tx, g *groupRow, u string) (*refusal, error) {
		_, isMember, err := memberRole(ctx, tx, gid, u)
		if err != nil {
			return nil, err
		}
		if !isMember {
			return refuseNotMember(u, rawID), nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO allows (group_id, username) VALUES (?, ?) ON CONFLICT DO NOTHING`, gid, u); err != nil {
			return nil, fmt.Errorf("sandbox: allow: %w", err)
		}
		return nil, nil
	})
}

// disallow removes explicit allow-list entries. The owner and admins stay
// on the list whatever is removed.
func (st *store) disallow(ctx context.Context, gid int64, rawID string, users []string) ([]*refusal, error) {
	return st.perUser(ctx, gid, rawID, users, func(tx *sql.Tx, g *groupRow, u string) (*refusal, error) {
		res, err := tx.ExecContext(ctx, `DELETE FROM allows WHERE group_id = ? AND username = ?`, gid, u)
		if err != nil {
			return nil, fmt.Errorf("sandbox: remove from allow list: %w", err)
		}
		role, isMember, err := memberRole(ctx, tx, gid, u)
		switch {
		case err != nil:
			return nil, err
		case isMember && role == roleOwner:
			return refuseOwner(), nil
		case isMember && role == roleAdmin:
			return &refusal{reason: "user: " + u + " is admin of group: " + rawID}, nil
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &refusal{reason: "user: " + u + " is not in the whitelist of group: " + rawID}, nil
		}
		return nil, nil
	})
}

func (st *store) announcement(ctx context.Context, gid int64, rawID string) (string, error) {
	var text string
	err := st.r.QueryRowContext(ctx, `SELECT announcement FROM groups WHERE id = ?`, gid).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errGroupNotFound(rawID)
	}
	if err != nil {
		return "", fmt.Errorf("sandbox: read announcement: %w", err)
	}
	return text, nil
}

func (st *store) setAnnouncement(ctx context.Context, gid int64, rawID, text string) error {
	return st.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE groups SET announcement = ? WHERE id = ?`, text, gid)
		if err != nil {
			return fmt.Errorf("sandbox: set announcement: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errGroupNotFound(rawID)
		}
		return nil
	})
}
