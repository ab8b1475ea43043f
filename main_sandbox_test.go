package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"groupdesk/agora"
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
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("sandbox: %v", err)
	}
	out.mu.Lock()
	defer out.mu.Unlock()
	return out.text
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
