package perf

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"groupdesk/agora"
	"groupdesk/agora/sandbox"
	"groupdesk/web"
)

// countingTransport counts the HTTP requests the agora client sends.
type countingTransport struct {
	mu    sync.Mutex
	calls []string // "GET /demo/groupdesk/chatgroups"
	next  http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.calls = append(c.calls, r.Method+" "+r.URL.Path)
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

func (c *countingTransport) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	calls := c.calls
	c.calls = nil
	return calls
}

// pageCalls is what one page costs in Agora calls, against the fewest it
// could make.
type pageCalls struct {
	Page    string   `json:"page"`
	Request string   `json:"request"`
	Calls   int      `json:"calls"`
	Minimum int      `json:"minimum"`
	Why     string   `json:"why"`
	Sent    []string `json:"sent"`
}

// The fewest Agora calls each page can make, and why.
const (
	whyList       = "list-all carries every column the list shows (id, name, owner, member count, last modified): 1 list-all; visibility and maxusers are on the detail page, since only the detail call has them and it returns every member of every group"
	whyDetail     = "detail carries every field and the whole membership (≤10,000)"
	whyJoined     = "joined_chatgroups carries only id and name; marking the groups the user owns takes 1 batched detail"
	whyForm       = "the empty form needs nothing from Agora"
	whyCreate     = "one POST /chatgroups; Agora checks owner and members"
	whyLoad       = "the form or question shows the group's current values: 1 detail"
	whyEdit       = "1 detail to find fields someone else changed since the form was read (a conflict sends nothing), then 1 PUT with only the changed fields (0 calls if nothing changed)"
	whyDelete     = "the audit record reads the group as it is at deletion (1 detail), then 1 DELETE"
	whyMembers    = "the detail has the members and the owner, but neither the admins nor the mutes the badges show: 1 detail + the admin list + the mute list, sent at once"
	whyModeration = "the detail has the mute-all and disabled switches; the muted, blocked and allowed users are 3 more lists, sent at once"
	whyLocal      = "read from the dashboard database (audit log, search index), not from Agora"
)

