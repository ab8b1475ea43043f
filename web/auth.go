package web

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"groupdesk/views"
)

// Login throttle: this many failures within loginWindow lock the account
// name, and separately the client address, for loginLockout.
const (
	loginMaxFailures = 5
	loginWindow      = 15 * time.Minute
	loginLockout     = 15 * time.Minute
)

const (
	throttleAccount = "account"
	throttleAddress = "address"
)

// requireLogin sends visitors without a signed-in session to the login
// page, remembering where they were going. htmx requests get HX-Redirect,
// so the whole page navigates instead of a fragment being swapped.
func (s *Server) requireLogin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if session(c).get(sessUser) != "" {
			return next(c)
		}
		r := c.Request()
		back := ""
		if isHTMX(c) {
			if u, err := url.Parse(r.Header.Get("HX-Current-URL")); err == nil {
				back = localPath(u.RequestURI())
			}
		} else if r.Method == http.MethodGet {
			back = localPath(r.URL.RequestURI())
		}
		target := "/login"
		if back != "" && back != "/" {
			target += "?next=" + url.QueryEscape(back)
		}
		if isHTMX(c) {
			c.Response().Header().Set("HX-Redirect", target)
			return c.NoContent(http.StatusOK)
		}
		return c.Redirect(http.StatusSeeOther, target)
	}
}

// localPath returns p if it is a path on this site, else "": "next" must
// never send the moderator elsewhere (//evil.example, https://…, /\evil).
func localPath(p string) string {
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n\t") {
		return ""
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return p
}

func (s *Server) home(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, "/groups")
}

// loginPage is GET /login.
func (s *Server) loginPage(c echo.Context) error {
	next := localPath(c.QueryParam("next"))
	if session(c).get(sessUser) != "" {
		if next == "" {
			next = "/groups"
		}
		return c.Redirect(http.StatusSeeOther, next)
	}
	return render(c, http.StatusOK, views.LoginPage(s.page(c, "", "login.title"), views.Login{Next: next}))
}

