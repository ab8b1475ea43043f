package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"groupdesk/views"
	"groupdesk/web/store"
)

// accountCreate is POST /accounts: validate, create with the chosen role
// (audited in the same transaction), flash and 303. A rejected form is
// shown again with what was typed, the password excepted.
func (s *Server) accountCreate(c echo.Context) error {
	l := localizer(c)
	form := views.NewAccountForm{
		Username: store.NormalizeAccountName(c.FormValue(views.FieldAccountUsername)),
		Role:     c.FormValue(views.FieldAccountRole),
		Errors:   map[string]string{},
	}
	password := c.FormValue(views.FieldAccountPassword)
	if err := store.CheckAccountName(form.Username); err != nil {
		form.Errors[views.FieldAccountUsername] = l.T("accounts.err_username", form.Username)
	}
	if err := store.CheckPasswordRules(password); err != nil {
		form.Errors[views.FieldAccountPassword] = passwordProblem(l, err)
	}
	role, err := store.ParseRole(form.Role)
	if err != nil {
		form.Errors[views.FieldAccountRole] = l.T("accounts.err_role")
		form.Role = string(store.RoleViewer)
	}
	if len(form.Errors) == 0 {
		err = s.st.CreateAccount(accountChangeCtx(c), s.actorOf(c), form.Username, password, role)
		switch {
		case err == nil:
			setFlash(session(c), views.FlashSuccess, l.T("flash.account_created", form.Username, roleLabel(l, role)))
			return c.Redirect(http.StatusSeeOther, "/accounts")
		case errors.Is(err, store.ErrAccountExists):
			form.Errors[views.FieldAccountUsername] = l.T("accounts.err_exists", form.Username)
		case errors.Is(err, store.ErrAuditUnavailable):
			return &pageError{status: http.StatusInternalServerError, key: "error.audit_refused", cause: err}
		default:
			return err
		}
	}
	form.FormError = l.T("accounts.fix_errors")
	return s.renderAccounts(c, http.StatusUnprocessableEntity, form)
}
