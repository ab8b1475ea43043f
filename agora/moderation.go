package agora

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Moderation endpoints (moderation facts §2). Calls on several users answer
// per user ([]MemberResult); a call on one user answers with an error status
// when it fails. POSTs are never retried, DELETEs only when the server cannot
// have acted on them, GETs on 429/502/503/504 and network failures.

// MemberCursorOptions pages through a group's members by cursor. Limit 0
// omits the parameter (server default).
type MemberCursorOptions struct {
	Limit  int
	Cursor string // the previous Response's Cursor
}

// ListUsernames returns one page of a group's member names, by cursor: the
// owner is not included (JSDK javadoc). resp.Cursor is the next page's
// cursor, "" on the last page. This variant is used by Agora's Java server
// SDK but is undocumented (moderation facts §2.1); List is the documented
// numbered one.
//
// Agora API: GET /{org}/{app}/chatgroups/{group_id}/users?version=v3&limit={n}&cursor={c}
func (s *MembersService) ListUsernames(ctx context.Context, groupID string, opts *MemberCursorOptions) ([]string, *Response, error) {
	if err := checkGroupID("groupid", groupID); err != nil {
		return nil, nil, err
	}
	q := url.Values{"version": {"v3"}}
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
	return s.client.getNames(ctx, groupPath(groupID)+"/users", q, "GET /chatgroups/{id}/users?version=v3")
}

// getNames is a GET whose data is an array of usernames.
func (c *Client) getNames(ctx context.Context, path string, q url.Values, op string) ([]string, *Response, error) {
	env, resp, err := c.do(ctx, c.get(path, q))
	if err != nil {
		return nil, resp, err
	}
	names := []string{}
	if err := decodeData(op, env.Data, &names); err != nil {
		return nil, resp, err
	}
	return names, resp, nil
}

// MutedMember is one entry of a group's mute list.
type MutedMember struct {
	Username string `json:"user"`
	Expire   Millis `json:"expire"` // Unix ms when the mute ends; a permanent mute's value is undocumented
}

// ListMuted returns the group's muted members. Expired mutes lift by
// themselves (moderation facts §2.8).
//
// Agora API: GET /{org}/{app}/chatgroups/{group_id}/mute
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/manage-group-mutelist
func (s *MembersService) ListMuted(ctx context.Context, groupID string) ([]MutedMember, *Response, error) {
	if err := checkGroupID("groupid", groupID); err != nil {
		return nil, nil, err
	}
	env, resp, err := s.client.do(ctx, s.client.get(groupPath(groupID)+"/mute", nil))
	if err != nil {
		return nil, resp, err
	}
	muted := []MutedMember{}
	if err := decodeData("GET /chatgroups/{id}/mute", env.Data, &muted); err != nil {
		return nil, resp, err
	}
	return muted, resp, nil
}

// MutePermanent, as Mute's duration, mutes until an Unmute.
const MutePermanent time.Duration = -1

// Mute stops members from sending messages in the group (and its threads)
// for d, at least a millisecond, or MutePermanent. The owner cannot be
// muted. Users go in batches of at most 60; each user's outcome, with the
// mute's Expire, is in the results. On an error the results of the earlier
// batches are returned with it.
//
// Agora API: POST /{org}/{app}/chatgroups/{group_id}/mute with
// {"usernames":[…],"mute_duration":<ms>} (-1 = permanent)
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/manage-group-mutelist
func (s *MembersService) Mute(ctx context.Context, groupID string, d time.Duration, usernames ...string) ([]MemberResult, *Response, error) {
	if err := checkMembersCall(groupID, usernames); err != nil {
		return nil, nil, err
	}
	ms := int64(-1)
	if d != MutePermanent {
		if d < time.Millisecond {
			return nil, nil, invalid("mute_duration", "must be at least 1ms, or MutePermanent; got %s", d)
		}
		ms = d.Milliseconds()
	}
	var (
		results []MemberResult
		resp    *Response
	)
	for batch := range slices.Chunk(usernames, MaxUsersPerBatch) {
		body := struct {
			Usernames []string `json:"usernames"`
			Duration  int64    `json:"mute_duration"`
		}{batch, ms}
		env, r, err := s.client.do(ctx, call{method: http.MethodPost, path: groupPath(groupID) + "/mute", body: body, retry: retryNever})
		resp = mergeResponse(resp, r)
		if err != nil {
			return results, resp, err
		}
		var rows []memberResultWire
		if err := decodeOneOrMany("POST /chatgroups/{id}/mute", env.Data, &rows); err != nil {
			return results, resp, err
		}
		results = appendResults(results, rows)
	}
	return results, resp, nil
}

