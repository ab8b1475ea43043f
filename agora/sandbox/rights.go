package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// right is what a user token needs to call an endpoint; app tokens may call
// every endpoint. The rules follow the Web SDK's documentation (doc.go).
type right int

const (
	appOnly     right = iota // user tokens → 401 unauthorized "Unable to authenticate (OAuth)"
	anyUser                  // any user (handlers may check more, e.g. the owner on create)
	self                     // the {username} of the path
	groupReader              // a member of {id}, or anyone when the group is public
	groupMember              // a member of {id}
	groupAdmin               // the owner or an admin of {id}
	groupOwner               // the owner of {id}
)

// Web SDK error codes (from the official agora-chat 1.4 error parser; the
// facts files list none): 60001 → NO_PERMISSION (with 401), 60002 →
// PERMISSION_DENIED (with 403), 60003 → GROUP_NOT_JOINED.
const (
	codeNoPermission     = 60001
	codePermissionDenied = 60002
	codeNotJoined        = 60003
)

func errPermissionDenied(need string) *apiError {
	e := errForbiddenOp("you have no permission to do this, group %s permission is required", need)
	e.errorCode = codePermissionDenied
	return e
}

func errNotJoined(u string) *apiError {
	e := errForbiddenOp("users [%s] are not members of this group!", u)
	e.errorCode = codeNotJoined
	return e
}

type callerKey struct{}

func withCaller(r *http.Request, c caller) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), callerKey{}, c))
}

// callerOf is who the request acts for (the app unless a user token was sent).
func callerOf(r *http.Request) caller {
	c, _ := r.Context().Value(callerKey{}).(caller)
	return c
}

// authorize checks a user caller's right to the endpoint. An unknown group
// passes, so the handler answers its usual 404.
func (s *Sandbox) authorize(r *http.Request, need right) error {
	c := callerOf(r)
	if c.isApp() || need == anyUser {
		return nil
	}
	switch need {
	case appOnly:
		return errOAuth()
	case self:
		if normalizeUsername(r.PathValue("username")) != c.user {
			return errPermissionDenied("owner") // another user's data
		}
		return nil
	}
	for _, raw := range strings.Split(r.PathValue("id"), ",") {
		id, ok := parseGroupID(strings.TrimSpace(raw))
		if !ok {
			continue
		}
		if err := s.store.checkGroupRight(r.Context(), id, c.user, need); err != nil {
			return err
		}
	}
	return nil
}

func (st *store) checkGroupRight(ctx context.Context, gid int64, user string, need right) error {
	var public, disabled, blocked bool
	err := st.r.QueryRowContext(ctx, `SELECT public, disabled,
		EXISTS (SELECT 1 FROM blocks WHERE group_id = groups.id AND username = ?) FROM groups WHERE id = ?`, user, gid).Scan(&public, &disabled, &blocked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sandbox: authorize: %w", err)
	}
	role := -1
	err = st.r.QueryRowContext(ctx, `SELECT role FROM members WHERE group_id = ? AND username = ?`, gid, user).Scan(&role)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sandbox: authorize: %w", err)
	}
	switch {
	case blocked: // blocked users do not even see the group
		return errForbiddenOp("user: %s is in the blacklist of group: %d", user, gid)
	case disabled && need != groupReader: // the Web SDK's GROUP_IS_DISABLED text
		return errForbiddenOp("can not operate this group, reason: group is disabled")
	case need == groupReader && (public || role >= 0):
		return nil
	case role < 0:
		return errNotJoined(user)
	case need == groupMember, need == groupReader:
		return nil
	case need == groupAdmin && role >= roleAdmin:
		return nil
	case need == groupAdmin:
		return errPermissionDenied("admin")
	case role == roleOwner:
		return nil
	}
	return errPermissionDenied("owner")
}
