package sandbox

import (
	"math"
	"net/http"
	"slices"
	"strings"
)

// Endpoints the official Web SDK calls beyond the server API (doc.go,
// "SDK endpoints").

// userCallerOnly is the refusal of an endpoint that acts for the calling
// user when an app token calls it.
func userCallerOnly(r *http.Request) (string, error) {
	c := callerOf(r)
	if c.isApp() {
		return "", errInvalidParameter("%s %s acts for the calling user: send a Chat user token", r.Method, r.URL.Path)
	}
	return c.user, nil
}

// memberAction is the data of the one-user SDK actions.
type memberAction struct {
	Result  bool   `json:"result"`
	GroupID string `json:"groupid"`
	Action  string `json:"action"`
	User    string `json:"user"`
}

// GET /publicchatgroups?limit=&cursor=
func (s *Sandbox) publicGroups(r *http.Request) (*reply, error) {
	q := r.URL.Query()
	limit, err := positiveParam(q, "limit", defaultListLimit)
	if err != nil {
		return nil, err
	}
	limit = min(limit, s.cfg.ListLimitMax)
	before := int64(math.MaxInt64)
	if c := sdkCursor(q); c != "" {
		id, ok := s.decodeCursor(c)
		if !ok {
			return nil, errInvalidParameter("cursor %s is not valid: pass the cursor of the previous page unchanged", c)
		}
		before = id
	}
	groups, more, err := s.store.listGroups(r.Context(), before, limit, true)
	if err != nil {
		return nil, err
	}
	items := make([]joinedGroup, len(groups))
	for i, g := range groups {
		items[i] = joinedGroup{ID: formatGroupID(g.ID), Name: g.Name}
	}
	rep := withCount(items, len(items))
	if more {
		rep.cursor = s.encodeCursor(groups[len(groups)-1].ID)
	}
	return rep, nil
}

// GET /chatgroups/user/{username}?pagenum=&pagesize=[&needAffiliations=&needRole=]
func (s *Sandbox) userGroups(r *http.Request) (*reply, error) {
	user := normalizeUsername(r.PathValue("username"))
	limit, offset, err := pageParams(r, s.cfg.JoinedPageSizeDefault, s.cfg.JoinedPageSizeMax, joinedNoParamsLimit)
	if err != nil {
		return nil, err
	}
	groups, _, err := s.store.userGroups(r.Context(), user, limit, offset)
	if err != nil {
		return nil, err
	}
	ents := make([]any, len(groups))
	for i, g := range groups {
		ents[i] = g
	}
	n := len(ents)
	return &reply{entities: ents, data: []any{}, count: &n}, nil
}

// GET /chatgroups/user/{username}/joined_count
func (s *Sandbox) joinedCount(r *http.Request) (*reply, error) {
	_, total, err := s.store.userGroups(r.Context(), normalizeUsername(r.PathValue("username")), 0, 0)
	if err != nil {
		return nil, err
	}
	return &reply{data: total}, nil
}

// POST /chatgroups/{id}/invite with {"usernames":[…]}: per-user results.
func (s *Sandbox) invite(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	names, err := namesFromBody(r, "usernames size is more than max limit : 60")
	if err != nil {
		return nil, err
	}
	refs, err := s.store.invite(r.Context(), id, rawID, callerOf(r).user, names, s.nowMs())
	if err != nil {
		return nil, err
	}
	return &reply{data: userResults("invite", rawID, names, refs)}, nil
}

// POST /chatgroups/{id}/invite_verify with {"invitee","verifyResult"}: the
// invitee accepts or declines.
func (s *Sandbox) inviteVerify(r *http.Request) (*reply, error) {
	return s.verify(r, "invitee", kindInvite, "invite_verify")
}

// POST /chatgroups/{id}/apply_verify with {"applicant","verifyResult","reason"}:
// the owner or an admin accepts or declines.
func (s *Sandbox) applyVerify(r *http.Request) (*reply, error) {
	return s.verify(r, "applicant", kindApply, "apply_verify")
}

func (s *Sandbox) verify(r *http.Request, key, kind, action string) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	obj, err := readObject(r)
	if err != nil {
		return nil, err
	}
	var user string
	var accept bool
	f := fieldReader{obj: obj}
	f.str(key, &user)
	if !f.boolean("verifyResult", &accept) && f.err == nil {
		return nil, errInvalidParameter("verifyResult must be provided")
	}
	if f.err != nil {
		return nil, f.err
	}
	if user = normalizeUsername(strings.TrimSpace(user)); user == "" {
		return nil, errInvalidParameter("%s must be provided", key)
	}
	if c := callerOf(r); kind == kindInvite && !c.isApp() && c.user != user {
		return nil, errPermissionDenied("owner") // only the invitee answers its invitation
	}
	if err := s.store.answerRequest(r.Context(), id, rawID, user, kind, accept, s.nowMs()); err != nil {
		return nil, err
	}
	return &reply{data: memberAction{true, rawID, action, user}}, nil
}

// POST /chatgroups/{id}/apply with {"message"}: join a public group, at
// once or after approval.
func (s *Sandbox) apply(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	user, err := userCallerOnly(r)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.apply(r.Context(), id, rawID, user, s.nowMs()); err != nil {
		return nil, err
	}
	return &reply{data: memberAction{true, rawID, "apply", user}}, nil
}

// DELETE /chatgroups/{id}/quit
func (s *Sandbox) quit(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	user, err := userCallerOnly(r)
	if err != nil {
		return nil, err
	}
	if err := s.store.quit(r.Context(), id, rawID, user, s.nowMs()); err != nil {
		return nil, err
	}
	return &reply{data: memberAction{true, rawID, "quit", user}}, nil
}

// POST/DELETE /chatgroups/{id}/shield: the calling user blocks (or
// unblocks) the group's messages for itself.
func (s *Sandbox) shield(on bool) apiFunc {
	return func(r *http.Request) (*reply, error) {
		id, rawID, err := groupID(r)
		if err != nil {
			return nil, err
		}
		user, err := userCallerOnly(r)
		if err != nil {
			return nil, err
		}
		if err := s.store.setShield(r.Context(), id, rawID, user, on); err != nil {
			return nil, err
		}
		return &reply{data: struct {
			Result  bool   `json:"result"`
			GroupID string `json:"groupid"`
			User    string `json:"user"`
			Shield  bool   `json:"shield"`
		}{true, rawID, user, on}}, nil
	}
}

// GET /sdk/chatgroups/{id}/mute/{username}: whether the user is muted.
func (s *Sandbox) sdkIsMuted(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	muted, err := s.store.isMuted(r.Context(), id, rawID, normalizeUsername(r.PathValue("username")), s.nowMs())
	if err != nil {
		return nil, err
	}
	return &reply{data: muted}, nil
}

// GET /chatgroups/{id}/white/users/{username}: whether the user is on the
// allow list (the owner and admins always are). A member may ask about
// itself; the owner and admins about anyone.
func (s *Sandbox) isAllowed(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	user := normalizeUsername(r.PathValue("username"))
	if c := callerOf(r); !c.isApp() && c.user != user {
		if err := s.store.checkGroupRight(r.Context(), id, c.user, groupAdmin); err != nil {
			return nil, err
		}
	}
	names, err := s.store.listAllowed(r.Context(), id, rawID)
	if err != nil {
		return nil, err
	}
	return &reply{data: struct {
		Member string `json:"member"`
		White  bool   `json:"white"`
	}{user, slices.Contains(names, user)}}, nil
}
