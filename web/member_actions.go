package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/labstack/echo/v4"

	"groupdesk/agora"
	"groupdesk/views"
	"groupdesk/web/store"
)

// The member actions of the Members tab. Each is one POST that answers
// 303 to the Members tab with a flash and what happened to each user, and
// records one audit entry per user. Calls per action: adding n names, one
// read (who is in, how many fit) and ⌈n/60⌉ adds; removing, muting or
// unmuting n, ⌈n/60⌉ calls; an admin change or an ownership transfer, one.

// maxAddRetries bounds how often an add is sent again without the user
// Agora refused it for: the batch add fails as a whole for one unknown or
// blocked user.
const maxAddRetries = 10

// splitNames reads names separated by newlines, commas or spaces, keeping
// the first of each (case-insensitive) and listing the repeats and the
// names that cannot be usernames.
func splitNames(raw string) (names, repeats, invalid []string) {
	seen := map[string]bool{}
	for _, n := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }) {
		key := strings.ToLower(n)
		switch {
		case seen[key]:
			if !slices.Contains(repeats, n) {
				repeats = append(repeats, n)
			}
			continue
		case !validUsername(n):
			invalid = append(invalid, n)
		default:
			names = append(names, n)
		}
		seen[key] = true
	}
	return names, repeats, invalid
}

// formUsernames is the repeated "username" field, split as splitNames does.
func formUsernames(c echo.Context) (names, invalid []string) {
	form, _ := c.FormParams()
	names, _, invalid = splitNames(strings.Join(form["username"], "\n"))
	return names, invalid
}

func invalidOutcomes(l views.Localizer, names []string) []views.MemberOutcome {
	out := make([]views.MemberOutcome, 0, len(names))
	for _, n := range names {
		out = append(out, views.MemberOutcome{Username: n, Status: views.OutcomeRefused, Reason: l.T("members.invalid_name")})
	}
	return out
}

func (s *Server) backToMembers(c echo.Context, id string) error {
	return c.Redirect(http.StatusSeeOther, membersPath(id))
}

