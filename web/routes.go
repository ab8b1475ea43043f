package web

import (
	"net/url"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"groupdesk/web/store"
)

// routes is the whole URL map of the dashboard. Every route but the login
// page, the language switcher, static files and the operations endpoints
// requires a signed-in account with at least the role of its gate
// (viewer < moderator < admin, see roles.go); every POST is checked for its
// CSRF token by checkCSRF. TestRoleMatrix fails for a route it has no row
// for.
func (s *Server) routes(e *echo.Echo) {
	viewer := s.gate(e, store.RoleViewer)
	moderator := s.gate(e, store.RoleModerator)
	admin := s.gate(e, store.RoleAdmin)
	// Routes that call Agora wait their turn in the in-flight gate (see
	// limitInFlight); the others answer from the dashboard database and
	// never queue behind a slow Agora.
	agoraCall := limitInFlight(s.cfg.maxConcurrentPages())

	e.GET("/static/*", s.serveStatic)

	// Operations endpoints: no session, no login (see opsRoutes).
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.serveMetrics)

	e.GET("/login", s.loginPage)
	e.POST("/login", s.login)
	e.POST("/logout", s.logout)
	e.POST("/language", s.setLanguage)

	viewer.GET("/", s.home)
	viewer.GET("/groups", s.groupList, agoraCall)
	viewer.GET("/groups/jump", s.groupJump, agoraCall)
	moderator.GET("/groups/new", s.groupNew)
	moderator.POST("/groups", s.groupCreate, agoraCall)
	moderator.POST("/groups/index/refresh", s.indexRefresh)
	viewer.GET("/groups/:id", s.groupDetail, agoraCall)
	viewer.GET("/groups/:id/members.csv", s.groupMembersCSV, agoraCall)
	viewer.GET("/groups/:id/members", s.groupMembers, agoraCall)
	moderator.POST("/groups/:id/members", s.groupMembersAdd, agoraCall)
	moderator.POST("/groups/:id/members/remove", s.groupMembersRemove, agoraCall)
	moderator.POST("/groups/:id/admins", s.groupAdminAdd, agoraCall)
	moderator.POST("/groups/:id/admins/remove", s.groupAdminRemove, agoraCall)
	moderator.POST("/groups/:id/owner", s.groupOwnerTransfer, agoraCall)
	moderator.POST("/groups/:id/mutes", s.groupMute, agoraCall)
	moderator.POST("/groups/:id/mutes/remove", s.groupUnmute, agoraCall)
	moderator.GET("/groups/:id/edit", s.groupEdit, agoraCall)
	moderator.POST("/groups/:id", s.groupUpdate, agoraCall)
	moderator.GET("/groups/:id/delete", s.groupDeleteConfirm, agoraCall)
	moderator.POST("/groups/:id/delete", s.groupDelete, agoraCall)
	viewer.GET("/groups/:id/moderation", s.groupModeration, agoraCall)
	viewer.GET("/groups/:id/history", s.groupHistory)
	viewer.GET("/groups/:id/announcement", s.groupAnnouncement, agoraCall)
	moderator.POST("/groups/:id/announcement", s.groupSetAnnouncement, agoraCall)
	moderator.POST("/groups/:id/mute-all", s.groupMuteAll(), agoraCall)
	moderator.POST("/groups/:id/unmute-all", s.groupUnmuteAll(), agoraCall)
	moderator.POST("/groups/:id/disable", s.groupDisable(), agoraCall)
	moderator.POST("/groups/:id/enable", s.groupEnable(), agoraCall)
	moderator.POST("/groups/:id/blocks", s.groupBlock, agoraCall)
	moderator.POST("/groups/:id/blocks/remove", s.groupUnblock, agoraCall)
	moderator.POST("/groups/:id/allow", s.groupAllow, agoraCall)
	moderator.POST("/groups/:id/allow/remove", s.groupDisallow, agoraCall)
	viewer.GET("/users", s.userSearch, agoraCall)
	viewer.GET("/users/:username", s.userPage, agoraCall)
	moderator.POST("/users/:username/actions", s.userActions, agoraCall)
	moderator.POST("/groups/bulk-delete", s.groupsBulkDelete, agoraCall)
	viewer.GET("/users/:username/groups", s.userGroups, agoraCall)
	viewer.GET("/users/:username/groups.csv", s.userGroupsCSV, agoraCall)

	viewer.GET("/account", s.accountSettings)
	viewer.POST("/account/timezone", s.accountTimeZone)
	viewer.GET("/account/password", s.accountPasswordPage)
	viewer.POST("/account/password", s.accountPasswordChange)

	viewer.GET("/audit", s.auditList)
	viewer.GET("/audit.csv", s.auditCSV)

	viewer.GET("/reports/membership", s.membershipReport)
	viewer.GET("/reports/membership.csv", s.membershipReportCSV)
	moderator.POST("/reports/membership", s.membershipReportStart)
	moderator.POST("/reports/membership/cancel", s.membershipReportCancel)

	// Bulk jobs: pages from the database; the work is the queue's.
	viewer.GET("/jobs", s.jobList)
	viewer.GET("/jobs/:id", s.jobPage)
	viewer.GET("/jobs/:id/results.csv", s.jobResultsCSV)
	moderator.POST("/jobs/:id/cancel", s.jobCancel)
	moderator.POST("/jobs/:id/retry-failed", s.jobRetryFailed)

	admin.GET("/accounts", s.accountList)
	admin.POST("/accounts", s.accountCreate)
	admin.POST("/accounts/:username/role", s.accountRole)
	admin.POST("/accounts/:username/password", s.accountPassword)
	admin.GET("/accounts/:username/disable", s.accountDisableConfirm)
	admin.POST("/accounts/:username/disable", s.accountDisable)
	admin.POST("/accounts/:username/enable", s.accountEnable)
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
