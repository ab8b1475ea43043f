package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"groupdesk/agora"
)

// brokenGroups is a groupService that fails in ways Agora cannot: a bug in
// our code (an error no mapping knows) or a panic.
type brokenGroups struct {
	groupService
	panics bool
}

func (b brokenGroups) List(context.Context, *agora.ListOptions) ([]*agora.GroupSummary, *agora.Response, error) {
	if b.panics {
		panic("secret internal state 0xdeadbeef")
	}
	return nil, nil, errors.New("database exploded at /src/internal/thing.go:42")
}

func newFakeEnv(t *testing.T, groups groupService) *env {
	t.Helper()
	e := &env{t: t, logs: &logBuffer{}, dir: t.TempDir()}
	srv, err := newServer(Config{
		DataDir: e.dir, SessionKey: testSessionKey, AdminPassword: testAdminPass, Mode: ModeAgora,
		Logger: slog.New(slog.NewTextHandler(e.logs, nil)),
	}, groups, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	e.web = httptest.NewServer(srv.Handler())
	t.Cleanup(func() { e.web.Close(); srv.Close() })
	e.http = e.newBrowser()
	return e
}

func TestInternalErrorPage(t *testing.T) {
	for _, panics := range []bool{false, true} {
		e := newFakeEnv(t, brokenGroups{panics: panics}).login()
		p := e.get("/groups")
		wantStatus(t, p, http.StatusInternalServerError)
		if got := p.text("error-heading"); got != "Something went wrong" {
			t.Errorf("heading %q", got)
		}
		if got := p.text("error-message"); !strings.Contains(got, "tell an administrator") {
			t.Errorf("message %q", got)
		}
		for _, leak := range []string{"exploded", "thing.go", "0xdeadbeef", "goroutine"} {
			if strings.Contains(p.body, leak) {
				t.Errorf("page shows %q", leak)
			}
		}
		want := "exploded"
		if panics {
			want = "0xdeadbeef"
		}
		if !strings.Contains(e.logs.String(), want) {
			t.Errorf("cause not logged:\n%s", e.logs)
		}
		if p.Header.Get("Content-Security-Policy") == "" {
			t.Error("500 page without CSP")
		}
	}
}
