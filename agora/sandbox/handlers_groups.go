package sandbox

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Group limits (facts §4.2; choices in doc.go).
const (
	maxGroupNameLen    = 128
	maxDescriptionLen  = 512
	maxCustomLenCreate = 8 << 10 // current create docs: 8 KB
	maxCustomLenPut    = 1024
	maxAvatarLen       = 1024
	defaultMaxUsers    = 200
	maxDetailIDs       = 100
	defaultListLimit   = 10
)

// POST /chatgroups
func (s *Sandbox) createGroup(r *http.Request) (*reply, error) {
	obj, err := readObject(r)
	if err != nil {
		return nil, err
	}
	if !obj.has("public") {
		return nil, errInvalidParameter("group must contain public field!")
	}
	now := s.nowMs()
	g := groupRow{MaxUsers: defaultMaxUsers, InviteNeedConfirm: true, Created: now, Modified: now}
	var members []string
	f := fieldReader{obj: obj}
	f.str("owner", &g.Owner)
	f.str("groupname", &g.Name)
	descKey := "description"
	if !f.str("description", &g.Description) && f.str("desc", &g.Description) {
		descKey = "desc"
	}
	f.str("custom", &g.Custom)
	f.str("avatar", &g.Avatar)
	f.boolean("public", &g.Public)
	f.boolean("allowinvites", &g.AllowInvites)
	if !f.boolean("membersonly", &g.MembersOnly) && !f.boolean("members_only", &g.MembersOnly) {
		f.boolean("approval", &g.MembersOnly) // the Web SDK's name
	}
	f.boolean("invite_need_confirm", &g.InviteNeedConfirm)
	f.integer("maxusers", &g.MaxUsers)
	f.stringList("members", &members)
	if f.err != nil {
		return nil, f.err
	}
	if g.Owner == "" {
		return nil, errInvalidParameter("owner must be provided")
	}
	g.Owner = normalizeUsername(g.Owner)
	if c := callerOf(r); !c.isApp() && c.user != g.Owner {
		return nil, errPermissionDenied("owner") // a user creates groups it owns
	}
	if err := s.checkGroupText(g.Name, descKey, g.Description, g.Custom, maxCustomLenCreate, g.Avatar); err != nil {
		return nil, err
	}
	if err := s.checkMaxUsers(g.MaxUsers); err != nil {
		return nil, err
	}
	members = normalizeList(members, g.Owner)
	if len(members) > maxMembersOnCreate || len(members)+1 > g.MaxUsers {
		return nil, errExceedLimit(msgMembersOverLimit)
	}
	if g.Public {
		g.AllowInvites = false // the service forces this for public groups
	}
	id, err := s.store.createGroup(r.Context(), g, members)
	if err != nil {
		return nil, err
	}
	return &reply{data: map[string]string{"groupid": formatGroupID(id)}}, nil
}

// checkGroupText checks the text fields' lengths, in characters.
func (s *Sandbox) checkGroupText(name, descKey, desc, custom string, customMax int, avatar string) error {
	switch {
	case runeLen(name) > maxGroupNameLen:
		return errTooLong("groupname", maxGroupNameLen)
	case runeLen(desc) > maxDescriptionLen:
		return errTooLong(descKey, maxDescriptionLen)
	case runeLen(custom) > customMax:
		return errTooLong("custom", customMax)
	case runeLen(avatar) > maxAvatarLen:
		return errInvalidParameter("avatar length is too big")
	}
	return nil
}

func (s *Sandbox) checkMaxUsers(n int) error {
	if n < 1 {
		return errInvalidParameter("maxusers must be at least 1")
	}
	if n > s.cfg.MaxUsersPerGroup {
		return errExceedLimit("maxUsers cannot exceed %d", s.cfg.MaxUsersPerGroup)
	}
	return nil
}

