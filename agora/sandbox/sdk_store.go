package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Request kinds in the requests table.
const (
	kindInvite = "invite"
	kindApply  = "apply"
)

// joinNow adds u to g as a member, after the checks of an add: blocked,
// too many groups, group full. g.MemberCount is kept up to date.
func (st *store) joinNow(ctx context.Context, tx *sql.Tx, g *groupRow, rawID, u string, nowMs int64) error {
	if err := st.checkCanJoin(ctx, tx, g.ID, rawID, u); err != nil {
		return err
	}
	if g.MemberCount+1 > g.MaxUsers {
		return errExceedLimit(msgMembersOverLimit)
	}
	if err := insertMember(ctx, tx, g.ID, u, roleMember, nowMs); err != nil {
		return err
	}
	g.MemberCount++
	return bumpMemberCount(ctx, tx, g.ID, 1, nowMs)
}

// invite invites users on behalf of inviter ("" = the app). Without
// invite_need_confirm they join at once; otherwise the invitation waits
// for the invitee. A member who is not an admin may invite only when the
// group allows invites.
func (st *store) invite(ctx context.Context, gid int64, rawID, inviter string, users []string, nowMs int64) ([]*refusal, error) {
	return st.perUser(ctx, gid, rawID, users, func(tx *sql.Tx, g *groupRow, u string) (*refusal, error) {
		if inviter != "" {
			role, _, err := memberRole(ctx, tx, gid, inviter)
			if err != nil {
				return nil, err
			}
			if role == roleMember && !g.AllowInvites {
				return nil, errPermissionDenied("admin")
			}
		}
		if requireUsers(ctx, tx, u) != nil {
			return refuseNoUser(u), nil
		}
		if _, isMember, err := memberRole(ctx, tx, gid, u); err != nil || isMember {
			return &refusal{reason: "user: " + u + " already in group: " + rawID}, err
		}
		var err error
		if g.InviteNeedConfirm {
			if err = st.checkCanJoin(ctx, tx, gid, rawID, u); err == nil {
				_, err = tx.ExecContext(ctx, `INSERT INTO requests (group_id, username, kind) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, gid, u, kindInvite)
			}
		} else {
			err = st.joinNow(ctx, tx, g, rawID, u, nowMs)
		}
		var ae *apiError
		if errors.As(err, &ae) {
			return &refusal{err: ae, reason: ae.desc}, nil
		}
		return nil, err
	})
}

// answerRequest settles a pending invitation or join request of u: with
// accept u joins (after the usual checks), otherwise the request is
// dropped. No pending request → 403.
func (st *store) answerRequest(ctx context.Context, gid int64, rawID, u, kind string, accept bool, nowMs int64) error {
	return st.write(ctx, func(tx *sql.Tx) error {
		g, err := mustLoadGroup(ctx, tx, gid, rawID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM requests WHERE group_id = ? AND username = ? AND kind = ?`, gid, u, kind)
		if err != nil {
			return fmt.Errorf("sandbox: answer request: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if kind == kindInvite {
				return errForbiddenOp("user: %s has no invitation to group: %s", u, rawID)
			}
			return errForbiddenOp("user: %s has not applied to join group: %s", u, rawID)
		}
		if !accept {
			return nil
		}
		if _, isMember, err := memberRole(ctx, tx, gid, u); err != nil || isMember {
			return err // joined meanwhile: nothing to do
		}
		return st.joinNow(ctx, tx, g, rawID, u, nowMs)
	})
}

// apply lets u join a public group, at once or, when it needs approval
// (membersonly), as a pending request. It reports whether u joined.
func (st *store) apply(ctx context.Context, gid int64, rawID, u string, nowMs int64) (bool, error) {
	joined := false
	err := st.write(ctx, func(tx *sql.Tx) error {
		g, err := mustLoadGroup(ctx, tx, gid, rawID)
		if err != nil {
			return err
		}
		if !g.Public {
			return errPermissionDenied("owner") // private groups take invitations only
		}
		if _, isMember, err := memberRole(ctx, tx, gid, u); err != nil || isMember {
			if err == nil {
				err = errForbiddenOp("can not join this group, reason:user: %s already in group: %s", u, rawID)
			}
			return err
		}
		if !g.MembersOnly {
			joined = true
			return st.joinNow(ctx, tx, g, rawID, u, nowMs)
		}
		if err := st.checkCanJoin(ctx, tx, gid, rawID, u); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO requests (group_id, username, kind) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, gid, u, kindApply)
		return err
	})
	return joined, err
}

// quit takes u out of the group; the owner cannot leave.
func (st *store) quit(ctx context.Context, gid int64, rawID, u string, nowMs int64) error {
	return st.write(ctx, func(tx *sql.Tx) error {
		g, err := mustLoadGroup(ctx, tx, gid, rawID)
		if err != nil {
			return err
		}
		if ref, err := targetMember(ctx, tx, g, rawID, u); ref != nil || err != nil {
			if ref != nil {
				return ref.err
			}
			return err
		}
		if err := leaveGroup(ctx, tx, gid, u); err != nil {
			return err
		}
		return bumpMemberCount(ctx, tx, gid, -1, nowMs)
	})
}

// setShield records whether u blocks the group's messages for itself.
func (st *store) setShield(ctx context.Context, gid int64, rawID, u string, on bool) error {
	return st.write(ctx, func(tx *sql.Tx) error {
		if _, err := mustLoadGroup(ctx, tx, gid, rawID); err != nil {
			return err
		}
		q := `DELETE FROM shields WHERE group_id = ? AND username = ?`
		if on {
			q = `INSERT INTO shields (group_id, username) VALUES (?, ?) ON CONFLICT DO NOTHING`
		}
		_, err := tx.ExecContext(ctx, q, gid, u)
		return err
	})
}

// isMuted reports whether u has an active mute in the group.
func (st *store) isMuted(ctx context.Context, gid int64, rawID, u string, nowMs int64) (bool, error) {
	var muted bool
	err := st.read(ctx, func(tx *sql.Tx) error {
		if _, err := mustLoadGroup(ctx, tx, gid, rawID); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM mutes WHERE group_id = ? AND username = ? AND `+activeMute+`)`,
			gid, u, nowMs).Scan(&muted)
	})
	return muted, err
}

// userGroup is one item of GET /chatgroups/user/{username}.
type userGroup struct {
	GroupID           string `json:"groupId"`
	Name              string `json:"name"`
	Description       string `json:"description"`
	Public            bool   `json:"public"`
	MembersOnly       bool   `json:"membersonly"`
	AllowInvites      bool   `json:"allowinvites"`
	MaxUsers          int    `json:"maxusers"`
	Disabled          bool   `json:"disabled"`
	AffiliationsCount int    `json:"affiliations_count"`
	Permission        string `json:"permission"` // owner, admin or member
}

// userGroups returns a page of the user's groups with its role, most
// recently joined first, and how many groups the user is in.
func (st *store) userGroups(ctx context.Context, username string, limit, offset int) ([]userGroup, int, error) {
	out := []userGroup{}
	var total int
	err := st.read(ctx, func(tx *sql.Tx) error {
		if err := requireUsers(ctx, tx, username); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM members WHERE username = ?`, username).Scan(&total); err != nil {
			return fmt.Errorf("sandbox: count user groups: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT g.id, g.name, g.description, g.public, g.membersonly, g.allowinvites,
				g.maxusers, g.disabled, g.member_count, m.role
			FROM (SELECT group_id, role, seq FROM members WHERE username = ? ORDER BY seq DESC LIMIT ? OFFSET ?) m
			JOIN groups g ON g.id = m.group_id ORDER BY m.seq DESC`, username, limit, offset)
		if err != nil {
			return fmt.Errorf("sandbox: user groups: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var g userGroup
			var id int64
			var role int
			if err := rows.Scan(&id, &g.Name, &g.Description, &g.Public, &g.MembersOnly, &g.AllowInvites,
				&g.MaxUsers, &g.Disabled, &g.AffiliationsCount, &role); err != nil {
				return fmt.Errorf("sandbox: user groups: %w", err)
			}
			g.GroupID = formatGroupID(id)
			g.Permission = []string{"member", "admin", "owner"}[role]
			out = append(out, g)
		}
		return rows.Err()
	})
	return out, total, err
}
