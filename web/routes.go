package web

import (
	"net/url"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
)

// routes is the whole URL map of the dashboard. Every route but the login
// page, the language switcher and static files requires a signed-in
// moderator; every POST is checked for its CSRF token by checkCSRF.
func (s *Server) routes(e *echo.Echo) {
	auth := s.requireLogin

	e.GET("/static/*", s.serveStatic)

	e.GET("/login", s.loginPage)
	e.POST("/login", s.login)
	e.POST("/logout", s.logout)
	e.POST("/language", s.setLanguage)

	e.GET("/", s.home, auth)
	e.GET("/groups", s.groupList, auth)
	e.GET("/groups/jump", s.groupJump, auth)
	e.GET("/groups/new", s.groupNew, auth)
	e.POST("/groups", s.groupCreate, auth)
	e.GET("/groups/:id", s.groupDetail, auth)
	e.GET("/groups/:id/members.csv", s.groupMembersCSV, auth)
	e.GET("/groups/:id/edit", s.groupEdit, auth)
	e.POST("/groups/:id", s.groupUpdate, auth)
	e.GET("/groups/:id/delete", s.groupDeleteConfirm, auth)
	e.POST("/groups/:id/delete", s.groupDelete, auth)
	e.GET("/users", s.userSearch, auth)
	e.GET("/users/:username/groups", s.userGroups, auth)
}

// Paths of the pages, built in one place. Ids and usernames are escaped,
// so values from Agora cannot change the path's shape.

func groupPath(id string) string { return "/groups/" + url.PathEscape(id) }

func groupURL(id string) templ.SafeURL       { return templ.SafeURL(groupPath(id)) }
func groupEditURL(id string) templ.SafeURL   { return templ.SafeURL(groupPath(id) + "/edit") }
func groupDeleteURL(id string) templ.SafeURL { return templ.SafeURL(groupPath(id) + "/delete") }

func groupCSVURL(id, q string) templ.SafeURL {
	u := groupPath(id) + "/members.csv"
	if q != "" {
		u += "?" + url.Values{"q": {q}}.Encode()
	}
	return templ.SafeURL(u)
}

func userGroupsPath(username string) string {
	return "/users/" + url.PathEscape(username) + "/groups"
}

func userGroupsURL(username string) templ.SafeURL { return templ.SafeURL(userGroupsPath(username)) }
