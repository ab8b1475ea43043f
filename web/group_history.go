package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"groupdesk/views"
	"groupdesk/web/store"
)

// groupHistoryPageSize is how many records a page of a group's history
// shows.
const groupHistoryPageSize = 50

// groupHistory is GET /groups/{id}/history: the group's audit records,
// newest first, keyset-paged like the audit log (?before=, ?after=). From
// the dashboard database only: no Agora call, so it also shows the
// history of a group that was deleted.
func (s *Server) groupHistory(c echo.Context) error {
	id, err := groupIDParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	f := store.AuditFilter{Target: id, Limit: groupHistoryPageSize}
	if n, err := strconv.ParseInt(c.QueryParam("before"), 10, 64); err == nil && n > 0 {
		f.Before = n
	} else if n, err := strconv.ParseInt(c.QueryParam("after"), 10, 64); err == nil && n > 0 {
		f.After = n
	}
	entries, err := s.st.AuditPage(ctx, f)
	if err != nil {
		return err
	}
	l := localizer(c)
	d := views.GroupHistory{ID: id, AuditURL: auditURL("/audit", views.AuditFilter{Target: id}, "", 0)}
	for i := range entries {
		d.Rows = append(d.Rows, auditRow(l, &entries[i], nil))
	}
	if len(entries) > 0 {
		newest, oldest := entries[0].ID, entries[len(entries)-1].ID
		older := store.AuditFilter{Target: id, Before: oldest}
		newer := store.AuditFilter{Target: id, After: newest}
		if ok, err := s.st.AuditHas(ctx, older); err != nil {
			return err
		} else if ok {
			d.OlderURL = historyURL(id, "before", oldest)
		}
		if ok, err := s.st.AuditHas(ctx, newer); err != nil {
			return err
		} else if ok {
			d.NewerURL = historyURL(id, "after", newest)
		}
	}
	p := s.page(c, views.NavGroups, "history.title", id)
	return render(c, http.StatusOK, views.GroupHistoryPage(p, d))
}

func historyURL(id, key string, at int64) templ.SafeURL {
	return templ.SafeURL(groupPath(id) + "/history?" + url.Values{key: {strconv.FormatInt(at, 10)}}.Encode())
}
