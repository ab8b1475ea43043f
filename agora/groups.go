package agora

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// GroupsService wraps the group endpoints of the seed page ("创建群组"):
// create, detail, modify, delete, list all, and a user's joined groups.
//
// Agora docs: https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/create-delete-retrieve-groups
type GroupsService service

// Create creates a group and returns its id. It is never retried: a create
// whose answer was lost may still have created the group.
//
// Agora API: POST /{org}/{app}/chatgroups
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/create-delete-retrieve-groups
func (s *GroupsService) Create(ctx context.Context, req *CreateGroupRequest) (groupID string, resp *Response, err error) {
	if err := validateCreate(req); err != nil {
		return "", nil, err
	}
	env, resp, err := s.client.do(ctx, call{method: http.MethodPost, path: "/chatgroups", body: req, retry: retryNever})
	if err != nil {
		return "", resp, err
	}
	var data struct {
		GroupID string `json:"groupid"`
	}
	if err := decodeData("POST /chatgroups", env.Data, &data); err != nil {
		return "", resp, err
	}
	if data.GroupID == "" {
		return "", resp, &ResponseError{Op: "POST /chatgroups", StatusCode: resp.StatusCode, Err: errors.New("the response carries no group id")}
	}
	return data.GroupID, resp, nil
}

func validateCreate(req *CreateGroupRequest) error {
	if req == nil {
		return invalid("request", "must not be nil")
	}
	if err := checkUsername("owner", req.Owner); err != nil {
		return err
	}
	if err := checkMaxLen("groupname", &req.GroupName, MaxGroupNameLen); err != nil {
		return err
	}
	if err := checkMaxLen("desc", &req.Description, MaxDescriptionLen); err != nil {
		return err
	}
	if err := checkMaxLen("custom", req.Custom, MaxCustomLen); err != nil {
		return err
	}
	if req.MaxUsers != nil && *req.MaxUsers < 1 {
		return invalid("maxusers", "must be at least 1, got %d", *req.MaxUsers)
	}
	if len(req.Members) > MaxMembersOnCreate {
		return invalid("members", "at most %d members can be added on create, got %d; add the rest with Members.Add", MaxMembersOnCreate, len(req.Members))
	}
	for i, m := range req.Members {
		if err := checkUsername(fmt.Sprintf("members[%d]", i), m); err != nil {
			return err
		}
	}
	return nil
}

// Get returns the details of the groups with the given ids, in the order
// asked. It sends at most 100 ids per HTTP call (facts §4.2) and splits
// larger requests into batches. Ids that do not exist are simply absent from
// the result; a batch of several ids that all do not exist (404) yields no
// groups, while a single missing id is an error that matches ErrNotFound.
//
// resp.Count is the number of groups returned. With several batches, resp
// is the last batch's response with Attempts summed over all calls.
//
// Agora API: GET /{org}/{app}/chatgroups/{group_ids} (ids comma-separated)
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/create-delete-retrieve-groups
func (s *GroupsService) Get(ctx context.Context, ids ...string) ([]*Group, *Response, error) {
	return s.get(ctx, ids, true)
}

// GetWithoutMembers is Get for callers that need the groups' settings but
// not who is in them: the call is the same, but the member lists are
// skipped while decoding, so Affiliations is nil (AffiliationsCount is
// still set). Decoding members was most of the cost of a page of groups.
//
// Agora API: GET /{org}/{app}/chatgroups/{group_ids} (ids comma-separated)
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/create-delete-retrieve-groups
func (s *GroupsService) GetWithoutMembers(ctx context.Context, ids ...string) ([]*Group, *Response, error) {
	return s.get(ctx, ids, false)
}

