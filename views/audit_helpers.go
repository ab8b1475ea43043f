package views

import "time"

// auditTime shows an audit record's time in UTC to the millisecond, the
// same in every language: records are compared with server logs.
func auditTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05.000 UTC")
}
