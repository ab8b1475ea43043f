package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"groupdesk/agora"
	"groupdesk/views"
)

// groupDetail is GET /groups/{id}: every field and the whole membership,
// from exactly one Agora call. ?q= filters the members on the server; with
// HX-Request only the member table is returned (the filter box's swap).
func (s *Server) groupDetail(c echo.Context) error {
	g, err := s.fetchGroup(c)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.QueryParam("q"))
	d := groupDetailData(g, q)
	p := s.page(c, views.NavGroups, "detail.title", displayGroupName(g))
	if isHTMX(c) {
		return render(c, http.StatusOK, views.MemberFilterResult(p, d))
	}
	d.History = s.groupHistory(c, g.ID)
	return render(c, http.StatusOK, views.GroupDetailPage(p, d))
}

// groupHistoryLen is how many audit records the group page shows.
const groupHistoryLen = 10

// groupHistory is the group's latest audit records, from the local
// database only. The page is still useful without them, so a failure is
// only logged.
func (s *Server) groupHistory(c echo.Context, id string) []views.AuditRow {
	entries, err := s.st.auditPage(c.Request().Context(), auditFilter{Target: id, Limit: groupHistoryLen})
	if err != nil {
		s.log.Warn("group page: read its audit history", "group", id, "err", err)
		return nil
	}
	l := localizer(c)
	rows := make([]views.AuditRow, 0, len(entries))
	for i := range entries {
		rows = append(rows, auditRow(l, &entries[i], nil))
	}
	return rows
}

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
	if errors.Is(err, agora.ErrNotFound) {
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

func groupDetailData(g *agora.Group, q string) views.GroupDetail {
	d := views.GroupDetail{
		ID:                g.ID,
		Name:              g.Name,
		Description:       g.Description,
		Owner:             g.Owner,
		OwnerURL:          userGroupsURL(g.Owner),
		Created:           g.Created.Time(),
		Public:            g.Public,
		MembersOnly:       g.MembersOnly,
		AllowInvites:      g.AllowInvites,
		InviteNeedConfirm: g.InviteNeedConfirm,
		MaxUsers:          g.MaxUsers,
		Custom:            g.Custom,
		Mute:              g.Mute,
		Disabled:          g.Disabled,
		MemberCount:       memberCount(g),
		Query:             q,
		URL:               groupURL(g.ID),
		EditURL:           groupEditURL(g.ID),
		DeleteURL:         groupDeleteURL(g.ID),
		CSVURL:            groupCSVURL(g.ID, q),
		MemberURL:         userGroupsURL,
		HistoryURL:        auditURL("/audit", views.AuditFilter{Target: g.ID}, "", 0),
	}
	members := sortedMembers(g, q)
	d.Members = make([]views.Member, len(members))
	for i, a := range members {
		d.Members[i] = views.Member{Username: a.Username, Owner: a.Role == agora.RoleOwner}
	}
	return d
}
