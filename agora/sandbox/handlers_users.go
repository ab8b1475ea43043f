package sandbox

import (
	"encoding/json"
	"net/http"
	"slices"
)

// userEntity is a user as the Easemob user API writes it.
type userEntity struct {
	UUID      string `json:"uuid"`
	Type      string `json:"type"`
	Created   int64  `json:"created"`
	Modified  int64  `json:"modified"`
	Username  string `json:"username"`
	Activated bool   `json:"activated"`
}

func userEntities(users ...userRow) []any {
	out := make([]any, len(users))
	for i, u := range users {
		out[i] = userEntity{UUID: u.UUID, Type: "user", Created: u.Created, Modified: u.Modified, Username: u.Username, Activated: true}
	}
	return out
}

// userReply is the envelope shape of the user endpoints: entities, an
// empty data array and "path".
func userReply(users ...userRow) *reply {
	return &reply{entities: userEntities(users...), data: []any{}, path: "/users"}
}

// POST /users with {"username","password"} or an array of them.
func (s *Sandbox) createUsers(r *http.Request) (*reply, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	raw, err := decodeValue(body)
	if err != nil {
		return nil, err
	}
	var objs []jsonObject
	if raw[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, errJSONParse(err.Error())
		}
		for _, it := range items {
			o, err := decodeObject(it)
			if err != nil {
				return nil, err
			}
			objs = append(objs, o)
		}
	} else {
		o, err := decodeObject(raw)
		if err != nil {
			return nil, err
		}
		objs = append(objs, o)
	}
	if len(objs) == 0 {
		return nil, errIllegalArgument("no user to create: send {\"username\":…,\"password\":…} or an array of them")
	}
	if len(objs) > maxBatchUsers {
		return nil, errIllegalArgument("the number of users in one request is more than max limit : %d", maxBatchUsers)
	}
	names := make([]string, 0, len(objs))
	for _, o := range objs {
		var name, password string
		f := fieldReader{obj: o}
		f.str("username", &name)
		f.str("password", &password)
		switch {
		case f.err != nil:
			return nil, f.err
		case name == "":
			return nil, errIllegalArgument("username must be provided")
		case password == "":
			return nil, errIllegalArgument("password must be provided")
		}
		name = normalizeUsername(name)
		if !validUsername(name) {
			return nil, errIllegalArgument("username [%s] is not legal: use at most %d of a-z, 0-9, '_', '-', '.'", name, maxUsernameLen)
		}
		if slices.Contains(names, name) {
			return nil, errDuplicateUser(s.store.appUUID, name)
		}
		names = append(names, name)
	}
	users, err := s.store.createUsers(r.Context(), names, s.nowMs(), false)
	if err != nil {
		return nil, err
	}
	return userReply(users...), nil
}

// GET /users/{username}
func (s *Sandbox) getUser(r *http.Request) (*reply, error) {
	u, err := s.store.getUser(r.Context(), normalizeUsername(r.PathValue("username")))
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, errServiceResourceNotFound()
	}
	rep := userReply(*u)
	one := 1
	rep.count = &one
	return rep, nil
}

// DELETE /users/{username}: also leaves all groups and deletes owned ones.
func (s *Sandbox) deleteUser(r *http.Request) (*reply, error) {
	u, err := s.store.deleteUser(r.Context(), normalizeUsername(r.PathValue("username")), s.nowMs())
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, errServiceResourceNotFound()
	}
	return userReply(*u), nil
}

// PUT /users/{username}: the SDKs' notification and push settings
// (notification_ignore_{group}, device tokens, nickname, …). They are
// accepted and echoed in the entity, not kept: the sandbox sends no pushes.
func (s *Sandbox) updateUser(r *http.Request) (*reply, error) {
	obj, err := readObject(r)
	if err != nil {
		return nil, err
	}
	u, err := s.store.getUser(r.Context(), normalizeUsername(r.PathValue("username")))
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, errServiceResourceNotFound()
	}
	ent := map[string]any{"uuid": u.UUID, "type": "user", "created": u.Created, "modified": u.Modified,
		"username": u.Username, "activated": true}
	for k, v := range obj {
		if _, fixed := ent[k]; !fixed {
			ent[k] = v
		}
	}
	return &reply{entities: []any{ent}, data: []any{}, path: "/users"}, nil
}
