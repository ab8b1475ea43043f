package web

import (
	"fmt"
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

// dbBytes is the size of dashboard.db once its write-ahead log (which
// keeps its size for reuse) is copied into it.
func dbBytes(t *testing.T, e *env) int64 {
	t.Helper()
	if _, err := e.srv.st.DB().Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(e.dir, store.DBFile))
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestAnonymousSignInsCannotFillTheDisk (#14, finding 1): 10,000 sign-in
// attempts with 250 KB usernames, each after a cookie-less visit to the
// login page, grow the database by less than 1 MB, and no log line
// carries such a username.
func TestAnonymousSignInsCannotFillTheDisk(t *testing.T) {
	e := newEnv(t)
	pinClockInsideSignInWindow(e)
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

	before := dbBytes(t, e)
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
	if grown := dbBytes(t, e) - before; grown >= 1<<20 {
		t.Errorf("%d attempts grew the database by %d bytes, want < 1 MB", attempts, grown)
	}
	var sessions int
	if err := e.srv.st.DB().QueryRow(`SELECT count(*) FROM sessions`).Scan(&sessions); err != nil || sessions != 0 {
		t.Errorf("anonymous requests left %d session rows (%v), want none", sessions, err)
	}
	if strings.Contains(e.logs.String(), huge[:1000]) {
		t.Error("the log carries the huge username")
	}

	// Names as long as an account name can be, a new one each time, are
	// audited and throttled: one record and a few throttle rows in all.
	const named = 2_000
	since := lastAuditID(t, e)
	before = dbBytes(t, e)
	for i := range named {
		name := fmt.Sprintf("%064d", i)
		body := url.Values{"username": {name}, "password": {"wrong password"}, csrfField: {token}}.Encode()
		r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range cookies {
			r.AddCookie(c)
		}
		if w := serve(r); w.Code != http.StatusUnauthorized && w.Code != http.StatusTooManyRequests {
			t.Fatalf("attempt %d: status %d, want it refused", i, w.Code)
		}
	}
	if grown := dbBytes(t, e) - before; grown >= 1<<20 {
		t.Errorf("%d attempts with 64-character names grew the database by %d bytes, want < 1 MB", named, grown)
	}
	if r := auditSince(t, e, since); len(r) != 1 || r[0].Attempts != named {
		t.Errorf("%d failed sign-ins from one address: records %+v; want one counting all", named, r)
	}
}
