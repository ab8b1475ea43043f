package agora

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestUsersCreateOne(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/users", func(w http.ResponseWriter, r *http.Request) {
		// One user goes as an object; an empty nickname is left out.
		testRequest(t, r, "POST", nil, `{"username":"user1","password":"123"}`)
		writeJSON(w, 200, `{
		  "action":"post","application":"8be024f0-e978-11e8-b697-5d598d5f8402","path":"/users",
		  "uri":"https://a41.chat.agora.io/org/app/users",
		  "entities":[{"uuid":"0ffe2d80-ed76-11e8-8d66-279e3e1c214b","type":"user","created":1542795196504,"modified":1542795196504,"username":"user1","activated":true}],
		  "timestamp":1542795196515,"data":[],"duration":0,"organization":"org","applicationName":"app"
		}`)
	})
	users, _, err := client.Users.Create(context.Background(), NewUser{Username: "user1", Password: "123"})
	if err != nil {
		t.Fatal(err)
	}
	want := []*User{{UUID: "0ffe2d80-ed76-11e8-8d66-279e3e1c214b", Type: "user", Created: 1542795196504, Modified: 1542795196504, Username: "user1", Activated: true}}
	if diff := cmp.Diff(want, users); diff != "" {
		t.Errorf("users (-want +got):\n%s", diff)
	}
}

func TestUsersCreateMany(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/users", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "POST", nil, `[{"username":"a","password":"p1","nickname":"Alice"},{"username":"b","password":"p2"}]`)
		writeJSON(w, 200, `{"action":"post","entities":[
		  {"uuid":"1","type":"user","created":1,"modified":1,"username":"a","activated":true,"nickname":"Alice"},
		  {"uuid":"2","type":"user","created":2,"modified":2,"username":"b","activated":true}]}`)
	})
	users, _, err := client.Users.Create(context.Background(), NewUser{"a", "p1", "Alice"}, NewUser{"b", "p2", ""})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users[0].Nickname != "Alice" || users[1].UUID != "2" {
		t.Errorf("users = %+v", users)
	}
}

func TestUsersGet(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/users/user1", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", nil, "")
		writeJSON(w, 200, `{"action":"get","path":"/users","entities":[{"uuid":"u-1","type":"user","created":1637289330914,"modified":1637289330914,"username":"user1","activated":true,"nickname":"N"}],"timestamp":1,"duration":0,"count":1}`)
	})
	mux.HandleFunc("/org/app/users/ghost", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, `{"error":"service_resource_not_found","exception":"UserNotFoundException","timestamp":1,"duration":0,"error_description":"Service resource not found"}`)
	})
	u, _, err := client.Users.Get(context.Background(), "user1")
	if err != nil {
		t.Fatal(err)
	}
	want := &User{UUID: "u-1", Username: "user1", Type: "user", Nickname: "N", Activated: true, Created: 1637289330914, Modified: 1637289330914}
	if diff := cmp.Diff(want, u); diff != "" {
		t.Errorf("user (-want +got):\n%s", diff)
	}
	if _, _, err := client.Users.Get(context.Background(), "ghost"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ghost: err = %v, want ErrNotFound", err)
	}
}

func TestUsersDelete(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/users/user1", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "DELETE", nil, "")
		writeJSON(w, 200, `{"action":"delete","entities":[{"uuid":"u-1","type":"user","username":"user1","activated":true}],"timestamp":1,"duration":0}`)
	})
	if _, err := client.Users.Delete(context.Background(), "user1"); err != nil {
		t.Fatal(err)
	}
}

func TestNewUserNeverPrintsPassword(t *testing.T) {
	u := NewUser{Username: "a", Password: "hunter2-secret", Nickname: "n"}
	for _, s := range []string{fmt.Sprint(u), fmt.Sprintf("%v %+v %#v %s %q %d", u, u, u, u, u, u), fmt.Sprintf("%+v", []NewUser{u}), fmt.Sprintf("%+v", &u)} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("password printed: %s", s)
		}
	}
}
