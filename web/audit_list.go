package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"groupdesk/views"
	"groupdesk/web/store"
)

// auditPageSize is how many records a page of the audit log shows.
const auditPageSize = 50

// auditList is GET /audit: the records that match the filter, newest
// first, keyset-paged by id (?before= for older, ?after= for newer), so a
// page costs the same at any depth and records written meanwhile do not
// shift the pages. No Agora call.
func (s *Server) auditList(c echo.Context) error {
	ctx := c.Request().Context()
	l := localizer(c)
	f, form, filterErr := parseAuditFilter(c.QueryParams(), l)
	if n, err := strconv.ParseInt(c.QueryParam("before"), 10, 64); err == nil && n > 0 {
		f.Before = n
	} else if n, err := strconv.ParseInt(c.QueryParam("after"), 10, 64); err == nil && n > 0 {
		f.After = n
	}
	f.Limit = auditPageSize
	entries, err := s.st.AuditPage(ctx, f)
	if err != nil {
		return err
	}
	d := views.AuditList{
		Filter:      form,
		FilterError: filterErr,
		CSVURL:      auditURL("/audit.csv", form, "", 0),
		Actions:     make([]views.Option, 0, len(store.AuditActions)),
	}
	for _, a := range store.AuditActions {
		d.Actions = append(d.Actions, views.Option{Value: a, Label: l.T("audit.action." + a)})
	}
	for _, k := range store.AuditKinds {
		d.Kinds = append(d.Kinds, views.Option{Value: k, Label: l.T("audit.kind." + k)})
	}
	for _, o := range []string{store.OutcomeSuccess, store.OutcomeFailure, store.OutcomeUnknown} {
		d.Outcomes = append(d.Outcomes, views.Option{Value: o, Label: l.T("audit.outcome." + o)})
	}
	if d.Rows, err = s.auditRows(c, entries); err != nil {
		return err
	}
	if len(entries) > 0 {
		newest, oldest := entries[0].ID, entries[len(entries)-1].ID
		older, newer := f, f
		older.Before, older.After, newer.Before, newer.After = oldest, 0, 0, newest
		if ok, err := s.st.AuditHas(ctx, older); err != nil {
			return err
		} else if ok {
			d.OlderURL = auditURL("/audit", form, "before", oldest)
		}
		if ok, err := s.st.AuditHas(ctx, newer); err != nil {
			return err
		} else if ok {
			d.NewerURL = auditURL("/audit", form, "after", newest)
		}
	}
	p := s.page(c, views.NavAudit, "audit.title")
	return render(c, http.StatusOK, views.AuditPage(p, d))
}

// parseAuditFilter reads the filter form. A date that does not parse is
// ignored with a message rather than failing the page.
func parseAuditFilter(q url.Values, l views.Localizer) (store.AuditFilter, views.AuditFilter, string) {
	form := views.AuditFilter{
		Actor:   strings.ToLower(strings.TrimSpace(q.Get("actor"))),
		Action:  strings.TrimSpace(q.Get("action")),
		Target:  strings.TrimSpace(q.Get("target")),
		Outcome: strings.TrimSpace(q.Get("outcome")),
		From:    strings.TrimSpace(q.Get("from")),
		To:      strings.TrimSpace(q.Get("to")),
		Kind:    strings.TrimSpace(q.Get("kind")),
	}
	if !slices.Contains(store.AuditKinds, form.Kind) {
		form.Kind = ""
	}
	if !slices.Contains(store.AuditActions, form.Action) {
		form.Action = ""
	}
	switch form.Outcome {
	case store.OutcomeSuccess, store.OutcomeFailure, store.OutcomeUnknown:
	default:
		form.Outcome = ""
	}
	f := store.AuditFilter{Actor: form.Actor, Action: form.Action, Target: form.Target, Outcome: form.Outcome, Kind: form.Kind}
	var bad []string
	if form.From != "" {
		// Dates are days in the moderator's zone, as the log shows them.
		if t, err := time.ParseInLocation(time.DateOnly, form.From, l.Zone()); err == nil {
			f.From = t
		} else {
			bad = append(bad, form.From)
			form.From = ""
		}
	}
	if form.To != "" {
		// "To" is inclusive: the whole of that day.
		if t, err := time.ParseInLocation(time.DateOnly, form.To, l.Zone()); err == nil {
			f.To = t.AddDate(0, 0, 1)
		} else {
			bad = append(bad, form.To)
			form.To = ""
		}
	}
	msg := ""
	if len(bad) > 0 {
		msg = l.T("audit.bad_date", strings.Join(bad, ", "))
	}
	return f, form, msg
}

