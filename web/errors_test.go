package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

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

// An error page says what happened and what to do first; the status and
// the request id come after, in small print.
func TestErrorPageSaysWhatHappenedFirst(t *testing.T) {
	e := newEnv(t).login()
	p := e.get("/no/such/page", "X-Request-Id", "trace-plain-words")
	wantStatus(t, p, http.StatusNotFound)
	if got := p.text("error-message"); !strings.HasPrefix(got, "There is no page at this address.") {
		t.Errorf("message %q", got)
	}
	order := p.doc.Find(`[data-testid="error-heading"], [data-testid="error-message"], [data-testid="error-back"], [data-testid="error-request-id"]`).Map(func(_ int, s *goquery.Selection) string {
		return s.AttrOr("data-testid", "")
	})
	if want := []string{"error-heading", "error-message", "error-back", "error-request-id"}; !slices.Equal(order, want) {
		t.Errorf("error page order %v, want %v", order, want)
	}
	if n := p.find("error-request-id").ParentsFiltered("small").Length(); n != 1 {
		t.Errorf("the request id is not in small print")
	}
	if strings.Contains(p.text("error-heading")+p.text("error-message"), "trace-plain-words") {
		t.Errorf("the request id is in the plain-words part")
	}
}
