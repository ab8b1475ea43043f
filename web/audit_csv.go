package web

import (
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"groupdesk/web/store"
)

// auditCSVFlushEvery is how many rows are buffered before the CSV is
// pushed to the client.
const auditCSVFlushEvery = 200

// auditCSV is GET /audit.csv: every record the filter of the audit page
// selects (all pages of it), newest first, streamed from the database
// cursor to the response, never held in memory as a whole. Cells are
// defused for spreadsheets like the members CSV.
func (s *Server) auditCSV(c echo.Context) error {
	l := localizer(c)
	f, _, _ := parseAuditFilter(c.QueryParams(), l)
	out := newCSVDownload(c.Response(), "audit-log.csv",
		"id", "time_utc", "actor", "address", "action", "target_type", "target", "summary", "outcome", "error_code", "error_message", "attempts", "last_attempt_utc")
	n := 0
	err := s.st.EachAudit(c.Request().Context(), f, func(e *store.AuditEntry) error {
		out.Row(
			strconv.FormatInt(e.ID, 10),
			e.At.UTC().Format("2006-01-02T15:04:05.000Z"),
			csvCell(e.Actor), csvCell(e.Addr), csvCell(e.Action), csvCell(e.TargetType), csvCell(e.Target),
			csvCell(strings.Join(auditSummaryLines(l, e), "; ")),
			csvCell(e.Outcome), csvCell(e.ErrorCode), csvCell(e.ErrorMsg),
			strconv.Itoa(max(e.Attempts, 1)), lastAttempt(e),
		)
		if n++; n%auditCSVFlushEvery == 0 {
			return out.Flush()
		}
		return nil
	})
	if err != nil {
		// Once rows have gone out, observeRequests breaks the download.
		return err
	}
	return out.Close()
}

// lastAttempt is when the last failed sign-in a record counts happened,
// empty for records of one action.
func lastAttempt(e *store.AuditEntry) string {
	if e.LastAttempt.IsZero() {
		return ""
	}
	return e.LastAttempt.UTC().Format("2006-01-02T15:04:05.000Z")
}