// login is POST /login.
func (s *Server) login(c echo.Context) error {
	ctx := c.Request().Context()
	username := normalizeAccountName(c.FormValue("username"))
	password := c.FormValue("password")
	next := localPath(c.FormValue("next"))
	addr := c.RealIP()
	now := s.now()

	fail := func(status int, key string, args ...any) error {
		p := s.page(c, "", "login.title")
		return render(c, status, views.LoginPage(p, views.Login{Username: username, Next: next, Error: p.L.T(key, args...)}))
	}
	// Every attempt is audited before the answer; nobody is signed in yet,
	// so the actor is empty until the password is right.
	attempt := s.newAuditEntry(c, actionLogin, targetAccount, username)
	attempt.Actor = ""
	if until, err := s.lockedUntil(ctx, now, username, addr); err != nil {
		return err
	} else if !until.IsZero() {
		if err := s.auditLocal(c, attempt, &auditFailure{code: "locked", msg: "refused while locked out after repeated failures"}); err != nil {
			return err
		}
		return fail(http.StatusTooManyRequests, "login.locked", views.Plural{Key: "count.minutes", Count: minutesUntil(now, until)})
	}
	ok := false
	if username != "" && password != "" {
		var err error
		if ok, err = s.accounts.authenticate(ctx, username, password); err != nil {
			return err
		}
	}
	reason := &auditFailure{code: "bad_credentials", msg: "wrong username or password"}
	if ok {
		// A disabled account is refused with the same words as a wrong
		// password; only the audit log tells them apart.
		acc, err := s.accounts.lookup(ctx, username)
		if err != nil {
			return err
		}
		if acc == nil || acc.Disabled {
			ok = false
			reason = &auditFailure{code: "account_disabled", msg: "the account is disabled"}
		}
	}
	if !ok {
		until, err := s.recordLoginFailure(ctx, now, username, addr)
		if err != nil {
			return err
		}
		if !until.IsZero() {
			reason.msg += "; now locked out"
		}
		if err := s.auditLocal(c, attempt, reason); err != nil {
			return err
		}
		s.log.Info("failed sign-in", "username", username, "addr", addr)
		if !until.IsZero() {
			return fail(http.StatusTooManyRequests, "login.locked", views.Plural{Key: "count.minutes", Count: minutesUntil(now, until)})
		}
		return fail(http.StatusUnauthorized, "login.failed")
	}
	attempt.Actor = username
	if err := s.auditLocal(c, attempt, nil); err != nil {
		return err
	}
	if err := s.clearLoginFailures(ctx, username, addr); err != nil {
		return err
	}
	if err := s.accounts.recordLogin(ctx, username, now); err != nil {
		return err
	}
	rs := session(c)
	if err := s.sessions.renew(ctx, rs.Session); err != nil {
		return err
	}
	rs.set(sessUser, username)
	rs.del(sessCSRF) // a new token for the signed-in session
	csrfToken(rs)
	s.log.Info("signed in", "username", username, "addr", addr)
	if next == "" {
		next = "/groups"
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// logout is POST /logout: the session row is deleted and the cookie
// expired. A chosen language survives in a new anonymous session.
func (s *Server) logout(c echo.Context) error {
	rs := session(c)
	if user := rs.get(sessUser); user != "" {
		if err := s.auditLocal(c, s.newAuditEntry(c, actionLogout, targetAccount, user), nil); err != nil {
			return err
		}
	}
	lang := rs.get(sessLang)
	if lang == "" {
		rs.Options.MaxAge = -1
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	if err := s.sessions.renew(c.Request().Context(), rs.Session); err != nil {
		return err
	}
	clear(rs.Values)
	rs.set(sessLang, lang)
	return c.Redirect(http.StatusSeeOther, "/login")
}

func minutesUntil(now, until time.Time) int {
	return int(math.Ceil(until.Sub(now).Minutes()))
}

// lockedUntil returns when the lockout of the account name or the address
// ends, or zero if neither is locked.
func (s *Server) lockedUntil(ctx context.Context, now time.Time, username, addr string) (time.Time, error) {
	var latest int64
	err := s.st.queryRow(ctx,
		`SELECT coalesce(max(locked_until), 0) FROM login_attempts
		 WHERE ((scope = ? AND key = ?) OR (scope = ? AND key = ?)) AND locked_until > ?`,
		throttleAccount, username, throttleAddress, addr, millis(now)).Scan(&latest)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, err
	}
	return fromMillis(latest), nil
}

// recordLoginFailure counts a failure against the name and the address and
// returns when a lockout it caused ends (zero if none).
func (s *Server) recordLoginFailure(ctx context.Context, now time.Time, username, addr string) (time.Time, error) {
	var until time.Time
	for _, k := range [][2]string{{throttleAccount, username}, {throttleAddress, addr}} {
		var lockedUntil int64
		// In DO UPDATE the stored row's columns carry the table's name:
		// PostgreSQL finds a bare name ambiguous with excluded's.
		err := s.st.queryRow(ctx,
			`INSERT INTO login_attempts (scope, key, failures, window_start, locked_until) VALUES (?, ?, 1, ?, 0)
			 ON CONFLICT(scope, key) DO UPDATE SET
			   failures     = CASE WHEN login_attempts.window_start < ?3 - ?4 THEN 1 ELSE login_attempts.failures + 1 END,
			   window_start = CASE WHEN login_attempts.window_start < ?3 - ?4 THEN ?3 ELSE login_attempts.window_start END
			 RETURNING CASE WHEN failures >= ?5 THEN ?3 + ?6 ELSE 0 END`,
			k[0], k[1], millis(now), loginWindow.Milliseconds(), loginMaxFailures, loginLockout.Milliseconds()).Scan(&lockedUntil)
		if err != nil {
			return time.Time{}, err
		}
		if lockedUntil > 0 {
			if _, err := s.st.exec(ctx,
				`UPDATE login_attempts SET failures = 0, window_start = ?, locked_until = ? WHERE scope = ? AND key = ?`,
				millis(now), lockedUntil, k[0], k[1]); err != nil {
				return time.Time{}, err
			}
			until = fromMillis(lockedUntil)
		}
	}
	return until, nil
}

func (s *Server) clearLoginFailures(ctx context.Context, username, addr string) error {
	_, err := s.st.exec(ctx,
		`DELETE FROM login_attempts WHERE (scope = ? AND key = ?) OR (scope = ? AND key = ?)`,
		throttleAccount, username, throttleAddress, addr)
	return err
}
