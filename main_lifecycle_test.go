package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lifecycleChildEnv makes the test binary act as `groupdesk serve`: the
// lifecycle test runs the real main, signals and all, in a child process.
const lifecycleChildEnv = "GROUPDESK_TEST_LIFECYCLE_CHILD"

func TestLifecycleChildProcess(t *testing.T) {
	if os.Getenv(lifecycleChildEnv) != "1" {
		t.Skip("helper process for TestLifecycleGracefulShutdown")
	}
	os.Args = []string{"groupdesk", "serve"}
	main()
	os.Exit(0)
}

// syncBuffer collects the child's log while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestLifecycleGracefulShutdown starts the dashboard on the embedded
// sandbox, begins a request whose body is still arriving, sends SIGTERM, and
// checks that the process stops accepting connections, completes that
// request (which still needs the sandbox), and exits 0 in time.
func TestLifecycleGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	const password = "lifecycle-password-9f8e7d"
	addr := freeAddr(t)
	base := "http://" + addr

	cmd := exec.Command(os.Args[0], "-test.run=^TestLifecycleChildProcess$", "-test.count=1")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AGORA_") && !strings.HasPrefix(kv, "GROUPDESK_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env,
		lifecycleChildEnv+"=1",
		"GROUPDESK_ADDR="+addr,
		"GROUPDESK_DATA="+t.TempDir(),
		"GROUPDESK_ADMIN_PASSWORD="+password,
		"GROUPDESK_LOG_FORMAT=json",
		"GROUPDESK_LOG_LEVEL=debug",
	)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	// Wait until it serves.
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("groupdesk exited before serving: %v\n%s", err, logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no /healthz within 60s\n%s", logs)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The wiring in main: readiness reaches the sandbox, metrics see the client.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if status, body := fetch(t, browser, base+"/readyz"); status != http.StatusOK {
		t.Fatalf("/readyz: %d %s", status, body)
	}
	if _, body := fetch(t, browser, base+"/metrics"); !regexp.MustCompile(`(?m)^groupdesk_agora_token_renewals_total [1-9]`).MatchString(body) ||
		!strings.Contains(body, `groupdesk_agora_requests_total{endpoint="GET /chatgroups",status="200"}`) {
		t.Errorf("/metrics does not show the Agora client's calls:\n%s", body)
	}

	// Sign in and get the create form's CSRF token.
	_, loginPage := fetch(t, browser, base+"/login")
	resp, err := browser.PostForm(base+"/login", url.Values{"_csrf": {csrfIn(t, loginPage)}, "username": {"admin"}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	_, form := fetch(t, browser, base+"/groups/new")
	body := url.Values{
		"_csrf": {csrfIn(t, form)}, "groupname": {"Created during shutdown"}, "owner": {"alice"},
		"maxusers": {"200"}, "public": {"true"},
	}.Encode()
	u, _ := url.Parse(base)
	var cookies []string
	for _, c := range jar.Cookies(u) {
		cookies = append(cookies, c.Name+"="+c.Value)
	}

	// Begin the request: headers and half the body.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	half := len(body) / 2
	fmt.Fprintf(conn, "POST /groups HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nCookie: %s\r\nConnection: close\r\n\r\n%s",
		addr, len(body), strings.Join(cookies, "; "), body[:half])
	time.Sleep(300 * time.Millisecond) // the handler is now waiting for the rest

	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// New connections are refused once shutdown has begun.
	refused := false
	for range 50 {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			refused = true
			break
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
	if !refused {
		t.Error("still accepting connections after SIGTERM")
	}

	// Finish the request: it must complete, with the sandbox still there.
	if _, err := io.WriteString(conn, body[half:]); err != nil {
		t.Fatalf("writing the rest of the body: %v", err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request got no response: %v\n%s", err, logs)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/groups/") {
		t.Errorf("in-flight create: %d Location %q, want 303 to the new group\n%s", res.StatusCode, res.Header.Get("Location"), logs)
	}

	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v, want status 0\n%s", err, logs)
		}
	case <-time.After(shutdownTimeout + 5*time.Second):
		t.Fatalf("still running %s after SIGTERM\n%s", time.Since(sent), logs)
	}
	if took := time.Since(sent); took > shutdownTimeout {
		t.Errorf("shutdown took %s, longer than the %s deadline", took, shutdownTimeout)
	}

	// The log is JSON, says it shut down, and holds no password.
	out := logs.String()
	var sawShutdown, sawAccess bool
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(line, "{") {
			continue // the test framework's own lines
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", line)
			continue
		}
		sawShutdown = sawShutdown || strings.HasPrefix(fmt.Sprint(rec["msg"]), "shutting down")
		sawAccess = sawAccess || rec["msg"] == "request" && rec["route"] == "/groups" && rec["method"] == "POST" && rec["status"] == float64(303)
	}
	if !sawShutdown || !sawAccess {
		t.Errorf("log lacks the shutdown (%v) or the in-flight request's access line (%v):\n%s", sawShutdown, sawAccess, out)
	}
	if strings.Contains(out, password) {
		t.Error("the log contains the admin password")
	}
}

func fetch(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var csrfInputRE = regexp.MustCompile(`name="_csrf"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="_csrf"`)

func csrfIn(t *testing.T, html string) string {
	t.Helper()
	m := csrfInputRE.FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no CSRF field in:\n%s", html)
	}
	return m[1] + m[2]
}
