package sandbox

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strings"
)

// Moderation limits (moderation facts §2, §4).
const (
	maxAnnouncementLen   = 512
	blockListNoParams    = 500 // GET blocks without paging parameters
	blockListPageSizeMax = 50  // with pageSize or cursor
)

// userResult is one user's item in a per-user answer (blocks, allow list,
// member removal).
type userResult struct {
	Result  bool   `json:"result"`
	Action  string `json:"action"`
	Reason  string `json:"reason,omitempty"`
	User    string `json:"user"`
	GroupID string `json:"groupid"`
}

// namesFromPath reads the {username} segment: one name, or a comma list
// of at most maxBatchUsers (tooMany is the error text beyond that). batch
// reports whether a comma was present.
func namesFromPath(r *http.Request, tooMany string) (names []string, batch bool, err error) {
	raw := r.PathValue("username")
	list := strings.Split(raw, ",")
	if len(list) > maxBatchUsers {
		return nil, false, errInvalidParameter("%s", tooMany)
	}
	if names = normalizeList(list, ""); len(names) == 0 {
		return nil, false, errUserNotFound(raw)
	}
	return names, strings.Contains(raw, ","), nil
}

// namesFromBody reads {"usernames":[…]}: at most maxBatchUsers entries
// (counted before duplicates are dropped), at least one.
func namesFromBody(r *http.Request, tooMany string) ([]string, error) {
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
		return nil, errInvalidParameter("%s", tooMany)
	}
	if names = normalizeList(names, ""); len(names) == 0 {
		return nil, errInvalidParameter("usernames must be provided")
	}
	return names, nil
}

// userResults turns refusals into per-user items.
func userResults(action, rawID string, names []string, refs []*refusal) []userResult {
	out := make([]userResult, len(names))
	for i, u := range names {
		out[i] = userResult{Result: refs[i] == nil, Action: action, User: u, GroupID: rawID}
		if refs[i] != nil {
			out[i].Reason = refs[i].reason
		}
	}
	return out
}

// perUserReply answers an action on one user with its object (or its
// refusal as an error), and a batch with an array — or, when no user was
// handled, with the first refusal as an error.
func perUserReply(action, rawID string, names []string, refs []*refusal, batch bool) (*reply, error) {
	results := userResults(action, rawID, names, refs)
	if !batch {
		if refs[0] != nil {
			return nil, refs[0].err
		}
		return &reply{data: results[0]}, nil
	}
	for _, ref := range refs {
		if ref == nil {
			return &reply{data: results}, nil
		}
	}
	return nil, refs[0].err
}

// GET /chatgroups/{id}/mute
func (s *Sandbox) listMutes(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	mutes, err := s.store.listMutes(r.Context(), id, rawID, s.nowMs())
	if err != nil {
		return nil, err
	}
	return &reply{data: mutes}, nil
}

// POST /chatgroups/{id}/mute with {"usernames":[…],"mute_duration":ms}
func (s *Sandbox) mute(r *http.Request) (*reply, error) {
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
		return nil, errInvalidParameter("userNames size is more than max limit : %d", maxBatchUsers)
	}
	if names = normalizeList(names, ""); len(names) == 0 {
		return nil, errInvalidParameter("usernames must be provided")
	}
	duration := int64(permanentMute) // what the Java SDK sends without a duration
	if obj.has("mute_duration") {
		var n json.Number
		if json.Unmarshal(obj["mute_duration"], &n) != nil {
			return nil, errInvalidParameter("mute_duration must be a number of milliseconds")
		}
		if duration, err = n.Int64(); err != nil || duration < permanentMute {
			return nil, errInvalidParameter("mute_duration must be -1 (until unmuted), 0 (unmute) or a number of milliseconds")
		}
	}
	expire := duration // -1 and 0 are kept as they are
	if duration > 0 {
		expire = s.nowMs() + min(duration, math.MaxInt64/2) // a huge duration must not wrap around
	}
	if err := s.store.mute(r.Context(), id, rawID, names, expire); err != nil {
		var ae *apiError
		if s.cfg.MuteNonMemberBadRequest && errors.As(err, &ae) && strings.HasSuffix(ae.desc, "are not members of this group!") {
			return nil, errInvalidParameter("%s", ae.desc) // the 2019 capture
		}
		return nil, err
	}
	type muted struct {
		Result bool   `json:"result"`
		Expire int64  `json:"expire"`
		User   string `json:"user"`
	}
	out := make([]muted, len(names))
	for i, u := range names {
		out[i] = muted{true, expire, u}
	}
	return &reply{data: out}, nil
}

// DELETE /chatgroups/{id}/mute/{u1,u2,…}: always an array.
func (s *Sandbox) unmute(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	names, _, err := namesFromPath(r, "removeMute member size more than max limit : 60")
	if err != nil {
		return nil, err
	}
	refs, err := s.store.unmute(r.Context(), id, rawID, names, s.nowMs())
	if err != nil {
		return nil, err
	}
	type unmuted struct {
		Result bool   `json:"result"`
		Reason string `json:"reason,omitempty"`
		User   string `json:"user"`
	}
	out := make([]unmuted, len(names))
	for i, u := range names {
		out[i] = unmuted{Result: refs[i] == nil, User: u}
		if refs[i] != nil {
			out[i].Reason = refs[i].reason
		}
	}
	return &reply{data: out}, nil
}

