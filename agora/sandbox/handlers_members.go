package sandbox

import (
	"net/http"
	"strings"
)

// Member list paging (AG-EN): pagesize [1,100], default 10, pagenum from 1.
// Cursor paging (limit/cursor): default 50 (the Web SDK's), at most 1000.
const (
	memberPageSizeDefault = 10
	memberPageSizeMax     = 100
	memberLimitDefault    = 50
	memberLimitMax        = 1000
)

// GET /chatgroups/{id}/users?pagenum=&pagesize=[&joined_time=true], or
// ?limit=&cursor=[&version=v3][&sort=asc|desc][&joined_time=true]
func (s *Sandbox) listMembers(r *http.Request) (*reply, error) {
	q := r.URL.Query()
	if !q.Has("pagenum") && !q.Has("pagesize") && (q.Has("limit") || q.Has("cursor") || q.Get("version") == "v3") {
		return s.memberPage(r)
	}
	rawID := r.PathValue("id")
	limit, offset, err := pageParams(r, memberPageSizeDefault, memberPageSizeMax, memberPageSizeDefault)
	if err != nil {
		return nil, err
	}
	id, ok := parseGroupID(rawID)
	if !ok {
		return nil, errGroupNotFoundForRead(rawID)
	}
	members, err := s.store.listMembers(r.Context(), id, rawID, limit, offset)
	if err != nil {
		return nil, err
	}
	return withCount(affiliations{items: members, adminKey: s.cfg.MemberListAdminKey, joinedTime: q.Get("joined_time") == "true"}, len(members)), nil
}

// memberPage is the cursor variant: with version=v3 (the Java SDK) plain
// usernames without the owner; otherwise (the Web SDK) role objects,
// owner and admins included, admins as {"admin":u}.
func (s *Sandbox) memberPage(r *http.Request) (*reply, error) {
	q := r.URL.Query()
	rawID := r.PathValue("id")
	limit, err := positiveParam(q, "limit", memberLimitDefault)
	if err != nil {
		return nil, err
	}
	limit = min(limit, memberLimitMax)
	var after int64
	if c := sdkCursor(q); c != "" {
		var ok bool
		if after, ok = decodeSeqCursor("im:member:", c); !ok {
			return nil, errInvalidParameter("cursor %s is not valid: pass the cursor of the previous page unchanged", c)
		}
	}
	desc := false
	switch q.Get("sort") {
	case "", "asc":
	case "desc":
		desc = true
	default:
		return nil, errInvalidParameter("sort must be asc or desc, got %q", q.Get("sort"))
	}
	id, ok := parseGroupID(rawID)
	if !ok {
		return nil, errGroupNotFoundForRead(rawID)
	}
	plain := q.Get("version") == "v3"
	members, next, err := s.store.memberPage(r.Context(), id, rawID, after, limit, desc, !plain)
	if err != nil {
		return nil, err
	}
	var rep *reply
	if plain {
		names := make([]string, len(members))
		for i, m := range members {
			names[i] = m.username
		}
		rep = withCount(names, len(names))
	} else {
		rep = withCount(affiliations{items: members, adminKey: true, joinedTime: q.Get("joined_time") == "true"}, len(members))
	}
	if next > 0 {
		rep.cursor = encodeSeqCursor("im:member:", next)
	}
	return rep, nil
}

// groupID reads the {id} of a write endpoint; a non-numeric id names no group.
func groupID(r *http.Request) (int64, string, error) {
	rawID := r.PathValue("id")
	id, ok := parseGroupID(rawID)
	if !ok {
		return 0, rawID, errGroupNotFound(rawID)
	}
	return id, rawID, nil
}

// POST /chatgroups/{id}/users/{username}
func (s *Sandbox) addMember(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	user := normalizeUsername(r.PathValue("username"))
	if _, err := s.store.addMembers(r.Context(), id, rawID, []string{user}, true, s.nowMs()); err != nil {
		return nil, err
	}
	return &reply{data: struct {
		Result  bool   `json:"result"`
		GroupID string `json:"groupid"`
		Action  string `json:"action"`
		User    string `json:"user"`
	}{true, rawID, "add_member", user}}, nil
}