// auditURL is a page of the log (or the CSV) with the filter, and
// optionally a keyset position (key "before" or "after").
func auditURL(path string, form views.AuditFilter, key string, id int64) templ.SafeURL {
	v := url.Values{}
	for k, val := range map[string]string{
		"actor": form.Actor, "action": form.Action, "target": form.Target,
		"outcome": form.Outcome, "from": form.From, "to": form.To, "kind": form.Kind,
	} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if key != "" {
		v.Set(key, strconv.FormatInt(id, 10))
	}
	if len(v) == 0 {
		return templ.SafeURL(path)
	}
	return templ.SafeURL(path + "?" + v.Encode())
}

// auditRows turns records into table rows. Groups that a successful delete
// record shows gone are marked instead of linked (no Agora call).
func (s *Server) auditRows(c echo.Context, entries []store.AuditEntry) ([]views.AuditRow, error) {
	var ids []string
	for _, e := range entries {
		if e.TargetType == store.TargetGroup && e.Target != "" && !slices.Contains(ids, e.Target) {
			ids = append(ids, e.Target)
		}
	}
	deleted, err := s.st.DeletedGroups(c.Request().Context(), ids)
	if err != nil {
		return nil, err
	}
	l := localizer(c)
	rows := make([]views.AuditRow, 0, len(entries))
	for i := range entries {
		rows = append(rows, auditRow(l, &entries[i], deleted))
	}
	return rows, nil
}

func auditRow(l views.Localizer, e *store.AuditEntry, deleted map[string]bool) views.AuditRow {
	r := views.AuditRow{
		ID: e.ID, At: e.At, Actor: e.Actor, Addr: e.Addr,
		Action: e.Action, ActionLabel: l.T("audit.action." + e.Action),
		Target: e.Target, Summary: auditSummaryLines(l, e),
		Outcome: e.Outcome, OutcomeLabel: l.T("audit.outcome." + e.Outcome),
	}
	if e.ErrorCode != "" {
		r.Error = auditErrorText(l, e.ErrorCode)
		r.ErrorDetail = e.ErrorCode
		if e.ErrorMsg != "" {
			r.ErrorDetail += ": " + e.ErrorMsg
		}
	}
	if e.Attempts > 1 {
		// Failed sign-ins from one address within a window share a record.
		r.Attempts = l.N("audit.attempts", e.Attempts, l.Clock(e.At), l.Clock(e.LastAttempt))
	}
	switch {
	case e.Target == "":
	case e.TargetType == store.TargetGroup && deleted[e.Target]:
		r.TargetDeleted = true
	case e.TargetType == store.TargetGroup:
		r.TargetURL = groupURL(e.Target)
	default:
		r.TargetURL = auditURL("/audit", views.AuditFilter{Target: e.Target}, "", 0)
	}
	return r
}

// auditErrorAliases are Agora's own codes in records written before the
// log kept the client's reading of an answer (agora.Reason) as the code.
var auditErrorAliases = map[string]string{
	"resource_not_found":         "not_found",
	"service_resource_not_found": "not_found",
	"forbidden_op":               "forbidden",
	"illegal_argument":           "invalid_request",
}

// auditErrorText says in the moderator's language why an action failed:
// audit.error.<code> for the codes of the accounts, sign-ins and Agora
// reasons; another code is named as it is.
func auditErrorText(l views.Localizer, code string) string {
	if alias, ok := auditErrorAliases[code]; ok {
		code = alias
	}
	if key := "audit.error." + code; views.Has(key) {
		return l.T(key)
	}
	return l.T("audit.error.other", code)
}

