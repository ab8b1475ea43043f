package web

import (
	"github.com/labstack/echo/v4"
)

// accountPassword is POST /accounts/{username}/password: an admin sets a
// new password, which signs the account out everywhere. (An admin who
// resets their own keeps the session they are using.)
func (s *Server) accountPassword(c echo.Context) error {
	username, err := accountParam(c)
	if err != nil {
		return err
	}
	err = s.st.SetPassword(accountChangeCtx(c), s.actorOf(c), username, c.FormValue("password"))
	return s.accountChangeDone(c, username, err, "flash.account_password", username)
}
