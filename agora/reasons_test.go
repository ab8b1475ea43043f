package agora

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// TestErrorReasons classifies the captured and documented error bodies of
// both facts files (agora-chat-facts §2, §5; moderation facts §2, §3).
func TestErrorReasons(t *testing.T) {
	tests := []struct {
		status      int
		code, desc  string
		path        string // defaults to a group path
		reason      Reason
		user, field string
	}{
		// Groups, members and the app.
		{404, "resource_not_found", "grpID 66021836783617 does not exist!", "", ReasonGroupNotFound, "", ""},
		{404, "service_resource_not_found", "do not find this group:66021836783617", "", ReasonGroupNotFound, "", ""},
		{404, "resource_not_found", "username zhangsan doesn't exist!", "", ReasonUserNotFound, "zhangsan", ""},
		{404, "service_resource_not_found", "Service resource not found", "/users/ghost/joined_chatgroups", ReasonNotFound, "", ""},
		{404, "organization_application_not_found", "Could not find application for org/app from URI: org/app/chatgroups", "/chatgroups", ReasonAppNotFound, "", ""},
		// Membership.
		{403, "forbidden_op", "can not join this group, reason:user: u1 already in group: 66021836783617\n", "", ReasonAlreadyMember, "u1", ""},
		{403, "forbidden_op", "Can not join this group, reason:user: U.2 already in group: 1", "", ReasonAlreadyMember, "U.2", ""},
		{403, "exceed_limit", "user u1 has joined too many groups!", "", ReasonUserTooManyGroups, "u1", ""},
		{403, "forbidden_op", "can not join this group, reason：user lisi has joined too many groups/chatroom!", "", ReasonUserTooManyGroups, "lisi", ""},
		{403, "forbidden_op", "users [u9] are not members of this group!", "", ReasonNotMember, "u9", ""},
		{400, "invalid_parameter", "users [a, b] are not members of this group!", "", ReasonNotMember, "a, b", ""},
		{404, "resource_not_found", "user: u3 doesn't exist in group: 66021836783617", "", ReasonNotMember, "u3", ""},
		{403, "forbidden_op", "user: u3 doesn't exist in group: 66021836783617", "", ReasonNotMember, "u3", ""},
		{403, "forbidden_op", "forbidden operation on group owner!", "", ReasonOwnerForbidden, "", ""},
		{403, "forbidden_op", "new owner and old owner are the same", "", ReasonAlreadyOwner, "", ""},
		{403, "forbidden_op", "user:u4 is not admin of group:66021836783617", "", ReasonNotAdmin, "u4", ""},
		{403, "forbidden_op", "user u5 is in the blacklist", "", ReasonBlocked, "u5", ""},
		{403, "forbidden_op", "group admin size exceeds the max limit 99", "", ReasonTooManyAdmins, "", ""},
		{403, "forbidden_op", "group is disabled", "", ReasonGroupDisabled, "", ""},
		// Limits.
		{403, "exceed_limit", "members size is greater than max user size !", "/chatgroups", ReasonGroupFull, "", "members"},
		{403, "forbidden_op", "current user count is larger than the maxUsers that you want to update !", "", ReasonMaxUsersBelowCount, "", "maxusers"},
		{403, "exceed_limit", "appKey:org#app has create too many groups!", "/chatgroups", ReasonAppTooManyGroups, "", ""},
		{403, "forbidden_op", "this appKey has create too many groups/chatrooms!", "/chatgroups", ReasonAppTooManyGroups, "", ""},
		{403, "exceed_limit", "title cannot exceed to 128", "", ReasonLimitExceeded, "", "groupname"},
		{403, "exceed_limit", "desc cannot exceed to 512", "", ReasonLimitExceeded, "", "description"},
		{403, "exceed_limit", "maxUsers cannot exceed 2000", "", ReasonLimitExceeded, "", "maxusers"},
		{403, "forbidden_op", "announce info length exceeds limit!", "", ReasonLimitExceeded, "", "announcement"},
		{400, "invalid_parameter", "avatar length is too big", "", ReasonLimitExceeded, "", "avatar"},
		{400, "invalid_parameter", "kickMember: kickMembers number more than maxSize : 60", "", ReasonLimitExceeded, "", "usernames"},
		{400, "invalid_parameter", "userNames size is more than max limit : 60", "", ReasonLimitExceeded, "", "usernames"},
		{400, "invalid_parameter", "removeMute member size more than max limit : 60", "", ReasonLimitExceeded, "", "usernames"},
		{400, "invalid_parameter", "removeBlacklist: list size more than max limit : 60", "", ReasonLimitExceeded, "", "usernames"},
		// Content and requests.
		{403, "group_name_violation", "spam is violation, please change it.", "/chatgroups", ReasonContentViolation, "", "groupname"},
		{403, "group_announce_violation", "group announcement is violation, please change it.", "", ReasonContentViolation, "", "announcement"},
		{400, "invalid_parameter", "group must contain public field!", "/chatgroups", ReasonInvalidRequest, "", "public"},
		{400, "invalid_parameter", "owner must be provided", "/chatgroups", ReasonInvalidRequest, "", "owner"},
		{400, "invalid_parameter", "some of [desc] are not valid fields", "", ReasonInvalidRequest, "", "desc"},
		{400, "illegal_argument", "announcement is null", "", ReasonInvalidRequest, "", "announcement"},
		{400, "illegal_argument", "group ID 123 already exists!", "/chatgroups", ReasonInvalidRequest, "", ""},
		{400, "json_parse", "Unexpected character ('=' (code 61)): was expecting a colon", "", ReasonInvalidRequest, "", ""},
		{415, "web_application", "Unsupported Media Type", "", ReasonInvalidRequest, "", ""},
		{403, "forbidden_op", "something new", "", ReasonForbidden, "", ""},
		// Authentication, rate, server.
		{401, "group_authorization", "token is blank!", "", ReasonUnauthorized, "", ""},
		{401, "unauthorized", "Unable to authenticate (OAuth)", "", ReasonUnauthorized, "", ""},
		{401, "group_authorization", "you have no permission to do this, group admin permission is required", "", ReasonUnauthorized, "", ""},
		{429, "reach_limit", "This request has reached api limit", "", ReasonRateLimited, "", ""},
		{429, "resource_limited", "You have exceeded the limit of the Free edition. Please upgrade to higher edition.", "", ReasonPlanLimit, "", ""},
		{500, "unsupported_service_operation", "Service operation not supported", "", ReasonServerError, "", ""},
		{502, "", "", "", ReasonServerError, "", ""},
		{500, "internal_error", "username ghost doesn't exist!", "", ReasonServerError, "", ""}, // the status wins over the text
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %s %s", tt.status, tt.code, tt.desc), func(t *testing.T) {
			path := tt.path
			if path == "" {
				path = "/chatgroups/66021836783617/users"
			}
			client, mux := setup(t, WithRetries(0, 0))
			mux.HandleFunc("/org/app"+path, func(w http.ResponseWriter, r *http.Request) {
				body := ""
				if tt.code != "" {
					body = fmt.Sprintf(`{"error":%q,"exception":"x","timestamp":1,"duration":0,"error_description":%q}`, tt.code, tt.desc)
				}
				writeJSON(w, tt.status, body)
			})
			_, _, err := client.do(context.Background(), client.get(path, nil))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.Reason != tt.reason || e.User != tt.user || e.Field != tt.field {
				t.Errorf("Reason, User, Field = %q, %q, %q; want %q, %q, %q", e.Reason, e.User, e.Field, tt.reason, tt.user, tt.field)
			}
			if got := ReasonOf(fmt.Errorf("wrapped: %w", err)); got != tt.reason {
				t.Errorf("ReasonOf = %q, want %q", got, tt.reason)
			}
		})
	}
}