func (s *GroupsService) get(ctx context.Context, ids []string, withMembers bool) ([]*Group, *Response, error) {
	if len(ids) == 0 {
		return nil, nil, invalid("ids", "at least one group id is needed")
	}
	for i, id := range ids {
		if err := checkGroupID(fmt.Sprintf("ids[%d]", i), id); err != nil {
			return nil, nil, err
		}
	}
	var (
		all  []*Group
		resp *Response
	)
	for batch := range slices.Chunk(ids, MaxIDsPerDetail) {
		groups, r, err := s.getBatch(ctx, batch, len(ids) > 1, withMembers)
		resp = mergeResponse(resp, r)
		if err != nil {
			return nil, resp, err
		}
		all = append(all, groups...)
	}
	if resp != nil {
		resp.Count = len(all)
	}
	return all, resp, nil
}

func (s *GroupsService) getBatch(ctx context.Context, ids []string, missingOK, withMembers bool) ([]*Group, *Response, error) {
	escaped := make([]string, len(ids))
	for i, id := range ids {
		escaped[i] = url.PathEscape(id)
	}
	cl := s.client.get("/chatgroups/"+strings.Join(escaped, ","), nil)
	var full groupList
	var lean []*groupWithoutMembers
	if withMembers {
		cl.data = &full
	} else {
		cl.data = &lean
	}
	_, resp, err := s.client.do(ctx, cl)
	if err != nil {
		// When every id of a batch is missing the server answers 404 (facts
		// §2). Only the group codes count: a wrong org/app is also a 404
		// (organization_application_not_found) and must stay an error.
		var e *Error
		if errors.As(err, &e) && missingOK && e.StatusCode == http.StatusNotFound &&
			(e.Code == "resource_not_found" || e.Code == "service_resource_not_found") {
			return nil, resp, nil
		}
		return nil, resp, err
	}
	groups := full
	if !withMembers {
		groups = make([]*Group, 0, len(lean))
		for _, g := range lean {
			if g != nil {
				groups = append(groups, &g.Group)
			}
		}
	}
	// The server's order is not documented; return the caller's.
	pos := make(map[string]int, len(ids))
	for i, id := range ids {
		if _, dup := pos[id]; !dup {
			pos[id] = i
		}
	}
	rank := func(g *Group) int {
		if p, ok := pos[g.ID]; ok {
			return p
		}
		return len(ids)
	}
	groups = slices.DeleteFunc(groups, func(g *Group) bool { return g == nil })
	slices.SortStableFunc(groups, func(a, b *Group) int { return rank(a) - rank(b) })
	return groups, resp, nil
}

// groupWithoutMembers is a detail item whose member list is skipped: its
// affiliations field hides Group's.
type groupWithoutMembers struct {
	Group
	Affiliations skippedJSON `json:"affiliations"`
}

// skippedJSON accepts any JSON value and keeps nothing of it.
type skippedJSON struct{}

func (skippedJSON) UnmarshalJSON([]byte) error { return nil }

// GetOne returns one group's details; the error matches ErrNotFound when
// the group does not exist.
//
// Agora API: GET /{org}/{app}/chatgroups/{group_id}
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/create-delete-retrieve-groups
func (s *GroupsService) GetOne(ctx context.Context, id string) (*Group, *Response, error) {
	if err := checkGroupID("id", id); err != nil {
		return nil, nil, err
	}
	groups, resp, err := s.Get(ctx, id)
	if err != nil {
		return nil, resp, err
	}
	for _, g := range groups {
		if g.ID == id {
			return g, resp, nil
		}
	}
	return nil, resp, fmt.Errorf("agora: group %s: %w", id, ErrNotFound)
}