// normalizeList lower-cases names and drops duplicates, empty names and skip.
func normalizeList(names []string, skip string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		n = normalizeUsername(strings.TrimSpace(n))
		if n != "" && n != skip && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// groupDetail is one item of GET /chatgroups/{ids}, keys as in facts §3.2.
type groupDetail struct {
	ID                string       `json:"id"`
	Name              string       `json:"name"`
	Description       string       `json:"description"`
	MembersOnly       bool         `json:"membersonly"`
	AllowInvites      bool         `json:"allowinvites"`
	InviteNeedConfirm bool         `json:"invite_need_confirm"`
	MaxUsers          int          `json:"maxusers"`
	Owner             string       `json:"owner"`
	Created           int64        `json:"created"`
	Custom            string       `json:"custom"`
	Avatar            string       `json:"avatar,omitempty"`
	Mute              bool         `json:"mute"`
	Disabled          bool         `json:"disabled"`
	AffiliationsCount int          `json:"affiliations_count"`
	Affiliations      affiliations `json:"affiliations"`
	Public            bool         `json:"public"`
}

// GET /chatgroups/{ids}
func (s *Sandbox) groupDetails(r *http.Request) (*reply, error) {
	raw := r.PathValue("id") // one id or several, comma-separated
	var ids []string
	for _, id := range strings.Split(raw, ",") {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) > maxDetailIDs {
		return nil, errInvalidParameter("the number of group ids is more than max limit : %d", maxDetailIDs)
	}
	if len(ids) == 0 {
		return nil, errGroupNotFoundForRead(raw)
	}
	var numeric []int64
	for _, id := range ids {
		if n, ok := parseGroupID(id); ok {
			numeric = append(numeric, n)
		}
	}
	joinedTime := r.URL.Query().Get("joined_time") == "true"
	found, err := s.store.groupDetails(r.Context(), numeric, maxDetailMembers-1)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, errGroupNotFoundForRead(ids[0])
	}
	items := make([]groupDetail, len(found))
	for i, g := range found {
		// Members newest first, owner last: the order of the seed's example.
		affs := affiliations{items: g.Members, joinedTime: joinedTime}
		items[i] = groupDetail{
			ID: formatGroupID(g.ID), Name: g.Name, Description: g.Description,
			MembersOnly: g.MembersOnly, AllowInvites: g.AllowInvites, InviteNeedConfirm: g.InviteNeedConfirm,
			MaxUsers: g.MaxUsers, Owner: g.Owner, Created: g.Created, Custom: g.Custom, Avatar: g.Avatar,
			Mute: g.Mute, Disabled: g.Disabled, AffiliationsCount: g.MemberCount, Affiliations: affs, Public: g.Public,
		}
	}
	return withCount(items, len(items)), nil
}

// putKeys are the keys PUT /chatgroups/{id} accepts (facts §3.3, §5).
var putKeys = []string{"groupname", "description", "maxusers", "membersonly", "allowinvites",
	"invite_need_confirm", "custom", "public", "avatar", "newowner"}

