package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// groupRow is one row of the groups table.
type groupRow struct {
	ID                                                   int64
	Name, Description, Owner, Custom, Avatar             string
	Public, MembersOnly, AllowInvites, InviteNeedConfirm bool
	Mute, Disabled                                       bool
	MaxUsers, MemberCount                                int
	Created, Modified                                    int64
}

const groupColumns = `id, name, description, public, membersonly, allowinvites, invite_need_confirm,
	maxusers, owner, custom, avatar, mute, disabled, created, modified, member_count`

func scanGroup(row interface{ Scan(...any) error }) (*groupRow, error) {
	var g groupRow
	err := row.Scan(&g.ID, &g.Name, &g.Description, &g.Public, &g.MembersOnly, &g.AllowInvites, &g.InviteNeedConfirm,
		&g.MaxUsers, &g.Owner, &g.Custom, &g.Avatar, &g.Mute, &g.Disabled, &g.Created, &g.Modified, &g.MemberCount)
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// loadGroup returns the group, or nil when there is none.
func loadGroup(ctx context.Context, tx *sql.Tx, id int64) (*groupRow, error) {
	g, err := scanGroup(tx.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM groups WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox: load group %d: %w", id, err)
	}
	return g, nil
}

// mustLoadGroup is loadGroup with the write endpoints' 404.
func mustLoadGroup(ctx context.Context, tx *sql.Tx, id int64, rawID string) (*groupRow, error) {
	g, err := loadGroup(ctx, tx, id)
	if err == nil && g == nil {
		return nil, errGroupNotFound(rawID)
	}
	return g, err
}

// groupInserter inserts groups with their members through prepared
// statements, so bulk inserts do not re-parse SQL per row.
type groupInserter struct {
	group, member *sql.Stmt
}

func newGroupInserter(ctx context.Context, tx *sql.Tx) (*groupInserter, error) {
	g, err := tx.PrepareContext(ctx, `INSERT INTO groups (`+groupColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return nil, fmt.Errorf("prepare group insert: %w", err)
	}
	m, err := tx.PrepareContext(ctx, `INSERT INTO members (group_id, username, role, joined) VALUES (?, ?, ?, ?)`)
	if err != nil {
		g.Close()
		return nil, fmt.Errorf("prepare member insert: %w", err)
	}
	return &groupInserter{group: g, member: m}, nil
}

func (b *groupInserter) close() {
	b.group.Close()
	b.member.Close()
}

// add inserts g, its owner, members, and admins (a subset of members).
func (b *groupInserter) add(ctx context.Context, g *groupRow, members []string, admins map[string]bool) error {
	_, err := b.group.ExecContext(ctx, g.ID, g.Name, g.Description, g.Public, g.MembersOnly, g.AllowInvites, g.InviteNeedConfirm,
		g.MaxUsers, g.Owner, g.Custom, g.Avatar, g.Mute, g.Disabled, g.Created, g.Modified, g.MemberCount)
	if err != nil {
		return fmt.Errorf("insert group: %w", err)
	}
	if _, err := b.member.ExecContext(ctx, g.ID, g.Owner, roleOwner, g.Created); err != nil {
		return fmt.Errorf("insert owner: %w", err)
	}
	for _, m := range members {
		role := roleMember
		if admins[m] {
			role = roleAdmin
		}
		if _, err := b.member.ExecContext(ctx, g.ID, m, role, g.Created); err != nil {
			return fmt.Errorf("insert member: %w", err)
		}
	}
	return nil
}

// createGroup stores g with its owner and members (owner excluded) and
// returns the new id. Owner and members must exist.
func (st *store) createGroup(ctx context.Context, g groupRow, members []string) (int64, error) {
	err := st.write(ctx, func(tx *sql.Tx) error {
		if err := requireUsers(ctx, tx, g.Owner); err != nil {
			return err
		}
		if err := requireUsers(ctx, tx, members...); err != nil {
			return err
		}
		id, err := nextGroupIDs(ctx, tx, g.Created, 1)
		if err != nil {
			return err
		}
		g.ID, g.MemberCount = id, 1+len(members)
		ins, err := newGroupInserter(ctx, tx)
		if err != nil {
			return err
		}
		defer ins.close()
		return ins.add(ctx, &g, members, nil)
	})
	return g.ID, err
}

// groupSummary is one list-all item.
type groupSummary struct {
	ID          int64
	Name, Owner string
	MemberCount int
	Modified    int64
}

// listGroups returns up to limit groups with id < before, newest first,
// and whether more follow. Keyset paging: the cost does not grow with depth.
// With publicOnly, private groups are left out.
func (st *store) listGroups(ctx context.Context, before int64, limit int, publicOnly bool) ([]groupSummary, bool, error) {
	rows, err := st.r.QueryContext(ctx, `SELECT id, name, owner, member_count, modified FROM groups
		WHERE id < ? AND (public OR NOT ?) ORDER BY id DESC LIMIT ?`, before, publicOnly, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("sandbox: list groups: %w", err)
	}
	defer rows.Close()
	out := make([]groupSummary, 0, limit)
	for rows.Next() {
		var g groupSummary
		if err := rows.Scan(&g.ID, &g.Name, &g.Owner, &g.MemberCount, &g.Modified); err != nil {
			return nil, false, fmt.Errorf("sandbox: list groups: %w", err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("sandbox: list groups: %w", err)
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}

// groupWithMembers is a group and up to memberCap of its members, most
// recently joined first and the owner last.
type groupWithMembers struct {
	*groupRow
	Members []affiliation
}

// groupDetails returns the groups among ids that exist, in the order asked.
func (st *store) groupDetails(ctx context.Context, ids []int64, memberCap int) ([]groupWithMembers, error) {
	var out []groupWithMembers
	err := st.read(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			g, err := loadGroup(ctx, tx, id)
			if err != nil {
				return err
			}
			if g == nil {
				continue
			}
			members, err := queryAffiliations(ctx, tx, newestMembersQuery, id, roleOwner, memberCap)
			if err != nil {
				return err
			}
			owner, err := queryAffiliations(ctx, tx, ownerQuery, id, roleOwner)
			if err != nil {
				return err
			}
			members = append(members, owner...)
			out = append(out, groupWithMembers{groupRow: g, Members: members})
		}
		return nil
	})
	return out, err
}

// groupUpdate holds the PUT fields that were sent.
type groupUpdate struct {
	Name, Description, Custom, Avatar, NewOwner *string
	MaxUsers                                    *int
	Public, MembersOnly, AllowInvites, Invite   *bool
}

// updateGroup applies u to group id (rawID as the client wrote it).
func (st *store) updateGroup(ctx context.Context, id int64, rawID string, u groupUpdate, nowMs int64) error {
	return st.write(ctx, func(tx *sql.Tx) error {
		g, err := mustLoadGroup(ctx, tx, id, rawID)
		if err != nil {
			return err
		}
		if u.MaxUsers != nil && *u.MaxUsers < g.MemberCount {
			return errForbiddenOp("current user count is larger than the maxUsers that you want to update !")
		}
		if u.NewOwner != nil {
			if err := transferOwner(ctx, tx, g, *u.NewOwner); err != nil {
				return err
			}
			g.Owner = *u.NewOwner
		}
		set(&g.Name, u.Name)
		set(&g.Description, u.Description)
		set(&g.Custom, u.Custom)
		set(&g.Avatar, u.Avatar)
		set(&g.MaxUsers, u.MaxUsers)
		set(&g.Public, u.Public)
		set(&g.MembersOnly, u.MembersOnly)
		set(&g.AllowInvites, u.AllowInvites)
		set(&g.InviteNeedConfirm, u.Invite)
		_, err = tx.ExecContext(ctx, `UPDATE groups SET name = ?, description = ?, custom = ?, avatar = ?, maxusers = ?,
			public = ?, membersonly = ?, allowinvites = ?, invite_need_confirm = ?, owner = ?, modified = ? WHERE id = ?`,
			g.Name, g.Description, g.Custom, g.Avatar, g.MaxUsers, g.Public, g.MembersOnly, g.AllowInvites,
			g.InviteNeedConfirm, g.Owner, nowMs, id)
		if err != nil {
			return fmt.Errorf("sandbox: update group %d: %w", id, err)
		}
		return nil
	})
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// transferOwner makes newOwner, a member of g, its owner; the old owner
// stays as an ordinary member.
func transferOwner(ctx context.Context, tx *sql.Tx, g *groupRow, newOwner string) error {
	gid := formatGroupID(g.ID)
	if newOwner == g.Owner {
		return errForbiddenOp("new owner and old owner are the same")
	}
	_, ok, err := memberRole(ctx, tx, g.ID, newOwner)
	if err != nil {
		return err
	}
	if !ok {
		return errForbiddenOp("user: %s doesn't exist in group: %s", newOwner, gid)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE members SET role = ? WHERE group_id = ? AND username = ?`, roleMember, g.ID, g.Owner); err != nil {
		return fmt.Errorf("sandbox: demote owner: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE members SET role = ? WHERE group_id = ? AND username = ?`, roleOwner, g.ID, newOwner); err != nil {
		return fmt.Errorf("sandbox: promote owner: %w", err)
	}
	return nil
}

func (st *store) deleteGroup(ctx context.Context, id int64, rawID string) error {
	return st.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM groups WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("sandbox: delete group %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errGroupNotFound(rawID)
		}
		return nil
	})
}

// joinedGroup is one item of a user's joined groups.
type joinedGroup struct {
	ID   string `json:"groupid"`
	Name string `json:"groupname"`
}

// joinedGroups returns a page of the user's groups, most recently joined first.
func (st *store) joinedGroups(ctx context.Context, username string, limit, offset int) ([]joinedGroup, error) {
	out := []joinedGroup{}
	err := st.read(ctx, func(tx *sql.Tx) error {
		if err := requireUsers(ctx, tx, username); err != nil {
			return err
		}
		// Skip the offset on the covering index alone, then join the page.
		rows, err := tx.QueryContext(ctx, `SELECT g.id, g.name FROM (
				SELECT group_id, seq FROM members WHERE username = ? ORDER BY seq DESC LIMIT ? OFFSET ?
			) m JOIN groups g ON g.id = m.group_id ORDER BY m.seq DESC`, username, limit, offset)
		if err != nil {
			return fmt.Errorf("sandbox: joined groups: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				return fmt.Errorf("sandbox: joined groups: %w", err)
			}
			out = append(out, joinedGroup{ID: formatGroupID(id), Name: name})
		}
		return rows.Err()
	})
	return out, err
}

func queryStrings(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
