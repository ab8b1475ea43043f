package web

import (
	"github.com/labstack/echo/v4"
)

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
