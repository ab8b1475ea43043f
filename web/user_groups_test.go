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
	// The joined list, and one batched detail call for who owns which.
	if n := len(e.upstreamCalls()); n != 2 {
		t.Errorf("user groups made %d calls, want 2", n)
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
	if got := p.Header.Get("Location"); got != "/users/alice" {
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

// TestUserGroupsOwnerAndCSV: "which groups is Y in, and which does Y own"
// from the page and from the CSV of all of them.
func TestUserGroupsOwnerAndCSV(t *testing.T) {
	e := newEnv(t).login()
	ctx := context.Background()
	user := "owner.csv.user"
	if err := e.sb.CreateUsers(ctx, user, "alice"); err != nil {
		t.Fatal(err)
	}
	owned := map[string]bool{}
	for i := range 23 {
		req := &agora.CreateGroupRequest{GroupName: fmt.Sprintf("=CSV %02d", i), Owner: "alice", Members: []string{user}}
		if i%5 == 0 {
			req.Owner, req.Members = user, []string{"alice"}
		}
		id := e.createGroup(req)
		owned[id] = i%5 == 0
	}

	p := e.get("/users/" + user + "/groups?pagesize=20")
	wantStatus(t, p, http.StatusOK)
	rows := p.find("user-group-row")
	if rows.Length() != 20 {
		t.Fatalf("%d rows", rows.Length())
	}
	rows.Each(func(_ int, r *goquery.Selection) {
		id := r.AttrOr("data-group-id", "")
		isOwner := r.Find(`[data-testid="badge-owner"]`).Length() == 1
		if isOwner != owned[id] {
			t.Errorf("group %s: owner badge %v, want %v", id, isOwner, owned[id])
		}
	})
	if href := p.find("user-groups-csv").AttrOr("href", ""); href != "/users/"+user+"/groups.csv" {
		t.Errorf("CSV link %q", href)
	}

	e.rec.reset()
	csvPage := e.get("/users/" + user + "/groups.csv")
	wantStatus(t, csvPage, http.StatusOK)
	// 23 groups: joined pages of 20 (2 calls: 20, 3) and one detail call.
	if n := len(e.upstreamCalls()); n != 3 {
		t.Errorf("CSV made %d calls, want 3: %v", n, e.upstreamCalls())
	}
	if ct := csvPage.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type %q", ct)
	}
	lines := strings.Split(strings.TrimSpace(csvPage.body), "\n")
	if lines[0] != "username,group_id,group_name,role" || len(lines) != 24 {
		t.Fatalf("CSV has %d lines, header %q", len(lines), lines[0])
	}
	for _, line := range lines[1:] {
		f := strings.Split(line, ",")
		want := "member"
		if owned[f[1]] {
			want = "owner"
		}
		if f[0] != user || f[3] != want || !strings.HasPrefix(f[2], "'=CSV") {
			t.Errorf("row %q: want role %s and a defused name", line, want)
		}
	}

	if p := e.get("/users/no.such.user/groups.csv"); p.StatusCode != http.StatusNotFound {
		t.Errorf("unknown user CSV: %d", p.StatusCode)
	}
}
