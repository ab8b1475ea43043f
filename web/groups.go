package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"groupdesk/agora"
	"groupdesk/views"
)

// Helpers the group handlers share: reading the group of the path, and
// how a group is named and counted.

// groupIDParam returns the {id} of the path, or a 404 if it cannot be a
// group id (no call is made for it).
func groupIDParam(c echo.Context) (string, error) {
	id, err := url.PathUnescape(c.Param("id"))
	if err != nil || !validGroupID(id) {
		return "", newPageError(http.StatusNotFound, "error.group_not_found", c.Param("id"))
	}
	return id, nil
}

// fetchGroup loads the group of the path; a missing group is a 404 page.
func (s *Server) fetchGroup(c echo.Context) (*agora.Group, error) {
	id, err := groupIDParam(c)
	if err != nil {
		return nil, err
	}
	g, _, err := s.groups.GetOne(c.Request().Context(), id)
	if missing(err) {
		return nil, &pageError{status: http.StatusNotFound, key: "error.group_not_found", args: []any{id}, cause: err}
	}
	if err != nil {
		return nil, err
	}
	return g, nil
}

// displayGroupName is the name for titles and flashes; the id when the
// group has no name.
func displayGroupName(g *agora.Group) string {
	if g.Name != "" {
		return views.VisibleText(g.Name)
	}
	return g.ID
}

// memberCount is the group's size: Agora's count, or the list if the count
// is missing.
func memberCount(g *agora.Group) int {
	if g.AffiliationsCount > 0 {
		return g.AffiliationsCount
	}
	return len(g.Affiliations)
}

// sortedMembers lists the owner first, then members by username, keeping
// those whose name contains q (case-insensitive).
func sortedMembers(g *agora.Group, q string) []agora.Affiliation {
	q = strings.ToLower(q)
	out := make([]agora.Affiliation, 0, len(g.Affiliations))
	for _, a := range g.Affiliations {
		if q == "" || strings.Contains(strings.ToLower(a.Username), q) {
			out = append(out, a)
		}
	}
	// Usernames are unique in a group, so an unstable sort gives one order.
	slices.SortFunc(out, func(a, b agora.Affiliation) int {
		if ao, bo := a.Role == agora.RoleOwner, b.Role == agora.RoleOwner; ao != bo {
			if ao {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Username, b.Username)
	})
	return out
}
