package sandbox

import (
	"net/http"
	"testing"
	"time"

	"groupdesk/agora"
)

// userToken builds a Chat user token for id (a username or a user's UUID),
// as the official builder does.
func userToken(t *testing.T, id string, expire uint32, issued time.Time) string {
	t.Helper()
	tok := &agora.AccessToken2{AppID: testAppID, IssuedAt: uint32(issued.Unix()), Expire: expire, Salt: 7,
		Services: []agora.TokenService{{Type: agora.ServiceChat, Privileges: map[uint16]uint32{agora.PrivilegeChatUser: expire}, UserID: id}}}
	s, err := tok.Build(testCert)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// as sends a request with a user's token.
func (e *env) as(user, method, path string, body any) response {
	e.t.Helper()
	return e.send(method, e.url(path), body, "Bearer "+userToken(e.t, user, 3600, time.Now()))
}

func TestUserTokenRights(t *testing.T) {
	e := newEnv(t)
	e.createUsers("owner", "admin", "member", "stranger", "other")
	pub := e.createGroup("public", "owner", "admin", "member")
	priv := dataObject(t, e.ok("POST", "/chatgroups", `{"public":false,"owner":"owner","members":["admin","member"]}`))["groupid"].(string)
	e.ok("POST", "/chatgroups/"+pub+"/admin", `{"newadmin":"admin"}`)
	e.ok("POST", "/chatgroups/"+priv+"/admin", `{"newadmin":"admin"}`)

	denied := func(need string) func(*testing.T, response) {
		return func(t *testing.T, res response) {
			t.Helper()
			wantError(t, res, 403, "forbidden_op", "you have no permission to do this, group "+need+" permission is required")
			if res.body["error_code"] != float64(codePermissionDenied) {
				t.Errorf("error_code %v, want %d", res.body["error_code"], codePermissionDenied)
			}
		}
	}
	notJoined := func(t *testing.T, res response) {
		t.Helper()
		wantError(t, res, 403, "forbidden_op", "users [stranger] are not members of this group!")
		if res.body["error_code"] != float64(codeNotJoined) {
			t.Errorf("error_code %v, want %d", res.body["error_code"], codeNotJoined)
		}
	}
	oauth := func(t *testing.T, res response) {
		t.Helper()
		wantError(t, res, 401, "unauthorized", "Unable to authenticate (OAuth)")
		if res.body["error_code"] != float64(codeNoPermission) {
			t.Errorf("error_code %v, want %d", res.body["error_code"], codeNoPermission)
		}
	}
	ok := func(t *testing.T, res response) {
		t.Helper()
		if res.status != http.StatusOK {
			t.Errorf("status %d, want 200\n%s", res.status, res.raw)
		}
	}
	tests := []struct {
		name, user, method, path string
		body                     any
		check                    func(*testing.T, response)
	}{
		{"member reads its private group", "member", "GET", "/chatgroups/" + priv, nil, ok},
		{"member reads private members", "member", "GET", "/chatgroups/" + priv + "/users", nil, ok},
		{"stranger reads a public group", "stranger", "GET", "/chatgroups/" + pub, nil, ok},
		{"stranger reads public members", "stranger", "GET", "/chatgroups/" + pub + "/users", nil, ok},
		{"stranger cannot read a private group", "stranger", "GET", "/chatgroups/" + priv, nil, notJoined},
		{"stranger cannot read private members", "stranger", "GET", "/chatgroups/" + priv + "/users", nil, notJoined},
		{"member cannot add", "member", "POST", "/chatgroups/" + pub + "/users/other", nil, denied("admin")},
		{"member cannot mute", "member", "POST", "/chatgroups/" + pub + "/mute", `{"usernames":["admin"]}`, denied("admin")},
		{"member cannot read the block list", "member", "GET", "/chatgroups/" + pub + "/blocks/users", nil, denied("admin")},
		{"admin adds", "admin", "POST", "/chatgroups/" + pub + "/users/other", nil, ok},
		{"admin mutes", "admin", "POST", "/chatgroups/" + pub + "/mute", `{"usernames":["other"],"mute_duration":1000}`, ok},
		{"admin sets the announcement", "admin", "POST", "/chatgroups/" + pub + "/announcement", `{"announcement":"hi"}`, ok},
		{"admin removes", "admin", "DELETE", "/chatgroups/" + pub + "/users/other", nil, ok},
		{"admin cannot appoint admins", "admin", "POST", "/chatgroups/" + pub + "/admin", `{"newadmin":"member"}`, denied("owner")},
		{"admin cannot transfer", "admin", "PUT", "/chatgroups/" + pub, `{"newowner":"member"}`, denied("owner")},
		{"admin edits the group", "admin", "PUT", "/chatgroups/" + pub, `{"description":"edited"}`, ok},
		{"admin cannot delete", "admin", "DELETE", "/chatgroups/" + pub, nil, denied("owner")},
		{"owner appoints", "owner", "POST", "/chatgroups/" + pub + "/admin", `{"newadmin":"member"}`, ok},
		{"user creates its own group", "other", "POST", "/chatgroups", `{"public":true,"owner":"other"}`, ok},
		{"user cannot create for another", "other", "POST", "/chatgroups", `{"public":true,"owner":"owner"}`, denied("owner")},
		{"user reads its joined groups", "member", "GET", "/users/member/joined_chatgroups", nil, ok},
		{"user cannot read another's groups", "member", "GET", "/users/owner/joined_chatgroups", nil, denied("owner")},
		{"list-all is for the app", "owner", "GET", "/chatgroups", nil, oauth},
		{"disable is for the app", "owner", "POST", "/chatgroups/" + pub + "/disable", nil, oauth},
		{"user admin is for the app", "owner", "DELETE", "/users/member", nil, oauth},
		{"unknown group: 404 as usual", "member", "GET", "/chatgroups/123/users", nil, func(t *testing.T, res response) {
			wantError(t, res, 404, "service_resource_not_found", "do not find this group:123")
		}},
		{"token of no user", "ghost", "GET", "/chatgroups/" + pub, nil, oauth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, e.as(tt.user, tt.method, tt.path, tt.body)) })
	}

	// A blocked user does not see the group; a disabled group can be read
	// but not managed with user tokens (the app still can).
	e.ok("POST", "/chatgroups/"+pub+"/blocks/users/member", nil)
	wantError(t, e.as("member", "GET", "/chatgroups/"+pub, nil), 403, "forbidden_op", "user: member is in the blacklist of group: "+pub)
	e.ok("POST", "/chatgroups/"+pub+"/disable", nil)
	ok(t, e.as("admin", "GET", "/chatgroups/"+pub, nil))
	wantError(t, e.as("owner", "POST", "/chatgroups/"+pub+"/users/other", nil), 403, "forbidden_op", "can not operate this group, reason: group is disabled")
	e.ok("POST", "/chatgroups/"+pub+"/users/other", nil)

	t.Run("owner deletes", func(t *testing.T) { ok(t, e.as("owner", "DELETE", "/chatgroups/"+priv, nil)) })
}

