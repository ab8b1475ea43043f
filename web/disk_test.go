package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"groupdesk/web/store"
)

// dbBytes is the size of dashboard.db with its write-ahead log.
func dbBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	for _, f := range []string{store.DBFile, store.DBFile + "-wal"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// TestAnonymousSignInsCannotFillTheDisk (#14, finding 1): 10,000 sign-in
// attempts with 250 KB usernames, each after a cookie-less visit to the
// login page, grow the database by less than 1 MB, and no log line
// carries such a username.
func TestAnonymousSignInsCannotFillTheDisk(t *testing.T) {
	e := newEnv(t)
	h := e.srv.Handler()
	serve := func(r *http.Request) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	// The attacker's cookie and CSRF token, from one visit.
	first := serve(httptest.NewRequest(http.MethodGet, "/login", nil))
	cookies := first.Result().Cookies()
	doc, err := goquery.NewDocumentFromReader(first.Body)
	if err != nil {
		t.Fatal(err)
	}
	token := doc.Find(`[data-testid="login-form"] input[name="_csrf"]`).AttrOr("value", "")
	if len(cookies) == 0 || token == "" {
		t.Fatalf("no cookie (%d) or CSRF token (%q) from GET /login", len(cookies), token)
	}
	huge := strings.Repeat("a", 250_000)
	body := url.Values{"username": {huge}, "password": {"wrong password"}, csrfField: {token}}.Encode()

	before := dbBytes(t, e.dir)
	const attempts = 10_000
	for i := range attempts {
		serve(httptest.NewRequest(http.MethodGet, "/login", nil))
		r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range cookies {
			r.AddCookie(c)
		}
		if w := serve(r); w.Code != http.StatusUnauthorized && w.Code != http.StatusTooManyRequests {
			t.Fatalf("attempt %d: status %d, want it refused", i, w.Code)
		}
	}
	if grown := dbBytes(t, e.dir) - before; grown >= 1<<20 {
		t.Errorf("%d attempts grew the database by %d bytes, want < 1 MB", attempts, grown)
	}
	var sessions int
	if err := e.srv.st.DB().QueryRow(`SELECT count(*) FROM sessions`).Scan(&sessions); err != nil || sessions != 0 {
		t.Errorf("anonymous requests left %d session rows (%v), want none", sessions, err)
	}
	if strings.Contains(e.logs.String(), huge[:1000]) {
		t.Error("the log carries the huge username")
	}
}
