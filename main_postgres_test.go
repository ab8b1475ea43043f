package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"groupdesk/internal/pgtest"
)

// TestUsersOnPostgres: `groupdesk users` manages the accounts in the
// database that --database-url or GROUPDESK_DATABASE_URL names.
func TestUsersOnPostgres(t *testing.T) {
	dbURL := pgtest.URL(t)
	dir := t.TempDir()
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"users", "--data", dir, "--database-url", dbURL, "add", "ann", "--role", "viewer"}, &out, nil); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GROUPDESK_DATABASE_URL", dbURL)
	if err := run(ctx, []string{"users", "--data", dir, "add", "ben"}, &out, nil); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"users", "--data", dir, "list"}, &out, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ann       viewer", "ben       admin"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("list lacks %q:\n%s", want, out.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "dashboard.db")); err == nil {
		t.Error("users created dashboard.db although GROUPDESK_DATABASE_URL is set")
	}
	// An unreachable database is an error that does not show the password.
	err := run(ctx, []string{"users", "--database-url", "postgres://gd:not-shown-pw@127.0.0.1:1/db?sslmode=disable", "list"}, &out, nil)
	if err == nil || strings.Contains(err.Error(), "not-shown-pw") {
		t.Errorf("unreachable database: %v", err)
	}
}

// TestServeOnPostgres runs `groupdesk serve` with GROUPDESK_DATABASE_URL in
// a child process: it becomes ready, names the database in its log without
// the password, and signs in an account that `groupdesk users` added.
func TestServeOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	dbURL := pgtest.URL(t)
	u, _ := url.Parse(dbURL)
	dbPassword, _ := u.User.Password()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"users", "--database-url", dbURL, "add", "mod.one", "--role", "moderator"}, &out, nil); err != nil {
		t.Fatal(err)
	}
	_, accountPassword, _ := strings.Cut(strings.TrimSpace(out.String()), ": ")

	addr := freeAddr(t)
	base := "http://" + addr
	cmd := exec.Command(os.Args[0], "-test.run=^TestLifecycleChildProcess$", "-test.count=1")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AGORA_") && !strings.HasPrefix(kv, "GROUPDESK_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env,
		lifecycleChildEnv+"=1",
		"GROUPDESK_ADDR="+addr,
		"GROUPDESK_DATA="+t.TempDir(),
		"GROUPDESK_DATABASE_URL="+dbURL,
		"GROUPDESK_SESSION_KEY=serve-on-postgres-0123456789abcdef0123",
		"GROUPDESK_ADMIN_PASSWORD=unused because mod.one exists",
		"GROUPDESK_LOG_LEVEL=debug",
	)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for deadline := time.Now().Add(60 * time.Second); ; {
		if status, _ := getStatus(client, base+"/readyz"); status == http.StatusOK {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("groupdesk exited before it was ready: %v\n%s", err, logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready within 60 s\n%s", logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	_, loginPage := fetch(t, client, base+"/login")
	resp, err := client.PostForm(base+"/login", url.Values{"_csrf": {csrfIn(t, loginPage)}, "username": {"mod.one"}, "password": {accountPassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-in of an account added by `groupdesk users`: %d\n%s", resp.StatusCode, logs)
	}

	log := logs.String()
	redacted := strings.Replace(dbURL, ":"+dbPassword+"@", ":xxxxx@", 1)
	if !strings.Contains(log, "database=") || !strings.Contains(log, redacted) {
		t.Errorf("the start line does not name the database as %s:\n%s", redacted, log)
	}
	if len(dbPassword) >= 6 && strings.Contains(log, dbPassword) {
		t.Errorf("the log shows the database password:\n%s", log)
	}
	if strings.Contains(log, "no admin") || strings.Contains(log, "created the first dashboard account") {
		t.Errorf("a first account was created although one exists:\n%s", log)
	}
}

func getStatus(c *http.Client, u string) (int, error) {
	resp, err := c.Get(u)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
