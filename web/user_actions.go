package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"groupdesk/agora"
	"groupdesk/views"
	"groupdesk/web/jobs"
	"groupdesk/web/store"
)

// muteLabel is the form's name of a job's mute duration (milliseconds, -1
// until unmuted), for the audit log.
func muteLabel(ms int64) string {
	for _, m := range muteDurations {
		if m.d == agora.MutePermanent && ms < 0 || m.d.Milliseconds() == ms {
			return m.name
		}
	}
	return strconv.FormatInt(ms, 10) + "ms"
}

// bulkJobMaxAttempts: a job interrupted this often (restarts, a lost
// database) is given up; its page says so and its failed groups can be
// retried.
const bulkJobMaxAttempts = 10

// bulkRequest is a bulk action as the form asks for it.
type bulkRequest struct {
	args     bulkArgs
	all      bool
	duration string
	until    string
	typed    string
	confirm  bool
}

// readBulkForm reads and checks the form; the message key says what is
// wrong.
func readBulkForm(c echo.Context, username string, allowed ...string) (bulkRequest, string) {
	var r bulkRequest
	r.args.Action = c.FormValue("action")
	if r.args.Action == "" && len(allowed) == 1 {
		r.args.Action = allowed[0]
	}
	r.args.Username = username
	r.confirm = c.FormValue("confirm") == "1"
	r.typed = strings.TrimSpace(c.FormValue("typed"))
	r.all = c.FormValue("all") == "1" && username != ""
	if !slices.Contains(allowed, r.args.Action) {
		return r, "bulk.error.action"
	}
	if !r.all {
		form, _ := c.FormParams()
		for _, id := range form["group"] {
			if !validGroupID(id) {
				return r, "bulk.error.group"
			}
			if !slices.Contains(r.args.Groups, id) {
				r.args.Groups = append(r.args.Groups, id)
			}
		}
		if len(r.args.Groups) == 0 {
			return r, "bulk.error.none"
		}
	}
	switch r.args.Action {
	case bulkBlock:
		r.args.Reason = strings.TrimSpace(c.FormValue("reason"))
		if r.args.Reason == "" {
			return r, "bulk.error.reason"
		}
		if utf8.RuneCountInString(r.args.Reason) > store.MaxBlockReasonLen {
			return r, "bulk.error.reason_long"
		}
		if r.until = strings.TrimSpace(c.FormValue("until")); r.until != "" {
			day, err := time.Parse(time.DateOnly, r.until)
			if err != nil || !day.After(time.Now()) {
				return r, "bulk.error.until"
			}
			r.args.Until = day
		}
	case bulkMute:
		r.duration = c.FormValue("duration")
		d, ok := muteDuration(r.duration)
		if !ok {
			return r, "bulk.error.duration"
		}
		r.args.MuteMs = d.Milliseconds()
		if d == agora.MutePermanent {
			r.args.MuteMs = -1
		}
	}
	return r, ""
}

// userActions is POST /users/{username}/actions: without confirm=1 the
// confirmation of what will happen to how many groups (a dialog with
// htmx, a page without); with it, the job is enqueued and the answer is
// 303 to its page.
func (s *Server) userActions(c echo.Context) error {
	username, err := url.PathUnescape(c.Param("username"))
	if err != nil || !validUsername(username) {
		return newPageError(http.StatusNotFound, "error.user_not_found", c.Param("username"))
	}
	r, bad := readBulkForm(c, username, bulkRemove, bulkBlock, bulkMute, bulkDeleteOwned)
	d := views.BulkConfirm{
		Action: templ.SafeURL(userPath(username) + "/actions"), Cancel: templ.SafeURL(userPath(username)),
		Kind: r.args.Action, Username: username, All: r.all,
		Reason: r.args.Reason, Duration: r.duration, Until: r.until,
	}
	if bad != "" {
		return s.bulkInvalid(c, d, bad)
	}
	ctx := c.Request().Context()
	var groups []views.BulkGroup
	if r.all {
		groups, err = s.allJoined(ctx, username)
		if missing(err) {
			return s.bulkInvalid(c, d, "user.not_found", username)
		}
		if err != nil {
			return err
		}
	} else {
		for _, id := range r.args.Groups {
			groups = append(groups, views.BulkGroup{ID: id, Members: -1})
		}
	}
	if r.args.Action == bulkDeleteOwned {
		all := len(groups)
		if groups, err = s.ownedOf(ctx, groups, username); err != nil {
			return err
		}
		d.Skipped = all - len(groups)
	}
	return s.bulkConfirmOrStart(c, d, r, groups)
}

