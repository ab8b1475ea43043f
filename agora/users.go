package agora

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
)

// UsersService wraps the user registration endpoints the dashboard and the
// sandbox seeding need. User endpoints answer in "entities", not "data".
//
// Agora docs: https://docs.agora.io/en/agora-chat/restful-api/user-system-registration
type UsersService service

// NewUser is a user to register. Its String, GoString and Format never print
// the password.
type NewUser struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Nickname string `json:"nickname,omitempty"`
}

// String describes u with the password redacted.
func (u NewUser) String() string {
	return fmt.Sprintf("agora.NewUser{Username:%q, Password:%s, Nickname:%q}", u.Username, redacted(u.Password), u.Nickname)
}

// GoString is String.
func (u NewUser) GoString() string { return u.String() }

// Format makes every verb print the redacted form.
func (u NewUser) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, u.String()) }

// User is a registered user.
type User struct {
	UUID      string `json:"uuid"`
	Username  string `json:"username"`
	Type      string `json:"type"` // "user"
	Nickname  string `json:"nickname"`
	Activated bool   `json:"activated"`
	Created   Millis `json:"created"`
	Modified  Millis `json:"modified"`
}

// Create registers users: one is sent as an object, several as an array, in
// batches of at most 60. Never retried. With several batches, resp is the
// last one's, Attempts summed; on an error the users created by the earlier
// batches are returned with it.
//
// Agora API: POST /{org}/{app}/users
// https://docs.agora.io/en/agora-chat/restful-api/user-system-registration
func (s *UsersService) Create(ctx context.Context, users ...NewUser) ([]*User, *Response, error) {
	if len(users) == 0 {
		return nil, nil, invalid("users", "at least one user is needed")
	}
	for i, u := range users {
		if err := checkUsername(fmt.Sprintf("users[%d].username", i), u.Username); err != nil {
			return nil, nil, err
		}
		if u.Password == "" {
			return nil, nil, invalid(fmt.Sprintf("users[%d].password", i), "must not be empty")
		}
	}
	var (
		created []*User
		resp    *Response
	)
	for batch := range slices.Chunk(users, MaxUsersPerBatch) {
		var body any = batch
		if len(users) == 1 {
			body = batch[0]
		}
		env, r, err := s.client.do(ctx, call{method: http.MethodPost, path: "/users", body: body, retry: retryNever})
		resp = mergeResponse(resp, r)
		if err != nil {
			return created, resp, err
		}
		var got []*User
		if err := decodeData("POST /users", env.Entities, &got); err != nil {
			return created, resp, err
		}
		created = append(created, got...)
	}
	return created, resp, nil
}

// Get returns one user; the error matches ErrNotFound when there is none.
//
// Agora API: GET /{org}/{app}/users/{username}
// https://docs.agora.io/en/agora-chat/restful-api/user-system-registration
func (s *UsersService) Get(ctx context.Context, username string) (*User, *Response, error) {
	if err := checkUsername("username", username); err != nil {
		return nil, nil, err
	}
	env, resp, err := s.client.do(ctx, s.client.get("/users/"+url.PathEscape(username), nil))
	if err != nil {
		return nil, resp, err
	}
	var users []*User
	if err := decodeData("GET /users/{username}", env.Entities, &users); err != nil {
		return nil, resp, err
	}
	if len(users) == 0 || users[0] == nil {
		return nil, resp, fmt.Errorf("agora: user %s: %w", username, ErrNotFound)
	}
	return users[0], resp, nil
}

// Delete deletes a user. Retried like GroupsService.Delete.
//
// Agora API: DELETE /{org}/{app}/users/{username}
// https://docs.agora.io/en/agora-chat/restful-api/user-system-registration
func (s *UsersService) Delete(ctx context.Context, username string) (*Response, error) {
	if err := checkUsername("username", username); err != nil {
		return nil, err
	}
	_, resp, err := s.client.do(ctx, call{method: http.MethodDelete, path: "/users/" + url.PathEscape(username), retry: retryUnprocessed})
	return resp, err
}