// groupMembersAdd is POST /groups/{id}/members: adds the names of the
// "usernames" field. Nothing is sent when a name is not a valid username
// or when the new members would not fit under maxusers; names that are
// repeated or already members are dropped with a note.
func (s *Server) groupMembersAdd(c echo.Context) error {
	id, err := groupIDParam(c)
	if err != nil {
		return err
	}
	l, rs := localizer(c), session(c)
	raw := c.FormValue("usernames")
	names, repeats, invalid := splitNames(raw)
	if len(invalid) > 0 {
		rs.set(sessAddDraft, raw)
		setFlashOutcomes(rs, views.FlashError, l.N("members.add_invalid", len(invalid)), invalidOutcomes(l, invalid))
		return s.backToMembers(c, id)
	}
	if len(names) == 0 {
		setFlash(rs, views.FlashError, l.T("members.add_empty"))
		return s.backToMembers(c, id)
	}
	g, _, err := s.groups.GetOne(c.Request().Context(), id)
	if missing(err) {
		return &pageError{status: http.StatusNotFound, key: "error.group_not_found", args: []any{id}, cause: err}
	}
	if err != nil {
		return err
	}
	inGroup := make(map[string]bool, len(g.Affiliations))
	for _, a := range g.Affiliations {
		inGroup[strings.ToLower(a.Username)] = true
	}
	var notes []views.MemberOutcome
	for _, n := range repeats {
		notes = append(notes, views.MemberOutcome{Username: n, Status: views.OutcomeAlready, Reason: l.T("members.note_repeated")})
	}
	var toAdd []string
	for _, n := range names {
		if inGroup[strings.ToLower(n)] {
			notes = append(notes, views.MemberOutcome{Username: n, Status: views.OutcomeAlready, Reason: l.T("members.note_member")})
			continue
		}
		toAdd = append(toAdd, n)
	}
	if len(toAdd) == 0 {
		setFlashOutcomes(rs, views.FlashInfo, l.T("members.add_nothing"), notes)
		return s.backToMembers(c, id)
	}
	if free := g.MaxUsers - memberCount(g); g.MaxUsers > 0 && len(toAdd) > free {
		rs.set(sessAddDraft, raw)
		setFlashOutcomes(rs, views.FlashError, l.T("members.add_no_room", l.N("count.members", len(toAdd)), l.Number(max(free, 0)), l.Number(g.MaxUsers)), notes)
		return s.backToMembers(c, id)
	}

	outcomes := map[string]views.MemberOutcome{}
	err = s.auditedMembers(c, store.ActionMemberAdd, id, toAdd, userSummary, func(ctx context.Context) (resultsByUser, error) {
		res := resultsByUser{}
		pending := toAdd
		for try := 0; len(pending) > 0 && try < maxAddRetries; try++ {
			added, _, err := s.mod.AddMembers(ctx, id, pending...)
			for _, a := range added {
				res[strings.ToLower(a)] = nil
				outcomes[strings.ToLower(a)] = views.MemberOutcome{Username: a, Status: views.OutcomeDone}
			}
			if err == nil {
				// Not added without a refusal: joined meanwhile.
				for _, u := range pending {
					if _, ok := res[strings.ToLower(u)]; !ok {
						res[strings.ToLower(u)] = refusal(agora.ReasonAlreadyMember, "")
						outcomes[strings.ToLower(u)] = views.MemberOutcome{Username: u, Status: views.OutcomeAlready, Reason: l.T("members.note_member")}
					}
				}
				return res, nil
			}
			// One user's refusal fails the whole batch: drop that user
			// and send the rest again.
			u, ok := refusedUser(err, pending)
			if !ok {
				return res, err
			}
			r, _ := userError(err, u)
			res[strings.ToLower(u)] = refusal(r.Kind(), r.Reason)
			o := memberOutcomes(l, []agora.MemberResult{r}, agora.ReasonAlreadyMember)[0]
			if o.Status == views.OutcomeAlready {
				o.Reason = l.T("members.note_member")
			}
			outcomes[strings.ToLower(u)] = o
			pending = slices.DeleteFunc(slices.Clone(pending), func(p string) bool { _, done := res[strings.ToLower(p)]; return done })
		}
		for _, u := range pending {
			res[strings.ToLower(u)] = refusal("not_sent", "too many refusals in one add")
			outcomes[strings.ToLower(u)] = views.MemberOutcome{Username: u, Status: views.OutcomeRefused, Reason: l.T("members.not_sent")}
		}
		return res, nil
	})
	return s.finishMembers(c, id, err, toAdd, outcomes, notes, "members.added", "members.added_one")
}

// refusedUser is the pending user an add's error is about, when it is
// about one of them.
func refusedUser(err error, pending []string) (string, bool) {
	var ae *agora.Error
	if !errors.As(err, &ae) {
		return "", false
	}
	for _, u := range pending {
		if ae.User != "" && strings.EqualFold(ae.User, u) || ae.User == "" && len(pending) == 1 {
			if _, ok := userError(err, u); ok {
				return u, true
			}
		}
	}
	return "", false
}

