package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"groupdesk/agora"
	"groupdesk/views"
	"groupdesk/web/store"
)

// newGroupDefaults are the create form's starting values: Agora's own
// defaults (facts §3.1), private.
var newGroupDefaults = views.GroupFormValues{
	MaxUsers:          "200",
	InviteNeedConfirm: true,
}

// groupNew is GET /groups/new.
func (s *Server) groupNew(c echo.Context) error {
	return s.renderGroupForm(c, http.StatusOK, views.GroupForm{Values: newGroupDefaults}, nil, nil)
}

// groupCreate is POST /groups: validate, one Create call, then flash and 303
// to the new group. Any rejection re-renders the form with what was typed.
// A form that fails validation never reaches Agora and is not audited; a
// call is (see audit.go for the order). The form's one-time token makes a
// second send of it go to the group the first created; a lost answer is
// followed by a look for the group (findCreatedGroup) before any retry is
// offered.
func (s *Server) groupCreate(c echo.Context) error {
	values := readGroupForm(c, "")
	form := views.GroupForm{Values: values}
	in, errs := validateGroup(values, true, 0, views.GroupFormValues{})
	if len(errs) > 0 {
		return s.renderGroupForm(c, http.StatusUnprocessableEntity, form, errs, nil)
	}
	l := localizer(c)
	if token := c.FormValue(formTokenField); token != "" {
		// A later send (a reload of the POST) may reach another replica:
		// the session, which replicas share, remembers the last create.
		if last, id, ok := strings.Cut(session(c).get(sessLastCreate), " "); ok && last == token {
			setFlash(session(c), views.FlashInfo, l.T("flash.already_sent"))
			return c.Redirect(http.StatusSeeOther, groupPath(id))
		}
		for {
			send, first := s.tokens.claim(token, s.now())
			if first {
				var id string
				defer func() { s.tokens.finish(token, send, id) }()
				return s.createGroup(c, form, in, token, &id)
			}
			id, err := send.wait(c.Request().Context())
			if err != nil {
				return err
			}
			if id != "" {
				setFlash(session(c), views.FlashInfo, l.T("flash.already_sent"))
				return c.Redirect(http.StatusSeeOther, groupPath(id))
			}
			// The first send created nothing: this one tries.
		}
	}
	var id string
	return s.createGroup(c, form, in, "", &id)
}

// createGroup makes the audited Create call for the form with the one-time
// token (if any); *created is the new group's id once it is known to
// exist.
func (s *Server) createGroup(c echo.Context, form views.GroupForm, in groupInput, token string, created *string) error {
	entry := s.newAuditEntry(c, store.ActionGroupCreate, store.TargetGroup, "")
	members := len(in.Members) + 1 // the owner joins too
	entry.Summary = store.AuditSummary{Name: in.GroupName, Owner: in.Owner, Members: &members, MaxUsers: in.MaxUsers}
	var id string
	err := s.auditedWrite(c, entry, func(ctx context.Context) (string, error) {
		var err error
		id, _, err = s.groups.Create(ctx, in.createRequest())
		return id, err
	}, func(ctx context.Context, since time.Time) (string, bool, error) {
		found, err := s.findCreatedGroup(ctx, in, since)
		return found, found != "", err
	})
	// An audit write failure still says what the call did, so a created
	// group is remembered for the form's token before its page is shown.
	var aw *auditWriteError
	if errors.As(err, &aw) {
		err = aw.callErr
	}
	var amb *ambiguousError
	if errors.As(err, &amb) && amb.applied {
		id, err = amb.target, nil
	}
	if id != "" && err == nil {
		*created = id
		if token != "" {
			session(c).set(sessLastCreate, token+" "+id)
		}
	}
	if aw != nil {
		return aw
	}
	l := localizer(c)
	switch {
	case amb != nil && amb.checkErr != nil:
		s.log.Warn("create group: outcome unknown", "err", err)
		return s.renderGroupForm(c, http.StatusBadGateway, form, nil, &message{"form.err_create_unknown", nil})
	case amb != nil && !amb.applied:
		s.log.Warn("create group: answer lost; the group was not created", "err", err)
		return s.renderGroupForm(c, http.StatusBadGateway, form, nil, &message{"form.err_create_not_applied", nil})
	case err != nil:
		status, errs, top := agoraFormErrors(err, in)
		s.log.Warn("create group: Agora call failed", "status", status, "err", err)
		return s.renderGroupForm(c, status, form, errs, top)
	}
	s.indexCreated(c, id, in, members)
	name := in.GroupName
	if name == "" {
		name = id
	}
	key := "flash.created"
	if amb != nil {
		key = "flash.created_answer_lost"
	}
	setFlash(session(c), views.FlashSuccess, l.T(key, name))
	return c.Redirect(http.StatusSeeOther, groupPath(id))
}

// Looking for a group whose create answer was lost: the owner's joined
// groups, newest first as Agora lists them, up to reconcilePages pages;
// a group made a little before the record (clock skew) still counts.
const (
	reconcilePages    = 10
	reconcilePageSize = 20
	reconcileSkew     = time.Minute
)

// findCreatedGroup returns the id of the group of in's owner with in's
// name created since since, or "" if the owner has none. An error means
// the look was not conclusive.
func (s *Server) findCreatedGroup(ctx context.Context, in groupInput, since time.Time) (string, error) {
	var candidates []string
	complete := false
	for num := 1; num <= reconcilePages; num++ {
		groups, _, err := s.groups.ListJoined(ctx, in.Owner, &agora.JoinedOptions{PageNum: num, PageSize: reconcilePageSize})
		if err != nil {
			return "", fmt.Errorf("list the owner's groups: %w", err)
		}
		for _, g := range groups {
			if g.Name == in.GroupName {
				candidates = append(candidates, g.ID)
			}
		}
		if len(groups) < reconcilePageSize {
			complete = true
			break
		}
	}
	var found *agora.Group
	if len(candidates) > 0 {
		groups, _, err := s.groups.GetWithoutMembers(ctx, candidates...)
		if err != nil {
			return "", fmt.Errorf("read the candidates: %w", err)
		}
		for _, g := range groups {
			if strings.EqualFold(g.Owner, in.Owner) && !g.Created.Time().Before(since.Add(-reconcileSkew)) &&
				(found == nil || g.Created > found.Created) {
				found = g
			}
		}
	}
	switch {
	case found != nil:
		return found.ID, nil
	case !complete:
		return "", fmt.Errorf("the owner has more than %d groups; not all were checked", reconcilePages*reconcilePageSize)
	}
	return "", nil
}
