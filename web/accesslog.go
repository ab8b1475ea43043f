package web

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// requestIDHeader carries the request id both ways: a proxy's id is kept
// when it is short and plain, and every response names the id its log
// lines and error page carry.
const (
	requestIDHeader = "X-Request-Id"
	ctxRequestID    = "groupdesk.request_id"
	maxRequestIDLen = 64
)

// unmatchedRoute is the route label of requests no route matched, so that
// random paths cannot create metric series.
const unmatchedRoute = "unmatched"

// observeRequests assigns the request id, then writes one access-log line
// and the HTTP metrics for every request. It renders a handler's error
// itself (as Echo's own logger does) so the logged status is the one sent.
func (s *Server) observeRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		id := c.Request().Header.Get(requestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		c.Set(ctxRequestID, id)
		c.Response().Header().Set(requestIDHeader, id)

		err := next(c)
		// A failure after the response began cannot become an error page.
		aborted := err != nil && c.Response().Committed
		if err != nil {
			c.Error(err)
		}

		r, res := c.Request(), c.Response()
		d := time.Since(start)
		route := c.Path()
		if !s.routeSet[route] {
			route = unmatchedRoute
		}
		status := res.Status
		if err != nil && !res.Committed {
			status = asPageError(err).status // nothing was sent: the client went away (499)
		}
		s.metrics.observeHTTP(route, r.Method, status, d)

		level := slog.LevelInfo
		if opsRoutes[route] {
			level = slog.LevelDebug // probes and scrapes would drown everything else
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("route", route),
			slog.String("path", r.URL.Path), // never the query: it may carry a next URL or a search
			slog.Int("status", status),
			slog.Duration("duration", d),
			slog.Int64("bytes", res.Size),
			slog.String("request_id", id),
		}
		if user := sessionUser(c); user != "" {
			attrs = append(attrs, slog.String("account", user))
		}
		if aborted {
			attrs = append(attrs, slog.Bool("aborted", true))
		}
		s.log.LogAttrs(r.Context(), level, "request", attrs...)
		if aborted {
			// The status and part of the body are out: ending the response
			// normally would pass a truncated CSV or page off as complete.
			// Breaking the connection makes the browser report a failed
			// download. net/http neither logs nor recovers from this panic.
			panic(http.ErrAbortHandler)
		}
		return nil
	}
}

// opsRoutes are the unauthenticated operations endpoints: no session, no
// CSRF, quiet access log.
var opsRoutes = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// sessionUser is the signed-in account, without creating a session.
func sessionUser(c echo.Context) string {
	if rs, ok := c.Get(ctxSession).(*requestSession); ok {
		return rs.get(sessUser)
	}
	return ""
}

// requestID is the id observeRequests gave the request ("" outside it).
func requestID(c echo.Context) string {
	id, _ := c.Get(ctxRequestID).(string)
	return id
}

// validRequestID accepts an incoming id only when it is short and made of
// characters that are safe in a log line and an HTML page.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
