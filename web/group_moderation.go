package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"groupdesk/agora"
	"groupdesk/views"
	"groupdesk/web/store"
)

// The Moderation tab: the group's incident switches (mute-all, disable),
// its mute, block and allow lists, and the forms that change them. Every
// action is one Agora call, audited one record per affected user, and
// answers POST → 303 → this page with a flash and what happened to each
// user.

func moderationPath(id string) string { return groupPath(id) + "/moderation" }

func moderationURLs(id string) views.ModerationURLs {
	u := func(sub string) templ.SafeURL { return templ.SafeURL(groupPath(id) + sub) }
	return views.ModerationURLs{
		MuteAll: u("/mute-all"), UnmuteAll: u("/unmute-all"),
		Disable: u("/disable"), DisableConfirm: u("/moderation?confirm=disable"), Enable: u("/enable"),
		Unmute: u("/mutes/remove"), Block: u("/blocks"), Unblock: u("/blocks/remove"),
		Allow: u("/allow"), Disallow: u("/allow/remove"),
		Announcement: u("/announcement"), Page: u("/moderation"),
	}
}

// groupModeration is GET /groups/{id}/moderation: four Agora calls (the
// group's settings, the mute, block and allow lists) and the block
// records from the dashboard database. ?confirm=disable asks before
// disabling: a dialog for htmx, a page without JavaScript.
func (s *Server) groupModeration(c echo.Context) error {
	id, err := groupIDParam(c)
	if err != nil {
		return err
	}
	if c.QueryParam("confirm") == "disable" {
		return s.disableConfirm(c, id)
	}
	d, name, err := s.moderationData(c, id)
	if err != nil {
		return err
	}
	return s.renderModeration(c, http.StatusOK, d, name)
}

func (s *Server) renderModeration(c echo.Context, status int, d views.Moderation, name string) error {
	p := s.page(c, views.NavGroups, "moderation.title", name)
	return render(c, status, views.ModerationPage(p, d))
}

// moderationGroup reads the group's settings without its members; a
// missing group is a 404 page.
func (s *Server) moderationGroup(ctx context.Context, id string) (*agora.Group, error) {
	gs, _, err := s.groups.GetWithoutMembers(ctx, id)
	if err == nil && len(gs) == 0 {
		err = agora.ErrNotFound
	}
	if missing(err) {
		return nil, &pageError{status: http.StatusNotFound, key: "error.group_not_found", args: []any{id}, cause: err}
	}
	if err != nil {
		return nil, err
	}
	return gs[0], nil
}

// moderationData is the page's data, and the group's name for the title.
// The four reads go out together: the page waits for the slowest, not
// for the sum.
func (s *Server) moderationData(c echo.Context, id string) (views.Moderation, string, error) {
	ctx := c.Request().Context()
	var (
		wg                                         sync.WaitGroup
		g                                          *agora.Group
		muted                                      []agora.MutedMember
		blocked, allowed                           []string
		groupErr, mutedErr, blockedErr, allowedErr error
	)
	wg.Go(func() { g, groupErr = s.moderationGroup(ctx, id) })
	wg.Go(func() { muted, _, mutedErr = s.mod.Muted(ctx, id) })
	wg.Go(func() { blocked, _, blockedErr = s.mod.Blocked(ctx, id, nil) })
	wg.Go(func() { allowed, _, allowedErr = s.mod.Allowed(ctx, id) })
	wg.Wait()
	// The group's own error first: a missing group is a 404, whatever the
	// lists said.
	for _, err := range []error{groupErr, mutedErr, blockedErr, allowedErr} {
		if err != nil {
			return views.Moderation{}, "", err
		}
	}
	records, err := s.st.BlockRecords(ctx, id)
	if err != nil {
		return views.Moderation{}, "", err
	}
	d := views.Moderation{
		ID: g.ID, Name: g.Name, Owner: g.Owner, Mute: g.Mute, Disabled: g.Disabled,
		MinUntil: s.now().UTC().AddDate(0, 0, 1).Format(time.DateOnly),
		URLs:     moderationURLs(g.ID),
	}
	for _, m := range muted {
		row := views.MutedRow{Username: m.Username}
		if m.Expire > 0 {
			row.Until = m.Expire.Time()
		}
		d.Muted = append(d.Muted, row)
	}
	slices.SortFunc(d.Muted, func(a, b views.MutedRow) int { return strings.Compare(a.Username, b.Username) })
	for _, u := range blocked {
		row := views.BlockedRow{Username: u}
		if r, ok := records[u]; ok {
			row.Recorded, row.Reason, row.BlockedBy, row.BlockedAt, row.Until = true, r.Reason, r.BlockedBy, r.BlockedAt, r.Until
		}
		d.Blocked = append(d.Blocked, row)
	}
	for _, u := range allowed {
		d.Allowed = append(d.Allowed, views.AllowedRow{Username: u, Owner: u == g.Owner})
	}
	return d, displayGroupName(g), nil
}

