package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"groupdesk/agora"
)

// Paging of the user's-groups CSV: joined-groups pages of 20 (safe under
// every documented bound, see joinedPageSizes), and one batched detail
// call per 100 groups for the owners. A user in n groups costs
// ceil((n+1)/20) + ceil(n/100) calls.
const (
	joinedCSVPageSize = 20
	maxJoinedCSVPages = 1000 // 20,000 groups: a stop for a server that ignores pagenum
)

// userGroupsCSV is GET /users/{username}/groups.csv: every group the user
// has joined, and whether they own it, streamed as the pages arrive.
func (s *Server) userGroupsCSV(c echo.Context) error {
	username, err := url.PathUnescape(c.Param("username"))
	if err != nil || !validUsername(username) {
		return newPageError(http.StatusNotFound, "error.user_not_found", c.Param("username"))
	}
	ctx := c.Request().Context()
	out := newCSVDownload(c.Response(), fmt.Sprintf("user-%s-groups.csv", username),
		"username", "group_id", "group_name", "role")
	var batch []*agora.JoinedGroup
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		ids := make([]string, len(batch))
		for i, g := range batch {
			ids[i] = g.ID
		}
		owners, err := s.groupOwners(ctx, ids)
		if err != nil {
			return err
		}
		for _, g := range batch {
			owner, ok := owners[g.ID]
			if !ok {
				continue // deleted since the list was read
			}
			role := string(agora.RoleMember)
			if strings.EqualFold(owner, username) {
				role = string(agora.RoleOwner)
			}
			out.Row(csvCell(username), csvCell(g.ID), csvCell(g.Name), role)
		}
		batch = batch[:0]
		return out.Flush()
	}
	for num := 1; num <= maxJoinedCSVPages; num++ {
		groups, _, err := s.groups.ListJoined(ctx, username, &agora.JoinedOptions{PageNum: num, PageSize: joinedCSVPageSize})
		if missing(err) && !out.Started() {
			return &pageError{status: http.StatusNotFound, key: "error.user_not_found", args: []any{username}, cause: err}
		}
		if err != nil {
			return err
		}
		batch = append(batch, groups...)
		if len(batch) >= agora.MaxIDsPerDetail {
			if err := flush(); err != nil {
				return err
			}
		}
		if len(groups) < joinedCSVPageSize {
			break
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return out.Close()
}