// bulkConfirmOrStart shows the confirmation, or, confirmed with the right
// number typed, starts the job.
func (s *Server) bulkConfirmOrStart(c echo.Context, d views.BulkConfirm, r bulkRequest, groups []views.BulkGroup) error {
	d.Groups, d.Count = groups, len(groups)
	d.Typed = d.Count >= views.BulkTypedMin
	status := http.StatusOK
	if r.confirm {
		if !d.Typed || r.typed == strconv.Itoa(d.Count) {
			return s.startBulkJob(c, r.args, groups)
		}
		d.Error = localizer(c).T("bulk.error.typed", d.Count)
		status = http.StatusUnprocessableEntity
	}
	p := s.page(c, "", "bulk.confirm_title")
	if isHTMX(c) {
		return render(c, status, views.BulkConfirmDialog(p, d))
	}
	return render(c, status, views.BulkConfirmPage(p, d))
}

// bulkInvalid shows the confirmation with what is wrong and no way on.
func (s *Server) bulkInvalid(c echo.Context, d views.BulkConfirm, key string, args ...any) error {
	d.Error = localizer(c).T(key, args...)
	d.Invalid = true
	p := s.page(c, "", "bulk.confirm_title")
	if isHTMX(c) {
		return render(c, http.StatusUnprocessableEntity, views.BulkConfirmDialog(p, d))
	}
	return render(c, http.StatusUnprocessableEntity, views.BulkConfirmPage(p, d))
}

// startBulkJob records the start and enqueues the job over groups.
func (s *Server) startBulkJob(c echo.Context, args bulkArgs, groups []views.BulkGroup) error {
	args.Groups = make([]string, len(groups))
	for i, g := range groups {
		args.Groups[i] = g.ID
	}
	target, targetType := args.Username, store.TargetUser
	if args.Action == bulkDelete {
		target, targetType = "groups", store.TargetGroup
	}
	entry := s.newAuditEntry(c, store.ActionJobStart, targetType, target)
	entry.Summary.Groups, entry.Summary.Bulk, entry.Summary.Member = len(groups), args.Action, args.Username
	entry.Summary.Reason = args.Reason
	if err := s.auditLocal(c, entry, nil); err != nil {
		return err
	}
	args.By, args.Addr = entry.Actor, entry.Addr
	job, _, err := s.jobs.Enqueue(c.Request().Context(), args, jobs.Opts{By: entry.Actor, MaxAttempts: bulkJobMaxAttempts})
	if err != nil {
		return err
	}
	setFlash(session(c), views.FlashSuccess, localizer(c).T("flash.job_started"))
	return c.Redirect(http.StatusSeeOther, jobPath(job.ID))
}

// allJoined lists every group username is in, a joined-groups page of 20
// at a time.
func (s *Server) allJoined(ctx context.Context, username string) ([]views.BulkGroup, error) {
	var out []views.BulkGroup
	for num := 1; num <= maxJoinedCSVPages; num++ {
		page, _, err := s.groups.ListJoined(ctx, username, &agora.JoinedOptions{PageNum: num, PageSize: joinedCSVPageSize})
		if err != nil {
			return nil, err
		}
		for _, g := range page {
			out = append(out, views.BulkGroup{ID: g.ID, Name: g.Name, Members: -1})
		}
		if len(page) < joinedCSVPageSize {
			break
		}
	}
	return out, nil
}

// withDetails fills in names and sizes (one detail call per 100 groups)
// and drops the groups that no longer exist; keep (nil: all) chooses.
func (s *Server) withDetails(ctx context.Context, groups []views.BulkGroup, keep func(*agora.Group) bool) ([]views.BulkGroup, error) {
	var out []views.BulkGroup
	for chunk := range slices.Chunk(groups, agora.MaxIDsPerDetail) {
		ids := make([]string, len(chunk))
		for i, g := range chunk {
			ids[i] = g.ID
		}
		details, _, err := s.groups.GetWithoutMembers(ctx, ids...)
		if missing(err) && len(ids) == 1 {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, g := range details {
			if keep == nil || keep(g) {
				out = append(out, views.BulkGroup{ID: g.ID, Name: g.Name, Members: memberCount(g)})
			}
		}
	}
	return out, nil
}

// ownedOf keeps the groups username owns.
func (s *Server) ownedOf(ctx context.Context, groups []views.BulkGroup, username string) ([]views.BulkGroup, error) {
	return s.withDetails(ctx, groups, func(g *agora.Group) bool { return strings.EqualFold(g.Owner, username) })
}
