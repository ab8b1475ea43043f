package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"groupdesk/views"
	"groupdesk/web/store"
)

// accountSettings is GET /account: what every signed-in account can set
// for itself (its time zone; its password is on /account/password).
func (s *Server) accountSettings(c echo.Context) error {
	return s.renderAccountSettings(c, http.StatusOK, "", "")
}

func (s *Server) renderAccountSettings(c echo.Context, status int, typed, problem string) error {
	p := s.page(c, "", "settings.title")
	zone, auto := timeZone(c)
	d := views.AccountSettings{
		Zone:    typed,
		Auto:    auto,
		InUse:   zone.String(),
		Now:     p.L.ExactTime(s.now()),
		Zones:   commonZones,
		Problem: problem,
	}
	if typed == "" && !auto {
		d.Zone = zone.String()
	}
	return render(c, status, views.AccountSettingsPage(p, d))
}

// accountTimeZone is POST /account/timezone: the zone times are shown in
// on this browser; empty follows the browser's own zone.
func (s *Server) accountTimeZone(c echo.Context) error {
	name := strings.TrimSpace(c.FormValue("zone"))
	if name != "" && loadZone(name) == nil {
		return s.renderAccountSettings(c, http.StatusUnprocessableEntity, name, localizer(c).T("settings.err_zone", name))
	}
	s.setTimeZoneCookie(c, name)
	l := localizer(c)
	if name == "" {
		setFlash(session(c), views.FlashSuccess, l.T("flash.zone_auto"))
	} else {
		setFlash(session(c), views.FlashSuccess, l.T("flash.zone_set", name))
	}
	return c.Redirect(http.StatusSeeOther, "/account")
}

// accountPasswordPage is GET /account/password: the signed-in account
// changes its own password.
func (s *Server) accountPasswordPage(c echo.Context) error {
	return s.renderPasswordPage(c, http.StatusOK, views.PasswordForm{})
}

func (s *Server) renderPasswordPage(c echo.Context, status int, f views.PasswordForm) error {
	p := s.page(c, "", "password.title")
	return render(c, status, views.PasswordPage(p, f))
}

// accountPasswordChange is POST /account/password. It needs the current
// password, and the new one twice; the rules are those of every account
// (store.CheckPasswordRules). Every other session of the account ends;
// this one continues under a new id.
func (s *Server) accountPasswordChange(c echo.Context) error {
	l := localizer(c)
	current, password := c.FormValue("current"), c.FormValue("password")
	f := views.PasswordForm{Errors: map[string]string{}}
	if current == "" {
		f.Errors[views.FieldCurrentPassword] = l.T("password.err_current_empty")
	}
	if msg := passwordProblem(l, store.CheckPasswordRules(password)); msg != "" {
		f.Errors[views.FieldNewPassword] = msg
	} else if password != c.FormValue("confirm") {
		f.Errors[views.FieldConfirmPassword] = l.T("password.err_mismatch")
	}
	if len(f.Errors) > 0 {
		f.FormError = l.T("password.err_summary")
		return s.renderPasswordPage(c, http.StatusUnprocessableEntity, f)
	}
	err := s.st.ChangeOwnPassword(accountChangeCtx(c), s.actorOf(c), current, password)
	switch {
	case errors.Is(err, store.ErrWrongPassword):
		f.Errors[views.FieldCurrentPassword] = l.T("password.err_current_wrong")
		f.FormError = l.T("password.err_summary")
		return s.renderPasswordPage(c, http.StatusUnprocessableEntity, f)
	case errors.Is(err, store.ErrAuditUnavailable):
		return &pageError{status: http.StatusInternalServerError, key: "error.audit_refused", cause: err}
	case err != nil:
		return err
	}
	rs := session(c)
	if err := s.sessions.renew(c.Request().Context(), rs.Session); err != nil {
		return err
	}
	setFlash(rs, views.FlashSuccess, l.T("flash.password_changed"))
	return c.Redirect(http.StatusSeeOther, "/account")
}
