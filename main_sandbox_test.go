package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"groupdesk/agora"
	"groupdesk/agora/sandbox/sdktest"
)

// firstWrite keeps what the banner says and signals once it is written:
// runSandbox prints it in one write, just before serving.
type firstWrite struct {
	once sync.Once
	done chan struct{}
	mu   sync.Mutex
	text string
}

func (w *firstWrite) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.text += string(p)
	w.mu.Unlock()
	w.once.Do(func() { close(w.done) })
	return len(p), nil
}

// sandboxBanner starts `groupdesk sandbox args…`, returns its banner and
// stops it.
func sandboxBanner(t *testing.T, args ...string) string {
	t.Helper()
	banner, stop := startSandboxCommand(t, args...)
	stop()
	return banner
}

// startSandboxCommand starts `groupdesk sandbox args…` on a free port and
// returns its banner, once printed, and a stop function that waits for it to
// return (also run at cleanup).
func startSandboxCommand(t *testing.T, args ...string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &firstWrite{done: make(chan struct{})}
	errc := make(chan error, 1)
	go func() {
		errc <- runSandbox(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), out, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	select {
	case <-out.done:
	case err := <-errc:
		cancel()
		t.Fatalf("sandbox stopped before printing its banner: %v", err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-errc; err != nil {
				t.Errorf("sandbox: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	out.mu.Lock()
	defer out.mu.Unlock()
	return out.text, stop
}

var bearerRE = regexp.MustCompile(`Bearer ([A-Za-z0-9+/=_-]+)`)

func TestSandboxPrintsATokenOnlyWhenAsked(t *testing.T) {
	t.Setenv("AGORA_APP_ID", "")
	t.Setenv("AGORA_APP_CERTIFICATE", "")
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantToken  bool
		wantSource string
	}{
		{name: "plain start, generated pair", wantSource: "generated"},
		{name: "given credentials", args: []string{"--app-id", testAppID, "--app-cert", testAppCert}, wantSource: "--app-id"},
		{name: "credentials from the environment", env: map[string]string{"AGORA_APP_ID": testAppID, "AGORA_APP_CERTIFICATE": testAppCert}, wantSource: "AGORA_APP_ID"},
		{name: "given credentials with --demo", args: []string{"--demo", "--app-id", testAppID, "--app-cert", testAppCert}, wantSource: "--app-id"},
		{name: "--demo with the demo pair", args: []string{"--demo"}, wantToken: true, wantSource: "generated"},
		{name: "--print-token", args: []string{"--print-token", "--app-id", testAppID, "--app-cert", testAppCert}, wantToken: true, wantSource: "--app-id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			dir := t.TempDir()
			banner := sandboxBanner(t, append([]string{"--data", dir}, tt.args...)...)
			m := bearerRE.FindStringSubmatch(banner)
			if tt.wantToken != (m != nil) {
				t.Fatalf("token printed = %v, want %v:\n%s", m != nil, tt.wantToken, banner)
			}
			if !strings.Contains(banner, tt.wantSource) {
				t.Errorf("banner does not say the credentials came from %q:\n%s", tt.wantSource, banner)
			}
			if m != nil {
				id := testAppID
				cert := testAppCert
				if !strings.Contains(strings.Join(tt.args, " "), "--app-id") {
					b, err := os.ReadFile(filepath.Join(dir, "sandbox", "credentials.json"))
					if err != nil {
						t.Fatal(err)
					}
					id = regexp.MustCompile(`"app_id": "(\w+)"`).FindStringSubmatch(string(b))[1]
					cert = regexp.MustCompile(`"app_certificate": "(\w+)"`).FindStringSubmatch(string(b))[1]
				}
				if _, err := agora.VerifyAppToken(m[1], id, cert, time.Now()); err != nil {
					t.Errorf("printed token does not verify: %v", err)
				}
			}
		})
	}
}

func TestSandboxSaysWhenItReadsAKeptPair(t *testing.T) {
	t.Setenv("AGORA_APP_ID", "")
	t.Setenv("AGORA_APP_CERTIFICATE", "")
	dir := t.TempDir()
	if b := sandboxBanner(t, "--data", dir); !strings.Contains(b, "generated") {
		t.Fatalf("first start should say the pair was generated:\n%s", b)
	}
	b := sandboxBanner(t, "--data", dir)
	if strings.Contains(b, "generated now") || !strings.Contains(b, filepath.Join(dir, "sandbox", "credentials.json")) {
		t.Errorf("second start should name the kept file, not claim a new pair:\n%s", b)
	}
}

var baseURLRE = regexp.MustCompile(`base URL: +(\S+)`)

// TestSandboxAllowedOrigins checks who may call the sandbox from a browser:
// any origin in the demo (it is there to be tried with the Web SDK), none
// otherwise, unless --allowed-origins or SANDBOX_ALLOWED_ORIGINS lists them.
func TestSandboxAllowedOrigins(t *testing.T) {
	t.Setenv("AGORA_APP_ID", "")
	t.Setenv("AGORA_APP_CERTIFICATE", "")
	t.Setenv("SANDBOX_ALLOWED_ORIGINS", "")
	const site, other = "http://localhost:5173", "https://elsewhere.example"
	tests := []struct {
		name   string
		args   []string
		env    string
		banner string
		allow  map[string]bool
	}{
		{name: "plain start", banner: "CORS origins: none", allow: map[string]bool{site: false, other: false}},
		{name: "--demo", args: []string{"--demo"}, banner: "CORS origins: any", allow: map[string]bool{site: true, other: true}},
		{name: "--allowed-origins", args: []string{"--allowed-origins", site}, banner: "CORS origins: " + site, allow: map[string]bool{site: true, other: false}},
		{name: "--demo with --allowed-origins", args: []string{"--demo", "--allowed-origins", site + ", http://127.0.0.1:3000"}, banner: "CORS origins: " + site + ", http://127.0.0.1:3000", allow: map[string]bool{site: true, other: false}},
		{name: "SANDBOX_ALLOWED_ORIGINS", env: "*", banner: "CORS origins: any", allow: map[string]bool{site: true, other: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SANDBOX_ALLOWED_ORIGINS", tt.env)
			banner, _ := startSandboxCommand(t, append([]string{"--data", t.TempDir()}, tt.args...)...)
			if !strings.Contains(banner, tt.banner) {
				t.Errorf("banner does not say %q:\n%s", tt.banner, banner)
			}
			base := baseURLRE.FindStringSubmatch(banner)
			if base == nil {
				t.Fatalf("no base URL in the banner:\n%s", banner)
			}
			for origin, want := range tt.allow {
				req, _ := http.NewRequest(http.MethodOptions, base[1]+"/chatgroups", nil)
				req.Header.Set("Origin", origin)
				req.Header.Set("Access-Control-Request-Method", "POST")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				got := res.StatusCode == http.StatusNoContent && res.Header.Get("Access-Control-Allow-Origin") == origin
				if got != want {
					t.Errorf("preflight from %s: %d, Allow-Origin %q; allowed = %v, want %v",
						origin, res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"), got, want)
				}
			}
		})
	}
}

func TestSandboxRejectsABadOrigin(t *testing.T) {
	err := runSandbox(context.Background(), []string{"--addr", "127.0.0.1:0", "--data", t.TempDir(), "--allowed-origins", "localhost:5173"},
		io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), "localhost:5173") {
		t.Errorf("runSandbox with a bad origin: %v, want an error naming it", err)
	}
}

// TestSandboxDemoServesTheWebSDK runs the official Web SDK's group methods
// against `groupdesk sandbox --demo` itself (agora/sandbox/sdktest), with
// its generated credentials and a browser origin.
func TestSandboxDemoServesTheWebSDK(t *testing.T) {
	t.Setenv("AGORA_APP_ID", "")
	t.Setenv("AGORA_APP_CERTIFICATE", "")
	t.Setenv("SANDBOX_ALLOWED_ORIGINS", "")
	dir := t.TempDir()
	banner, _ := startSandboxCommand(t, "--data", dir, "--demo")
	base := baseURLRE.FindStringSubmatch(banner)
	if base == nil {
		t.Fatalf("no base URL in the banner:\n%s", banner)
	}
	b, err := os.ReadFile(filepath.Join(dir, "sandbox", "credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	appID := regexp.MustCompile(`"app_id": "(\w+)"`).FindStringSubmatch(string(b))[1]
	cert := regexp.MustCompile(`"app_certificate": "(\w+)"`).FindStringSubmatch(string(b))[1]
	appToken, err := agora.BuildAppToken(appID, cert, time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	var users []map[string]string
	cfg := sdktest.Config{APIURL: strings.TrimSuffix(base[1], "/"+defaultOrg+"/"+defaultApp), Org: defaultOrg, App: defaultApp,
		AppToken: appToken, UserTokens: map[string]string{}}
	for _, u := range sdktest.Users {
		users = append(users, map[string]string{"username": u, "password": "sdk-test-password"})
		tok := &agora.AccessToken2{AppID: appID, IssuedAt: uint32(time.Now().Unix()), Expire: 3600, Salt: 1,
			Services: []agora.TokenService{{Type: agora.ServiceChat, Privileges: map[uint16]uint32{agora.PrivilegeChatUser: 3600}, UserID: u}}}
		if cfg.UserTokens[u], err = tok.Build(cert); err != nil {
			t.Fatal(err)
		}
	}
	body, _ := json.Marshal(users)
	req, _ := http.NewRequest(http.MethodPost, base[1]+"/users", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+appToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("creating the SDK test's users: %s", res.Status)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	table, err := sdktest.Run(ctx, cfg)
	switch {
	case errors.Is(err, sdktest.ErrUnavailable) && os.Getenv("CI") != "true":
		t.Skipf("not run: %v", err)
	case err != nil:
		t.Fatalf("%v\n%s", err, table)
	}
}
