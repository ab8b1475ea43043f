package agora

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMembersListUsernamesByCursor(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/1/users", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", url.Values{"version": {"v3"}, "limit": {"2"}, "cursor": {"c1"}}, "")
		writeJSON(w, 200, `{"data":["a","b"],"cursor":"c2","count":2}`)
	})
	names, resp, err := client.Members.ListUsernames(context.Background(), "1", &MemberCursorOptions{Limit: 2, Cursor: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b"}, names); diff != "" || resp.Cursor != "c2" {
		t.Errorf("names (-want +got):\n%s cursor %q", diff, resp.Cursor)
	}
}

func TestMembersListMuted(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/1/mute", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", nil, "")
		// GET mute list is captured with action "post" (moderation facts §1).
		writeJSON(w, 200, `{"action":"post","data":[{"expire":1489158589481,"user":"u1"},{"expire":-1,"user":"u2"}],"timestamp":1}`)
	})
	muted, _, err := client.Members.ListMuted(context.Background(), "1")
	if err != nil {
		t.Fatal(err)
	}
	want := []MutedMember{{"u1", 1489158589481}, {"u2", -1}}
	if diff := cmp.Diff(want, muted); diff != "" {
		t.Errorf("muted (-want +got):\n%s", diff)
	}
}

func TestMembersMute(t *testing.T) {
	tests := []struct {
		name     string
		d        time.Duration
		wantBody string
	}{
		{"one day", 24 * time.Hour, `{"usernames":["u1","ghost"],"mute_duration":86400000}`},
		{"permanent", MutePermanent, `{"usernames":["u1","ghost"],"mute_duration":-1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, mux := setup(t)
			mux.HandleFunc("/org/app/chatgroups/1/mute", func(w http.ResponseWriter, r *http.Request) {
				testRequest(t, r, "POST", nil, tt.wantBody)
				writeJSON(w, 200, `{"action":"post","data":[{"result":true,"expire":1489158589481,"user":"u1"},{"result":false,"reason":"user ghost doesn't exist.","user":"ghost"}]}`)
			})
			res, _, err := client.Members.Mute(context.Background(), "1", tt.d, "u1", "ghost")
			if err != nil {
				t.Fatal(err)
			}
			want := []MemberResult{{Username: "u1", OK: true, Expire: 1489158589481}, {Username: "ghost", Reason: "user ghost doesn't exist."}}
			if diff := cmp.Diff(want, res); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
			if res[1].Kind() != ReasonUserNotFound {
				t.Errorf("Kind() = %q", res[1].Kind())
			}
		})
	}
}

// bodyNames reads {"usernames":[…]} from a request body.
func bodyNames(t *testing.T, r *http.Request) []string {
	t.Helper()
	var b struct {
		Usernames []string `json:"usernames"`
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		t.Errorf("body: %v", err)
	}
	return b.Usernames
}

func okRows(names []string, extra string) string {
	rows := make([]string, len(names))
	for i, n := range names {
		rows[i] = fmt.Sprintf(`{"result":true,%s"user":%q,"groupid":"1"}`, extra, n)
	}
	return `{"data":[` + strings.Join(rows, ",") + `]}`
}

func userNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("u%03d", i)
	}
	return out
}

func TestMembersBodyBatchesOf60(t *testing.T) {
	for _, tt := range []struct {
		name, path string
		call       func(c *Client, names []string) ([]MemberResult, *Response, error)
	}{
		{"mute", "/org/app/chatgroups/1/mute", func(c *Client, n []string) ([]MemberResult, *Response, error) {
			return c.Members.Mute(context.Background(), "1", time.Minute, n...)
		}},
		{"block", "/org/app/chatgroups/1/blocks/users", func(c *Client, n []string) ([]MemberResult, *Response, error) {
			return c.Members.Block(context.Background(), "1", n...)
		}},
		{"allow", "/org/app/chatgroups/1/white/users", func(c *Client, n []string) ([]MemberResult, *Response, error) {
			return c.Members.Allow(context.Background(), "1", n...)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			client, mux := setup(t)
			var sizes []int
			mux.HandleFunc(tt.path, func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost {
					t.Errorf("method %s", r.Method)
				}
				names := bodyNames(t, r)
				sizes = append(sizes, len(names))
				writeJSON(w, 200, okRows(names, ""))
			})
			all := userNames(121)
			res, resp, err := tt.call(client, all)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]int{60, 60, 1}, sizes); diff != "" {
				t.Errorf("batch sizes (-want +got):\n%s", diff)
			}
			if len(res) != 121 || res[120].Username != all[120] || !res[120].OK {
				t.Errorf("%d results, last %+v", len(res), res[len(res)-1])
			}
			if resp.Attempts != 3 {
				t.Errorf("Attempts = %d, want 3", resp.Attempts)
			}
		})
	}
}

func TestMembersBlockAndAllowOne(t *testing.T) {
	for _, tt := range []struct {
		name, path, action string
		call               func(c *Client) ([]MemberResult, *Response, error)
	}{
		{"block", "/org/app/chatgroups/1/blocks/users/u.1", "add_blocks", func(c *Client) ([]MemberResult, *Response, error) {
			return c.Members.Block(context.Background(), "1", "u.1")
		}},
		{"allow", "/org/app/chatgroups/1/white/users/u.1", "add_user_whitelist", func(c *Client) ([]MemberResult, *Response, error) {
			return c.Members.Allow(context.Background(), "1", "u.1")
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			client, mux := setup(t)
			mux.HandleFunc(tt.path, func(w http.ResponseWriter, r *http.Request) {
				testRequest(t, r, "POST", nil, "")
				writeJSON(w, 200, `{"data":{"result":true,"action":"`+tt.action+`","user":"u.1","groupid":"1"}}`)
			})
			res, _, err := tt.call(client)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]MemberResult{{Username: "u.1", OK: true}}, res); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMembersBlockOneRefusedIsAnError(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/1/blocks/users/boss", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 403, `{"error":"forbidden_op","error_description":"forbidden operation on group owner!"}`)
	})
	_, _, err := client.Members.Block(context.Background(), "1", "boss")
	if ReasonOf(err) != ReasonOwnerForbidden {
		t.Errorf("err = %v, want ReasonOwnerForbidden", err)
	}
}

func TestMembersBlockManyPerUserFailures(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/1/blocks/users", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "POST", nil, `{"usernames":["u1","user3"]}`)
		writeJSON(w, 200, `{"data":[{"result":true,"action":"add_blocks","user":"u1","groupid":"1"},
		  {"result":false,"action":"add_blocks","reason":"user: user3 doesn't exist in group: 1","user":"user3","groupid":"1"}]}`)
	})
	res, _, err := client.Members.Block(context.Background(), "1", "u1", "user3")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || !res[0].OK || res[1].OK || res[1].Kind() != ReasonNotMember {
		t.Errorf("results = %+v", res)
	}
}

func TestMembersDeleteLists(t *testing.T) {
	for _, tt := range []struct {
		name, prefix, action string
		call                 func(c *Client, n []string) ([]MemberResult, *Response, error)
	}{
		{"unmute", "/org/app/chatgroups/1/mute/", "", func(c *Client, n []string) ([]MemberResult, *Response, error) {
			return c.Members.Unmute(context.Background(), "1", n...)
		}},
		{"unblock", "/org/app/chatgroups/1/blocks/users/", `"action":"remove_blocks",`, func(c *Client, n []string) ([]MemberResult, *Response, error) {
			return c.Members.Unblock(context.Background(), "1", n...)
		}},
		{"disallow", "/org/app/chatgroups/1/white/users/", `"action":"remove_user_whitelist",`, func(c *Client, n []string) ([]MemberResult, *Response, error) {
			return c.Members.Disallow(context.Background(), "1", n...)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			client, mux := setup(t)
			var lists []int
			mux.HandleFunc(tt.prefix, func(w http.ResponseWriter, r *http.Request) {
				testRequest(t, r, "DELETE", nil, "")
				names := strings.Split(strings.TrimPrefix(r.URL.Path, tt.prefix), ",")
				lists = append(lists, len(names))
				writeJSON(w, 200, okRows(names, tt.action))
			})
			// Two names: one call with a comma list.
			res, _, err := tt.call(client, []string{"a", "b"})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]MemberResult{{Username: "a", OK: true}, {Username: "b", OK: true}}, res); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
			// 61 names: 59 + 2, never a lone name.
			lists = nil
			res, _, err = tt.call(client, userNames(61))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]int{59, 2}, lists); diff != "" || len(res) != 61 {
				t.Errorf("batches (-want +got):\n%s; %d results", diff, len(res))
			}
		})
	}
}

func TestGroupsFlags(t *testing.T) {
	for _, tt := range []struct {
		name, method, path, data string
		call                     func(c *Client) (*Response, error)
	}{
		{"mute all", "POST", "/org/app/chatgroups/1/ban", `{"mute":true}`, func(c *Client) (*Response, error) { return c.Groups.MuteAll(context.Background(), "1") }},
		{"unmute all", "DELETE", "/org/app/chatgroups/1/ban", `{"mute":false}`, func(c *Client) (*Response, error) { return c.Groups.UnmuteAll(context.Background(), "1") }},
		{"disable", "POST", "/org/app/chatgroups/1/disable", `{"disabled":true}`, func(c *Client) (*Response, error) { return c.Groups.Disable(context.Background(), "1") }},
		{"enable", "POST", "/org/app/chatgroups/1/enable", `{"disabled":false}`, func(c *Client) (*Response, error) { return c.Groups.Enable(context.Background(), "1") }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			client, mux := setup(t)
			var wrong atomic.Bool
			mux.HandleFunc(tt.path, func(w http.ResponseWriter, r *http.Request) {
				testRequest(t, r, tt.method, nil, "")
				data := tt.data
				if wrong.Load() { // the opposite state: the call did not take
					data = strings.NewReplacer("true", "false", "false", "true").Replace(data)
				}
				writeJSON(w, 200, `{"action":"put","data":`+data+`}`)
			})
			if _, err := tt.call(client); err != nil {
				t.Fatal(err)
			}
			wrong.Store(true)
			var na *NotAppliedError
			if _, err := tt.call(client); !errors.As(err, &na) {
				t.Errorf("opposite state: err = %v, want *NotAppliedError", err)
			}
		})
	}
}

func TestGroupsAnnouncement(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("GET /org/app/chatgroups/1/announcement", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", nil, "")
		writeJSON(w, 200, `{"action":"get","data":{"announcement":"Be kind 🙂"},"count":0}`)
	})
	mux.HandleFunc("POST /org/app/chatgroups/1/announcement", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "POST", nil, `{"announcement":"New rules"}`)
		writeJSON(w, 200, `{"action":"post","data":{"id":"1","result":true}}`)
	})
	got, _, err := client.Groups.GetAnnouncement(context.Background(), "1")
	if err != nil || got != "Be kind 🙂" {
		t.Errorf("GetAnnouncement = %q, %v", got, err)
	}
	if _, err := client.Groups.SetAnnouncement(context.Background(), "1", "New rules"); err != nil {
		t.Error(err)
	}
}

func TestModerationValidationMakesNoCall(t *testing.T) {
	client, _ := setup(t) // any request fails the test
	ctx := context.Background()
	long := strings.Repeat("文", MaxAnnouncementLen+1)
	tests := []struct {
		name  string
		field string
		call  func() error
	}{
		{"mute no users", "usernames", func() error { _, _, err := client.Members.Mute(ctx, "1", time.Minute); return err }},
		{"mute zero duration", "mute_duration", func() error { _, _, err := client.Members.Mute(ctx, "1", 0, "a"); return err }},
		{"mute bad name", "usernames[1]", func() error { _, _, err := client.Members.Mute(ctx, "1", time.Minute, "a", "b c"); return err }},
		{"unmute bad group", "groupid", func() error { _, _, err := client.Members.Unmute(ctx, "1/2", "a"); return err }},
		{"block empty name", "usernames[0]", func() error { _, _, err := client.Members.Block(ctx, "1", ""); return err }},
		{"unblock no users", "usernames", func() error { _, _, err := client.Members.Unblock(ctx, "1"); return err }},
		{"allow comma group", "groupid", func() error { _, _, err := client.Members.Allow(ctx, "1,2", "a"); return err }},
		{"disallow no users", "usernames", func() error { _, _, err := client.Members.Disallow(ctx, "1"); return err }},
		{"blocked negative page", "pageSize", func() error {
			_, _, err := client.Members.ListBlocked(ctx, "1", &ListBlockedOptions{PageSize: -1})
			return err
		}},
		{"usernames negative limit", "limit", func() error {
			_, _, err := client.Members.ListUsernames(ctx, "1", &MemberCursorOptions{Limit: -1})
			return err
		}},
		{"muted empty group", "groupid", func() error { _, _, err := client.Members.ListMuted(ctx, ""); return err }},
		{"allowed empty group", "groupid", func() error { _, _, err := client.Members.ListAllowed(ctx, ""); return err }},
		{"mute all empty group", "groupid", func() error { _, err := client.Groups.MuteAll(ctx, ""); return err }},
		{"disable empty group", "groupid", func() error { _, err := client.Groups.Disable(ctx, ""); return err }},
		{"announcement too long", "announcement", func() error { _, err := client.Groups.SetAnnouncement(ctx, "1", long); return err }},
		{"announcement empty group", "groupid", func() error { _, _, err := client.Groups.GetAnnouncement(ctx, ""); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ve *ValidationError
			err := tt.call()
			if !errors.As(err, &ve) || ve.Field != tt.field {
				t.Errorf("err = %v, want a ValidationError for %q", err, tt.field)
			}
		})
	}
}

func TestModerationRetries(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name, method, path string
		call               func(c *Client) error
		wantCalls          int32
	}{
		{"GET mute list retried", "GET", "/org/app/chatgroups/1/mute", func(c *Client) error { _, _, err := c.Members.ListMuted(ctx, "1"); return err }, 2},
		{"GET block list retried", "GET", "/org/app/chatgroups/1/blocks/users", func(c *Client) error { _, _, err := c.Members.ListBlocked(ctx, "1", nil); return err }, 2},
		{"GET announcement retried", "GET", "/org/app/chatgroups/1/announcement", func(c *Client) error { _, _, err := c.Groups.GetAnnouncement(ctx, "1"); return err }, 2},
		{"DELETE unblock retried on 503", "DELETE", "/org/app/chatgroups/1/blocks/users/a,b", func(c *Client) error { _, _, err := c.Members.Unblock(ctx, "1", "a", "b"); return err }, 2},
		{"POST mute never retried", "POST", "/org/app/chatgroups/1/mute", func(c *Client) error { _, _, err := c.Members.Mute(ctx, "1", time.Minute, "a"); return err }, 1},
		{"POST block never retried", "POST", "/org/app/chatgroups/1/blocks/users", func(c *Client) error { _, _, err := c.Members.Block(ctx, "1", "a", "b"); return err }, 1},
		{"POST ban never retried", "POST", "/org/app/chatgroups/1/ban", func(c *Client) error { _, err := c.Groups.MuteAll(ctx, "1"); return err }, 1},
		{"POST announcement never retried", "POST", "/org/app/chatgroups/1/announcement", func(c *Client) error { _, err := c.Groups.SetAnnouncement(ctx, "1", "x"); return err }, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			client, mux := setup(t)
			var calls atomic.Int32
			mux.HandleFunc(tt.path, func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				if calls.Add(1) == 1 {
					writeJSON(w, 503, `{"error":"service_unavailable","error_description":"busy"}`)
					return
				}
				switch tt.method {
				case "GET":
					if strings.HasSuffix(tt.path, "/announcement") {
						writeJSON(w, 200, `{"data":{"announcement":""}}`)
					} else {
						writeJSON(w, 200, `{"data":[]}`)
					}
				default:
					writeJSON(w, 200, okRows([]string{"a", "b"}, ""))
				}
			})
			err := tt.call(client)
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("%d calls, want %d (err %v)", got, tt.wantCalls, err)
			}
			if tt.wantCalls == 1 && ReasonOf(err) != ReasonServerError {
				t.Errorf("err = %v, want the 503", err)
			}
			if tt.wantCalls == 2 && err != nil {
				t.Errorf("err = %v after the retry", err)
			}
		})
	}
}

func TestMembersListBlockedQuery(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/1/blocks/users", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", url.Values{"pageSize": {"2"}, "cursor": {"abc"}}, "")
		writeJSON(w, 200, `{"data":["u2","u1"],"cursor":"next","count":2}`)
	})
	names, resp, err := client.Members.ListBlocked(context.Background(), "1", &ListBlockedOptions{PageSize: 2, Cursor: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"u2", "u1"}, names); diff != "" || resp.Cursor != "next" || resp.Count != 2 {
		t.Errorf("names (-want +got):\n%s; cursor %q count %d", diff, resp.Cursor, resp.Count)
	}
}

func TestMembersListAllowed(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups/1/white/users", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", nil, "")
		writeJSON(w, 200, `{"data":["boss"],"count":1}`)
	})
	names, _, err := client.Members.ListAllowed(context.Background(), "1")
	if err != nil || len(names) != 1 || names[0] != "boss" {
		t.Errorf("ListAllowed = %v, %v", names, err)
	}
}