// finishMembers ends an action on several users: the flash (text with
// the number done), each user's outcome in the order asked, the notes
// after them, and the redirect. When the call failed as a whole, the users
// it did not report on get the error's words.
func (s *Server) finishMembers(c echo.Context, id string, err error, users []string,
	outcomes map[string]views.MemberOutcome, notes []views.MemberOutcome, doneKey, oneKey string) error {
	if isAuditWriteError(err) {
		return err
	}
	l, rs := localizer(c), session(c)
	var why string
	if err != nil {
		pe := asPageError(err)
		why = l.T(pe.key, pe.args...)
		if answerMayBeLost(err) {
			why = l.T("members.outcome_unknown")
		}
	}
	list := make([]views.MemberOutcome, 0, len(users)+len(notes))
	done := 0
	for _, u := range users {
		o, ok := outcomes[strings.ToLower(u)]
		if !ok {
			o = views.MemberOutcome{Username: u, Status: views.OutcomeRefused, Reason: why}
			if err == nil {
				o.Status, o.Reason = views.OutcomeDone, ""
			}
		}
		if o.Status == views.OutcomeDone {
			done++
		}
		list = append(list, o)
	}
	list = append(list, notes...)
	kind := views.FlashSuccess
	text := l.T(doneKey, l.N("count.users", done), l.Number(len(users)))
	if len(users) == 1 && done == 1 {
		text = l.T(oneKey, users[0])
	}
	switch {
	case err != nil:
		kind, text = views.FlashError, why
	case done < len(users):
		kind = views.FlashInfo
	}
	setFlashOutcomes(rs, kind, text, list)
	return s.backToMembers(c, id)
}

// batchOutcomes runs a call that answers per user and keeps each user's
// outcome for finishMembers and the audit log. already are the refusals
// that mean there was nothing to do.
func batchOutcomes(l views.Localizer, outcomes map[string]views.MemberOutcome, users []string,
	call func() ([]agora.MemberResult, error), already ...agora.Reason) (resultsByUser, error) {
	results, err := call()
	if err != nil && len(users) == 1 {
		if r, ok := userError(err, users[0]); ok {
			results, err = []agora.MemberResult{r}, nil
		}
	}
	res := resultsByUser{}
	for i, o := range memberOutcomes(l, results, already...) {
		key := strings.ToLower(results[i].Username)
		outcomes[key] = o
		if results[i].OK {
			res[key] = nil
		} else {
			res[key] = refusal(results[i].Kind(), results[i].Reason)
		}
	}
	return res, err
}

func userSummary(u string) store.AuditSummary { return store.AuditSummary{User: u} }

// groupMembersRemove is POST /groups/{id}/members/remove with "username"
// repeated. Without confirm=1 it only asks (a dialog for htmx, else a
// page); with it, ⌈n/60⌉ removal calls and nothing else. Someone who is
// not (or no longer) a member is "already" removed.
func (s *Server) groupMembersRemove(c echo.Context) error {
	id, err := groupIDParam(c)
	if err != nil {
		return err
	}
	l, rs := localizer(c), session(c)
	names, invalid := formUsernames(c)
	if len(names) == 0 {
		if isHTMX(c) {
			p := s.page(c, views.NavGroups, "members.title", id)
			return render(c, http.StatusOK, views.NothingSelectedDialog(p))
		}
		setFlash(rs, views.FlashError, l.T("members.select_none"))
		return s.backToMembers(c, id)
	}
	if c.FormValue("confirm") != "1" {
		d := views.RemoveConfirm{Usernames: names, Action: memberActionURLs(id).Remove, CancelURL: membersURL(id, "", 0)}
		p := s.page(c, views.NavGroups, "remove.page_title")
		if isHTMX(c) {
			return render(c, http.StatusOK, views.RemoveDialog(p, d))
		}
		return render(c, http.StatusOK, views.RemovePage(p, d))
	}
	outcomes := map[string]views.MemberOutcome{}
	err = s.auditedMembers(c, store.ActionMemberRemove, id, names, userSummary, func(ctx context.Context) (resultsByUser, error) {
		return batchOutcomes(l, outcomes, names, func() ([]agora.MemberResult, error) {
			rs, _, err := s.mod.RemoveMembers(ctx, id, names...)
			return rs, err
		}, agora.ReasonNotMember, agora.ReasonUserNotFound)
	})
	return s.finishMembers(c, id, err, names, outcomes, invalidOutcomes(l, invalid), "members.removed", "members.removed_one")
}

