package agora

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// MembersService wraps the member and admin endpoints of a group (facts §5).
//
// Agora docs: https://docs.agora.io/en/api-reference/api-ref/im/chat-group-management/manage-group-members
type MembersService service

// PageOptions pages through a numbered list (a group's members, a user's
// groups). 0 omits the parameter (server default). PageNum starts at 1.
type PageOptions struct {
	PageNum, PageSize int
}

// query is the pagenum/pagesize query string; nil options send neither.
func (o *PageOptions) query() (url.Values, error) {
	q := url.Values{}
	if o == nil {
		return q, nil
	}
	if err := checkPage(o.PageNum, o.PageSize); err != nil {
		return nil, err
	}
	if o.PageNum > 0 {
		q.Set("pagenum", strconv.Itoa(o.PageNum))
	}
	if o.PageSize > 0 {
		q.Set("pagesize", strconv.Itoa(o.PageSize))
	}
	return q, nil
}

// List returns one page of a group's members and owner. Admins are listed as
// members; merge ListAdmins to tell them apart.
//
// Agora API: GET /{org}/{app}/chatgroups/{group_id}/users?pagenum={n}&pagesize={n}
// https://docs.agora.io/en/api-reference/api-ref/im/chat-group-management/manage-group-members
func (s *MembersService) List(ctx context.Context, groupID string, opts *PageOptions) ([]Affiliation, *Response, error) {
	if err := checkGroupID("groupid", groupID); err != nil {
		return nil, nil, err
	}
	q, err := opts.query()
	if err != nil {
		return nil, nil, err
	}
	env, resp, err := s.client.do(ctx, s.client.get(groupPath(groupID)+"/users", q))
	if err != nil {
		return nil, resp, err
	}
	var members []Affiliation
	if err := decodeData("GET /chatgroups/{id}/users", env.Data, &members); err != nil {
		return nil, resp, err
	}
	return members, resp, nil
}

// Add adds users to a group and returns the names the server reports as
// added; a user the server did not add is not listed. One user goes to the single-user endpoint; several go to the batch
// endpoint in batches of at most 60 (facts §5). Adding is a POST and is never
// retried. With several batches, resp is the last one's, Attempts summed; on
// an error the names added by the earlier batches are returned with it.
//
// Agora API: POST /{org}/{app}/chatgroups/{group_id}/users/{username}, or
// POST /{org}/{app}/chatgroups/{group_id}/users with {"usernames":[…]}.
// https://docs.agora.io/en/api-reference/api-ref/im/chat-group-management/manage-group-members
func (s *MembersService) Add(ctx context.Context, groupID string, usernames ...string) ([]string, *Response, error) {
	if err := checkGroupID("groupid", groupID); err != nil {
		return nil, nil, err
	}
	if err := checkUsernames("usernames", usernames); err != nil {
		return nil, nil, err
	}
	if len(usernames) == 1 {
		u := usernames[0]
		env, resp, err := s.client.do(ctx, call{method: http.MethodPost, path: groupPath(groupID) + "/users/" + url.PathEscape(u), retry: retryNever})
		if err != nil {
			return nil, resp, err
		}
		var data struct {
			Result bool   `json:"result"`
			User   string `json:"user"`
		}
		if err := decodeData("POST /chatgroups/{id}/users/{username}", env.Data, &data); err != nil {
			return nil, resp, err
		}
		if !data.Result {
			return []string{}, resp, nil
		}
		return []string{cmp.Or(data.User, u)}, resp, nil
	}

	added := []string{}
	var resp *Response
	for batch := range slices.Chunk(usernames, MaxUsersPerBatch) {
		env, r, err := s.client.do(ctx, call{method: http.MethodPost, path: groupPath(groupID) + "/users",
			body: map[string][]string{"usernames": batch}, retry: retryNever})
		resp = mergeResponse(resp, r)
		if err != nil {
			return added, resp, err
		}
		var data struct {
			NewMembers []string `json:"newmembers"`
		}
		if err := decodeData("POST /chatgroups/{id}/users", env.Data, &data); err != nil {
			return added, resp, err
		}
		added = append(added, data.NewMembers...)
	}
	return added, resp, nil
}

