package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"groupdesk/views"
	"groupdesk/web/store"
)

// accountList is GET /accounts (admins): every dashboard account with its
// role and status, a form per change, and the create form.
func (s *Server) accountList(c echo.Context) error {
	return s.renderAccounts(c, http.StatusOK, views.NewAccountForm{Role: string(store.RoleViewer)})
}

func (s *Server) renderAccounts(c echo.Context, status int, form views.NewAccountForm) error {
	list, err := s.st.Accounts(c.Request().Context())
	if err != nil {
		return err
	}
	p := s.page(c, views.NavAccounts, "accounts.title")
	d := views.AccountsPage{New: form}
	for _, r := range store.Roles {
		d.Roles = append(d.Roles, views.Option{Value: string(r), Label: roleLabel(p.L, r)})
	}
	for _, a := range list {
		base := accountPath(a.Username)
		d.Rows = append(d.Rows, views.AccountRow{
			Username:       a.Username,
			Role:           string(a.Role),
			RoleLabel:      roleLabel(p.L, a.Role),
			Disabled:       a.Disabled,
			Created:        a.Created,
			LastLogin:      a.LastLogin,
			Self:           a.Username == p.User,
			RoleAction:     templ.SafeURL(base + "/role"),
			PasswordAction: templ.SafeURL(base + "/password"),
			DisableAction:  templ.SafeURL(base + "/disable"),
			EnableAction:   templ.SafeURL(base + "/enable"),
		})
	}
	return render(c, status, views.AccountsListPage(p, d))
}

func accountPath(username string) string { return "/accounts/" + url.PathEscape(username) }

// accountParam is the {username} of the path.
func accountParam(c echo.Context) (string, error) {
	name, err := url.PathUnescape(c.Param("username"))
	if err != nil || store.CheckAccountName(name) != nil {
		return "", newPageError(http.StatusNotFound, "accounts.err_not_found", c.Param("username"))
	}
	return name, nil
}

// actorOf is the signed-in account making a change, for the audit log.
func (s *Server) actorOf(c echo.Context) store.Actor {
	return store.Actor{Name: s.actorName(c), Addr: c.RealIP()}
}

// accountChangeCtx outlives the request: a change and its audit record are
// committed together even if the admin closes the tab.
func accountChangeCtx(c echo.Context) context.Context {
	return context.WithoutCancel(c.Request().Context())
}

// accountChangeDone answers a change made from a row of the accounts page:
// a flash (the success message, or why it was refused) and back to the
// list. An audit log that cannot be written is the error page: nothing was
// changed.
func (s *Server) accountChangeDone(c echo.Context, username string, err error, success string, args ...any) error {
	l := localizer(c)
	rs := session(c)
	switch {
	case err == nil:
		setFlash(rs, views.FlashSuccess, l.T(success, args...))
	case errors.Is(err, store.ErrAuditUnavailable):
		return &pageError{status: http.StatusInternalServerError, key: "error.audit_refused", cause: err}
	case errors.Is(err, store.ErrLastAdmin):
		setFlash(rs, views.FlashError, l.T("accounts.err_last_admin", username))
	case errors.Is(err, store.ErrAccountNotFound):
		setFlash(rs, views.FlashError, l.T("accounts.err_not_found", username))
	default:
		if msg := passwordProblem(l, err); msg != "" {
			setFlash(rs, views.FlashError, msg)
			break
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/accounts")
}

// passwordProblem translates a password rule the password breaks, "" if
// it breaks none (store.CheckPasswordRules is the rule).
func passwordProblem(l views.Localizer, err error) string {
	switch {
	case errors.Is(err, store.ErrPasswordShort):
		return l.T("accounts.err_password_short", store.MinPasswordLen)
	case errors.Is(err, store.ErrPasswordLong):
		return l.T("accounts.err_password_long", store.MaxPasswordBytes)
	}
	return ""
}
