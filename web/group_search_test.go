package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"groupdesk/web/search"
)

func TestGroupSearch(t *testing.T) {
	e := newEnv(t).login()
	before := e.get("/groups?q=" + url.QueryEscape("读书"))
	wantStatus(t, before, http.StatusOK)
	if got := before.text("search-freshness"); !strings.Contains(got, "No full sync has finished") {
		t.Errorf("empty index: freshness = %q, want it to say no full sync has finished", got)
	}
	if _, err := search.Sync(context.Background(), e.client.Groups, e.srv.index, search.SyncOptions{}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, query string
		wantCode    int
		wantName    string // a group name among the results; "" for none
	}{
		{"chinese two characters", "q=" + url.QueryEscape("读书"), 200, "读书会"},
		{"latin upper case", "q=DESIGN", 200, "Design Review"},
		{"mixed", "q=" + url.QueryEscape("all hands 全员"), 200, "All Hands 全员大会"},
		{"percent is literal", "q=%25", 200, ""},
		{"control characters stripped", "q=" + url.QueryEscape("Desi\x00gn"), 200, "Design Review"},
		{"filter only", "visibility=public&min_members=1", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.rec.reset()
			p := e.get("/groups?" + tt.query)
			wantStatus(t, p, tt.wantCode)
			if calls := e.upstreamCalls(); len(calls) != 0 {
				t.Errorf("a search made Agora calls %v; it reads the index only", calls)
			}
			var names []string
			p.find("group-name").Each(func(_ int, s *goquery.Selection) { names = append(names, strings.TrimSpace(s.Text())) })
			if tt.wantName != "" && !slices.Contains(names, tt.wantName) {
				t.Errorf("results %v do not include %q", names, tt.wantName)
			}
			if tt.wantName == "" && strings.HasPrefix(tt.query, "q=") && len(names) != 0 {
				t.Errorf("results %v, want none", names)
			}
			if p.find("search-total").Length() != 1 || p.find("search-updated").Length() != 1 {
				t.Error("the page does not say how many groups matched and when the index was updated")
			}
		})
	}

	t.Run("sort links keep the filters", func(t *testing.T) {
		p := e.get("/groups?q=design&visibility=private&sort=members&dir=asc")
		wantStatus(t, p, http.StatusOK)
		href, _ := p.find("sort-members").Attr("href")
		u, err := url.Parse(href)
		if err != nil {
			t.Fatal(err)
		}
		want := url.Values{"q": {"design"}, "visibility": {"private"}, "sort": {"members"}, "dir": {"desc"}}
		if u.Path != "/groups" || u.Query().Encode() != want.Encode() {
			t.Errorf("sort-members link = %q, want /groups?%s", href, want.Encode())
		}
	})

	t.Run("too long", func(t *testing.T) {
		p := e.get("/groups?q=" + strings.Repeat("a", search.MaxQueryLen+1))
		wantStatus(t, p, http.StatusBadRequest)
		if got := p.text("search-error"); !strings.Contains(got, "129 characters") {
			t.Errorf("search-error = %q, want the length and the limit", got)
		}
	})

	t.Run("no filter is the live list", func(t *testing.T) {
		e.rec.reset()
		p := e.get("/groups?q=&owner=")
		wantStatus(t, p, http.StatusOK)
		wantOnlyListAll(t, e, "GET /groups with empty search fields")
		if p.find("search-form").Length() != 1 {
			t.Error("the live list has no search form")
		}
	})
}

// TestGroupSearchFollowsChanges: a group created or deleted through
// Groupdesk is found, or not, at once, without a sync.
func TestGroupSearchFollowsChanges(t *testing.T) {
	e := newEnv(t).login()
	if err := e.sb.CreateUsers(context.Background(), "alice", "bob", "carol", "dave", "erin"); err != nil {
		t.Fatal(err)
	}
	p := e.post("/groups", validCreateForm("招聘 index follows 7f3a"))
	wantStatus(t, p, http.StatusSeeOther)
	id := strings.TrimPrefix(p.Header.Get("Location"), "/groups/")

	found := func() []string {
		t.Helper()
		r := e.get("/groups?q=7f3a")
		wantStatus(t, r, http.StatusOK)
		return rowIDs(r)
	}
	if got := found(); !slices.Equal(got, []string{id}) {
		t.Fatalf("after create, search finds %v, want [%s]", got, id)
	}
	wantStatus(t, e.post("/groups/"+id+"/delete", url.Values{}), http.StatusSeeOther)
	if got := found(); len(got) != 0 {
		t.Errorf("after delete, search finds %v, want nothing", got)
	}
}