// POST /chatgroups/{id}/users with {"usernames":[…]}
func (s *Sandbox) addMembers(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	obj, err := readObject(r)
	if err != nil {
		return nil, err
	}
	var names []string
	f := fieldReader{obj: obj}
	f.stringList("usernames", &names)
	if f.err != nil {
		return nil, f.err
	}
	if len(names) > maxBatchUsers {
		return nil, errInvalidParameter("addMembers: addMembers number more than maxSize : %d", maxBatchUsers)
	}
	if names = normalizeList(names, ""); len(names) == 0 {
		return nil, errInvalidParameter("usernames must be provided")
	}
	added, err := s.store.addMembers(r.Context(), id, rawID, names, false, s.nowMs())
	if err != nil {
		return nil, err
	}
	return &reply{data: struct {
		NewMembers []string `json:"newmembers"`
		GroupID    string   `json:"groupid"`
		Action     string   `json:"action"`
	}{added, rawID, "add_member"}}, nil
}

// DELETE /chatgroups/{id}/users/{username} and /{u1,u2,…}: one name gives
// an object (and errors as error responses), several an array.
func (s *Sandbox) removeMembers(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	raw := r.PathValue("username")
	list := strings.Split(raw, ",")
	names := normalizeList(list, "")
	if len(list) > maxBatchUsers {
		return nil, errInvalidParameter("kickMember: kickMembers number more than maxSize : %d", maxBatchUsers)
	}
	if len(names) == 0 {
		return nil, errUserNotFound(raw)
	}
	outcomes, err := s.store.removeMembers(r.Context(), id, rawID, names, s.nowMs())
	if err != nil {
		return nil, err
	}
	results := make([]userResult, len(names))
	for i, u := range names {
		res := userResult{Result: outcomes[i] == removed, Action: "remove_member", User: u, GroupID: rawID}
		switch outcomes[i] {
		case removalNoUser:
			res.Reason = "user " + u + " doesn't exist."
		case removalOwner:
			res.Reason = "forbidden operation on group owner!"
		case removalNotMember:
			res.Reason = "user: " + u + " doesn't exist in group: " + rawID
		}
		results[i] = res
	}
	if strings.Contains(raw, ",") {
		return &reply{data: results}, nil
	}
	switch outcomes[0] {
	case removalNoUser:
		return nil, errUserNotFound(names[0])
	case removalOwner:
		return nil, errForbiddenOp("forbidden operation on group owner!")
	case removalNotMember:
		return nil, errForbiddenOp("users [%s] are not members of this group!", names[0])
	}
	return &reply{data: results[0]}, nil
}

// GET /chatgroups/{id}/admin
func (s *Sandbox) listAdmins(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	admins, err := s.store.listAdmins(r.Context(), id, rawID)
	if err != nil {
		return nil, err
	}
	return withCount(admins, len(admins)), nil
}

// POST /chatgroups/{id}/admin with {"newadmin":u}
func (s *Sandbox) addAdmin(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	obj, err := readObject(r)
	if err != nil {
		return nil, err
	}
	var user string
	f := fieldReader{obj: obj}
	f.str("newadmin", &user)
	if f.err != nil {
		return nil, f.err
	}
	if user = normalizeUsername(strings.TrimSpace(user)); user == "" {
		return nil, errInvalidParameter("newadmin must be provided")
	}
	if err := s.store.setAdmin(r.Context(), id, rawID, user, true); err != nil {
		return nil, err
	}
	return &reply{data: struct {
		Result   string `json:"result"`
		NewAdmin string `json:"newadmin"`
	}{"success", user}}, nil
}

// DELETE /chatgroups/{id}/admin/{username}
func (s *Sandbox) removeAdmin(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	user := normalizeUsername(r.PathValue("username"))
	if err := s.store.setAdmin(r.Context(), id, rawID, user, false); err != nil {
		return nil, err
	}
	return &reply{data: struct {
		Result   string `json:"result"`
		OldAdmin string `json:"oldadmin"`
	}{"success", user}}, nil
}
