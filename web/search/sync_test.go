package search

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"groupdesk/agora"
	"groupdesk/agora/sandbox"
)

// 32-hex test credentials, used by the sandbox and by the client.
const (
	testAppID   = "4f3c2b1a09e8d7c6b5a4f3e2d1c0b9a8"
	testAppCert = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
	testOrg     = "demo"
	testApp     = "groupdesk"
)

// countingTransport counts the agora client's calls by kind and records
// how many ids each detail call asked for.
type countingTransport struct {
	mu         sync.Mutex
	lists      int
	details    []int // ids per detail call
	next       http.RoundTripper
	listPrefix string
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet && strings.HasPrefix(req.URL.Path, c.listPrefix) {
		c.mu.Lock()
		if rest := strings.TrimPrefix(req.URL.Path, c.listPrefix); rest == "" {
			c.lists++
		} else {
			c.details = append(c.details, len(strings.Split(strings.TrimPrefix(rest, "/"), ",")))
		}
		c.mu.Unlock()
	}
	return c.next.RoundTrip(req)
}

func (c *countingTransport) reset() {
	c.mu.Lock()
	c.lists, c.details = 0, nil
	c.mu.Unlock()
}

// newSandbox starts an empty sandbox and returns a client whose calls are
// counted, and one for changes made behind Groupdesk's back.
func newSandbox(t testing.TB) (sb *sandbox.Sandbox, counted *agora.Client, counter *countingTransport, other *agora.Client) {
	t.Helper()
	sb, err := sandbox.Open(sandbox.Config{
		DataDir: t.TempDir(), Org: testOrg, App: testApp, AppID: testAppID, AppCertificate: testAppCert,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(func() { srv.Close(); sb.Close() })
	counter = &countingTransport{next: http.DefaultTransport, listPrefix: "/" + testOrg + "/" + testApp + "/chatgroups"}
	newClient := func(rt http.RoundTripper) *agora.Client {
		c, err := agora.NewClient(agora.Config{
			Host: srv.URL, OrgName: testOrg, AppName: testApp, AppID: testAppID, AppCertificate: testAppCert,
		}, agora.WithHTTPClient(&http.Client{Transport: rt}))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return sb, newClient(counter), counter, newClient(http.DefaultTransport)
}

// deletingSource deletes a group after listing it, before its details
// are read: a group deleted mid-pass.
type deletingSource struct {
	Source
	other  *agora.Client
	victim string
}

func (d *deletingSource) List(ctx context.Context, opts *agora.ListOptions) ([]*agora.GroupSummary, *agora.Response, error) {
	page, resp, err := d.Source.List(ctx, opts)
	for _, g := range page {
		if g.ID == d.victim {
			if _, err := d.other.Groups.Delete(ctx, d.victim); err != nil {
				return nil, nil, err
			}
		}
	}
	return page, resp, err
}

func TestSyncAgainstSandbox(t *testing.T) {
	eachDialect(t, func(t *testing.T, ix *Index) {
		ctx := context.Background()
		sb, client, counter, other := newSandbox(t)
		if err := sb.CreateUsers(ctx, "owner1", "hr.zhang"); err != nil {
			t.Fatal(err)
		}
		if err := sb.BulkCreateGroups(ctx, 250, "owner1", 2); err != nil {
			t.Fatal(err)
		}
		create := func(name, desc, owner string) string {
			t.Helper()
			id, _, err := other.Groups.Create(ctx, &agora.CreateGroupRequest{GroupName: name, Description: desc, Public: true, Owner: owner})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		hiring := create("招聘信息交流群", "每周招聘会", "hr.zhang")
		doomed := create("Doomed Book Club", "", "owner1")
		midPass := create("Deleted While Syncing", "", "owner1")

		// 253 groups, 100 a page: 3 list calls and 3 detail calls.
		lim := rate.NewLimiter(rate.Every(time.Hour), 6) // exactly the calls expected; a 7th would wait an hour
		var told []SyncReport
		rep, err := Sync(ctx, client.Groups, ix, SyncOptions{Limiter: lim, PageSize: 100, Progress: func(r SyncReport) { told = append(told, r) }})
		if err != nil {
			t.Fatal(err)
		}
		// Told after each page: groups and calls so far.
		var progress [][2]int
		for _, r := range told {
			progress = append(progress, [2]int{r.Groups, r.Calls})
		}
		if want := [][2]int{{100, 2}, {200, 4}, {253, 6}}; !slices.Equal(progress, want) {
			t.Errorf("progress (groups, calls) told %v, want %v", progress, want)
		}
		if rep.Calls != 6 || counter.lists != 3 || len(counter.details) != 3 || rep.Groups != 253 || rep.Gone != 0 {
			t.Errorf("first pass: %+v, %d list and %v detail calls; want 6 calls (3 list, 3 detail), 253 groups, 0 gone",
				rep, counter.lists, counter.details)
		}
		for _, n := range counter.details {
			if n > agora.MaxIDsPerDetail {
				t.Errorf("a detail call asked for %d ids, more than %d", n, agora.MaxIDsPerDetail)
			}
		}
		if tokens := lim.Tokens(); tokens >= 1 {
			t.Errorf("the limiter has %.2f tokens left: the pass did not wait on it for every call", tokens)
		}
		r, err := ix.Search(ctx, Query{Text: "招聘"})
		if err != nil || len(r.Groups) != 1 || r.Groups[0].ID != hiring {
			t.Fatalf("Search(招聘) after the pass = %+v, %v; want the group %s", r, err, hiring)
		}
		g, ok, err := ix.Get(ctx, hiring)
		if err != nil || !ok {
			t.Fatalf("Get(%s) = %v, %v", hiring, ok, err)
		}
		if g.Owner != "hr.zhang" || g.Description != "每周招聘会" || !g.Public || g.Members != 1 || g.MaxUsers == 0 ||
			g.Created.IsZero() || g.Modified.IsZero() {
			t.Errorf("indexed group = %+v; want owner hr.zhang, its description, public, 1 member, maxusers, times", g)
		}
		st, err := ix.Stats(ctx)
		if err != nil || st.Groups != 253 || st.LastFullSync.IsZero() || !st.PassStarted.IsZero() {
			t.Errorf("Stats = %+v, %v; want 253 groups, a last full sync, no pass running", st, err)
		}

		// Behind Groupdesk's back: one group deleted before the pass, one
		// during it (listed, gone before its details are read), one created.
		if _, err := other.Groups.Delete(ctx, doomed); err != nil {
			t.Fatal(err)
		}
		created := create("新来的 group", "", "owner1")
		counter.reset()
		src := &deletingSource{Source: client.Groups, other: other, victim: midPass}
		rep, err = Sync(ctx, src, ix, SyncOptions{PageSize: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Calls != 4 || counter.lists != 1 || len(counter.details) != 3 || rep.Groups != 252 || rep.Gone != 2 {
			t.Errorf("second pass: %+v, %d list and %v detail calls; want 4 calls, 252 groups, 2 gone", rep, counter.lists, counter.details)
		}
		for text, want := range map[string]int{"doomed": 0, "deleted while": 0, "新来的": 1, "bulk group 250": 1} {
			r, err := ix.Search(ctx, Query{Text: text})
			if err != nil || r.Total != want {
				t.Errorf("after the second pass, Search(%q) total = %v (%v), want %d", text, r, err, want)
			}
		}
		if r, _ := ix.Search(ctx, Query{Text: "新来的"}); r == nil || len(r.Groups) != 1 || r.Groups[0].ID != created {
			t.Errorf("the group created behind Groupdesk's back is not found by its id %s", created)
		}
	})
}

func TestSyncFailureMarksNothingGone(t *testing.T) {
	eachDialect(t, func(t *testing.T, ix *Index) {
		ctx := context.Background()
		if err := ix.Upsert(ctx, fixture()...); err != nil {
			t.Fatal(err)
		}
		ix.now = func() time.Time { return time.Now().Add(time.Hour) } // the fixture is older than the pass
		_, client, _, _ := newSandbox(t)
		broken := &failingSource{Source: client.Groups}
		if _, err := Sync(ctx, broken, ix, SyncOptions{}); err == nil {
			t.Fatal("Sync with a failing source returned no error")
		}
		st, err := ix.Stats(ctx)
		if err != nil || st.Groups != len(fixture()) || !st.PassStarted.IsZero() || !st.LastFullSync.IsZero() {
			t.Errorf("after a failed pass Stats = %+v, %v; want all %d groups kept, no pass running, no full sync", st, err, len(fixture()))
		}
	})
}

type failingSource struct{ Source }

func (failingSource) List(context.Context, *agora.ListOptions) ([]*agora.GroupSummary, *agora.Response, error) {
	return nil, nil, agora.ErrUnavailable
}

// progressSource checks, on each list call after the first, that the
// index shows the pass running and the groups it has read so far.
type progressSource struct {
	Source
	t     *testing.T
	ix    *Index
	calls int
	seen  []int
}

func (p *progressSource) List(ctx context.Context, opts *agora.ListOptions) ([]*agora.GroupSummary, *agora.Response, error) {
	st, err := p.ix.Stats(ctx)
	if err != nil {
		p.t.Fatal(err)
	}
	if st.PassStarted.IsZero() {
		p.t.Errorf("list call %d: Stats shows no pass running", p.calls+1)
	}
	p.seen = append(p.seen, st.PassSeen)
	p.calls++
	return p.Source.List(ctx, opts)
}

func TestSyncShowsProgress(t *testing.T) {
	eachDialect(t, func(t *testing.T, ix *Index) {
		ctx := context.Background()
		sb, client, _, _ := newSandbox(t)
		if err := sb.CreateUsers(ctx, "owner1"); err != nil {
			t.Fatal(err)
		}
		if err := sb.BulkCreateGroups(ctx, 25, "owner1", 0); err != nil {
			t.Fatal(err)
		}
		src := &progressSource{Source: client.Groups, t: t, ix: ix}
		if _, err := Sync(ctx, src, ix, SyncOptions{PageSize: 10}); err != nil {
			t.Fatal(err)
		}
		if want := []int{0, 10, 20}; !slices.Equal(src.seen, want) {
			t.Errorf("groups read as each page began: %v, want %v", src.seen, want)
		}
		if st, _ := ix.Stats(ctx); !st.PassStarted.IsZero() || st.PassSeen != 0 {
			t.Errorf("after the pass, Stats = %+v; want no pass running", st)
		}
	})
}
