package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"groupdesk/agora"
)

func TestUserGroupsPaging(t *testing.T) {
	e := newEnv(t).login()
	ctx := context.Background()
	user := "paging.user"
	if err := e.sb.CreateUsers(ctx, user, "alice"); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 12 {
		id := e.createGroup(&agora.CreateGroupRequest{GroupName: fmt.Sprintf("Joined %02d", i), Owner: "alice", Members: []string{user}})
		want = append(want, id)
	}
	api := func(num int) []string {
		gs, _, err := e.client.Groups.ListJoined(ctx, user, &agora.JoinedOptions{PageNum: num, PageSize: 10})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, g := range gs {
			ids = append(ids, g.ID)
		}
		return ids
	}
	ids := func(p *page) []string {
		var out []string
		p.find("user-group-row").Each(func(_ int, s *goquery.Selection) { out = append(out, s.AttrOr("data-group-id", "")) })
		return out
	}

	e.rec.reset()
	p := e.get("/users/" + user + "/groups")
	wantStatus(t, p, http.StatusOK)
	if n := len(e.upstreamCalls()); n != 1 {
		t.Errorf("user groups made %d calls", n)
	}
	if got := p.text("user-groups-title"); got != "Groups of "+user {
		t.Errorf("title %q", got)
	}
	if diff := cmp.Diff(api(1), ids(p)); diff != "" {
		t.Fatalf("page 1 (-api +page):\n%s", diff)
	}
	if href := p.find("group-link").First().AttrOr("href", ""); !strings.HasPrefix(href, "/groups/") {
		t.Errorf("row link %q", href)
	}
	if p.find("pager-prev").Length() != 0 {
		t.Error("page 1 has Previous")
	}
	next := p.find("pager-next").AttrOr("href", "")
	if next != "/users/"+user+"/groups?pagenum=2&pagesize=10" {
		t.Fatalf("Next = %q", next)
	}
	p2 := e.get(next)
	if diff := cmp.Diff(api(2), ids(p2)); diff != "" {
		t.Fatalf("page 2 (-api +page):\n%s", diff)
	}
	if got := len(ids(p)) + len(ids(p2)); got != len(want) {
		t.Errorf("%d groups over two pages, want %d", got, len(want))
	}
	if p2.find("pager-next").Length() != 0 {
		t.Error("last page has Next")
	}
	if prev := p2.find("pager-prev").AttrOr("href", ""); prev != "/users/"+user+"/groups?pagenum=1&pagesize=10" {
		t.Errorf("Previous = %q", prev)
	}
	p20 := e.get("/users/" + user + "/groups?pagesize=20")
	if got := len(ids(p20)); got != 12 {
		t.Errorf("pagesize=20: %d rows", got)
	}
}

func TestUserSearchRedirects(t *testing.T) {
	e := newEnv(t).login()
	p := e.get("/users?username=+alice+")
	wantStatus(t, p, http.StatusSeeOther)
	if got := p.Header.Get("Location"); got != "/users/alice/groups" {
		t.Fatalf("Location = %q", got)
	}
	if got := e.follow(e.get("/users?username=")).text("flash"); got != "Enter a username to find their groups." {
		t.Errorf("empty flash = %q", got)
	}
	p = e.get("/users?username=" + "a%2Fb")
	wantStatus(t, p, http.StatusSeeOther)
	if got := e.follow(p).text("flash"); !strings.Contains(got, "is not a valid username") {
		t.Errorf("flash = %q", got)
	}
}

func TestUserGroupsUnknownUser(t *testing.T) {
	e := newEnv(t).login()
	p := e.get("/users/no.such.user/groups")
	wantStatus(t, p, http.StatusNotFound)
	if got := p.text("error-message"); got != "No user named no.such.user in this app." {
		t.Errorf("error-message = %q", got)
	}
}
