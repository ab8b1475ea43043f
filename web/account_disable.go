package web

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"groupdesk/views"
)

// accountDisableConfirm is GET /accounts/{username}/disable: the question
// before disabling, as a <dialog> for htmx and a page without JavaScript.
func (s *Server) accountDisableConfirm(c echo.Context) error {
	username, err := accountParam(c)
	if err != nil {
		return err
	}
	acc, err := s.st.Account(c.Request().Context(), username)
	if err != nil {
		return err
	}
	if acc == nil {
		return newPageError(http.StatusNotFound, "accounts.err_not_found", username)
	}
	p := s.page(c, views.NavAccounts, "accounts.disable_page_title", username)
	d := views.AccountDisableConfirm{
		Username:  username,
		Self:      username == p.User,
		Action:    templ.SafeURL(accountPath(username) + "/disable"),
		CancelURL: "/accounts",
	}
	if isHTMX(c) {
		return render(c, http.StatusOK, views.AccountDisableDialog(p, d))
	}
	return render(c, http.StatusOK, views.AccountDisablePage(p, d))
}

// accountDisable is POST /accounts/{username}/disable: the account can no
// longer sign in and its sessions end at once. The last active admin
// cannot be disabled.
func (s *Server) accountDisable(c echo.Context) error {
	username, err := accountParam(c)
	if err != nil {
		return err
	}
	err = s.st.SetDisabled(accountChangeCtx(c), s.actorOf(c), username, true)
	return s.accountChangeDone(c, username, err, "flash.account_disabled", username)
}

// accountEnable is POST /accounts/{username}/enable.
func (s *Server) accountEnable(c echo.Context) error {
	username, err := accountParam(c)
	if err != nil {
		return err
	}
	err = s.st.SetDisabled(accountChangeCtx(c), s.actorOf(c), username, false)
	return s.accountChangeDone(c, username, err, "flash.account_enabled", username)
}
