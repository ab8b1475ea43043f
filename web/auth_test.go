package web

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"groupdesk/web/store"
)

func TestLoginSucceedsAndRedirectsToNext(t *testing.T) {
	e := newEnv(t)
	p := e.get("/groups?limit=10")
	wantStatus(t, p, http.StatusSeeOther)
	if got, want := p.Header.Get("Location"), "/login?next="+url.QueryEscape("/groups?limit=10"); got != want {
		t.Fatalf("Location = %q, want %q", got, want)
	}
	login := e.follow(p)
	wantStatus(t, login, http.StatusOK)
	next, _ := login.doc.Find(`[data-testid="login-form"] input[name="next"]`).Attr("value")
	if next != "/groups?limit=10" {
		t.Fatalf("hidden next = %q", next)
	}
	p = e.post("/login", url.Values{"username": {"Admin"}, "password": {testAdminPass}, "next": {next}})
	wantStatus(t, p, http.StatusSeeOther)
	if got := p.Header.Get("Location"); got != "/groups?limit=10" {
		t.Fatalf("after login Location = %q", got)
	}
	list := e.follow(p)
	wantStatus(t, list, http.StatusOK)
	if got := list.text("current-user"); !strings.Contains(got, "admin") {
		t.Fatalf("current-user = %q", got)
	}
}

func TestLoginRejectsOpenRedirects(t *testing.T) {
	e := newEnv(t)
	for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "evil"} {
		p := e.post("/login", url.Values{"username": {"admin"}, "password": {testAdminPass}, "next": {next}})
		wantStatus(t, p, http.StatusSeeOther)
		if got := p.Header.Get("Location"); got != "/groups" {
			t.Errorf("next=%q: Location = %q, want /groups", next, got)
		}
		e.post("/logout", nil)
	}
	// The login page does not even offer a foreign next.
	p := e.get("/login?next=" + url.QueryEscape("//evil.example"))
	if v, _ := p.doc.Find(`[data-testid="login-form"] input[name="next"]`).Attr("value"); v != "" {
		t.Fatalf("login page kept next %q", v)
	}
}

func TestLoginBadPassword(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ user, pass string }{
		{"admin", "wrong password!"},
		{"nobody", "wrong password!"},
		{"admin", ""},
	} {
		p := e.post("/login", url.Values{"username": {tc.user}, "password": {tc.pass}})
		wantStatus(t, p, http.StatusUnauthorized)
		if got := p.text("login-error"); !strings.Contains(got, "do not match") {
			t.Errorf("%s: login-error = %q", tc.user, got)
		}
		if v, _ := p.find("login-username").Attr("value"); v != tc.user {
			t.Errorf("username not kept: %q", v)
		}
		if v, _ := p.find("login-password").Attr("value"); v != "" {
			t.Errorf("password echoed back")
		}
	}
	if p := e.get("/groups"); p.StatusCode != http.StatusSeeOther {
		t.Fatalf("still not signed in expected, got %d", p.StatusCode)
	}
}

func TestLoginThrottlePerAccount(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		e := newEnv(t, withDB(db))
		for i := 1; i <= store.LoginMaxFailures; i++ {
			p := e.post("/login", url.Values{"username": {"admin"}, "password": {"wrong password " + string(rune('a'+i))}})
			want := http.StatusUnauthorized
			if i == store.LoginMaxFailures {
				want = http.StatusTooManyRequests
			}
			wantStatus(t, p, want)
		}
		// Now even the right password is refused, with a clear message.
		p := e.post("/login", url.Values{"username": {"admin"}, "password": {testAdminPass}})
		wantStatus(t, p, http.StatusTooManyRequests)
		if got := p.text("login-error"); !strings.Contains(got, "Too many failed sign-in attempts") || !strings.Contains(got, "15 minutes") {
			t.Fatalf("login-error = %q", got)
		}
		// After the lockout the right password works again.
		e.srv.now = func() time.Time { return time.Now().Add(store.LoginLockout + time.Minute) }
		p = e.post("/login", url.Values{"username": {"admin"}, "password": {testAdminPass}})
		wantStatus(t, p, http.StatusSeeOther)
	})
}

func TestLoginThrottlePerAddress(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		e := newEnv(t, withDB(db))
		for i := range store.LoginAddressMaxFailures {
			e.post("/login", url.Values{"username": {"guess" + strconv.Itoa(i)}, "password": {"wrong password"}})
		}
		// A different, existing account from the same address is locked out too.
		p := e.post("/login", url.Values{"username": {"admin"}, "password": {testAdminPass}})
		wantStatus(t, p, http.StatusTooManyRequests)
	})
}