// Unmute lifts the mutes of members, in comma-separated batches of at most
// 60. Retried only when the server cannot have acted on it.
//
// Agora API: DELETE /{org}/{app}/chatgroups/{group_id}/mute/{u1},{u2},…
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/manage-group-mutelist
func (s *MembersService) Unmute(ctx context.Context, groupID string, usernames ...string) ([]MemberResult, *Response, error) {
	if err := checkMembersCall(groupID, usernames); err != nil {
		return nil, nil, err
	}
	return s.deleteEach(ctx, groupPath(groupID)+"/mute/", "DELETE /chatgroups/{id}/mute/{usernames}", usernames)
}

// ListBlockedOptions pages through a block list. With neither field set
// Agora returns up to 500 names; PageSize alone, up to 50 (AG-EN).
type ListBlockedOptions struct {
	PageSize int
	Cursor   string // the previous Response's Cursor
}

// ListBlocked returns the users blocked from the group, most recently
// blocked first. resp.Cursor is the next page's cursor when Agora pages.
//
// Agora API: GET /{org}/{app}/chatgroups/{group_id}/blocks/users?pageSize={n}&cursor={c}
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/manage-group-blocklist
func (s *MembersService) ListBlocked(ctx context.Context, groupID string, opts *ListBlockedOptions) ([]string, *Response, error) {
	if err := checkGroupID("groupid", groupID); err != nil {
		return nil, nil, err
	}
	q := url.Values{}
	if opts != nil {
		if opts.PageSize < 0 {
			return nil, nil, invalid("pageSize", "must not be negative, got %d", opts.PageSize)
		}
		if opts.PageSize > 0 {
			q.Set("pageSize", strconv.Itoa(opts.PageSize)) // camel case, unlike the member list
		}
		if opts.Cursor != "" {
			q.Set("cursor", opts.Cursor)
		}
	}
	return s.client.getNames(ctx, groupPath(groupID)+"/blocks/users", q, "GET /chatgroups/{id}/blocks/users")
}

// Block removes users from the group and keeps them from joining again
// until unblocked; unblocking does not add them back. The owner cannot be
// blocked. One user goes to the single-user endpoint (a failure is an
// error); several go in batches of at most 60, each user's outcome in the
// results.
//
// Agora API: POST /{org}/{app}/chatgroups/{group_id}/blocks/users/{username}, or
// POST /{org}/{app}/chatgroups/{group_id}/blocks/users with {"usernames":[…]}
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/manage-group-blocklist
func (s *MembersService) Block(ctx context.Context, groupID string, usernames ...string) ([]MemberResult, *Response, error) {
	return s.postEach(ctx, groupID, "/blocks/users", usernames)
}

// Unblock takes users off the block list, in comma-separated batches of at
// most 60. Retried only when the server cannot have acted on it.
//
// Agora API: DELETE /{org}/{app}/chatgroups/{group_id}/blocks/users/{u1},{u2},…
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/manage-group-blocklist
func (s *MembersService) Unblock(ctx context.Context, groupID string, usernames ...string) ([]MemberResult, *Response, error) {
	if err := checkMembersCall(groupID, usernames); err != nil {
		return nil, nil, err
	}
	return s.deleteEach(ctx, groupPath(groupID)+"/blocks/users/", "DELETE /chatgroups/{id}/blocks/users/{usernames}", usernames)
}

// ListAllowed returns the group's allow list: the members who may still
// speak while the whole group is muted. The owner and admins are on it by
// default.
//
// Agora API: GET /{org}/{app}/chatgroups/{group_id}/white/users
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/manage-group-allowlist
func (s *MembersService) ListAllowed(ctx context.Context, groupID string) ([]string, *Response, error) {
	if err := checkGroupID("groupid", groupID); err != nil {
		return nil, nil, err
	}
	return s.client.getNames(ctx, groupPath(groupID)+"/white/users", nil, "GET /chatgroups/{id}/white/users")
}

