package web

import (
	"net/http"
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
	return render(c, http.StatusOK, views.GroupDetailPage(p, d))
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
	}
	members := sortedMembers(g, q)
	d.Members = make([]views.Member, len(members))
	for i, a := range members {
		d.Members[i] = views.Member{Username: a.Username, Owner: a.Role == agora.RoleOwner}
	}
	return d
}
