package sandbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
)

// Limits on members (facts §4.2, §5).
const (
	maxBatchUsers       = 60    // batch add/remove
	maxAdmins           = 99    // owner + admins ≤ 100
	maxDetailMembers    = 10000 // affiliations returned per group by detail
	maxMembersOnCreate  = 100
	msgMembersOverLimit = "members size is greater than max user size !"
)

// memberRole reports u's role in group gid and whether u is a member.
func memberRole(ctx context.Context, tx *sql.Tx, gid int64, u string) (int, bool, error) {
	var role int
	err := tx.QueryRowContext(ctx, `SELECT role FROM members WHERE group_id = ? AND username = ?`, gid, u).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("sandbox: member role: %w", err)
	}
	return role, true, nil
}

func insertMember(ctx context.Context, tx *sql.Tx, gid int64, u string, role int, nowMs int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO members (group_id, username, role, joined) VALUES (?, ?, ?, ?)`, gid, u, role, nowMs); err != nil {
		return fmt.Errorf("sandbox: add member: %w", err)
	}
	return nil
}

func bumpMemberCount(ctx context.Context, tx *sql.Tx, gid int64, delta int, nowMs int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE groups SET member_count = member_count + ?, modified = ? WHERE id = ?`, delta, nowMs, gid)
	if err != nil {
		return fmt.Errorf("sandbox: update member count: %w", err)
	}
	return nil
}

// affiliation is one member as Agora writes it: {"owner":u},
// {"member":u} or {"admin":u}, optionally with "joined_time".
type affiliation struct {
	role     int
	username string
	joined   int64 // Unix ms
	seq      int64 // join order, for cursors
}

// affiliations marshals as one array in one buffer: a detail can hold
// 10,000 of them, and a MarshalJSON per element costs several allocations.
type affiliations struct {
	items      []affiliation
	adminKey   bool // admins as {"admin":u}; otherwise as {"member":u}
	joinedTime bool // add "joined_time" (a number, as in the examples)
}