// disableConfirm asks before disabling the group: one call for its name.
func (s *Server) disableConfirm(c echo.Context, id string) error {
	g, err := s.moderationGroup(c.Request().Context(), id)
	if err != nil {
		return err
	}
	d := views.DisableConfirm{ID: g.ID, Name: g.Name, Action: moderationURLs(g.ID).Disable, CancelURL: templ.SafeURL(moderationPath(g.ID))}
	p := s.page(c, views.NavGroups, "disable.page_title", displayGroupName(g))
	if isHTMX(c) {
		return render(c, http.StatusOK, views.DisableDialog(p, d))
	}
	return render(c, http.StatusOK, views.DisablePage(p, d))
}

// groupSwitch is a handler for one of the incident switches: one call,
// one audit record, a flash on the moderation page. When Agora's answer is
// lost, the group's detail says whether the switch is in the state asked
// for (isSet).
func (s *Server) groupSwitch(action, flashKey string, call func(moderationService, context.Context, string) (*agora.Response, error), isSet func(*agora.Group) bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := groupIDParam(c)
		if err != nil {
			return err
		}
		entry := s.newAuditEntry(c, action, store.TargetGroup, id)
		err = s.auditedWrite(c, entry, func(ctx context.Context) (string, error) {
			_, err := call(s.mod, ctx, id)
			return "", err
		}, func(ctx context.Context, _ time.Time) (string, bool, error) {
			g, err := s.moderationGroup(ctx, id)
			if err != nil {
				return "", false, err
			}
			return "", isSet(g), nil
		})
		if isAuditWriteError(err) {
			return err
		}
		err = settled(err, "error.switch_not_applied")
		if missing(err) {
			return &pageError{status: http.StatusNotFound, key: "error.group_not_found", args: []any{id}, cause: err}
		}
		if err != nil {
			return err
		}
		s.log.Info("group switch", "action", action, "group", id, "by", entry.Actor)
		setFlash(session(c), views.FlashSuccess, localizer(c).T(flashKey))
		return c.Redirect(http.StatusSeeOther, moderationPath(id))
	}
}

func (s *Server) groupMuteAll() echo.HandlerFunc {
	return s.groupSwitch(store.ActionMuteAll, "flash.mute_all_on", moderationService.MuteAll, func(g *agora.Group) bool { return g.Mute })
}

func (s *Server) groupUnmuteAll() echo.HandlerFunc {
	return s.groupSwitch(store.ActionUnmuteAll, "flash.mute_all_off", moderationService.UnmuteAll, func(g *agora.Group) bool { return !g.Mute })
}

func (s *Server) groupDisable() echo.HandlerFunc {
	return s.groupSwitch(store.ActionGroupDisable, "flash.group_disabled", moderationService.Disable, func(g *agora.Group) bool { return g.Disabled })
}

func (s *Server) groupEnable() echo.HandlerFunc {
	return s.groupSwitch(store.ActionGroupEnable, "flash.group_enabled", moderationService.Enable, func(g *agora.Group) bool { return !g.Disabled })
}

// groupAllow is POST /groups/{id}/allow: puts members on the allow list.
func (s *Server) groupAllow(c echo.Context) error {
	return s.userAction(c, store.ActionAllow, nil, func(ctx context.Context, id string, users []string) ([]agora.MemberResult, error) {
		rs, _, err := s.mod.Allow(ctx, id, users...)
		return rs, err
	}, nil)
}

// groupDisallow is POST /groups/{id}/allow/remove.
func (s *Server) groupDisallow(c echo.Context) error {
	return s.userAction(c, store.ActionDisallow, nil, func(ctx context.Context, id string, users []string) ([]agora.MemberResult, error) {
		rs, _, err := s.mod.Disallow(ctx, id, users...)
		return rs, err
	}, nil)
}