// MemberResult is the outcome for one user of a call on several users
// (remove, mute, unmute, block, unblock, allow-list). Batch answers report
// each user; the client never folds them into one success.
//
// Switch on Kind(); Reason is Agora's own words, for logs and the audit trail.
type MemberResult struct {
	Username string
	OK       bool
	Reason   string // Agora's text for a failure, e.g. "user x doesn't exist."
	Expire   Millis // Mute only: when the mute ends (Unix ms); a permanent mute's value is undocumented
}

// Kind is what a failure is, read from Reason (ReasonUserNotFound,
// ReasonNotMember, ReasonOwnerForbidden…); ReasonUnknown when OK or when
// Agora gave no reason.
func (r MemberResult) Kind() Reason {
	if r.OK {
		return ReasonUnknown
	}
	return reasonOfItem(r.Reason)
}

// Remove removes users from a group. Failures of single users in a batch are
// reported in the results (OK false, Reason), not as an error. Several users
// go in comma-separated batches of at most 60 (and short enough to keep the
// URL under Agora's 4 KB). Removing is retried only when the server cannot
// have acted on it (see GroupsService.Delete). On an error the results of
// the earlier batches are returned with it.
//
// Agora API: DELETE /{org}/{app}/chatgroups/{group_id}/users/{username}, or
// DELETE /{org}/{app}/chatgroups/{group_id}/users/{u1},{u2},….
// https://docs.agora.io/en/api-reference/api-ref/im/chat-group-management/manage-group-members
func (s *MembersService) Remove(ctx context.Context, groupID string, usernames ...string) ([]MemberResult, *Response, error) {
	if err := checkGroupID("groupid", groupID); err != nil {
		return nil, nil, err
	}
	if err := checkUsernames("usernames", usernames); err != nil {
		return nil, nil, err
	}
	var (
		results []MemberResult
		resp    *Response
	)
	for _, batch := range pathBatches(usernames, MaxUsersPerBatch, maxPathListBytes) {
		env, r, err := s.client.do(ctx, call{method: http.MethodDelete,
			path: groupPath(groupID) + "/users/" + strings.Join(batch, ","), retry: retryUnprocessed})
		resp = mergeResponse(resp, r)
		if err != nil {
			return results, resp, err
		}
		// One user: an object; several: an array of the same objects.
		var rows []memberResultWire
		if err := decodeOneOrMany("DELETE /chatgroups/{id}/users/{usernames}", env.Data, &rows); err != nil {
			return results, resp, err
		}
		results = appendResults(results, rows)
	}
	return results, resp, nil
}

// memberResultWire is one user's result in a batch answer (moderation
// facts §1): result is a JSON bool, reason only on failures.
type memberResultWire struct {
	Result bool   `json:"result"`
	User   string `json:"user"`
	Reason string `json:"reason"`
	Expire Millis `json:"expire"`
}

func appendResults(out []MemberResult, rows []memberResultWire) []MemberResult {
	for _, w := range rows {
		out = append(out, MemberResult{Username: w.User, OK: w.Result, Reason: w.Reason, Expire: w.Expire})
	}
	return out
}

// maxPathListBytes keeps a comma-separated user list well under the 4 KB
// URL limit of the batch endpoints (facts §5).
const maxPathListBytes = 3000