// groupFlag serves POST/DELETE /ban and POST /disable, /enable.
func (s *Sandbox) groupFlag(column string, on bool) apiFunc {
	return func(r *http.Request) (*reply, error) {
		id, rawID, err := groupID(r)
		if err != nil {
			return nil, err
		}
		if err := s.store.setGroupFlag(r.Context(), id, rawID, column, on); err != nil {
			return nil, err
		}
		return &reply{data: map[string]bool{column: on}}, nil
	}
}

// GET /chatgroups/{id}/blocks/users[?pageSize=&cursor=]
func (s *Sandbox) listBlocks(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	limit := blockListNoParams
	before := int64(math.MaxInt64)
	if q.Has("pageSize") || q.Has("cursor") {
		if limit, err = positiveParam(q, "pageSize", blockListPageSizeMax); err != nil {
			return nil, err
		}
		limit = min(limit, blockListPageSizeMax)
	}
	if c := q.Get("cursor"); c != "" {
		var ok bool
		if before, ok = decodeSeqCursor("im:block:", c); !ok {
			return nil, errInvalidParameter("cursor %s is not valid: pass the cursor of the previous page unchanged", c)
		}
	}
	names, next, err := s.store.listBlocks(r.Context(), id, rawID, before, limit)
	if err != nil {
		return nil, err
	}
	rep := withCount(names, len(names))
	if next > 0 {
		rep.cursor = encodeSeqCursor("im:block:", next)
	}
	return rep, nil
}

// POST /chatgroups/{id}/blocks/users/{username}
func (s *Sandbox) blockOne(r *http.Request) (*reply, error) {
	names, batch, err := namesFromPath(r, "userNames is more than max limit : 60")
	if err != nil {
		return nil, err
	}
	return s.blockNames(r, names, batch)
}

// POST /chatgroups/{id}/blocks/users with {"usernames":[…]}
func (s *Sandbox) blockMany(r *http.Request) (*reply, error) {
	names, err := namesFromBody(r, "userNames is more than max limit : 60")
	if err != nil {
		return nil, err
	}
	return s.blockNames(r, names, true)
}

func (s *Sandbox) blockNames(r *http.Request, names []string, batch bool) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	refs, err := s.store.block(r.Context(), id, rawID, names, s.nowMs())
	if err != nil {
		return nil, err
	}
	return perUserReply("add_blocks", rawID, names, refs, batch)
}

// DELETE /chatgroups/{id}/blocks/users/{u1,u2,…}
func (s *Sandbox) unblock(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	names, batch, err := namesFromPath(r, "removeBlacklist: list size more than max limit : 60")
	if err != nil {
		return nil, err
	}
	refs, err := s.store.unblock(r.Context(), id, rawID, names)
	if err != nil {
		return nil, err
	}
	return perUserReply("remove_blocks", rawID, names, refs, batch)
}

// GET /chatgroups/{id}/white/users
func (s *Sandbox) listAllowed(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	names, err := s.store.listAllowed(r.Context(), id, rawID)
	if err != nil {
		return nil, err
	}
	return withCount(names, len(names)), nil
}

// POST /chatgroups/{id}/white/users/{username}
func (s *Sandbox) allowOne(r *http.Request) (*reply, error) {
	names, batch, err := namesFromPath(r, "usernames size is more than max limit : 60")
	if err != nil {
		return nil, err
	}
	return s.allowNames(r, names, batch)
}

// POST /chatgroups/{id}/white/users with {"usernames":[…]}
func (s *Sandbox) allowMany(r *http.Request) (*reply, error) {
	names, err := namesFromBody(r, "usernames size is more than max limit : 60")
	if err != nil {
		return nil, err
	}
	return s.allowNames(r, names, true)
}

func (s *Sandbox) allowNames(r *http.Request, names []string, batch bool) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	refs, err := s.store.allow(r.Context(), id, rawID, names)
	if err != nil {
		return nil, err
	}
	return perUserReply("add_user_whitelist", rawID, names, refs, batch)
}

// DELETE /chatgroups/{id}/white/users/{u1,u2,…}: always an array.
func (s *Sandbox) disallow(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	names, _, err := namesFromPath(r, "removeWhitelist size is more than max limit : 60")
	if err != nil {
		return nil, err
	}
	refs, err := s.store.disallow(r.Context(), id, rawID, names)
	if err != nil {
		return nil, err
	}
	return &reply{data: userResults("remove_user_whitelist", rawID, names, refs)}, nil
}

// GET /chatgroups/{id}/announcement
func (s *Sandbox) getAnnouncement(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	text, err := s.store.announcement(r.Context(), id, rawID)
	if err != nil {
		return nil, err
	}
	return withCount(map[string]string{"announcement": text}, 0), nil // count 0, as captured
}

// POST /chatgroups/{id}/announcement with {"announcement":"…"}
func (s *Sandbox) setAnnouncement(r *http.Request) (*reply, error) {
	id, rawID, err := groupID(r)
	if err != nil {
		return nil, err
	}
	obj, err := readObject(r)
	if err != nil {
		return nil, err
	}
	var text string
	f := fieldReader{obj: obj}
	if !f.str("announcement", &text) {
		if f.err != nil {
			return nil, f.err
		}
		return nil, errIllegalArgument("announcement is null")
	}
	if runeLen(text) > maxAnnouncementLen {
		return nil, errForbiddenOp("announce info length exceeds limit!")
	}
	if err := s.store.setAnnouncement(r.Context(), id, rawID, text); err != nil {
		return nil, err
	}
	return &reply{data: struct {
		ID     string `json:"id"`
		Result bool   `json:"result"`
	}{rawID, true}}, nil
}