// Allow adds members to the allow list, like Block: one user to the
// single-user endpoint, several in batches of at most 60 with per-user
// results.
//
// Agora API: POST /{org}/{app}/chatgroups/{group_id}/white/users/{username}, or
// POST /{org}/{app}/chatgroups/{group_id}/white/users with {"usernames":[…]}
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/manage-group-allowlist
func (s *MembersService) Allow(ctx context.Context, groupID string, usernames ...string) ([]MemberResult, *Response, error) {
	return s.postEach(ctx, groupID, "/white/users", usernames)
}

// Disallow takes members off the allow list, in comma-separated batches of
// at most 60. Retried only when the server cannot have acted on it.
//
// Agora API: DELETE /{org}/{app}/chatgroups/{group_id}/white/users/{u1},{u2},…
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/manage-group-allowlist
func (s *MembersService) Disallow(ctx context.Context, groupID string, usernames ...string) ([]MemberResult, *Response, error) {
	if err := checkMembersCall(groupID, usernames); err != nil {
		return nil, nil, err
	}
	return s.deleteEach(ctx, groupPath(groupID)+"/white/users/", "DELETE /chatgroups/{id}/white/users/{usernames}", usernames)
}

func checkMembersCall(groupID string, usernames []string) error {
	if err := checkGroupID("groupid", groupID); err != nil {
		return err
	}
	return checkUsernames("usernames", usernames)
}

// postEach sends one user to {sub}/{username} and several to {sub} with a
// {"usernames"} body in batches of at most 60. Never retried.
func (s *MembersService) postEach(ctx context.Context, groupID, sub string, usernames []string) ([]MemberResult, *Response, error) {
	if err := checkMembersCall(groupID, usernames); err != nil {
		return nil, nil, err
	}
	base := groupPath(groupID) + sub
	op := "POST /chatgroups/{id}" + sub
	if len(usernames) == 1 {
		env, resp, err := s.client.do(ctx, call{method: http.MethodPost, path: base + "/" + url.PathEscape(usernames[0]), retry: retryNever})
		if err != nil {
			return nil, resp, err
		}
		var rows []memberResultWire
		if err := decodeOneOrMany(op+"/{username}", env.Data, &rows); err != nil {
			return nil, resp, err
		}
		return appendResults(nil, rows), resp, nil
	}
	var (
		results []MemberResult
		resp    *Response
	)
	for batch := range slices.Chunk(usernames, MaxUsersPerBatch) {
		env, r, err := s.client.do(ctx, call{method: http.MethodPost, path: base,
			body: map[string][]string{"usernames": batch}, retry: retryNever})
		resp = mergeResponse(resp, r)
		if err != nil {
			return results, resp, err
		}
		var rows []memberResultWire
		if err := decodeOneOrMany(op, env.Data, &rows); err != nil {
			return results, resp, err
		}
		results = appendResults(results, rows)
	}
	return results, resp, nil
}

// deleteEach sends DELETE {prefix}{u1},{u2},… in batches that never leave a
// lone name when several were asked for (pathBatches).
func (s *MembersService) deleteEach(ctx context.Context, prefix, op string, usernames []string) ([]MemberResult, *Response, error) {
	var (
		results []MemberResult
		resp    *Response
	)
	for _, batch := range pathBatches(usernames, MaxUsersPerBatch, maxPathListBytes) {
		env, r, err := s.client.do(ctx, call{method: http.MethodDelete, path: prefix + strings.Join(batch, ","), retry: retryUnprocessed})
		resp = mergeResponse(resp, r)
		if err != nil {
			return results, resp, err
		}
		var rows []memberResultWire
		if err := decodeOneOrMany(op, env.Data, &rows); err != nil {
			return results, resp, err
		}
		results = appendResults(results, rows)
	}
	return results, resp, nil
}

// MuteAll mutes the whole group: only allow-listed members (the owner and
// admins by default) can send until UnmuteAll. It never expires, and it
// leaves the mute list as it is. Group.Mute shows the state.
//
// Agora API: POST /{org}/{app}/chatgroups/{group_id}/ban
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/manage-group-mutelist
func (s *GroupsService) MuteAll(ctx context.Context, groupID string) (*Response, error) {
	return s.flag(ctx, groupID, http.MethodPost, "/ban", "mute", true, retryNever)
}

