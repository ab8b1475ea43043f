package sandbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Group member attributes, the Web SDK's set/getGroupMemberAttributes and
// getGroupMembersAttributes (doc.go, "SDK endpoints").

const (
	// memberAttrKeyMax and memberAttrValueMax are Agora's documented limits
	// for one attribute, in bytes.
	memberAttrKeyMax   = 16
	memberAttrValueMax = 512
	// codeMemberAttrs is the error_code the Web SDK reads on a refused
	// attribute change: with "exceeds chatgroup user metadata single value
	// limit" it reports MAX_LIMIT, otherwise NO_PERMISSION.
	codeMemberAttrs = 60010
)

// errNotInGroup refuses a non-member here. The Web SDK recognises a
// non-member on these paths only by a 404 with error_code 60003: its 403
// check looks for "chatgroups" in the URL, which /sdk/metadata/chatgroup
// lacks.
func errNotInGroup(u, rawID string) *apiError {
	e := newErr(http.StatusNotFound, "resource_not_found", excResourceNotFound, "user: %s is not a member of group: %s", u, rawID)
	e.errorCode = codeNotJoined
	return e
}

// memberAttrsRight checks that a user caller is a member of the group (the
// usual checks, with the refusal of a non-member in the 404 form above).
func (s *Sandbox) memberAttrsRight(r *http.Request, id int64, rawID string) error {
	c := callerOf(r)
	if c.isApp() {
		return nil
	}
	err := s.store.checkGroupRight(r.Context(), id, c.user, groupMember)
	if ae, ok := errors.AsType[*apiError](err); ok && ae.errorCode == codeNotJoined {
		return errNotInGroup(c.user, rawID)
	}
	return err
}

func errMemberAttrs(format string, args ...any) *apiError {
	e := errInvalidParameter(format, args...)
	e.errorCode = codeMemberAttrs
	return e
}

// PUT /sdk/metadata/chatgroup/{id}/user/{username} {"metaData":{k:v}}: sets
// the member's attributes; an empty value deletes the key. Members set
// their own; the owner and admins anyone's.
func (s *Sandbox) setMemberAttrs(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	if err := s.memberAttrsRight(r, id, rawID); err != nil {
		return nil, err
	}
	target := normalizeUsername(r.PathValue("username"))
	if c := callerOf(r); !c.isApp() && c.user != target {
		if err := s.store.checkGroupRight(r.Context(), id, c.user, groupAdmin); err != nil {
			return nil, errMemberAttrs("user %s has no permission to set the attributes of %s in group %s", c.user, target, rawID)
		}
	}
	obj, err := readObject(r)
	if err != nil {
		return nil, err
	}
	var attrs map[string]string
	if raw, ok := obj["metaData"]; !ok || json.Unmarshal(raw, &attrs) != nil || len(attrs) == 0 {
		return nil, errInvalidParameter("metaData must be an object of string values")
	}
	for k, v := range attrs {
		if k == "" || len(k) > memberAttrKeyMax || len(v) > memberAttrValueMax {
			return nil, errMemberAttrs("exceeds chatgroup user metadata single value limit: keys 1 to %d bytes, values up to %d", memberAttrKeyMax, memberAttrValueMax)
		}
	}
	if err := s.store.setMemberAttrs(r.Context(), id, rawID, target, attrs); err != nil {
		return nil, err
	}
	return &reply{data: attrs}, nil
}

// POST /sdk/metadata/chatgroup/{id}/get {"targets":[u…],"properties":[k…]}:
// each target's attributes (only the keys asked, or all), by username.
func (s *Sandbox) getMemberAttrs(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	if err := s.memberAttrsRight(r, id, rawID); err != nil {
		return nil, err
	}
	obj, err := readObject(r)
	if err != nil {
		return nil, err
	}
	var targets, keys []string
	f := fieldReader{obj: obj}
	f.stringList("targets", &targets)
	f.stringList("properties", &keys)
	if f.err != nil {
		return nil, f.err
	}
	if targets = normalizeList(targets, ""); len(targets) == 0 {
		return nil, errInvalidParameter("targets must be provided")
	}
	out, err := s.store.memberAttrs(r.Context(), id, rawID, targets, keys)
	if err != nil {
		return nil, err
	}
	return &reply{data: out}, nil
}

func (st *store) setMemberAttrs(ctx context.Context, gid int64, rawID, u string, attrs map[string]string) error {
	return st.write(ctx, func(tx *sql.Tx) error {
		if _, err := mustLoadGroup(ctx, tx, gid, rawID); err != nil {
			return err
		}
		var member bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM members WHERE group_id = ? AND username = ?)`, gid, u).Scan(&member); err != nil {
			return fmt.Errorf("sandbox: member attributes: %w", err)
		}
		if !member {
			return errNotInGroup(u, rawID)
		}
		for k, v := range attrs {
			q, args := `INSERT INTO member_attrs (group_id, username, key, value) VALUES (?, ?, ?, ?)
				ON CONFLICT DO UPDATE SET value = excluded.value`, []any{gid, u, k, v}
			if v == "" {
				q, args = `DELETE FROM member_attrs WHERE group_id = ? AND username = ? AND key = ?`, args[:3]
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("sandbox: member attributes: %w", err)
			}
		}
		return nil
	})
}

// memberAttrs returns {user: {key: value}} for each user asked (an empty
// object for one without attributes), limited to keys unless empty.
func (st *store) memberAttrs(ctx context.Context, gid int64, rawID string, users, keys []string) (map[string]map[string]string, error) {
	out := make(map[string]map[string]string, len(users))
	for _, u := range users {
		out[u] = map[string]string{}
	}
	err := st.read(ctx, func(tx *sql.Tx) error {
		if _, err := mustLoadGroup(ctx, tx, gid, rawID); err != nil {
			return err
		}
		q := `SELECT username, key, value FROM member_attrs WHERE group_id = ? AND username IN (?` + strings.Repeat(",?", len(users)-1) + `)`
		args := []any{gid}
		for _, u := range users {
			args = append(args, u)
		}
		if len(keys) > 0 {
			q += ` AND key IN (?` + strings.Repeat(",?", len(keys)-1) + `)`
			for _, k := range keys {
				args = append(args, k)
			}
		}
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("sandbox: member attributes: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var u, k, v string
			if err := rows.Scan(&u, &k, &v); err != nil {
				return err
			}
			out[u][k] = v
		}
		return rows.Err()
	})
	return out, err
}