// groupMute is POST /groups/{id}/mutes: "username" repeated, "duration"
// one of muteDurations.
func (s *Server) groupMute(c echo.Context) error {
	id, err := groupIDParam(c)
	if err != nil {
		return err
	}
	l, rs := localizer(c), session(c)
	names, invalid := formUsernames(c)
	dur := c.FormValue("duration")
	d, ok := muteDuration(dur)
	switch {
	case len(names) == 0:
		setFlashOutcomes(rs, views.FlashError, l.T("members.select_none"), invalidOutcomes(l, invalid))
		return s.backToMembers(c, id)
	case !ok:
		setFlash(rs, views.FlashError, l.T("members.bad_duration"))
		return s.backToMembers(c, id)
	}
	outcomes := map[string]views.MemberOutcome{}
	summary := func(u string) store.AuditSummary { return store.AuditSummary{User: u, Duration: dur} }
	err = s.auditedMembers(c, store.ActionMute, id, names, summary, func(ctx context.Context) (resultsByUser, error) {
		return batchOutcomes(l, outcomes, names, func() ([]agora.MemberResult, error) {
			rs, _, err := s.mod.Mute(ctx, id, d, names...)
			return rs, err
		})
	})
	return s.finishMembers(c, id, err, names, outcomes, invalidOutcomes(l, invalid), "members.muted", "members.muted_one")
}

// muteDuration is the duration of a form's "duration" value.
func muteDuration(name string) (time.Duration, bool) {
	for _, m := range muteDurations {
		if m.name == name {
			return m.d, true
		}
	}
	return 0, false
}

// groupUnmute is POST /groups/{id}/mutes/remove with "username" repeated.
func (s *Server) groupUnmute(c echo.Context) error {
	id, err := groupIDParam(c)
	if err != nil {
		return err
	}
	l, rs := localizer(c), session(c)
	names, invalid := formUsernames(c)
	if len(names) == 0 {
		setFlashOutcomes(rs, views.FlashError, l.T("members.select_none"), invalidOutcomes(l, invalid))
		return s.backToMembers(c, id)
	}
	outcomes := map[string]views.MemberOutcome{}
	err = s.auditedMembers(c, store.ActionUnmute, id, names, userSummary, func(ctx context.Context) (resultsByUser, error) {
		return batchOutcomes(l, outcomes, names, func() ([]agora.MemberResult, error) {
			rs, _, err := s.mod.Unmute(ctx, id, names...)
			return rs, err
		})
	})
	return s.finishMembers(c, id, err, names, outcomes, invalidOutcomes(l, invalid), "members.unmuted", "members.unmuted_one")
}

// oneUsername is the single "username" of an admin change; several, none
// or an invalid one is a refusal (flash) without a call.
func (s *Server) oneUsername(c echo.Context, id string) (string, bool) {
	l, rs := localizer(c), session(c)
	names, invalid := formUsernames(c)
	switch {
	case len(invalid) > 0:
		setFlashOutcomes(rs, views.FlashError, l.N("members.add_invalid", len(invalid)), invalidOutcomes(l, invalid))
	case len(names) == 0:
		setFlash(rs, views.FlashError, l.T("members.select_none"))
	case len(names) > 1:
		setFlash(rs, views.FlashError, l.T("members.select_one"))
	default:
		return names[0], true
	}
	return "", false
}

// groupAdminAdd is POST /groups/{id}/admins: makes one member an admin,
// one call.
func (s *Server) groupAdminAdd(c echo.Context) error {
	return s.adminChange(c, store.ActionAdminAdd, "members.admin_added", "members.admin_added_one", func(ctx context.Context, id, u string) error {
		_, err := s.mod.AddAdmin(ctx, id, u)
		return err
	})
}