func TestHTMXRequestWithoutSessionGetsHXRedirect(t *testing.T) {
	e := newEnv(t)
	p := e.get("/groups/123?q=a", "HX-Request", "true", "HX-Current-URL", e.web.URL+"/groups/123")
	wantStatus(t, p, http.StatusOK)
	if got, want := p.Header.Get("HX-Redirect"), "/login?next="+url.QueryEscape("/groups/123"); got != want {
		t.Fatalf("HX-Redirect = %q, want %q", got, want)
	}
}

func TestRootRedirectsToGroups(t *testing.T) {
	e := newEnv(t).login()
	p := e.get("/")
	wantStatus(t, p, http.StatusSeeOther)
	if got := p.Header.Get("Location"); got != "/groups" {
		t.Fatalf("Location = %q", got)
	}
}

func sessionCookieOf(t *testing.T, e *env) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(e.web.URL)
	for _, c := range e.http.Jar.Cookies(u) {
		if c.Name == sessionCookie {
			return c
		}
	}
	return nil
}

func TestSessionCookieFlagsAndRotation(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		e := newEnv(t, withDB(db))
		p := e.get("/login")
		var raw string
		for _, h := range p.Header.Values("Set-Cookie") {
			if strings.HasPrefix(h, sessionCookie+"=") {
				raw = h
			}
		}
		for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(raw, want) {
				t.Errorf("Set-Cookie %q lacks %s", raw, want)
			}
		}
		if strings.Contains(raw, "Secure") {
			t.Errorf("plain-HTTP cookie marked Secure without SecureCookies: %q", raw)
		}
		before := sessionCookieOf(t, e).Value
		e.login()
		after := sessionCookieOf(t, e).Value
		if before == after {
			t.Fatal("session id not rotated on login")
		}
		// The pre-login session is gone: replaying its cookie is anonymous.
		old := e.newBrowser()
		u, _ := url.Parse(e.web.URL)
		old.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: before}})
		if p := e.getWith(old, "/groups"); p.StatusCode != http.StatusSeeOther {
			t.Fatalf("old session id still valid: %d", p.StatusCode)
		}
		// Logout deletes the row: replaying the signed-in cookie fails too.
		e.post("/logout", nil)
		stolen := e.newBrowser()
		stolen.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: after}})
		if p := e.getWith(stolen, "/groups"); p.StatusCode != http.StatusSeeOther {
			t.Fatalf("session valid after logout: %d", p.StatusCode)
		}
		var n int
		if err := e.srv.st.DB().QueryRow(`SELECT count(*) FROM sessions WHERE username = 'admin'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("signed-in session rows after logout = %d (%v)", n, err)
		}
	})
}

func TestSecureCookies(t *testing.T) {
	e := newEnv(t, withConfig(func(c *Config) { c.SecureCookies = true }))
	p := e.get("/login")
	if !strings.Contains(strings.Join(p.Header.Values("Set-Cookie"), "\n"), "Secure") {
		t.Fatal("SecureCookies set but cookie not Secure")
	}
}

func TestSessionTimeouts(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		e := newEnv(t, withDB(db)).login()
		start := time.Now()
		clock := func(d time.Duration) { e.srv.sessions.now = func() time.Time { return start.Add(d) } }

		clock(sessionIdleTimeout - time.Minute)
		wantStatus(t, e.get("/login"), http.StatusSeeOther) // still signed in: /login sends on
		clock(2*sessionIdleTimeout - 2*time.Minute)         // active a moment ago, so not idle
		wantStatus(t, e.get("/login"), http.StatusSeeOther)
		clock(3*sessionIdleTimeout + time.Minute) // idle too long
		wantStatus(t, e.get("/login"), http.StatusOK)

		start = time.Now()
		clock(0)
		e.login()
		for d := time.Duration(0); d < sessionAbsoluteTimeout; d += sessionIdleTimeout / 2 {
			clock(d)
			e.get("/login")
		}
		clock(sessionAbsoluteTimeout + time.Minute)
		wantStatus(t, e.get("/login"), http.StatusOK) // signed out however active
	})
}

func TestForgedSessionCookieIsIgnored(t *testing.T) {
	e := newEnv(t).login()
	c := sessionCookieOf(t, e)
	forged := e.newBrowser()
	u, _ := url.Parse(e.web.URL)
	forged.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: c.Value[:len(c.Value)-4] + "AAAA"}})
	if p := e.getWith(forged, "/groups"); p.StatusCode != http.StatusSeeOther {
		t.Fatalf("forged cookie accepted: %d", p.StatusCode)
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/groups":              "/groups",
		"/groups/1?q=a":        "/groups/1?q=a",
		"":                     "",
		"groups":               "",
		"//evil.example":       "",
		"/\\evil.example":      "",
		"https://evil.example": "",
		"/a\r\nSet-Cookie: x":  "",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestLoginThrottleSparesOtherAddresses (#14, finding 5): wrong passwords
// for admin from one address lock admin out from that address only; the
// right password from another address still works.
func TestLoginThrottleSparesOtherAddresses(t *testing.T) {
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	e := newEnv(t, withConfig(func(c *Config) { c.TrustedProxies = []*net.IPNet{loopback} }))
	attacker, moderator := "203.0.113.7", "198.51.100.9"
	for i := range store.LoginMaxFailures + 3 {
		e.post("/login", url.Values{"username": {"admin"}, "password": {"guess " + strconv.Itoa(i)}}, "X-Forwarded-For", attacker)
	}
	p := e.post("/login", url.Values{"username": {"admin"}, "password": {testAdminPass}}, "X-Forwarded-For", attacker)
	wantStatus(t, p, http.StatusTooManyRequests)
	p = e.postWith(e.newBrowser(), "/login", url.Values{"username": {"admin"}, "password": {testAdminPass}}, "X-Forwarded-For", moderator)
	wantStatus(t, p, http.StatusSeeOther)
}

// TestLoginParallelGuessesAreCounted (#14, finding 6): guesses sent all at
// once check no more passwords than the same guesses one after another:
// LoginMaxFailures-1 wrong answers, then the lockout. They are one audit
// record that counts them all.
func TestLoginParallelGuessesAreCounted(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		e := newEnv(t, withDB(db))
		pinClockInsideSignInWindow(e)
		token := e.csrfOf(e.http)
		since := lastAuditID(t, e)
		const guesses = 40
		var wg sync.WaitGroup
		var mu sync.Mutex
		statuses := map[int]int{}
		for i := range guesses {
			wg.Go(func() {
				p := e.post("/login", url.Values{"username": {"admin"}, "password": {"guess " + strconv.Itoa(i)}, csrfField: {token}})
				mu.Lock()
				statuses[p.StatusCode]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if statuses[http.StatusUnauthorized] != store.LoginMaxFailures-1 || statuses[http.StatusTooManyRequests] != guesses-store.LoginMaxFailures+1 {
			t.Errorf("%d guesses answered %v; want %d × 401 (passwords checked), the rest 429", guesses, statuses, store.LoginMaxFailures-1)
		}
		records := auditSince(t, e, since)
		if len(records) != 1 || records[0].Attempts != guesses || records[0].Outcome != store.OutcomeFailure {
			t.Errorf("audit records %+v, want one that counts %d attempts", records, guesses)
		}
	})
}

// TestSessionCookieOfEarlierFormat: cookies of earlier builds (the id alone,
// then the gob payload) still sign their holder in, so a deploy signs
// nobody out, and the answer carries a cookie of today's format.
func TestSessionCookieOfEarlierFormat(t *testing.T) {
	e := newEnv(t).login()
	var payload cookiePayload
	if err := e.srv.sessions.codec.Decode(sessionCookie, sessionCookieOf(t, e).Value, &payload); err != nil || payload.ID == "" || payload.Sum == "" {
		t.Fatalf("session cookie: %+v, %v", payload, err)
	}
	for name, value := range map[string]any{
		"id alone":    payload.ID,
		"gob payload": cookiePayload{ID: payload.ID},
	} {
		t.Run(name, func(t *testing.T) {
			old, err := e.srv.sessions.gobCodec.Encode(sessionCookie, value)
			if err != nil {
				t.Fatal(err)
			}
			b := e.newBrowser()
			u, _ := url.Parse(e.web.URL)
			b.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: old}})
			p := e.getWith(b, "/groups/new")
			wantStatus(t, p, http.StatusOK)
			if got := p.text("current-user"); !strings.Contains(got, "admin") {
				t.Errorf("current-user %q", got)
			}
			var now cookiePayload
			if err := e.srv.sessions.codec.Decode(sessionCookie, sessionCookieOf(t, &env{t: t, web: e.web, http: b}).Value, &now); err != nil || now.ID != payload.ID || now.Sum != payload.Sum {
				t.Errorf("the cookie now carries %+v (%v), want %+v", now, err, payload)
			}
		})
	}
}

// Signing out says so on the sign-in page, once; signing in and out from
// an anonymous session says nothing.
func TestSignOutSaysSo(t *testing.T) {
	e := newEnv(t).login()
	p := e.post("/logout", nil)
	wantStatus(t, p, http.StatusSeeOther)
	login := e.follow(p)
	if got := login.text("flash"); got != "You are signed out. Sign in again to continue." {
		t.Errorf("after sign-out the sign-in page says %q", got)
	}
	if kind := login.find("flash").AttrOr("data-kind", ""); kind != "info" {
		t.Errorf("flash kind %q", kind)
	}
	if n := e.get("/login").find("flash").Length(); n != 0 {
		t.Errorf("the message shows again on reload")
	}
	if n := e.follow(e.post("/logout", nil)).find("flash").Length(); n != 0 {
		t.Errorf("signing out while signed out says %d messages", n)
	}
}