func (as affiliations) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2+len(as.items)*24)
	b = append(b, '[')
	for i, a := range as.items {
		if i > 0 {
			b = append(b, ',')
		}
		switch {
		case a.role == roleOwner:
			b = append(b, `{"owner":`...)
		case a.role == roleAdmin && as.adminKey:
			b = append(b, `{"admin":`...)
		default:
			b = append(b, `{"member":`...)
		}
		if plainASCII(a.username) { // valid usernames need no escaping
			b = append(append(append(b, '"'), a.username...), '"')
		} else {
			q, err := json.Marshal(a.username)
			if err != nil {
				return nil, err
			}
			b = append(b, q...)
		}
		if as.joinedTime {
			b = strconv.AppendInt(append(b, `,"joined_time":`...), a.joined, 10)
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// The queries of a group's member rows. The index members_by_group_joined
// covers every column they read, so a 2,000-member group is read from the
// index alone (TestMemberQueriesReadOnlyTheIndex).
const affiliationsOf = `SELECT role, username, joined, seq FROM members WHERE group_id = ? AND `

var (
	ownerQuery         = affiliationsOf + `role = ?`
	newestMembersQuery = affiliationsOf + `role <> ? ORDER BY seq DESC LIMIT ?`
	membersPageQuery   = affiliationsOf + `role <> ? ORDER BY seq LIMIT ? OFFSET ?`
)

// membersAfterQuery reads members past a cursor: cmp is ">" (ascending) or
// "<" (descending).
func membersAfterQuery(cmp string) string {
	order := "ASC"
	if cmp == "<" {
		order = "DESC"
	}
	return affiliationsOf + `seq ` + cmp + ` ? AND role <> ? ORDER BY seq ` + order + ` LIMIT ?`
}

// queryAffiliations runs a query selecting role, username, joined, seq.
func queryAffiliations(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]affiliation, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sandbox: list members: %w", err)
	}
	defer rows.Close()
	var out []affiliation
	for rows.Next() {
		var a affiliation
		if err := rows.Scan(&a.role, &a.username, &a.joined, &a.seq); err != nil {
			return nil, fmt.Errorf("sandbox: list members: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// listMembers returns a page of group gid: the owner first, then the other
// members in join order.
func (st *store) listMembers(ctx context.Context, gid int64, rawID string, limit, offset int) ([]affiliation, error) {
	out := []affiliation{}
	err := st.read(ctx, func(tx *sql.Tx) error {
		g, err := loadGroup(ctx, tx, gid)
		if err != nil {
			return err
		}
		if g == nil {
			return errGroupNotFoundForRead(rawID)
		}
		if offset == 0 {
			owner, err := queryAffiliations(ctx, tx, ownerQuery, gid, roleOwner)
			if err != nil {
				return err
			}
			out = append(out, owner...)
			limit--
		} else {
			offset-- // the owner took the first place
		}
		rest, err := queryAffiliations(ctx, tx, membersPageQuery, gid, roleOwner, limit, offset)
		out = append(out, rest...)
		return err
	})
	return out, err
}

// memberPage returns up to limit members of group gid after the join
// position cursor (0 = from the start), in join order or reversed, and the
// position to continue from (0 when no more follow). The owner is left out
// unless withOwner.
func (st *store) memberPage(ctx context.Context, gid int64, rawID string, cursor int64, limit int, desc, withOwner bool) ([]affiliation, int64, error) {
	var out []affiliation
	var next int64
	err := st.read(ctx, func(tx *sql.Tx) error {
		g, err := loadGroup(ctx, tx, gid)
		if err != nil {
			return err
		}
		if g == nil {
			return errGroupNotFoundForRead(rawID)
		}
		cmp := ">"
		if desc {
			cmp = "<"
			if cursor == 0 {
				cursor = math.MaxInt64
			}
		}
		ownerRole := roleOwner
		if withOwner {
			ownerRole = -1
		}
		out, err = queryAffiliations(ctx, tx, membersAfterQuery(cmp), gid, cursor, ownerRole, limit+1)
		if len(out) > limit {
			out = out[:limit]
			next = out[limit-1].seq
		}
		return err
	})
	return out, next, err
}

// addMembers adds users (existing, lower-cased) to group gid and returns
// those that were not members yet. With strict, a user who already is a
// member is an error (the single-user endpoint); otherwise it is skipped.
func (st *store) addMembers(ctx context.Context, gid int64, rawID string, users []string, strict bool, nowMs int64) ([]string, error) {
	added := []string{}
	err := st.write(ctx, func(tx *sql.Tx) error {
		g, err := mustLoadGroup(ctx, tx, gid, rawID)
		if err != nil {
			return err
		}
		if err := requireUsers(ctx, tx, users...); err != nil {
			return err
		}
		for _, u := range users {
			_, isMember, err := memberRole(ctx, tx, gid, u)
			if err != nil {
				return err
			}
			if isMember {
				if strict {
					return errForbiddenOp("can not join this group, reason:user: %s already in group: %s", u, rawID)
				}
				continue
			}
			if err := st.checkCanJoin(ctx, tx, gid, rawID, u); err != nil {
				return err
			}
			if g.MemberCount+len(added)+1 > g.MaxUsers {
				return errExceedLimit(msgMembersOverLimit)
			}
			if err := insertMember(ctx, tx, gid, u, roleMember, nowMs); err != nil {
				return err
			}
			added = append(added, u)
		}
		if len(added) == 0 {
			return nil
		}
		return bumpMemberCount(ctx, tx, gid, len(added), nowMs)
	})
	return added, err
}

// checkCanJoin refuses a user who is blocked in the group, or who has
// joined as many groups as the store allows.
func (st *store) checkCanJoin(ctx context.Context, tx *sql.Tx, gid int64, rawID, u string) error {
	var blocked bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM blocks WHERE group_id = ? AND username = ?)`, gid, u).Scan(&blocked); err != nil {
		return fmt.Errorf("sandbox: look up block: %w", err)
	}
	if blocked {
		return errForbiddenOp("can not join this group, reason:user: %s is in the blacklist of group: %s", u, rawID)
	}
	if st.maxJoined > 0 {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM members WHERE username = ?`, u).Scan(&n); err != nil {
			return fmt.Errorf("sandbox: count joined groups: %w", err)
		}
		if n >= st.maxJoined {
			return errExceedLimit("user %s has joined too many groups!", u)
		}
	}
	return nil
}

// leaveGroup deletes u's membership and explicit allow-list entry; a mute
// stays (it outlives leaving and re-joining). The caller fixes member_count.
func leaveGroup(ctx context.Context, tx *sql.Tx, gid int64, u string) error {
	for _, q := range []string{
		`DELETE FROM members WHERE group_id = ? AND username = ?`,
		`DELETE FROM allows WHERE group_id = ? AND username = ?`,
		`DELETE FROM member_attrs WHERE group_id = ? AND username = ?`,
	} {
		if _, err := tx.ExecContext(ctx, q, gid, u); err != nil {
			return fmt.Errorf("sandbox: leave group: %w", err)
		}
	}
	return nil
}

// removal is what happened to one user of a remove-members call.
type removal int

const (
	removed removal = iota
	removalNoUser
	removalOwner
	removalNotMember
)

// removeMembers takes users out of group gid, one outcome per user.
func (st *store) removeMembers(ctx context.Context, gid int64, rawID string, users []string, nowMs int64) ([]removal, error) {
	out := make([]removal, len(users))
	err := st.write(ctx, func(tx *sql.Tx) error {
		if _, err := mustLoadGroup(ctx, tx, gid, rawID); err != nil {
			return err
		}
		n := 0
		for i, u := range users {
			role, isMember, err := memberRole(ctx, tx, gid, u)
			if err != nil {
				return err
			}
			switch {
			case isMember && role == roleOwner:
				out[i] = removalOwner
			case isMember:
				if err := leaveGroup(ctx, tx, gid, u); err != nil {
					return err
				}
				out[i] = removed
				n++
			default:
				if requireUsers(ctx, tx, u) != nil {
					out[i] = removalNoUser
				} else {
					out[i] = removalNotMember
				}
			}
		}
		if n == 0 {
			return nil
		}
		return bumpMemberCount(ctx, tx, gid, -n, nowMs)
	})
	return out, err
}

func (st *store) listAdmins(ctx context.Context, gid int64, rawID string) ([]string, error) {
	var out []string
	err := st.read(ctx, func(tx *sql.Tx) error {
		if _, err := mustLoadGroup(ctx, tx, gid, rawID); err != nil {
			return err
		}
		var err error
		out, err = queryStrings(ctx, tx, `SELECT username FROM members WHERE group_id = ? AND role = ? ORDER BY seq`, gid, roleAdmin)
		if err != nil {
			return fmt.Errorf("sandbox: list admins: %w", err)
		}
		return nil
	})
	return out, err
}

// setAdmin promotes a member to admin, or demotes an admin.
func (st *store) setAdmin(ctx context.Context, gid int64, rawID, u string, admin bool) error {
	return st.write(ctx, func(tx *sql.Tx) error {
		if _, err := mustLoadGroup(ctx, tx, gid, rawID); err != nil {
			return err
		}
		role, isMember, err := memberRole(ctx, tx, gid, u)
		if err != nil {
			return err
		}
		newRole := roleMember
		if admin {
			switch {
			case !isMember:
				return newErr(http.StatusNotFound, "resource_not_found", excResourceNotFound, "user: %s doesn't exist in group: %s", u, rawID)
			case role == roleOwner:
				return errForbiddenOp("forbidden operation on group owner!")
			case role == roleAdmin:
				return errForbiddenOp("user: %s is already admin of group: %s", u, rawID)
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM members WHERE group_id = ? AND role = ?`, gid, roleAdmin).Scan(&n); err != nil {
				return fmt.Errorf("sandbox: count admins: %w", err)
			}
			if n >= maxAdmins {
				return errExceedLimit("the number of admins has reached the limit : %d", maxAdmins)
			}
			newRole = roleAdmin
		} else if !isMember || role != roleAdmin {
			return errForbiddenOp("user:%s is not admin of group:%s", u, rawID)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE members SET role = ? WHERE group_id = ? AND username = ?`, newRole, gid, u); err != nil {
			return fmt.Errorf("sandbox: set admin: %w", err)
		}
		return nil
	})
}
