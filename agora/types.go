package agora

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Millis is a Unix time in milliseconds, as Agora sends timestamps. It
// decodes from a JSON number or from a string of digits (list-all sends
// lastModified as a string).
type Millis int64

// Time converts m to a time.Time (zero time for 0).
func (m Millis) Time() time.Time {
	if m == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(m))
}

// UnmarshalJSON accepts 1542356598609 and "1542356598609".
func (m *Millis) UnmarshalJSON(b []byte) error {
	// The forms Agora sends, without a second json.Unmarshal for the
	// quoted one (list-all sends lastModified quoted, 50 a page).
	plain := b
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		plain = b[1 : len(b)-1]
	}
	if v, ok := digits(plain); ok {
		*m = Millis(v)
		return nil
	}
	s := string(b)
	if s == "null" || s == `""` {
		*m = 0
		return nil
	}
	if len(s) >= 2 && s[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("agora: timestamp %s is not a number of milliseconds", b)
	}
	*m = Millis(v)
	return nil
}

// Role is a member's place in a group.
type Role string

const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin" // admins are usually listed as members; set by callers that merged the admin list, or when Agora sends {"admin":u}
	RoleMember Role = "member"
)

// Affiliation is one member of a group. On the wire it is a one-key object,
// {"owner":"u1"} or {"member":"u2"}.
type Affiliation struct {
	Username string
	Role     Role
}

// MarshalJSON writes the one-key wire form.
func (a Affiliation) MarshalJSON() ([]byte, error) {
	role := a.Role
	if role == RoleAdmin {
		role = RoleMember
	}
	return json.Marshal(map[string]string{string(role): a.Username})
}

// UnmarshalJSON reads {"owner":u}, {"admin":u} or {"member":u}.
func (a *Affiliation) UnmarshalJSON(b []byte) error {
	// A detail answer carries up to 10,000 of these; decoding each into a
	// map made them most of a detail page's cost.
	if role, name, ok := plainAffiliation(b); ok {
		*a = Affiliation{Username: name, Role: role}
		return nil
	}
	// Other keys may come along (joined_time, a number), and one revision
	// of the docs sends {"admin":u} (moderation facts §2.1).
	var m struct {
		Owner, Admin, Member *string
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("agora: affiliation %s: %w", b, err)
	}
	switch {
	case m.Owner != nil:
		*a = Affiliation{Username: *m.Owner, Role: RoleOwner}
	case m.Admin != nil:
		*a = Affiliation{Username: *m.Admin, Role: RoleAdmin}
	case m.Member != nil:
		*a = Affiliation{Username: *m.Member, Role: RoleMember}
	default:
		return fmt.Errorf("agora: affiliation %s has neither owner, admin nor member", b)
	}
	return nil
}

// plainAffiliation reads the form Agora sends, {"member":"u"} or
// {"owner":"u"} with no spaces and a name of printable ASCII without
// escapes. Anything else is left to the general decoder.
func plainAffiliation(b []byte) (Role, string, bool) {
	role, start, end, ok := plainAffiliationAt(b)
	if !ok {
		return "", "", false
	}
	return role, string(b[start:end]), true
}

// plainAffiliationAt is plainAffiliation giving the name's bounds in b.
func plainAffiliationAt(b []byte) (role Role, start, end int, ok bool) {
	switch {
	case bytes.HasPrefix(b, []byte(`{"member":"`)):
		role, start = RoleMember, len(`{"member":"`)
	case bytes.HasPrefix(b, []byte(`{"owner":"`)):
		role, start = RoleOwner, len(`{"owner":"`)
	default:
		return "", 0, 0, false
	}
	if !bytes.HasSuffix(b[start:], []byte(`"}`)) {
		return "", 0, 0, false
	}
	end = len(b) - len(`"}`)
	for _, c := range b[start:end] {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return "", 0, 0, false
		}
	}
	return role, start, end, true
}

// AffiliationList is a group's members as the detail call sends them, up
// to 10,000. In the form Agora sends, the whole list decodes into one
// slice and one string that every name is a slice of, instead of a string
// and an UnmarshalJSON call per member; any other form goes through
// Affiliation.UnmarshalJSON.
type AffiliationList []Affiliation

// UnmarshalJSON implements json.Unmarshaler.
func (l *AffiliationList) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil // as encoding/json leaves a slice
	}
	if out, ok := plainAffiliations(b); ok {
		*l = out
		return nil
	}
	var slow []Affiliation
	if err := json.Unmarshal(b, &slow); err != nil {
		return err
	}
	*l = slow
	return nil
}

// plainAffiliations reads an array of plain affiliations, or reports false.
func plainAffiliations(b []byte) (AffiliationList, bool) {
	return affiliationsFrom(b, string(b))
}

