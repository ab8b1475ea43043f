package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"groupdesk/agora"
	"groupdesk/views"
	"groupdesk/web/store"
)

// Blocking. Agora's block list has no reason and no expiry: Groupdesk
// keeps them (store.BlockRecord) for every user Agora blocked, shows them
// beside the list, and lifts a block whose expiry passed (unblock_job.go).

// groupBlock is POST /groups/{id}/blocks: username (repeated), reason
// (required, ≤ store.MaxBlockReasonLen characters) and until (optional
// date, after today in UTC). One Block call; blocking also removes the
// users from the group. A form with errors shows the page again with the
// moderator's input.
func (s *Server) groupBlock(c echo.Context) error {
	id, err := groupIDParam(c)
	if err != nil {
		return err
	}
	form, until, errs := s.readBlockForm(c)
	if len(errs) > 0 {
		d, name, err := s.moderationData(c, id)
		if err != nil {
			return err
		}
		d.Block = form
		d.Block.Errors = errs.translate(localizer(c))
		return s.renderModeration(c, http.StatusUnprocessableEntity, d, name)
	}
	reason := strings.TrimSpace(form.Reason)
	sum := &store.AuditSummary{Reason: reason, Until: until}
	by := s.actorName(c)
	return s.userAction(c, store.ActionBlock, sum, func(ctx context.Context, id string, users []string) ([]agora.MemberResult, error) {
		rs, _, err := s.mod.Block(ctx, id, users...)
		return rs, err
	}, func(ctx context.Context, id string, results []agora.MemberResult) error {
		now := s.now()
		for _, r := range results {
			if !r.OK {
				continue
			}
			rec := store.BlockRecord{GroupID: id, Username: r.Username, Reason: reason, BlockedBy: by, BlockedAt: now, Until: until}
			if err := s.st.PutBlockRecord(ctx, rec); err != nil {
				// The block stands in Agora; only its reason and expiry are lost.
				s.log.Error("block record not saved", "group", id, "user", r.Username, "err", err)
				return &pageError{status: http.StatusInternalServerError, key: "error.block_record_lost", cause: err}
			}
		}
		return nil
	})
}

// readBlockForm validates the block form. until is zero when not given.
func (s *Server) readBlockForm(c echo.Context) (views.BlockForm, time.Time, fieldErrors) {
	params, _ := c.FormParams()
	form := views.BlockForm{
		Usernames: strings.Join(params[views.FieldUsername], " "),
		Reason:    c.FormValue(views.FieldReason),
		Until:     strings.TrimSpace(c.FormValue(views.FieldUntil)),
	}
	errs := fieldErrors{}
	users, bad := formUsernames(c)
	switch {
	case len(bad) > 0:
		errs.add(views.FieldUsername, "form.err_members_invalid", strings.Join(bad, ", "))
	case len(users) == 0:
		errs.add(views.FieldUsername, "moderation.err_username_required")
	}
	reason := strings.TrimSpace(form.Reason)
	if reason == "" {
		errs.add(views.FieldReason, "moderation.err_reason_required")
	}
	checkText(errs, views.FieldReason, reason, false)
	checkLen(errs, views.FieldReason, reason, store.MaxBlockReasonLen)
	var until time.Time
	if form.Until != "" {
		// A date is the start of that day in UTC: the dashboard has no
		// time zone setting.
		t, err := time.Parse(time.DateOnly, form.Until)
		switch {
		case err != nil:
			errs.add(views.FieldUntil, "moderation.err_until_invalid")
		case !t.After(s.now()):
			errs.add(views.FieldUntil, "moderation.err_until_past")
		default:
			until = t
		}
	}
	return form, until, errs
}

// groupUnblock is POST /groups/{id}/blocks/remove: one Unblock call, and
// the records of the users no longer blocked are dropped. Unblocking does
// not add anyone back to the group.
func (s *Server) groupUnblock(c echo.Context) error {
	return s.userAction(c, store.ActionUnblock, nil, func(ctx context.Context, id string, users []string) ([]agora.MemberResult, error) {
		rs, _, err := s.mod.Unblock(ctx, id, users...)
		return rs, err
	}, s.dropBlockRecords, agora.ReasonNotMember)
}

// dropBlockRecords forgets the records of users that are not blocked any
// more: unblocked now, or not on the list (Agora's not-member refusal).
func (s *Server) dropBlockRecords(ctx context.Context, id string, results []agora.MemberResult) error {
	for _, r := range results {
		if !r.OK && r.Kind() != agora.ReasonNotMember {
			continue
		}
		if err := s.st.DeleteBlockRecord(ctx, id, r.Username); err != nil {
			// A stale record is harmless: the list from Agora is the truth.
			s.log.Warn("block record not deleted", "group", id, "user", r.Username, "err", err)
		}
	}
	return nil
}
