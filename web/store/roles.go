package store

import (
	"fmt"
	"strings"
)

// Role is what a dashboard account may do. Each role can do everything the
// roles before it can.
type Role string

// The dashboard's roles, least first.
const (
	RoleViewer    Role = "viewer"    // read-only: lists, details, exports, the audit log and reports
	RoleModerator Role = "moderator" // viewer + create, edit and delete groups, run reports
	RoleAdmin     Role = "admin"     // moderator + manage dashboard accounts
)

// Roles lists the roles, least first.
var Roles = []Role{RoleViewer, RoleModerator, RoleAdmin}

// ParseRole reads a role name as typed on the command line or in a form.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if r.Rank() == 0 {
		return "", fmt.Errorf("role %q is not known: use viewer, moderator or admin", s)
	}
	return r, nil
}

// Rank orders the roles from 1 (viewer) up; 0 is no known role.
func (r Role) Rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleModerator:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// Allows reports whether an account with role r may do what needs min.
func (r Role) Allows(min Role) bool { return r.Rank() > 0 && r.Rank() >= min.Rank() }