// userAction is a moderation action on the users of the form's username
// field: validated, sent in one call, audited per user, answered with the
// per-user outcomes. summary fills each user's audit record (nil: just the
// user); after runs on the results (for block records) before the
// redirect. A refusal whose kind is in already counts as "already so".
func (s *Server) userAction(c echo.Context, action string, summary *store.AuditSummary,
	call func(ctx context.Context, id string, users []string) ([]agora.MemberResult, error),
	after func(ctx context.Context, id string, results []agora.MemberResult) error, already ...agora.Reason,
) error {
	id, err := groupIDParam(c)
	if err != nil {
		return err
	}
	l := localizer(c)
	users, bad := formUsernames(c)
	if len(users) == 0 || len(bad) > 0 {
		msg := l.T("moderation.err_username_required")
		if len(bad) > 0 {
			msg = l.T("form.err_members_invalid", strings.Join(bad, ", "))
		}
		setFlash(session(c), views.FlashError, msg)
		return c.Redirect(http.StatusSeeOther, moderationPath(id))
	}
	entry := s.newAuditEntry(c, action, store.TargetGroup, id)
	if summary != nil {
		entry.Summary = *summary
	}
	results, err := s.auditedUsers(c.Request().Context(), entry, users, func(ctx context.Context) ([]agora.MemberResult, error) {
		return call(ctx, id, users)
	})
	if isAuditWriteError(err) {
		return err
	}
	if missing(err) && len(results) == 0 {
		return &pageError{status: http.StatusNotFound, key: "error.group_not_found", args: []any{id}, cause: err}
	}
	if after != nil {
		if aerr := after(context.WithoutCancel(c.Request().Context()), id, results); aerr != nil {
			return aerr
		}
	}
	if err != nil && len(results) == 0 {
		return err
	}
	outcomes := memberOutcomes(l, results, already...)
	kind, text := outcomeFlash(l, action, outcomes, len(users))
	if err != nil {
		// Some batches went through before the call failed.
		pe := asPageError(err)
		kind, text = views.FlashError, text+" "+l.T(pe.key, pe.args...)
	}
	setFlashOutcomes(session(c), kind, text, outcomes)
	return c.Redirect(http.StatusSeeOther, moderationPath(id))
}

// outcomeFlash sums up a per-user action: "Block: 2 of 3 done."
func outcomeFlash(l views.Localizer, action string, outcomes []views.MemberOutcome, asked int) (kind, text string) {
	done := 0
	for _, o := range outcomes {
		if o.Status != views.OutcomeRefused {
			done++
		}
	}
	kind = views.FlashInfo
	switch {
	case done == asked:
		kind = views.FlashSuccess
	case done == 0:
		kind = views.FlashError
	}
	return kind, l.T("flash.users_done", l.T("audit.action."+action), l.Number(done), l.Number(asked))
}

// auditedUsers is auditPerUser for a moderation call that answers per
// user: e with Summary.User set for each user, and the call's results
// (a single-user refusal turned into that user's result, see
// userResults) returned for the page.
func (s *Server) auditedUsers(reqCtx context.Context, e store.AuditEntry, users []string, call func(ctx context.Context) ([]agora.MemberResult, error)) ([]agora.MemberResult, error) {
	var results []agora.MemberResult
	summary := func(u string) store.AuditSummary {
		sum := e.Summary
		sum.User = u
		return sum
	}
	err := s.auditPerUser(reqCtx, e, users, summary, func(ctx context.Context) (resultsByUser, error) {
		rs, err := call(ctx)
		results, err = userResults(users, rs, err)
		return byUser(results), err
	})
	return results, err
}

// userResults turns the refusal of a single-user call, which Agora answers
// as an error, into that user's result, as a batch would report it.
// Errors about the group or the service stay errors.
// A batch is refused whole when none of its users is a member (moderation
// facts §2.10): then each user is refused for that reason.
func userResults(users []string, results []agora.MemberResult, err error) ([]agora.MemberResult, error) {
	var ae *agora.Error
	if err == nil || len(results) > 0 || !errors.As(err, &ae) {
		return results, err
	}
	perUser := ae.Reason == agora.ReasonNotMember
	if len(users) == 1 {
		switch ae.Reason {
		case agora.ReasonAlreadyMember, agora.ReasonOwnerForbidden, agora.ReasonUserNotFound,
			agora.ReasonNotAdmin, agora.ReasonBlocked, agora.ReasonUserTooManyGroups:
			perUser = true
		}
	}
	if !perUser {
		return results, err
	}
	for _, u := range users {
		results = append(results, agora.MemberResult{Username: u, Reason: ae.Description})
	}
	return results, nil
}
