package main

import (
	"context"
	"encoding/csv"
	"fmt"
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

	"groupdesk/agora"
	"groupdesk/agora/sandbox"
)

// TestBulkJobSurvivesKill starts a job removing a user from 30 groups,
// kills the dashboard with SIGKILL while Agora holds its calls after the
// ninth, starts it again on the same data directory, and checks that the
// job resumes and finishes: every group done once, none lost, and only the
// calls that were in flight at the kill sent again.
func TestBulkJobSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	const (
		groups   = 30
		answered = 9 // removals Agora answers before it starts holding
		target   = "spam.kill"
	)
	sb, err := sandbox.Open(sandbox.Config{DataDir: t.TempDir(), Org: "demo", App: "groupdesk", AppID: killAppID, AppCertificate: killAppCert})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	ctx := context.Background()
	if err := sb.CreateUsers(ctx, target, "owner.kill"); err != nil {
		t.Fatal(err)
	}
	direct := httptest.NewServer(sb.Handler())
	defer direct.Close()
	setup, err := agora.NewClient(agora.Config{Host: direct.URL, OrgName: "demo", AppName: "groupdesk", AppID: killAppID, AppCertificate: killAppCert},
		agora.WithRateLimits(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range groups {
		id, _, err := setup.Groups.Create(ctx, &agora.CreateGroupRequest{GroupName: fmt.Sprintf("kill %d", i), Public: true,
			MaxUsers: agora.Int(50), Owner: "owner.kill", Members: []string{target}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}

	// Agora that answers the first process's first removals, then holds
	// the others until that process is gone.
	var mu sync.Mutex
	removals, holding := 0, true
	reached := make(chan struct{})
	passed := map[string]int{} // group → removals that reached the sandbox
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/users/") {
			mu.Lock()
			removals++
			hold := holding && removals > answered
			if hold && removals == answered+1 {
				close(reached)
			}
			if !hold {
				passed[strings.Split(strings.SplitAfter(r.URL.Path, "/chatgroups/")[1], "/")[0]]++
			}
			mu.Unlock()
			if hold {
				<-r.Context().Done() // the connection dies with the process
				return
			}
		}
		sb.Handler().ServeHTTP(w, r)
	}))
	defer stub.Close()

	const password = "kill-test-password-5d4c3b"
	addr, data := freeAddr(t), t.TempDir()
	base := "http://" + addr
	start := func() (*exec.Cmd, <-chan struct{}) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLifecycleChildProcess$", "-test.count=1")
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "AGORA_") && !strings.HasPrefix(kv, "GROUPDESK_") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, lifecycleChildEnv+"=1", "GROUPDESK_ADDR="+addr, "GROUPDESK_DATA="+data,
			"GROUPDESK_ADMIN_PASSWORD="+password, "AGORA_HOST="+stub.URL, "AGORA_ORG=demo", "AGORA_APP=groupdesk",
			"AGORA_APP_ID="+killAppID, "AGORA_APP_CERTIFICATE="+killAppCert)
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
	if resp, err := browser.PostForm(base+"/login", url.Values{"_csrf": {csrfIn(t, loginPage)}, "username": {"admin"}, "password": {password}}); err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %v %v", resp, err)
	}
	_, userPage := fetch(t, browser, base+"/users/"+target)
	resp, err := browser.PostForm(base+"/users/"+target+"/actions", url.Values{"_csrf": {csrfIn(t, userPage)},
		"action": {"remove"}, "all": {"1"}, "confirm": {"1"}, "typed": {fmt.Sprint(groups)}})
	if err != nil || resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/jobs/") {
		t.Fatalf("start the job: %v %v", resp, err)
	}
	resp.Body.Close()
	jobURL := base + resp.Header.Get("Location")
	select {
	case <-reached:
	case <-time.After(60 * time.Second):
		t.Fatal("the job did not get past its first removals")
	}
	if err := first.Process.Kill(); err != nil { // SIGKILL: no shutdown code runs
		t.Fatal(err)
	}
	<-firstExited
	mu.Lock()
	holding = false
	mu.Unlock()

	start()
	state := regexp.MustCompile(`data-testid="job-body" data-state="([a-z]+)"`)
	seen := map[string]bool{}
	// Resuming takes the heartbeat's staleness (10 s) and a look every 5 s.
	for deadline := time.Now().Add(2 * time.Minute); ; {
		status, page := fetch(t, browser, jobURL)
		m := state.FindStringSubmatch(page)
		if status != http.StatusOK || m == nil {
			t.Fatalf("job page: %d\n%s", status, page)
		}
		seen[m[1]] = true
		if m[1] == "done" {
			if !strings.Contains(page, `data-testid="job-done">30<`) || !strings.Contains(page, `data-testid="job-failed">0<`) {
				t.Errorf("the resumed job's counts:\n%s", page)
			}
			break
		}
		if m[1] == "failed" || m[1] == "canceled" {
			t.Fatalf("after the kill the job is %s:\n%s", m[1], page)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job did not finish after the restart; states seen %v", seen)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("states seen after the restart: %v", seen)

	// Every group was removed once; a removal answered just before the
	// kill but not yet recorded is sent again and answered "already".
	status, body := fetch(t, browser, jobURL+"/results.csv")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if status != http.StatusOK || err != nil || len(rows) != groups+1 {
		t.Fatalf("results CSV: %d, %d rows, %v", status, len(rows), err)
	}
	already := 0
	for _, r := range rows[1:] {
		switch r[1] {
		case "done":
		case "already":
			already++
		default:
			t.Errorf("CSV row %v", r)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	again := 0
	for _, id := range ids {
		switch n := passed[id]; {
		case n == 0:
			t.Errorf("group %s: never removed", id)
		case n > 1:
			again += n - 1
		}
	}
	if again != already || again > 4 {
		t.Errorf("%d removals sent again, %d answered already; want the same, at most the 4 in flight", again, already)
	}
}
