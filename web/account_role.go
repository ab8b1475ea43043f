package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"groupdesk/views"
	"groupdesk/web/store"
)

// accountRole is POST /accounts/{username}/role. The last active admin
// keeps the role (accounts.setRole refuses, with a flash saying why).
func (s *Server) accountRole(c echo.Context) error {
	username, err := accountParam(c)
	if err != nil {
		return err
	}
	role, err := store.ParseRole(c.FormValue("role"))
	if err != nil {
		return newPageError(http.StatusBadRequest, "accounts.err_role")
	}
	l := localizer(c)
	acc, err := s.st.Account(c.Request().Context(), username)
	if err != nil {
		return err
	}
	if acc != nil && acc.Role == role {
		setFlash(session(c), views.FlashInfo, l.T("flash.account_role_same", username))
		return c.Redirect(http.StatusSeeOther, "/accounts")
	}
	err = s.st.SetRole(accountChangeCtx(c), s.actorOf(c), username, role)
	return s.accountChangeDone(c, username, err, "flash.account_role", username, roleLabel(l, role))
}