func TestUserTokenVerification(t *testing.T) {
	e := newEnv(t)
	e.createUsers("u")
	id := e.createGroup("g", "u")
	u, err := e.sb.store.getUser(t.Context(), "u")
	if err != nil {
		t.Fatal(err)
	}
	// The user id may be the UUID (Agora's token pages) or the username.
	if res := e.send("GET", e.url("/chatgroups/"+id), nil, "Bearer "+userToken(t, u.UUID, 600, time.Now())); res.status != 200 {
		t.Errorf("UUID token: %d %s", res.status, res.raw)
	}
	expired := userToken(t, "u", 60, time.Now().Add(-time.Hour))
	wantError(t, e.send("GET", e.url("/chatgroups/"+id), nil, "Bearer "+expired), 401, "unauthorized", "Unable to authenticate due to expired access token")
	// Signed with another certificate.
	tok := &agora.AccessToken2{AppID: testAppID, IssuedAt: uint32(time.Now().Unix()), Expire: 600, Salt: 7,
		Services: []agora.TokenService{{Type: agora.ServiceChat, Privileges: map[uint16]uint32{agora.PrivilegeChatUser: 600}, UserID: "u"}}}
	forged, err := tok.Build("0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, e.send("GET", e.url("/chatgroups/"+id), nil, "Bearer "+forged), 401, "auth_bad_access_token", "Unable to authenticate")
}