// auditSummaryLines says in words what a record changed.
func auditSummaryLines(l views.Localizer, e *store.AuditEntry) []string {
	sum := &e.Summary
	name := sum.Name
	if name == "" {
		name = l.T("group.unnamed")
	}
	var out []string
	switch e.Action {
	case store.ActionGroupCreate:
		if sum.Members != nil {
			out = append(out, l.T("audit.summary.group", name, sum.Owner, l.N("count.members", *sum.Members), l.Number(sum.MaxUsers)))
		}
	case store.ActionGroupDelete:
		if sum.Members != nil {
			out = append(out, l.T("audit.summary.deleted", name, sum.Owner, l.N("count.members", *sum.Members)))
		}
	case store.ActionGroupUpdate:
		for _, ch := range sum.Changes {
			out = append(out, l.T("audit.summary.change", fieldLabel(l, ch.Field), fieldValue(l, ch.Field, ch.Old), fieldValue(l, ch.Field, ch.New)))
		}
	case store.ActionAccountCreate:
		out = append(out, l.T("audit.summary.role", roleLabel(l, sum.Role)))
	case store.ActionAccountRole:
		if sum.OldRole != "" {
			out = append(out, l.T("audit.summary.role_change", roleLabel(l, sum.OldRole), roleLabel(l, sum.Role)))
		} else {
			out = append(out, l.T("audit.summary.role", roleLabel(l, sum.Role)))
		}
	case store.ActionReportCancel:
		out = append(out, l.T("audit.summary.report", l.N("count.groups", sum.Groups)))
	case store.ActionSetAnnouncement:
		for _, ch := range sum.Changes {
			out = append(out, l.T("audit.summary.change", fieldLabel(l, ch.Field), fieldValue(l, ch.Field, ch.Old), fieldValue(l, ch.Field, ch.New)))
		}
	case store.ActionMute:
		out = append(out, l.T("audit.summary.mute", sum.User, l.T("duration."+sum.Duration)))
	case store.ActionOwnerTransfer:
		out = append(out, l.T("audit.summary.owner", cmp.Or(sum.Owner, "?"), sum.User))
	case store.ActionMemberAdd, store.ActionMemberRemove, store.ActionAdminAdd, store.ActionAdminRemove, store.ActionUnmute:
		out = append(out, l.T("audit.summary.user", sum.User))
	case store.ActionJobStart:
		out = append(out, l.T("audit.summary.job_start", l.T("bulk.action."+sum.Bulk), l.N("count.groups", sum.Groups)))
	case store.ActionBulkRemove:
		out = append(out, l.T("audit.summary.bulk_member", sum.Member))
	case store.ActionBulkBlock, store.ActionBulkMute:
		out = append(out, l.T("audit.summary.bulk_member_why", sum.Member, sum.Reason))
	}
	// Moderation of a user, unless a case above said it: who, and for a
	// block why and until when.
	if len(out) == 0 && sum.User != "" {
		out = append(out, l.T("audit.summary.user", sum.User))
		if sum.Reason != "" {
			out = append(out, l.T("audit.summary.block_reason", sum.Reason))
		}
		if !sum.Until.IsZero() {
			out = append(out, l.T("audit.summary.block_until", sum.Until.UTC().Format(time.DateOnly)))
		}
		if sum.Expired {
			out = append(out, l.T("audit.summary.block_expired"))
		}
	}
	if sum.Job > 0 {
		out = append(out, l.T("audit.summary.job", sum.Job))
	}
	return out
}

// fieldLabel is a group form field's label.
func fieldLabel(l views.Localizer, field string) string {
	if field == views.FieldPublic {
		return l.T("form.visibility")
	}
	return l.T("form." + field)
}

// fieldValue shows an old or new value of a group field.
func fieldValue(l views.Localizer, field, v string) string {
	switch field {
	case views.FieldPublic:
		if v == "true" {
			return l.T("group.public")
		}
		return l.T("group.private")
	case views.FieldMembersOnly, views.FieldAllowInvites, views.FieldInviteNeedConfirm:
		if v == "true" {
			return l.T("common.yes")
		}
		return l.T("common.no")
	case views.FieldMaxUsers:
		return v
	}
	if v == "" {
		return l.T("audit.summary.empty")
	}
	return "“" + v + "”"
}
