package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func validCreateForm(name string) url.Values {
	return url.Values{
		"groupname":           {name},
		"description":         {"About\r\nthings"},
		"owner":               {"alice"},
		"members":             {"bob, carol\r\ndave  erin"},
		"maxusers":            {"300"},
		"public":              {"false"},
		"membersonly":         {"true"},
		"allowinvites":        {"true"},
		"invite_need_confirm": {"true"},
		"custom":              {"tier=gold"},
	}
}

func TestGroupNewForm(t *testing.T) {
	e := newEnv(t).login()
	e.rec.reset()
	p := e.get("/groups/new")
	wantStatus(t, p, http.StatusOK)
	if n := len(e.upstreamCalls()); n != 0 {
		t.Errorf("the empty form made %d calls", n)
	}
	for _, field := range []string{"groupname", "description", "owner", "members", "maxusers", "public-true", "public-false", "membersonly", "allowinvites", "invite_need_confirm", "custom"} {
		in := p.find("input-" + field)
		if in.Length() != 1 {
			t.Errorf("no input-%s", field)
			continue
		}
		id := in.AttrOr("id", "")
		if p.doc.Find(`label[for="`+id+`"]`).Length() != 1 {
			t.Errorf("input-%s (id %q) has no label", field, id)
		}
	}
	if v := p.find("input-maxusers").AttrOr("value", ""); v != "200" {
		t.Errorf("maxusers default %q", v)
	}
	if _, ok := p.find("input-public-false").Attr("checked"); !ok {
		t.Error("private is not the default")
	}
	if _, ok := p.find("input-invite_need_confirm").Attr("checked"); !ok {
		t.Error("invite_need_confirm not checked by default")
	}
}

func TestGroupCreate(t *testing.T) {
	e := newEnv(t).login()
	if err := e.sb.CreateUsers(context.Background(), "alice", "bob", "carol", "dave", "erin"); err != nil {
		t.Fatal(err)
	}
	e.rec.reset()
	p := e.post("/groups", validCreateForm("Created “by” test"))
	wantStatus(t, p, http.StatusSeeOther)
	calls := e.upstreamCalls()
	if len(calls) != 1 || calls[0].Method != http.MethodPost {
		t.Fatalf("create made calls %v, want one POST", calls)
	}
	var sent map[string]any
	if err := json.Unmarshal([]byte(calls[0].Body), &sent); err != nil {
		t.Fatal(err)
	}
	wantSent := map[string]any{
		"groupname": "Created “by” test", "desc": "About\nthings", "owner": "alice",
		"members": []any{"bob", "carol", "dave", "erin"}, "maxusers": 300.0, "public": false,
		"membersonly": true, "allowinvites": true, "invite_need_confirm": true, "custom": "tier=gold",
	}
	if diff := cmp.Diff(wantSent, sent); diff != "" {
		t.Errorf("create body (-want +got):\n%s", diff)
	}
	loc := p.Header.Get("Location")
	id := strings.TrimPrefix(loc, "/groups/")
	if !strings.HasPrefix(loc, "/groups/") || !validGroupID(id) {
		t.Fatalf("Location = %q", loc)
	}
	detail := e.follow(p)
	wantStatus(t, detail, http.StatusOK)
	if got := detail.text("flash"); got != "Group “Created “by” test” created" {
		t.Errorf("flash = %q", got)
	}
	if got := detail.text("member-count"); got != "5 / 300" {
		t.Errorf("member-count = %q", got)
	}
	// The flash shows once.
	if again := e.get(loc); again.find("flash").Length() != 0 {
		t.Error("flash shown twice")
	}
	g, _, err := e.client.Groups.GetOne(context.Background(), id)
	if err != nil {
		t.Fatalf("group not in the sandbox: %v", err)
	}
	if g.Name != "Created “by” test" || g.Owner != "alice" || g.MaxUsers != 300 || !g.MembersOnly || g.Custom != "tier=gold" {
		t.Errorf("sandbox group = %+v", g)
	}
}

