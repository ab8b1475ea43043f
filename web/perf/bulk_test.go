package perf

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"groupdesk/agora"
	"groupdesk/agora/sandbox"
)

// TestBulkJobBench measures the bulk jobs of issue #12 against their
// budget, with the real binary in front of an in-process sandbox whose
// calls are counted as Agora would see them:
//
//   - remove one user from N groups (1,000 in the full run): calls, wall
//     time against N / (share × AGORA_RATE_LIMIT), the dashboard's peak
//     memory while the job runs;
//   - bulk-delete M groups (500): calls and wall time, the same pacing;
//   - the group list's p99 latency while the removal runs, against idle.
//
// The smoke run (without GROUPDESK_BENCH=full) does the same on 40 and 20
// groups and applies no budget, so the harness cannot rot.
func TestBulkJobBench(t *testing.T) {
	mode, removeN, deleteN := "smoke", 40, 20
	if os.Getenv(benchEnv) == "full" {
		mode, removeN, deleteN = "full", 1000, 500
	}
	if testing.Short() && mode == "smoke" {
		t.Skip("builds and starts the binary; skipped with -short")
	}
	const (
		rateLimit = 100.0
		share     = 0.5
		target    = "spammer.bench"
	)
	root, tmp := repoRoot(t), t.TempDir()
	bin := buildBinary(t, root, tmp)

	// The Agora stand-in: target in removeN groups, and deleteN more.
	sbDir := filepath.Join(tmp, "agora")
	creds, err := sandbox.LoadOrCreateCredentials(sbDir)
	if err != nil {
		t.Fatal(err)
	}
	const org, app = "bench", "bulk"
	sb, err := sandbox.Open(sandbox.Config{DataDir: sbDir, Org: org, App: app, AppID: creds.AppID, AppCertificate: creds.AppCertificate})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	counts := &callCounter{n: map[string]int{}}
	host := newLoopback(t, counts.wrap(sb.Handler()))
	ctx := t.Context()
	setup, err := agora.NewClient(agora.Config{Host: host, OrgName: org, AppName: app, AppID: creds.AppID, AppCertificate: creds.AppCertificate},
		agora.WithRateLimits(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.CreateUsers(ctx, target, "owner.bench"); err != nil {
		t.Fatal(err)
	}
	if err := sb.BulkCreateGroups(ctx, removeN, "owner.bench", 1); err != nil {
		t.Fatal(err)
	}
	spamGroups := allGroupIDs(t, setup)
	for _, id := range spamGroups {
		if _, _, err := setup.Members.Add(ctx, id, target); err != nil {
			t.Fatal(err)
		}
	}
	if err := sb.BulkCreateGroups(ctx, deleteN, "owner.bench", 1); err != nil {
		t.Fatal(err)
	}
	deleteGroups := allGroupIDs(t, setup)[:deleteN] // newest first: the ones just made

	addr := freeAddr(t)
	base := "http://" + addr
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(cleanEnv(), "GROUPDESK_DATA="+filepath.Join(tmp, "dashboard"), "GROUPDESK_ADDR="+addr,
		"GROUPDESK_ADMIN_PASSWORD="+adminPassword, "AGORA_HOST="+host, "AGORA_ORG="+org, "AGORA_APP="+app,
		"AGORA_APP_ID="+creds.AppID, "AGORA_APP_CERTIFICATE="+creds.AppCertificate,
		"AGORA_RATE_LIMIT="+strconv.FormatFloat(rateLimit, 'f', -1, 64), "GROUPDESK_JOB_RATE_SHARE="+strconv.FormatFloat(share, 'f', -1, 64))
	dash := startChild(t, "groupdesk-bulk", cmd, tmp)
	waitReady(t, dash, base)
	lg := &loadGenClient{c: startChild(t, "loadgen-bulk", helperCmd(roleLoadGen, "TestLoadGeneratorProcess"), tmp)}
	if _, err := lg.do(loadCommand{Op: "login", Target: "bulk", Base: base, Sessions: 2, User: adminUser, Password: adminPassword}); err != nil {
		t.Fatal(err)
	}
	cookie, err := login(base, adminUser, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, base: base, cookie: cookie}
	csrf := csrfInput.FindStringSubmatch(b.get("/jobs", http.StatusOK))[1]

	// A moderator's page views: the group list (one Agora call) every
	// 50 ms from another process, below what the rate limit leaves pages,
	// so the figure is a page view's latency, not a queue's.
	pageLoad := func(d time.Duration) loadStats {
		r, err := lg.do(loadCommand{Op: "run", Target: "bulk", Base: base, Paths: []string{listPath}, Concurrency: 1, Interval: 50 * time.Millisecond, Warmup: 200 * time.Millisecond, Duration: d})
		if err != nil {
			t.Fatal(err)
		}
		if r.Stats.Errors > 0 {
			t.Errorf("%d of %d page views failed, e.g. %s", r.Stats.Errors, r.Stats.Requests, r.Stats.FirstError)
		}
		return *r.Stats
	}
	loadFor := 8 * time.Second
	if mode == "smoke" {
		loadFor = 300 * time.Millisecond
	}
	res := bulkBenchResult{Mode: mode, RateLimit: rateLimit, Share: share, RemoveGroups: removeN, DeleteGroups: deleteN}
	res.IdlePage = pageLoad(loadFor)

	// Remove the user from every group: all=1, confirmed with the number.
	counts.reset()
	memCtx, stopMem := context.WithCancel(ctx)
	peak := sampleMemory(memCtx, dash.pid())
	start := time.Now()
	loc := b.post("/users/"+target+"/actions", url.Values{"_csrf": {csrf}, "action": {"remove"}, "all": {"1"}, "confirm": {"1"}, "typed": {strconv.Itoa(removeN)}})
	enqueued := time.Now()
	var during loadStats
	var wg sync.WaitGroup
	wg.Go(func() { during = pageLoad(loadFor) })
	jobSecs := waitJobPage(t, b, loc, removeN)
	res.RemoveWall = time.Since(enqueued).Seconds()
	res.RemovePostSeconds = enqueued.Sub(start).Seconds()
	res.RemoveJobSeconds = jobSecs
	wg.Wait()
	stopMem()
	res.PeakDuringJob = <-peak
	res.DuringJobPage = during
	res.RemoveCalls = counts.get("DELETE member")
	res.RemoveListCalls = counts.get("GET joined")
	res.RemoveOtherCalls = counts.total() - res.RemoveCalls - res.RemoveListCalls - counts.get("GET list") - counts.get("GET detail")

	// Bulk delete, as the group list's checkboxes post it.
	counts.reset()
	form := url.Values{"_csrf": {csrf}, "group": deleteGroups, "confirm": {"1"}, "typed": {strconv.Itoa(deleteN)}}
	start = time.Now()
	loc = b.post("/groups/bulk-delete", form)
	enqueued = time.Now()
	waitJobPage(t, b, loc, deleteN)
	res.DeleteWall = time.Since(enqueued).Seconds()
	res.DeletePostSeconds = enqueued.Sub(start).Seconds()
	res.DeleteCalls = counts.get("DELETE group")
	res.DeleteReadCalls = counts.get("GET detail")

	res.PacedSecondsRemove = float64(removeN) / (share * rateLimit)
	res.PacedSecondsDelete = float64(deleteN) / (share * rateLimit)
	fmt.Print(res.table())
	if mode == "full" {
		if res.RemoveCalls != removeN {
			t.Errorf("removal made %d remove calls, want %d", res.RemoveCalls, removeN)
		}
		if res.DeleteCalls != deleteN {
			t.Errorf("bulk delete made %d delete calls, want %d", res.DeleteCalls, deleteN)
		}
	}
	dir := filepath.Join(root, "bench-results")
	if err := os.MkdirAll(dir, 0o755); err == nil {
		out, _ := json.MarshalIndent(res, "", "  ")
		_ = os.WriteFile(filepath.Join(dir, "bulk-latest-"+mode+".json"), out, 0o644)
	}
}

type bulkBenchResult struct {
	Mode               string     `json:"mode"`
	RateLimit          float64    `json:"agora_rate_limit"`
	Share              float64    `json:"job_rate_share"`
	RemoveGroups       int        `json:"remove_groups"`
	RemoveCalls        int        `json:"remove_calls"`
	RemoveListCalls    int        `json:"remove_joined_list_calls"` // the POST's listing of the user's groups
	RemoveOtherCalls   int        `json:"remove_other_calls"`
	RemovePostSeconds  float64    `json:"remove_post_seconds"`
	RemoveWall         float64    `json:"remove_wall_seconds"` // from the 303 to the job page saying done
	RemoveJobSeconds   float64    `json:"remove_job_seconds"`
	PacedSecondsRemove float64    `json:"remove_paced_seconds"` // N / (share × limit)
	PeakDuringJob      procMemory `json:"peak_kib_during_job"`
	IdlePage           loadStats  `json:"idle_page"`
	DuringJobPage      loadStats  `json:"page_during_job"`
	DeleteGroups       int        `json:"delete_groups"`
	DeleteCalls        int        `json:"delete_calls"`
	DeleteReadCalls    int        `json:"delete_detail_reads"` // the confirmation's and the job's
	DeletePostSeconds  float64    `json:"delete_post_seconds"`
	DeleteWall         float64    `json:"delete_wall_seconds"`
	PacedSecondsDelete float64    `json:"delete_paced_seconds"`
}

func (r bulkBenchResult) table() string {
	var s strings.Builder
	fmt.Fprintf(&s, "\nBulk jobs (%s), AGORA_RATE_LIMIT %g, job share %g\n", r.Mode, r.RateLimit, r.Share)
	fmt.Fprintf(&s, "  remove from %d groups: %d remove calls (+%d joined-list calls by the confirming POST, %d other), job %.1f s (paced minimum %.1f s, ratio %.2f), POST %.2f s\n",
		r.RemoveGroups, r.RemoveCalls, r.RemoveListCalls, r.RemoveOtherCalls, r.RemoveWall, r.PacedSecondsRemove, r.RemoveWall/r.PacedSecondsRemove, r.RemovePostSeconds)
	fmt.Fprintf(&s, "  dashboard peak during the job: RSS %.1f MiB (anon %.1f MiB)\n", float64(r.PeakDuringJob.RSS)/1024, float64(r.PeakDuringJob.Anon)/1024)
	fmt.Fprintf(&s, "  group list p99: idle %.1f ms, during the job %.1f ms (ratio %.2f); p50 %.1f / %.1f ms\n",
		r.IdlePage.P99ms, r.DuringJobPage.P99ms, r.DuringJobPage.P99ms/r.IdlePage.P99ms, r.IdlePage.P50ms, r.DuringJobPage.P50ms)
	fmt.Fprintf(&s, "  bulk-delete %d groups: %d delete calls, %d detail reads, job %.1f s (paced minimum %.1f s, ratio %.2f), POST %.2f s\n",
		r.DeleteGroups, r.DeleteCalls, r.DeleteReadCalls, r.DeleteWall, r.PacedSecondsDelete, r.DeleteWall/r.PacedSecondsDelete, r.DeletePostSeconds)
	return s.String()
}

// waitJobPage polls the job's page until it says done, and checks that
// every group was done. It returns how long the job ran by the page's
// own clock (first poll to done).
func waitJobPage(t *testing.T, b *browser, loc string, want int) float64 {
	t.Helper()
	if !strings.HasPrefix(loc, "/jobs/") {
		t.Fatalf("the POST led to %q, want a job", loc)
	}
	start := time.Now()
	deadline := start.Add(10 * time.Minute)
	for {
		page := b.get(loc, http.StatusOK)
		state := jobState.FindStringSubmatch(page)
		if len(state) == 2 && state[1] != "queued" && state[1] != "running" && state[1] != "interrupted" {
			done := jobDone.FindStringSubmatch(page)
			if state[1] != "done" || len(done) != 2 || done[1] != thousands(want) {
				t.Fatalf("job %s ended %s with %v done, want %d", loc, state[1], done, want)
			}
			return time.Since(start).Seconds()
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still %v", loc, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var (
	jobState = regexp.MustCompile(`data-testid="job-body" data-state="([a-z]+)"`)
	jobDone  = regexp.MustCompile(`data-testid="job-done">([0-9,]+)<`)
)

// allGroupIDs lists every group of the app, newest first.
func allGroupIDs(t *testing.T, c *agora.Client) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for {
		page, resp, err := c.Groups.List(t.Context(), &agora.ListOptions{Limit: 100, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range page {
			ids = append(ids, g.ID)
		}
		if resp.Cursor == "" || len(page) == 0 {
			return ids
		}
		cursor = resp.Cursor
	}
}

// callCounter counts the calls an Agora stand-in receives, by kind.
type callCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *callCounter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.n[callKind(r)]++
		c.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func callKind(r *http.Request) string {
	p := r.URL.Path
	switch {
	case strings.HasSuffix(p, "/token"):
		return "token"
	case strings.Contains(p, "/joined_chatgroups"):
		return r.Method + " joined"
	case strings.Contains(p, "/chatgroups/") && strings.Contains(p, "/users/"):
		return r.Method + " member"
	case strings.HasSuffix(p, "/chatgroups"):
		return r.Method + " list"
	case strings.Contains(p, "/chatgroups/") && r.Method == http.MethodDelete:
		return "DELETE group"
	case strings.Contains(p, "/chatgroups/"):
		return r.Method + " detail"
	}
	return r.Method + " other"
}

func (c *callCounter) get(kind string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[kind]
}

func (c *callCounter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k, v := range c.n {
		if k != "token" {
			n += v
		}
	}
	return n
}

func (c *callCounter) reset() {
	c.mu.Lock()
	clear(c.n)
	c.mu.Unlock()
}