// pathBatches splits escaped names into batches of at most n names and at
// most maxBytes bytes once joined with commas, never leaving a batch of one
// name when several were asked for.
func pathBatches(names []string, n, maxBytes int) [][]string {
	var (
		out   [][]string
		cur   []string
		bytes int
	)
	for _, name := range names {
		e := url.PathEscape(name)
		if len(cur) > 0 && (len(cur) == n || bytes+1+len(e) > maxBytes) {
			out = append(out, cur)
			cur, bytes = nil, 0
		}
		if len(cur) > 0 {
			bytes++
		}
		cur = append(cur, e)
		bytes += len(e)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	// A lone name would go to the single-user endpoint, which answers a
	// failure with an error status instead of a per-user result: give the
	// last batch a second name from the one before it.
	if k := len(out); k > 1 && len(out[k-1]) == 1 && len(out[k-2]) > 2 {
		prev := out[k-2]
		out[k-1] = []string{prev[len(prev)-1], out[k-1][0]}
		out[k-2] = prev[:len(prev)-1]
	}
	return out
}

// decodeOneOrMany decodes data that is either one object or an array of them.
func decodeOneOrMany[T any](op string, raw json.RawMessage, out *[]T) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		var one T
		if err := decodeData(op, raw, &one); err != nil {
			return err
		}
		*out = []T{one}
		return nil
	}
	return decodeData(op, raw, out)
}

// ListAdmins returns the usernames of the group's admins (not the owner).
//
// Agora API: GET /{org}/{app}/chatgroups/{group_id}/admin
// https://docs.agora.io/en/api-reference/api-ref/im/chat-group-management/manage-group-members
func (s *MembersService) ListAdmins(ctx context.Context, groupID string) ([]string, *Response, error) {
	if err := checkGroupID("groupid", groupID); err != nil {
		return nil, nil, err
	}
	env, resp, err := s.client.do(ctx, s.client.get(groupPath(groupID)+"/admin", nil))
	if err != nil {
		return nil, resp, err
	}
	var admins []string
	if err := decodeData("GET /chatgroups/{id}/admin", env.Data, &admins); err != nil {
		return nil, resp, err
	}
	return admins, resp, nil
}

// AddAdmin makes a member an admin. Never retried.
//
// Agora API: POST /{org}/{app}/chatgroups/{group_id}/admin with {"newadmin": user}
// https://docs.agora.io/en/api-reference/api-ref/im/chat-group-management/manage-group-members
func (s *MembersService) AddAdmin(ctx context.Context, groupID, username string) (*Response, error) {
	if err := checkGroupID("groupid", groupID); err != nil {
		return nil, err
	}
	if err := checkUsername("newadmin", username); err != nil {
		return nil, err
	}
	env, resp, err := s.client.do(ctx, call{method: http.MethodPost, path: groupPath(groupID) + "/admin",
		body: map[string]string{"newadmin": username}, retry: retryNever})
	if err != nil {
		return resp, err
	}
	return resp, checkAdminResult("POST /chatgroups/{id}/admin", env.Data, "newadmin")
}

// RemoveAdmin demotes an admin to member. Retried like GroupsService.Delete.
//
// Agora API: DELETE /{org}/{app}/chatgroups/{group_id}/admin/{username}
// https://docs.agora.io/en/api-reference/api-ref/im/chat-group-management/manage-group-members
func (s *MembersService) RemoveAdmin(ctx context.Context, groupID, username string) (*Response, error) {
	if err := checkGroupID("groupid", groupID); err != nil {
		return nil, err
	}
	if err := checkUsername("username", username); err != nil {
		return nil, err
	}
	env, resp, err := s.client.do(ctx, call{method: http.MethodDelete,
		path: groupPath(groupID) + "/admin/" + url.PathEscape(username), retry: retryUnprocessed})
	if err != nil {
		return resp, err
	}
	return resp, checkAdminResult("DELETE /chatgroups/{id}/admin/{username}", env.Data, "oldadmin")
}

// checkAdminResult reads {"result":"success",…}; the captured servers send
// the string "success" (facts §5), a boolean true is accepted as well.
func checkAdminResult(op string, raw json.RawMessage, key string) error {
	var data struct {
		Result json.RawMessage `json:"result"`
	}
	if err := decodeData(op, raw, &data); err != nil {
		return err
	}
	switch strings.TrimSpace(string(data.Result)) {
	case `"success"`, "true", "":
		return nil
	}
	return &NotAppliedError{Fields: []string{key}}
}

func groupPath(id string) string { return "/chatgroups/" + url.PathEscape(id) }