// Update changes the fields set in req and nothing else: the body carries
// only non-nil fields (the description key is "description", not the seed's
// "desc"). Agora echoes every sent key with a success flag; a key that is
// false or missing yields a *NotAppliedError naming it. An empty request is
// rejected without a call. PUT is never retried.
//
// Agora API: PUT /{org}/{app}/chatgroups/{group_id}
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/create-delete-retrieve-groups
func (s *GroupsService) Update(ctx context.Context, id string, req *UpdateGroupRequest) (*Response, error) {
	if err := checkGroupID("id", id); err != nil {
		return nil, err
	}
	if req == nil {
		return nil, invalid("request", "nothing to update")
	}
	for _, c := range []struct {
		field string
		v     *string
		n     int
	}{{"groupname", req.GroupName, MaxGroupNameLen}, {"description", req.Description, MaxDescriptionLen}, {"custom", req.Custom, MaxCustomLen}} {
		if err := checkMaxLen(c.field, c.v, c.n); err != nil {
			return nil, err
		}
	}
	if req.MaxUsers != nil && *req.MaxUsers < 1 {
		return nil, invalid("maxusers", "must be at least 1, got %d", *req.MaxUsers)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("agora: PUT /chatgroups/%s: encoding request: %w", id, err)
	}
	keys, err := objectKeys(body)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, invalid("request", "nothing to update: every field is nil")
	}
	return s.put(ctx, id, json.RawMessage(body), keys)
}

// TransferOwner makes newOwner, who must already be a member, the group's
// owner. A false echo yields a *NotAppliedError for "newowner".
//
// Agora API: PUT /{org}/{app}/chatgroups/{group_id} with {"newowner": user}
// https://docs.agora.io/en/api-reference/api-ref/im/chat-group-management/manage-group-members
func (s *GroupsService) TransferOwner(ctx context.Context, id, newOwner string) (*Response, error) {
	if err := checkGroupID("id", id); err != nil {
		return nil, err
	}
	if err := checkUsername("newowner", newOwner); err != nil {
		return nil, err
	}
	return s.put(ctx, id, map[string]string{"newowner": newOwner}, []string{"newowner"})
}

// put sends a modify call and checks the per-key echo (facts §3.3).
func (s *GroupsService) put(ctx context.Context, id string, body any, keys []string) (*Response, error) {
	env, resp, err := s.client.do(ctx, call{method: http.MethodPut, path: "/chatgroups/" + url.PathEscape(id), body: body, retry: retryNever})
	if err != nil {
		return resp, err
	}
	var echo map[string]json.RawMessage
	if err := decodeData("PUT /chatgroups/{id}", env.Data, &echo); err != nil {
		return resp, err
	}
	var failed []string
	for _, k := range keys {
		if v, ok := echo[k]; !ok || !bytes.Equal(bytes.TrimSpace(v), []byte("true")) {
			failed = append(failed, k)
		}
	}
	if len(failed) > 0 {
		return resp, &NotAppliedError{Fields: failed}
	}
	return resp, nil
}