// measureUpstreamCalls runs the dashboard in-process on a seeded sandbox,
// with the real agora client counting its requests, and clicks through
// every page type once.
func measureUpstreamCalls(t *testing.T, dir string) []pageCalls {
	t.Helper()
	const org, app = "demo", "groupdesk"
	sb, err := sandbox.Open(sandbox.Config{DataDir: filepath.Join(dir, "sandbox"), Org: org, App: app, AppID: fakeAppID, AppCertificate: fakeAppCert})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	if _, err := sb.SeedDemo(t.Context()); err != nil {
		t.Fatal(err)
	}
	upstream := httptest.NewServer(sb.Handler())
	t.Cleanup(upstream.Close)

	counter := &countingTransport{next: http.DefaultTransport}
	client, err := agora.NewClient(agora.Config{Host: upstream.URL, OrgName: org, AppName: app, AppID: fakeAppID, AppCertificate: fakeAppCert},
		agora.WithHTTPClient(&http.Client{Transport: counter}), agora.WithRetries(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	// No scheduled index sync: its calls would be counted against the pages.
	srv, err := web.New(web.Config{DataDir: filepath.Join(dir, "web"), AdminPassword: adminPassword, Mode: web.ModeSandbox,
		Logger: slog.New(slog.DiscardHandler), IndexSyncEvery: -1}, client)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)

	cookie, err := login(ts.URL, adminUser, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, base: ts.URL, cookie: cookie}
	groups, _, err := client.Groups.List(t.Context(), &agora.ListOptions{Limit: 1})
	if err != nil || len(groups) == 0 {
		t.Fatalf("list the seeded groups: %v", err)
	}
	existing := groups[0].ID
	csrf := csrfInput.FindStringSubmatch(b.get("/groups/new", http.StatusOK))[1]
	counter.take()

	var out []pageCalls
	step := func(page, request, why string, minimum int, do func()) {
		do()
		sent := counter.take()
		out = append(out, pageCalls{Page: page, Request: request, Calls: len(sent), Minimum: minimum, Why: why, Sent: sent})
	}
	step("list", "GET /groups?limit=50", whyList, 1, func() { b.get("/groups?limit=50", http.StatusOK) })
	step("detail", "GET /groups/{id}", whyDetail, 1, func() { b.get("/groups/"+existing, http.StatusOK) })
	step("user groups", "GET /users/{name}/groups", whyJoined, 2, func() { b.get("/users/alice/groups", http.StatusOK) })
	step("members tab", "GET /groups/{id}/members", whyMembers, 3, func() { b.get("/groups/"+existing+"/members", http.StatusOK) })
	step("moderation tab", "GET /groups/{id}/moderation", whyModeration, 4, func() { b.get("/groups/"+existing+"/moderation", http.StatusOK) })
	step("history tab", "GET /groups/{id}/history", whyLocal, 0, func() { b.get("/groups/"+existing+"/history", http.StatusOK) })
	step("create form", "GET /groups/new", whyForm, 0, func() { b.get("/groups/new", http.StatusOK) })
	var created string
	step("create", "POST /groups", whyCreate, 1, func() {
		loc := b.post("/groups", url.Values{"_csrf": {csrf}, "groupname": {"Perf create"}, "description": {"made by the perf harness"},
			"owner": {"alice"}, "members": {"bob carol"}, "maxusers": {"200"}, "public": {"false"}, "invite_need_confirm": {"true"}})
		created = strings.TrimPrefix(loc, "/groups/")
	})
	if created == "" || strings.Contains(created, "/") {
		t.Fatalf("create redirected to %q, not to the new group", "/groups/"+created)
	}
	step("search", "GET /groups?q=…", whyLocal, 0, func() { b.get("/groups?q=perf", http.StatusOK) })
	var form url.Values
	step("edit form", "GET /groups/{id}/edit", whyLoad, 1, func() { form = formValues(t, b.get("/groups/"+created+"/edit", http.StatusOK)) })
	form.Set("groupname", "Perf edit")
	step("edit", "POST /groups/{id}", whyEdit, 2, func() { b.post("/groups/"+created, form) })
	step("delete question", "GET /groups/{id}/delete", whyLoad, 1, func() { b.get("/groups/"+created+"/delete", http.StatusOK) })
	step("delete", "POST /groups/{id}/delete", whyDelete, 2, func() {
		b.post("/groups/"+created+"/delete", url.Values{"_csrf": {csrf}, "name": {"Perf edit"}})
	})
	return out
}

// browser is a signed-in session that does not follow redirects.
type browser struct {
	t      *testing.T
	base   string
	cookie string
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	req.Header.Set("Cookie", b.cookie)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

func (b *browser) get(path string, want int) string {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	resp, body := b.do(req)
	if resp.StatusCode != want {
		b.t.Fatalf("GET %s: %s, want %d", path, resp.Status, want)
	}
	return body
}

// post sends a form and returns where the 303 leads.
func (b *browser) post(path string, form url.Values) string {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body := b.do(req)
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("POST %s: %s, want 303; body:\n%.2000s", path, resp.Status, body)
	}
	return resp.Header.Get("Location")
}

// formValues reads the group form as a browser would submit it.
func formValues(t *testing.T, html string) url.Values {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatal(err)
	}
	v := url.Values{}
	doc.Find(`form[data-testid="group-form"]`).Find("input, textarea").Each(func(_ int, s *goquery.Selection) {
		name := s.AttrOr("name", "")
		if name == "" {
			return
		}
		switch s.AttrOr("type", "") {
		case "checkbox", "radio":
			if _, ok := s.Attr("checked"); ok {
				v.Add(name, s.AttrOr("value", "on"))
			}
		default:
			if goquery.NodeName(s) == "textarea" {
				v.Add(name, strings.ReplaceAll(s.Text(), "\n", "\r\n"))
			} else {
				v.Add(name, s.AttrOr("value", ""))
			}
		}
	})
	if v.Get("_csrf") == "" {
		t.Fatalf("the edit form has no CSRF field: %v", v)
	}
	return v
}