func TestGroupCreateValidation(t *testing.T) {
	e := newEnv(t).login()
	long := func(n int) string { return strings.Repeat("é", n) }
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("member%03d", i)
	}
	tests := []struct {
		name   string
		change map[string]string
		field  string
		want   string
	}{
		{"name required", map[string]string{"groupname": "  "}, "groupname", "Enter a name for the group."},
		{"name too long", map[string]string{"groupname": long(129)}, "groupname", "Use at most 128 characters (this has 129)."},
		{"description too long", map[string]string{"description": long(513)}, "description", "Use at most 512 characters (this has 513)."},
		{"custom too long", map[string]string{"custom": long(1025)}, "custom", "Use at most 1024 characters (this has 1025)."},
		{"owner required", map[string]string{"owner": ""}, "owner", "Enter the owner's username."},
		{"owner invalid", map[string]string{"owner": "al ice!"}, "owner", "“al ice!” is not a valid username: use 1–64 letters, digits, _ . or -."},
		{"member invalid", map[string]string{"members": "bob, c@rol, d!"}, "members", "These are not valid usernames: c@rol, d!."},
		{"too many members", map[string]string{"members": strings.Join(many, " "), "maxusers": "2000"}, "members", "At most 100 members can be added when creating a group (this lists 101)."},
		{"owner among members", map[string]string{"members": "bob ALICE"}, "members", "The owner (alice) joins anyway; remove them from the member list."},
		{"duplicate members", map[string]string{"members": "bob carol Bob"}, "members", "Listed more than once: Bob."},
		{"maxusers not a number", map[string]string{"maxusers": "lots"}, "maxusers", "Enter a whole number from 1 to 2000."},
		{"maxusers zero", map[string]string{"maxusers": "0"}, "maxusers", "Enter a whole number from 1 to 2000."},
		{"maxusers too big", map[string]string{"maxusers": "2001"}, "maxusers", "Enter a whole number from 1 to 2000."},
		{"maxusers below members", map[string]string{"maxusers": "4"}, "maxusers", "Must be at least 5: the owner plus 4 members."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := validCreateForm("Validation " + tc.name)
			for k, v := range tc.change {
				form.Set(k, v)
			}
			e.rec.reset()
			p := e.post("/groups", form)
			wantStatus(t, p, http.StatusUnprocessableEntity)
			if n := len(e.upstreamCalls()); n != 0 {
				t.Errorf("invalid form sent %d calls", n)
			}
			if got := p.text("error-" + tc.field); got != tc.want {
				t.Errorf("error-%s = %q, want %q", tc.field, got, tc.want)
			}
			// The summary takes the focus and links to the field, which
			// has that id.
			summary := p.find("form-error")
			if summary.Length() != 1 || summary.AttrOr("tabindex", "") != "-1" || !summary.Is("[autofocus]") {
				t.Error("no focusable summary at the top")
			}
			link := summary.Find(`[data-testid="error-link"][data-field="` + tc.field + `"]`)
			if href := link.AttrOr("href", ""); href != "#"+tc.field || !strings.HasSuffix(link.Text(), tc.want) {
				t.Errorf("summary link to %s: href %q, text %q", tc.field, href, link.Text())
			}
			if p.doc.Find("#"+tc.field).Length() != 1 {
				t.Errorf("the summary links to #%s, which is not on the page", tc.field)
			}
			in := p.find("input-" + tc.field)
			if in.AttrOr("aria-invalid", "") != "true" || !strings.Contains(in.AttrOr("aria-describedby", ""), tc.field+"-error") {
				t.Errorf("input-%s not marked invalid / described by its error", tc.field)
			}
			assertFormKeeps(t, p, form)
		})
	}
}

// assertFormKeeps checks that the re-rendered form shows what was typed.
func assertFormKeeps(t *testing.T, p *page, form url.Values) {
	t.Helper()
	for _, f := range []string{"groupname", "owner", "maxusers"} {
		if got := p.find("input-"+f).AttrOr("value", ""); got != form.Get(f) {
			t.Errorf("%s not kept: %q, typed %q", f, got, form.Get(f))
		}
	}
	for _, f := range []string{"description", "members", "custom"} {
		want := strings.ReplaceAll(form.Get(f), "\r\n", "\n")
		if got := p.find("input-" + f).Text(); got != want {
			t.Errorf("%s not kept: %q, typed %q", f, got, want)
		}
	}
	for _, f := range []string{"membersonly", "allowinvites", "invite_need_confirm"} {
		_, checked := p.find("input-" + f).Attr("checked")
		if checked != (form.Get(f) == "true") {
			t.Errorf("%s checked = %v, typed %q", f, checked, form.Get(f))
		}
	}
	_, public := p.find("input-public-true").Attr("checked")
	if public != (form.Get("public") == "true") {
		t.Errorf("public not kept")
	}
}

func TestGroupCreateAgoraRejections(t *testing.T) {
	e := newEnv(t).login()
	if err := e.sb.CreateUsers(context.Background(), "alice", "bob", "carol", "dave", "erin"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change map[string]string
		field  string
		want   string
	}{
		{"unknown owner", map[string]string{"owner": "nobody.here"}, "owner", "No user named nobody.here in this app."},
		{"unknown member", map[string]string{"members": "bob ghost.member"}, "members", "No user named ghost.member in this app."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := validCreateForm("Rejected " + tc.name)
			for k, v := range tc.change {
				form.Set(k, v)
			}
			e.rec.reset()
			p := e.post("/groups", form)
			wantStatus(t, p, http.StatusUnprocessableEntity)
			if n := len(e.upstreamCalls()); n != 1 {
				t.Errorf("%d calls", n)
			}
			if got := p.text("error-" + tc.field); got != tc.want {
				t.Errorf("error-%s = %q, want %q", tc.field, got, tc.want)
			}
			assertFormKeeps(t, p, form)
		})
	}
}
