package web

import (
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"groupdesk/views"
	"groupdesk/web/store"
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
	typed := strings.TrimSpace(c.FormValue("username"))
	// No account has a longer name: such a name is refused before anything
	// is written or logged, so that huge names cannot fill the disk.
	tooLong := len(typed) > store.MaxAccountNameLen
	if tooLong {
		typed = ""
	}
	username := store.NormalizeAccountName(typed)
	password := c.FormValue("password")
	next := localPath(c.FormValue("next"))
	addr := c.RealIP()
	now := s.now()

	fail := func(status int, key string, args ...any) error {
		p := s.page(c, "", "login.title")
		return render(c, status, views.LoginPage(p, views.Login{Username: username, Next: next, Error: p.L.T(key, args...)}))
	}
	if tooLong {
		return fail(http.StatusUnauthorized, "login.failed")
	}
	// Every attempt is audited before the answer; nobody is signed in yet,
	// so the actor is empty until the password is right.
	attempt := s.newAuditEntry(c, store.ActionLogin, store.TargetAccount, username)
	attempt.Actor = ""
	// The attempt is counted before the password is checked, so parallel
	// guesses check no more passwords than sequential ones.
	throttle, err := s.st.ReserveLoginAttempt(ctx, now, username, addr)
	if err != nil {
		return err
	}
	if !throttle.Allowed {
		if err := s.auditFailedSignIn(c, attempt, &store.AuditFailure{Code: "locked", Msg: "refused while locked out after repeated failures"}); err != nil {
			return err
		}
		return fail(http.StatusTooManyRequests, "login.locked", views.Plural{Key: "count.minutes", Count: minutesUntil(now, throttle.LockedUntil)})
	}
	ok := false
	if username != "" && password != "" {
		if ok, err = s.st.Authenticate(ctx, username, password); err != nil {
			return err
		}
	}
	reason := &store.AuditFailure{Code: "bad_credentials", Msg: "wrong username or password"}
	if ok {
		// A disabled account is refused with the same words as a wrong
		// password; only the audit log tells them apart.
		acc, err := s.st.Account(ctx, username)
		if err != nil {
			return err
		}
		if acc == nil || acc.Disabled {
			ok = false
			reason = &store.AuditFailure{Code: "account_disabled", Msg: "the account is disabled"}
		}
	}
	if !ok {
		locked := !throttle.LockedUntil.IsZero()
		if locked {
			reason.Msg += "; now locked out"
		}
		record := s.auditFailedSignIn
		if reason.Code == "account_disabled" {
			record = s.auditLocal // the right password: worth a record of its own
		}
		if err := record(c, attempt, reason); err != nil {
			return err
		}
		s.log.Info("failed sign-in", "username", username, "addr", addr)
		if locked {
			return fail(http.StatusTooManyRequests, "login.locked", views.Plural{Key: "count.minutes", Count: minutesUntil(now, throttle.LockedUntil)})
		}
		return fail(http.StatusUnauthorized, "login.failed")
	}
	attempt.Actor = username
	if err := s.auditLocal(c, attempt, nil); err != nil {
		return err
	}
	if err := s.st.ClearLoginFailures(ctx, username, addr); err != nil {
		return err
	}
	if err := s.st.RecordLogin(ctx, username, now); err != nil {
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

// logout is POST /logout: the session row is deleted. A new anonymous
// session (values in the signed cookie, no row) keeps a chosen language
// and carries "You are signed out" to the sign-in page.
func (s *Server) logout(c echo.Context) error {
	rs := session(c)
	user := rs.get(sessUser)
	if user != "" {
		if err := s.auditLocal(c, s.newAuditEntry(c, store.ActionLogout, store.TargetAccount, user), nil); err != nil {
			return err
		}
	}
	l := localizer(c)
	lang := rs.get(sessLang)
	if err := s.sessions.renew(c.Request().Context(), rs.Session); err != nil {
		return err
	}
	clear(rs.Values)
	if lang != "" {
		rs.set(sessLang, lang)
	}
	if user != "" {
		setFlash(rs, views.FlashInfo, l.T("flash.signed_out"))
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}

func minutesUntil(now, until time.Time) int {
	return int(math.Ceil(until.Sub(now).Minutes()))
}