// affiliationsFrom is plainAffiliations with the names sliced from names,
// which is b as a string.
func affiliationsFrom(b []byte, names string) (AffiliationList, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return nil, false
	}
	out := make(AffiliationList, 0, bytes.Count(b, []byte("},"))+1)
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return out, skipSpace(b, i+1) == len(b)
	}
	for {
		n := bytes.IndexByte(b[i:], '}')
		if n < 0 {
			return nil, false
		}
		role, start, end, ok := plainAffiliationAt(b[i : i+n+1])
		if !ok {
			return nil, false
		}
		out = append(out, Affiliation{Username: names[i+start : i+end], Role: role})
		i = skipSpace(b, i+n+1)
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case ']':
			return out, skipSpace(b, i+1) == len(b)
		default:
			return nil, false
		}
	}
}

// Group is a group's full detail, as returned by GET /chatgroups/{ids}.
type Group struct {
	ID                string          `json:"id"`
	Name              string          `json:"name"`
	Description       string          `json:"description"`
	Public            bool            `json:"public"`
	MembersOnly       bool            `json:"membersonly"`
	AllowInvites      bool            `json:"allowinvites"`
	InviteNeedConfirm bool            `json:"invite_need_confirm"`
	MaxUsers          int             `json:"maxusers"`
	Owner             string          `json:"owner"`
	Created           Millis          `json:"created"`
	Custom            string          `json:"custom"`
	Mute              bool            `json:"mute"`
	Disabled          bool            `json:"disabled"`
	Avatar            string          `json:"avatar,omitempty"`
	AffiliationsCount int             `json:"affiliations_count"`
	Affiliations      AffiliationList `json:"affiliations"`
}

// GroupSummary is one row of the list of all groups (GET /chatgroups).
// Owner is the plain username: the client strips the "{org}#{app}_" prefix
// the list sends.
type GroupSummary struct {
	ID           string
	Name         string
	Owner        string
	MemberCount  int    // "affiliations" in the list: a count, not the member array of Group
	Type         string // always "group"
	LastModified Millis
}

// JoinedGroup is one group in a user's joined-groups list.
type JoinedGroup struct {
	ID   string `json:"groupid"`
	Name string `json:"groupname"`
}

// CreateGroupRequest is the body of POST /chatgroups. Optional fields are
// pointers so that unset means "server default". Public and Owner are required.
type CreateGroupRequest struct {
	GroupName string `json:"groupname"`
	// Description is sent as "desc": the seed page, Agora's Java server SDK and
	// captured traffic all use "desc" on create (facts §3.1), while PUT uses
	// "description".
	Description       string   `json:"desc"`
	Public            bool     `json:"public"`
	MaxUsers          *int     `json:"maxusers,omitempty"`
	AllowInvites      *bool    `json:"allowinvites,omitempty"`
	MembersOnly       *bool    `json:"membersonly,omitempty"`
	InviteNeedConfirm *bool    `json:"invite_need_confirm,omitempty"`
	Owner             string   `json:"owner"`
	Members           []string `json:"members,omitempty"`
	Custom            *string  `json:"custom,omitempty"`
}

// UpdateGroupRequest is the sparse body of PUT /chatgroups/{id}: only non-nil
// fields are sent, and Agora answers with one flag per sent key.
type UpdateGroupRequest struct {
	GroupName         *string `json:"groupname,omitempty"`
	Description       *string `json:"description,omitempty"` // not "desc": facts §3.3, seed mistake #1
	MaxUsers          *int    `json:"maxusers,omitempty"`
	MembersOnly       *bool   `json:"membersonly,omitempty"`
	AllowInvites      *bool   `json:"allowinvites,omitempty"`
	InviteNeedConfirm *bool   `json:"invite_need_confirm,omitempty"`
	Public            *bool   `json:"public,omitempty"`
	Custom            *string `json:"custom,omitempty"`
}

// Bool returns a pointer to v, for optional request fields.
func Bool(v bool) *bool { return &v }

// Int returns a pointer to v, for optional request fields.
func Int(v int) *int { return &v }

// String returns a pointer to v, for optional request fields.
func String(v string) *string { return &v }

// Limits the API documents (facts §4.2). The client checks the ones it can
// before sending, so a caller gets a clear error without a round trip.
const (
	MaxGroupNameLen      = 128
	MaxDescriptionLen    = 512
	MaxCustomLen         = 1024
	MaxAnnouncementLen   = 512
	DefaultMaxUsers      = 200
	MaxMembersOnCreate   = 100
	MaxIDsPerDetail      = 100
	MaxUsersPerBatch     = 60
	MaxUsernameLen       = 64
	DefaultListLimit     = 10
	DefaultJoinedPerPage = 10
)