// objectKeys lists the top-level keys of a JSON object in their order.
func objectKeys(b []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("agora: request body is not a JSON object")
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := tok.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// Delete deletes a group (and its threads). It is retried only when the
// server cannot have acted on it (a connection failure before the request
// was sent, 429, 503): after a lost answer a retry would report a 404 for a
// group that was in fact deleted.
//
// Agora API: DELETE /{org}/{app}/chatgroups/{group_id} — single slash, the
// seed's "//" is a typo.
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/create-delete-retrieve-groups
func (s *GroupsService) Delete(ctx context.Context, id string) (*Response, error) {
	if err := checkGroupID("id", id); err != nil {
		return nil, err
	}
	env, resp, err := s.client.do(ctx, call{method: http.MethodDelete, path: "/chatgroups/" + url.PathEscape(id), retry: retryUnprocessed})
	if err != nil {
		return resp, err
	}
	var data struct {
		Success *bool `json:"success"`
	}
	if err := decodeData("DELETE /chatgroups/{id}", env.Data, &data); err != nil {
		return resp, err
	}
	if data.Success != nil && !*data.Success {
		return resp, fmt.Errorf("agora: DELETE /chatgroups/%s: the server answered success=false", id)
	}
	return resp, nil
}

// ListOptions pages through all groups. Limit 0 means the server default
// (10); Cursor is the previous Response's Cursor.
type ListOptions struct {
	Limit  int
	Cursor string
}

// List returns one page of all groups of the app, newest first.
// resp.Cursor is the next page's cursor, "" on the last page. Owner is the
// plain username (the "{org}#{app}_" prefix the list sends is removed),
// MemberCount is the list's "affiliations" count, and LastModified is read
// from "lastModified" or the older "last_modified".
//
// Agora API: GET /{org}/{app}/chatgroups?limit={N}&cursor={cursor}
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/create-delete-retrieve-groups
func (s *GroupsService) List(ctx context.Context, opts *ListOptions) ([]*GroupSummary, *Response, error) {
	q := url.Values{}
	if opts != nil {
		if opts.Limit < 0 {
			return nil, nil, invalid("limit", "must not be negative, got %d", opts.Limit)
		}
		if opts.Limit > 0 {
			q.Set("limit", strconv.Itoa(opts.Limit))
		}
		if opts.Cursor != "" {
			q.Set("cursor", opts.Cursor)
		}
	}
	var rows summaryList
	cl := s.client.get("/chatgroups", q)
	cl.data = &rows
	_, resp, err := s.client.do(ctx, cl)
	if err != nil {
		return nil, resp, err
	}
	prefix := s.client.org + "#" + s.client.app + "_"
	out := make([]*GroupSummary, 0, len(rows))
	backing := make([]GroupSummary, 0, len(rows)) // one allocation for every row
	for _, r := range rows {
		if r == nil {
			continue
		}
		backing = append(backing, GroupSummary{
			ID:          r.GroupID,
			Name:        r.GroupName,
			Owner:       stripAppKeyPrefix(r.Owner, prefix),
			MemberCount: r.Affiliations,
			Type:        r.Type,
		})
		g := &backing[len(backing)-1]
		switch {
		case r.LastModified != nil:
			g.LastModified = *r.LastModified
		case r.LastModifiedOld != nil:
			g.LastModified = *r.LastModifiedOld
		}
		out = append(out, g)
	}
	return out, resp, nil
}

// groupSummaryWire is a list-all row (facts §3.5).
type groupSummaryWire struct {
	Owner           string  `json:"owner"`
	GroupID         string  `json:"groupid"`
	Affiliations    int     `json:"affiliations"`
	Type            string  `json:"type"`
	LastModified    *Millis `json:"lastModified"`  // current docs (EM since 2024-01, AG-EN)
	LastModifiedOld *Millis `json:"last_modified"` // seed page, older servers
	GroupName       string  `json:"groupname"`
}

// stripAppKeyPrefix turns "org#app_user_1" into "user_1". The prefix is
// matched exactly (ignoring case, as the server may fold the app key)
// rather than by splitting on "_", which usernames may contain.
func stripAppKeyPrefix(owner, prefix string) string {
	if len(owner) >= len(prefix) && strings.EqualFold(owner[:len(prefix)], prefix) {
		return owner[len(prefix):]
	}
	return owner
}

// JoinedOptions pages through a user's groups, like PageOptions.
type JoinedOptions = PageOptions

// ListJoined returns the groups username belongs to. A page past the end is
// an empty list, not an error. These calls use the joined-groups rate
// limiter (50/s by default, facts §4.1).
//
// Agora API: GET /{org}/{app}/users/{username}/joined_chatgroups?pagesize={n}&pagenum={n}
// (the seed's paged URL omits {org}).
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/create-delete-retrieve-groups
func (s *GroupsService) ListJoined(ctx context.Context, username string, opts *JoinedOptions) ([]*JoinedGroup, *Response, error) {
	if err := checkUsername("username", username); err != nil {
		return nil, nil, err
	}
	q, err := opts.query()
	if err != nil {
		return nil, nil, err
	}
	cl := s.client.get("/users/"+url.PathEscape(username)+"/joined_chatgroups", q)
	cl.joined = true
	var groups []*JoinedGroup
	cl.data = &groups
	_, resp, err := s.client.do(ctx, cl)
	if err != nil {
		return nil, resp, err
	}
	return groups, resp, nil
}
