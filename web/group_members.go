package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"groupdesk/agora"
	"groupdesk/views"
	"groupdesk/web/store"
)

// membersPageSize is how many members a page of the Members tab shows.
const membersPageSize = 100

// muteDurations are the durations a moderator can mute for, in the order
// the form offers them; "forever" lasts until an unmute.
var muteDurations = []struct {
	name string
	d    time.Duration
}{
	{"10m", 10 * time.Minute},
	{"1h", time.Hour},
	{"1d", 24 * time.Hour},
	{"7d", 7 * 24 * time.Hour},
	{"forever", agora.MutePermanent},
}

// groupMembers is GET /groups/{id}/members: one page of the members, the
// owner first, filtered by ?q=, with their roles and mutes. Three Agora
// reads, made at once: the group (its whole membership, owner and size),
// the admins and the mute list; and one local query for who added whom.
func (s *Server) groupMembers(c echo.Context) error {
	id, err := groupIDParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var (
		wg       sync.WaitGroup
		g        *agora.Group
		admins   []string
		muted    []agora.MutedMember
		gErr     error
		aErr     error
		mErr     error
		addedBy  map[string]store.AuditEntry
		auditErr error
	)
	wg.Go(func() { g, _, gErr = s.groups.GetOne(ctx, id) })
	wg.Go(func() { admins, _, aErr = s.mod.Admins(ctx, id) })
	wg.Go(func() { muted, _, mErr = s.mod.Muted(ctx, id) })
	wg.Go(func() { addedBy, auditErr = s.memberAdds(ctx, id) })
	wg.Wait()
	switch {
	case missing(gErr):
		return &pageError{status: http.StatusNotFound, key: "error.group_not_found", args: []any{id}, cause: gErr}
	case gErr != nil:
		return gErr
	case aErr != nil:
		return aErr
	case mErr != nil:
		return mErr
	}
	if auditErr != nil {
		// The page is still useful without "added by".
		s.log.Warn("members page: read who added whom", "group", id, "err", auditErr)
	}

	q := strings.TrimSpace(c.QueryParam("q"))
	all := sortedMembers(g, q)
	pages := max(1, (len(all)+membersPageSize-1)/membersPageSize)
	n, _ := strconv.Atoi(c.QueryParam("page"))
	n = min(max(n, 1), pages)
	shown := all[(n-1)*membersPageSize : min(n*membersPageSize, len(all))]

	isAdmin := make(map[string]bool, len(admins))
	for _, a := range admins {
		isAdmin[strings.ToLower(a)] = true
	}
	mutes := make(map[string]agora.MutedMember, len(muted))
	for _, m := range muted {
		mutes[strings.ToLower(m.Username)] = m
	}
	d := views.MembersPage{
		ID: g.ID, Name: g.Name, Owner: g.Owner,
		MemberCount: memberCount(g), MaxUsers: g.MaxUsers, Matching: len(all),
		Query: q, Page: n, Pages: pages,
		URLs:      memberActionURLs(g.ID),
		Durations: muteDurationNames(),
		AddDraft:  popAddDraft(session(c)),
	}
	if n > 1 {
		d.PrevURL = membersURL(g.ID, q, n-1)
	}
	if n < pages {
		d.NextURL = membersURL(g.ID, q, n+1)
	}
	for _, a := range shown {
		key := strings.ToLower(a.Username)
		r := views.MemberRow{
			Username: a.Username,
			URL:      userGroupsURL(a.Username),
			Owner:    a.Role == agora.RoleOwner,
			Admin:    a.Role == agora.RoleAdmin || isAdmin[key],
		}
		if m, ok := mutes[key]; ok {
			r.Muted = true
			if m.Expire > 0 {
				r.MutedUntil = m.Expire.Time()
			}
		}
		if e, ok := addedBy[key]; ok {
			r.AddedBy, r.AddedAt = e.Actor, e.At
		}
		d.Rows = append(d.Rows, r)
	}
	p := s.page(c, views.NavGroups, "members.title", displayGroupName(g))
	return render(c, http.StatusOK, views.GroupMembersPage(p, d))
}

// memberAdds is, per member (lower-cased), the latest successful add made
// through Groupdesk: one query over the group's add records.
func (s *Server) memberAdds(ctx context.Context, groupID string) (map[string]store.AuditEntry, error) {
	out := map[string]store.AuditEntry{}
	err := s.st.EachAudit(ctx, store.AuditFilter{Target: groupID, Action: store.ActionMemberAdd, Outcome: store.OutcomeSuccess},
		func(e *store.AuditEntry) error {
			key := strings.ToLower(e.Summary.User)
			if _, seen := out[key]; !seen && key != "" {
				out[key] = *e // newest first: the first one seen is the latest
			}
			return nil
		})
	return out, err
}

func muteDurationNames() []string {
	out := make([]string, len(muteDurations))
	for i, m := range muteDurations {
		out[i] = m.name
	}
	return out
}

// sessAddDraft keeps the names of an add that was refused as a whole, so
// the members page offers them again instead of an empty box.
const sessAddDraft = "members_add_draft"

func popAddDraft(rs *requestSession) string {
	v := rs.get(sessAddDraft)
	if v != "" {
		rs.del(sessAddDraft)
	}
	return v
}

func membersPath(id string) string { return groupPath(id) + "/members" }

// membersURL is a page of the Members tab; page 1 and an empty filter are
// left out.
func membersURL(id, q string, page int) templ.SafeURL {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	u := membersPath(id)
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	return templ.SafeURL(u)
}

func memberActionURLs(id string) views.MemberActionURLs {
	base := groupPath(id)
	return views.MemberActionURLs{
		Members:      templ.SafeURL(base + "/members"),
		Remove:       templ.SafeURL(base + "/members/remove"),
		Admins:       templ.SafeURL(base + "/admins"),
		AdminsRemove: templ.SafeURL(base + "/admins/remove"),
		Owner:        templ.SafeURL(base + "/owner"),
		Mutes:        templ.SafeURL(base + "/mutes"),
		MutesRemove:  templ.SafeURL(base + "/mutes/remove"),
		Blocks:       templ.SafeURL(base + "/blocks"),
	}
}