// groupAdminRemove is POST /groups/{id}/admins/remove: makes one admin a
// plain member again, one call. Someone who is not an admin already is.
func (s *Server) groupAdminRemove(c echo.Context) error {
	return s.adminChange(c, store.ActionAdminRemove, "members.admin_removed", "members.admin_removed_one", func(ctx context.Context, id, u string) error {
		_, err := s.mod.RemoveAdmin(ctx, id, u)
		return err
	}, agora.ReasonNotAdmin)
}

func (s *Server) adminChange(c echo.Context, action, doneKey, oneKey string, call func(ctx context.Context, id, user string) error, already ...agora.Reason) error {
	id, err := groupIDParam(c)
	if err != nil {
		return err
	}
	u, ok := s.oneUsername(c, id)
	if !ok {
		return s.backToMembers(c, id)
	}
	l := localizer(c)
	outcomes := map[string]views.MemberOutcome{}
	err = s.auditedMembers(c, action, id, []string{u}, userSummary, func(ctx context.Context) (resultsByUser, error) {
		return batchOutcomes(l, outcomes, []string{u}, func() ([]agora.MemberResult, error) {
			if err := call(ctx, id, u); err != nil {
				return nil, err
			}
			return []agora.MemberResult{{Username: u, OK: true}}, nil
		}, already...)
	})
	return s.finishMembers(c, id, err, []string{u}, outcomes, nil, doneKey, oneKey)
}

// groupOwnerTransfer is POST /groups/{id}/owner with "newowner". Without
// confirm=1 it asks, naming the owner and the new one (one read: who owns
// the group now, and is the new owner a member); with it, one call.
func (s *Server) groupOwnerTransfer(c echo.Context) error {
	id, err := groupIDParam(c)
	if err != nil {
		return err
	}
	l, rs := localizer(c), session(c)
	newOwner := strings.TrimSpace(c.FormValue("newowner"))
	if !validUsername(newOwner) {
		setFlash(rs, views.FlashError, l.T("owner.invalid"))
		return s.backToMembers(c, id)
	}
	if c.FormValue("confirm") != "1" {
		g, err := s.fetchGroup(c)
		if err != nil {
			return err
		}
		switch {
		case strings.EqualFold(g.Owner, newOwner):
			setFlash(rs, views.FlashInfo, l.T("owner.already", newOwner))
			return s.backToMembers(c, id)
		case !slices.ContainsFunc(g.Affiliations, func(a agora.Affiliation) bool { return strings.EqualFold(a.Username, newOwner) }):
			setFlash(rs, views.FlashError, l.T("owner.not_member", newOwner))
			return s.backToMembers(c, id)
		}
		d := views.OwnerConfirm{Group: displayGroupName(g), Owner: g.Owner, NewOwner: newOwner,
			Action: memberActionURLs(id).Owner, CancelURL: membersURL(id, "", 0)}
		p := s.page(c, views.NavGroups, "owner.page_title")
		if isHTMX(c) {
			return render(c, http.StatusOK, views.OwnerDialog(p, d))
		}
		return render(c, http.StatusOK, views.OwnerPage(p, d))
	}
	oldOwner := strings.TrimSpace(c.FormValue("owner"))
	if !validUsername(oldOwner) {
		oldOwner = ""
	}
	outcomes := map[string]views.MemberOutcome{}
	summary := func(u string) store.AuditSummary { return store.AuditSummary{User: u, Owner: oldOwner} }
	err = s.auditedMembers(c, store.ActionOwnerTransfer, id, []string{newOwner}, summary, func(ctx context.Context) (resultsByUser, error) {
		return batchOutcomes(l, outcomes, []string{newOwner}, func() ([]agora.MemberResult, error) {
			if _, err := s.mod.TransferOwner(ctx, id, newOwner); err != nil {
				return nil, err
			}
			return []agora.MemberResult{{Username: newOwner, OK: true}}, nil
		}, agora.ReasonAlreadyOwner)
	})
	return s.finishMembers(c, id, err, []string{newOwner}, outcomes, nil, "owner.transferred", "owner.transferred_one")
}