// UnmuteAll ends a MuteAll. Retried only when the server cannot have acted on it.
//
// Agora API: DELETE /{org}/{app}/chatgroups/{group_id}/ban
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/manage-group-mutelist
func (s *GroupsService) UnmuteAll(ctx context.Context, groupID string) (*Response, error) {
	return s.flag(ctx, groupID, http.MethodDelete, "/ban", "mute", false, retryUnprocessed)
}

// Disable bans the group: nobody can send or receive in it or its threads
// until Enable. Group.Disabled shows the state.
//
// Agora API: POST /{org}/{app}/chatgroups/{group_id}/disable
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/manage-groups
func (s *GroupsService) Disable(ctx context.Context, groupID string) (*Response, error) {
	return s.flag(ctx, groupID, http.MethodPost, "/disable", "disabled", true, retryNever)
}

// Enable lifts a Disable.
//
// Agora API: POST /{org}/{app}/chatgroups/{group_id}/enable
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/manage-groups
func (s *GroupsService) Enable(ctx context.Context, groupID string) (*Response, error) {
	return s.flag(ctx, groupID, http.MethodPost, "/enable", "disabled", false, retryNever)
}

// flag sends a body-less call whose data is {key: want}, e.g. {"mute":true};
// another value yields a *NotAppliedError naming key.
func (s *GroupsService) flag(ctx context.Context, groupID, method, sub, key string, want bool, retry retryPolicy) (*Response, error) {
	if err := checkGroupID("groupid", groupID); err != nil {
		return nil, err
	}
	env, resp, err := s.client.do(ctx, call{method: method, path: groupPath(groupID) + sub, retry: retry})
	if err != nil {
		return resp, err
	}
	var data map[string]json.RawMessage
	if err := decodeData(method+" /chatgroups/{id}"+sub, env.Data, &data); err != nil {
		return resp, err
	}
	if strings.TrimSpace(string(data[key])) != strconv.FormatBool(want) {
		return resp, &NotAppliedError{Fields: []string{key}}
	}
	return resp, nil
}

// GetAnnouncement returns the group's announcement, "" when none is set.
//
// Agora API: GET /{org}/{app}/chatgroups/{group_id}/announcement
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/manage-group-announcement-files
func (s *GroupsService) GetAnnouncement(ctx context.Context, groupID string) (string, *Response, error) {
	if err := checkGroupID("groupid", groupID); err != nil {
		return "", nil, err
	}
	env, resp, err := s.client.do(ctx, s.client.get(groupPath(groupID)+"/announcement", nil))
	if err != nil {
		return "", resp, err
	}
	var data struct {
		Announcement string `json:"announcement"`
	}
	if err := decodeData("GET /chatgroups/{id}/announcement", env.Data, &data); err != nil {
		return "", resp, err
	}
	return data.Announcement, resp, nil
}

// SetAnnouncement replaces the group's announcement (at most 512
// characters; "" clears it). Never retried. A false result is a
// *NotAppliedError.
//
// Agora API: POST /{org}/{app}/chatgroups/{group_id}/announcement with {"announcement": text}
// https://docs.agora.io/en/agora-chat/restful-api/chat-group-management/manage-group-announcement-files
func (s *GroupsService) SetAnnouncement(ctx context.Context, groupID, text string) (*Response, error) {
	if err := checkGroupID("groupid", groupID); err != nil {
		return nil, err
	}
	if err := checkMaxLen("announcement", &text, MaxAnnouncementLen); err != nil {
		return nil, err
	}
	env, resp, err := s.client.do(ctx, call{method: http.MethodPost, path: groupPath(groupID) + "/announcement",
		body: map[string]string{"announcement": text}, retry: retryNever})
	if err != nil {
		return resp, err
	}
	var data struct {
		Result *bool `json:"result"`
	}
	if err := decodeData("POST /chatgroups/{id}/announcement", env.Data, &data); err != nil {
		return resp, err
	}
	if data.Result != nil && !*data.Result {
		return resp, &NotAppliedError{Fields: []string{"announcement"}}
	}
	return resp, nil
}