func TestUnreadableSuccessIsResponseError(t *testing.T) {
	tests := []struct{ name, body string }{
		{"HTML", "<html>gateway says hi</html>"},
		{"truncated", `{"data":{"groupid":"1"`},
		{"wrong data shape", `{"data":"not an object"}`},
		{"no group id", `{"data":{}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, mux := setup(t)
			mux.HandleFunc("/org/app/chatgroups", func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(200)
				io.WriteString(w, tt.body)
			})
			_, _, err := client.Groups.Create(context.Background(), &CreateGroupRequest{GroupName: "g", Owner: "boss"})
			var re *ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("err = %#v, want a *ResponseError", err)
			}
			if !errors.Is(err, ErrBadResponse) || ReasonOf(err) != ReasonBadResponse {
				t.Errorf("errors.Is(ErrBadResponse) = %v, ReasonOf = %q", errors.Is(err, ErrBadResponse), ReasonOf(err))
			}
			for _, s := range sentinels {
				if errors.Is(err, s) {
					t.Errorf("an unreadable 200 matches %v", s)
				}
			}
		})
	}
}

func TestReasonOfRequestErrors(t *testing.T) {
	tests := []struct {
		err  error
		want Reason
	}{
		{&RequestError{Method: "GET", Path: "/x", Err: context.DeadlineExceeded}, ReasonTimeout},
		{&RequestError{Method: "GET", Path: "/x", Err: errors.New("connection refused")}, ReasonNoAnswer},
		{&RequestError{Method: "GET", Path: "/x", Err: context.Canceled}, ReasonUnknown},
		{&RequestError{Method: "GET", Path: "/x", Err: fmt.Errorf("%w: waiting", ErrRateLimited)}, ReasonRateLimited},
		{&ValidationError{Field: "x", Message: "bad"}, ReasonUnknown},
		{errors.New("foreign"), ReasonUnknown},
		{nil, ReasonUnknown},
	}
	for _, tt := range tests {
		if got := ReasonOf(tt.err); got != tt.want {
			t.Errorf("ReasonOf(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
	// A real unreachable server: no answer, not a timeout.
	client, _, srv := setupApp(t, testOrg, testApp, WithRetries(0, 0), WithTimeout(5*time.Second))
	srv.Close()
	_, _, err := client.Groups.List(context.Background(), nil)
	if got := ReasonOf(err); got != ReasonNoAnswer {
		t.Errorf("closed server: ReasonOf(%v) = %q, want %q", err, got, ReasonNoAnswer)
	}
}
