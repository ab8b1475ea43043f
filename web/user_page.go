package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"groupdesk/agora"
	"groupdesk/views"
)

// userPageAdminLookups bounds the admin-list calls of one page that run at
// once (Agora's detail does not tell admins from members).
const userPageAdminLookups = 4

// userPage is GET /users/{username}: one page of the user's groups (one
// joined-groups call), with their role and each group's size (one batched
// detail call) and, for the groups they do not own, whether they are an
// admin (one admin-list call each, at most a page's 20). An unknown user
// is a message on the page.
func (s *Server) userPage(c echo.Context) error {
	username, num, size, err := joinedPageParams(c)
	if err != nil {
		return err
	}
	d := views.UserPage{
		Username: username, PageNum: num, PageSize: size,
		Action:    templ.SafeURL(userPath(username) + "/actions"),
		CSVURL:    templ.SafeURL(userGroupsPath(username) + ".csv"),
		Durations: muteDurationNames(),
	}
	p := s.page(c, "", "user.page_title", username)
	ctx := c.Request().Context()
	groups, _, err := s.groups.ListJoined(ctx, username, &agora.JoinedOptions{PageNum: num, PageSize: size})
	if missing(err) {
		d.NotFound = true
		return render(c, http.StatusOK, views.UserPageView(p, d))
	}
	if err != nil {
		return err
	}
	for _, g := range groups {
		d.Rows = append(d.Rows, views.UserGroupRow{ID: g.ID, Name: g.Name, URL: groupURL(g.ID), Members: -1})
	}
	if len(d.Rows) > 0 {
		if err := s.userRoles(ctx, username, d.Rows); err != nil {
			s.log.Warn("user's page: roles not read; showing the list without them", "err", err)
			d.DetailsError = localizer(c).T("user.details_failed")
		}
	}
	if len(groups) >= size {
		d.NextURL = userPageURL(username, num+1, size)
	}
	if num > 1 {
		d.PrevURL = userPageURL(username, num-1, size)
	}
	return render(c, http.StatusOK, views.UserPageView(p, d))
}

// userRoles fills in the role and size of each row.
func (s *Server) userRoles(ctx context.Context, username string, rows []views.UserGroupRow) error {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	details, _, err := s.groups.GetWithoutMembers(ctx, ids...)
	if err != nil {
		return err
	}
	byID := make(map[string]*agora.Group, len(details))
	for _, g := range details {
		byID[g.ID] = g
	}
	eg, ectx := errgroup.WithContext(ctx)
	eg.SetLimit(userPageAdminLookups)
	for i := range rows {
		g := byID[rows[i].ID]
		if g == nil {
			continue // deleted since the list was read
		}
		rows[i].Members = memberCount(g)
		if strings.EqualFold(g.Owner, username) {
			rows[i].Role = string(agora.RoleOwner)
			continue
		}
		if s.mod == nil {
			rows[i].Role = string(agora.RoleMember)
			continue
		}
		eg.Go(func() error {
			admins, _, err := s.mod.Admins(ectx, rows[i].ID)
			if missing(err) {
				return nil
			}
			if err != nil {
				return err
			}
			rows[i].Role = string(agora.RoleMember)
			for _, a := range admins {
				if strings.EqualFold(a, username) {
					rows[i].Role = "admin"
				}
			}
			return nil
		})
	}
	return eg.Wait()
}

func userPath(username string) string { return "/users/" + url.PathEscape(username) }

func userPageURL(username string, num, size int) templ.SafeURL {
	v := url.Values{"pagenum": {strconv.Itoa(num)}, "pagesize": {strconv.Itoa(size)}}
	return templ.SafeURL(userPath(username) + "?" + v.Encode())
}
