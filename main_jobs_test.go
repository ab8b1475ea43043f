package main

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"groupdesk/agora/sandbox"
)

const (
	killAppID   = "4f3c2b1a09e8d7c6b5a4f3e2d1c0b9a8"
	killAppCert = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
	killGroups  = 1000 // ten pages of the walk
)

// TestMembershipReportSurvivesKill starts a membership report, kills the
// dashboard with SIGKILL while the walk waits on its third page, starts it
// again on the same data directory, and checks that the report is resumed
// and finishes whole: the job was never lost with the process.
func TestMembershipReportSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	sb, err := sandbox.Open(sandbox.Config{DataDir: t.TempDir(), Org: "demo", App: "groupdesk", AppID: killAppID, AppCertificate: killAppCert})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	ctx := context.Background()
	if err := sb.CreateUsers(ctx, "bulk.owner"); err != nil {
		t.Fatal(err)
	}
	if err := sb.BulkCreateGroups(ctx, killGroups, "bulk.owner", 2); err != nil {
		t.Fatal(err)
	}
	// Agora that holds the first process's third list call until that
	// process is gone; then it answers everything.
	var mu sync.Mutex
	lists, holding := 0, true
	reached := make(chan struct{})
	agora := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/chatgroups") {
			mu.Lock()
			lists++
			hold := holding && lists == 3
			mu.Unlock()
			if hold {
				close(reached)
				<-r.Context().Done() // the connection dies with the process
				return
			}
		}
		sb.Handler().ServeHTTP(w, r)
	}))
	defer agora.Close()

	const password = "kill-test-password-5d4c3b"
	addr, data := freeAddr(t), t.TempDir()
	base := "http://" + addr
	// start runs the dashboard until it serves; the channel closes when it
	// has exited.
	start := func() (*exec.Cmd, <-chan struct{}) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLifecycleChildProcess$", "-test.count=1")
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "AGORA_") && !strings.HasPrefix(kv, "GROUPDESK_") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, lifecycleChildEnv+"=1", "GROUPDESK_ADDR="+addr, "GROUPDESK_DATA="+data,
			"GROUPDESK_ADMIN_PASSWORD="+password, "AGORA_HOST="+agora.URL, "AGORA_ORG=demo", "AGORA_APP=groupdesk",
			"AGORA_APP_ID="+killAppID, "AGORA_APP_CERTIFICATE="+killAppCert,
			// Only the report's list calls are counted and held, and it
			// reads every group rather than a fresh index.
			"GROUPDESK_INDEX_SYNC_EVERY=off")
		logs := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			<-exited
			if t.Failed() {
				t.Logf("log of pid %d:\n%s", cmd.Process.Pid, logs)
			}
		})
		for deadline := time.Now().Add(60 * time.Second); ; {
			if resp, err := http.Get(base + "/healthz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return cmd, exited
				}
			}
			select {
			case <-exited:
				t.Fatalf("groupdesk exited before serving:\n%s", logs)
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("no /healthz within 60s\n%s", logs)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	first, firstExited := start()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	_, loginPage := fetch(t, browser, base+"/login")
	post := func(path string, form url.Values) int {
		t.Helper()
		resp, err := browser.PostForm(base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := post("/login", url.Values{"_csrf": {csrfIn(t, loginPage)}, "username": {"admin"}, "password": {password}}); s != http.StatusSeeOther {
		t.Fatalf("login: %d", s)
	}
	_, reportPage := fetch(t, browser, base+"/reports/membership")
	if s := post("/reports/membership", url.Values{"_csrf": {csrfIn(t, reportPage)}}); s != http.StatusSeeOther {
		t.Fatalf("start the report: %d", s)
	}
	select {
	case <-reached:
	case <-time.After(60 * time.Second):
		t.Fatal("the report did not reach its third page")
	}
	if err := first.Process.Kill(); err != nil { // SIGKILL: no shutdown code runs
		t.Fatal(err)
	}
	<-firstExited
	mu.Lock()
	holding, lists = false, 0
	mu.Unlock()

	// The same data directory, so the same database and session key.
	start()
	state := regexp.MustCompile(`data-testid="report-body" data-state="([a-z]+)"`)
	seen := map[string]bool{}
	// Resuming takes the heartbeat's staleness (10 s) and a look every
	// 5 s, then a walk of 20 calls at 50 calls/s.
	for deadline := time.Now().Add(2 * time.Minute); ; {
		status, page := fetch(t, browser, base+"/reports/membership")
		m := state.FindStringSubmatch(page)
		if status != http.StatusOK || m == nil {
			t.Fatalf("report page: %d\n%s", status, page)
		}
		seen[m[1]] = true
		if m[1] == "done" {
			if !strings.Contains(page, "1,000 groups, 3,000 memberships, 1 owner.") {
				t.Errorf("the resumed report's totals are missing:\n%s", page)
			}
			break
		}
		if m[1] == "failed" || m[1] == "canceled" {
			t.Fatalf("after the kill the report is %s:\n%s", m[1], page)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the report did not finish after the restart; states seen %v", seen)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("states seen after the restart: %v", seen)
	mu.Lock()
	if lists != killGroups/100 {
		t.Errorf("the resumed walk made %d list calls, want %d", lists, killGroups/100)
	}
	mu.Unlock()
	status, csv := fetch(t, browser, base+"/reports/membership.csv")
	if status != http.StatusOK || strings.Count(csv, "\n") != 1+3*killGroups {
		t.Errorf("CSV: %d, %d lines", status, strings.Count(csv, "\n"))
	}
}
