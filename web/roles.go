package web

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"groupdesk/views"
	"groupdesk/web/store"
)

// roleLabel is the role's name in the moderator's language.
func roleLabel(l views.Localizer, r store.Role) string { return l.T("account.role." + string(r)) }

// ctxAccount is where currentAccount keeps the request's account.
const ctxAccount = "groupdesk.account"

// accountLookup is the cached result of currentAccount; acc is nil for an
// anonymous request.
type accountLookup struct{ acc *store.Account }

// currentAccount is the one accessor for who is signed in: the account of
// the session's user, read once per request through the auth cache (so a
// role change or a disabled account takes effect on the next click: at
// once on the replica that made it, within authPollInterval on the others). It returns
// nil for anonymous visitors and for sessions whose account is gone or
// disabled.
func (s *Server) currentAccount(c echo.Context) (*store.Account, error) {
	if l, ok := c.Get(ctxAccount).(accountLookup); ok {
		return l.acc, nil
	}
	username := session(c).get(sessUser)
	if username == "" {
		c.Set(ctxAccount, accountLookup{})
		return nil, nil
	}
	acc, err := s.lookupAccount(c.Request().Context(), username)
	if err != nil {
		return nil, err
	}
	if acc != nil && acc.Disabled {
		acc = nil
	}
	c.Set(ctxAccount, accountLookup{acc})
	return acc, nil
}

// gate registers routes that need at least one role: the route table reads
// as one list grouped by who may use each route (see routes).
type gate struct {
	e    *echo.Echo
	need echo.MiddlewareFunc
}

func (s *Server) gate(e *echo.Echo, min store.Role) gate { return gate{e: e, need: s.requireRole(min)} }

// GET and POST register a route behind the role check, then m (run after
// it, so a refused request never waits in the in-flight gate).
func (g gate) GET(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	g.e.GET(path, h, append([]echo.MiddlewareFunc{g.need}, m...)...)
}

func (g gate) POST(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	g.e.POST(path, h, append([]echo.MiddlewareFunc{g.need}, m...)...)
}

// requireRole lets a request through when its account has at least role
// min. Anonymous visitors (and sessions of disabled or removed accounts,
// which are ended here) go to the login page; a signed-in account without
// the role gets a 403 page saying what it would need, whatever the UI
// showed it.
func (s *Server) requireRole(min store.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			acc, err := s.currentAccount(c)
			if err != nil {
				return err
			}
			if acc == nil {
				if rs := session(c); rs.get(sessUser) != "" {
					rs.del(sessUser) // disabled or removed meanwhile
				}
				return s.requireLogin(next)(c)
			}
			if !acc.Role.Allows(min) {
				l := localizer(c)
				return &pageError{
					status: http.StatusForbidden, key: "error.role_forbidden",
					args:  []any{roleLabel(l, acc.Role), roleLabel(l, min)},
					cause: fmt.Errorf("%s %s needs role %s; %s is %s", c.Request().Method, c.Path(), min, acc.Username, acc.Role),
				}
			}
			return next(c)
		}
	}
}

// addRole tells the page what the signed-in account may do, so it shows
// only the controls the account can use.
func (s *Server) addRole(c echo.Context, p *views.Page) {
	acc, err := s.currentAccount(c)
	if err != nil {
		s.log.Warn("page: look up the signed-in account", "err", err)
	}
	if acc == nil {
		return
	}
	p.User = acc.Username
	p.Role = roleLabel(p.L, acc.Role)
	p.CanEdit = acc.Role.Allows(store.RoleModerator)
	p.CanManageAccounts = acc.Role.Allows(store.RoleAdmin)
}