// PUT /chatgroups/{id}
func (s *Sandbox) modifyGroup(r *http.Request) (*reply, error) {
	rawID := r.PathValue("id")
	obj, err := readObject(r)
	if err != nil {
		return nil, err
	}
	var unknown []string
	for k, v := range obj {
		if !slices.Contains(putKeys, k) {
			unknown = append(unknown, k)
		} else if string(v) == "null" {
			return nil, errInvalidParameter("%s must not be null", k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, errInvalidParameter("some of [%s] are not valid fields", strings.Join(unknown, ", "))
	}
	id, ok := parseGroupID(rawID)
	if !ok {
		return nil, errGroupNotFound(rawID)
	}

	var u groupUpdate
	var name, desc, custom, avatar, newOwner string
	var maxUsers int
	var public, membersOnly, allowInvites, invite bool
	f := fieldReader{obj: obj}
	u.Name = ifSent(f.str("groupname", &name), &name)
	u.Description = ifSent(f.str("description", &desc), &desc)
	u.Custom = ifSent(f.str("custom", &custom), &custom)
	u.Avatar = ifSent(f.str("avatar", &avatar), &avatar)
	u.NewOwner = ifSent(f.str("newowner", &newOwner), &newOwner)
	u.MaxUsers = ifSent(f.integer("maxusers", &maxUsers), &maxUsers)
	u.Public = ifSent(f.boolean("public", &public), &public)
	u.MembersOnly = ifSent(f.boolean("membersonly", &membersOnly), &membersOnly)
	u.AllowInvites = ifSent(f.boolean("allowinvites", &allowInvites), &allowInvites)
	u.Invite = ifSent(f.boolean("invite_need_confirm", &invite), &invite)
	if f.err != nil {
		return nil, f.err
	}
	if err := s.checkGroupText(name, "description", desc, custom, maxCustomLenPut, avatar); err != nil {
		return nil, err
	}
	if u.MaxUsers != nil {
		if err := s.checkMaxUsers(maxUsers); err != nil {
			return nil, err
		}
	}
	if u.NewOwner != nil {
		newOwner = normalizeUsername(newOwner)
		if c := callerOf(r); !c.isApp() {
			if err := s.store.checkGroupRight(r.Context(), id, c.user, groupOwner); err != nil {
				return nil, err
			}
		}
	}
	if err := s.store.updateGroup(r.Context(), id, rawID, u, s.nowMs()); err != nil {
		return nil, err
	}
	// The answer echoes exactly the keys sent, each marked as done.
	done := make(map[string]bool, len(obj))
	for k := range obj {
		done[k] = true
	}
	return &reply{data: done}, nil
}

func ifSent[T any](sent bool, v *T) *T {
	if sent {
		return v
	}
	return nil
}

// DELETE /chatgroups/{id}
func (s *Sandbox) deleteGroup(r *http.Request) (*reply, error) {
	rawID := r.PathValue("id")
	id, ok := parseGroupID(rawID)
	if !ok {
		return nil, errGroupNotFound(rawID)
	}
	if err := s.store.deleteGroup(r.Context(), id, rawID); err != nil {
		return nil, err
	}
	return &reply{data: struct {
		Success bool   `json:"success"`
		GroupID string `json:"groupid"`
	}{true, rawID}}, nil
}

// listItem is one item of GET /chatgroups.
type listItem struct {
	Owner              string `json:"owner"` // "{org}#{app}_{username}"
	GroupID            string `json:"groupid"`
	Affiliations       int    `json:"affiliations"` // a count here, not the member array of detail
	Type               string `json:"type"`
	LastModified       string `json:"lastModified,omitempty"`
	LegacyLastModified string `json:"last_modified,omitempty"`
	GroupName          string `json:"groupname"`
}

// GET /chatgroups?limit=&cursor=
func (s *Sandbox) listGroups(r *http.Request) (*reply, error) {
	q := r.URL.Query()
	limit, err := positiveParam(q, "limit", defaultListLimit)
	if err != nil {
		return nil, err
	}
	limit = min(limit, s.cfg.ListLimitMax)
	before := int64(math.MaxInt64)
	if c := q.Get("cursor"); c != "" {
		id, ok := s.decodeCursor(c)
		if !ok {
			return nil, errInvalidParameter("cursor %s is not valid: pass the cursor of the previous page unchanged", c)
		}
		before = id
	}
	groups, more, err := s.store.listGroups(r.Context(), before, limit, false)
	if err != nil {
		return nil, err
	}
	ownerPrefix := s.cfg.Org + "#" + s.cfg.App + "_"
	items := make([]listItem, len(groups))
	for i, g := range groups {
		items[i] = listItem{
			Owner: ownerPrefix + g.Owner, GroupID: formatGroupID(g.ID), Affiliations: g.MemberCount,
			Type: "group", GroupName: g.Name,
		}
		if modified := strconv.FormatInt(g.Modified, 10); s.cfg.LegacyLastModified {
			items[i].LegacyLastModified = modified
		} else {
			items[i].LastModified = modified
		}
	}
	rep := withCount(items, len(items))
	if more {
		rep.cursor = s.encodeCursor(groups[len(groups)-1].ID)
	}
	return rep, nil
}

// GET /users/{username}/joined_chatgroups?pagenum=&pagesize=
func (s *Sandbox) joinedGroups(r *http.Request) (*reply, error) {
	user := normalizeUsername(r.PathValue("username"))
	limit, offset, err := pageParams(r, s.cfg.JoinedPageSizeDefault, s.cfg.JoinedPageSizeMax, joinedNoParamsLimit)
	if err != nil {
		return nil, err
	}
	if !validUsername(user) {
		return nil, errUserNotFound(user)
	}
	groups, err := s.store.joinedGroups(r.Context(), user, limit, offset)
	if err != nil {
		return nil, err
	}
	return withCount(groups, len(groups)), nil
}
