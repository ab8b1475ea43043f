package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/sony/gobreaker/v2"

	"groupdesk/agora"
)

// Readiness is checked at most once per readyCacheTTL, so that probes from
// several orchestrators cannot burn Agora's rate limit; each check gives up
// after readyCheckTimeout.
const (
	readyCacheTTL     = 5 * time.Second
	readyCheckTimeout = 3 * time.Second
)

// healthz is GET /healthz: the process is up and serving. It calls nothing,
// so a slow Agora or database never gets the process restarted.
func (s *Server) healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok\n")
}

// readyReport is the body of /readyz.
type readyReport struct {
	Status string            `json:"status"` // "ok" or "unavailable"
	Checks map[string]string `json:"checks"` // check name → "ok" or what failed
}

func (r readyReport) ok() bool { return r.Status == "ok" }

// readiness caches the last readiness report. The mutex is held while a
// check runs, so concurrent probes wait for that one check instead of each
// calling Agora.
type readiness struct {
	ttl time.Duration

	mu      sync.Mutex
	checked time.Time
	report  readyReport
}

// readyz is GET /readyz: 200 when the dashboard database answers and Agora
// accepts our credentials, else 503 with the failing check. The body never
// carries a secret: only fixed phrases and status codes.
func (s *Server) readyz(c echo.Context) error {
	report := s.ready.get(s.now, s.checkReadiness)
	status := http.StatusOK
	if !report.ok() {
		status = http.StatusServiceUnavailable
	}
	return c.JSON(status, report)
}

func (r *readiness) get(now func() time.Time, check func(context.Context) readyReport) readyReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.checked.IsZero() && now().Sub(r.checked) < r.ttl {
		return r.report
	}
	// Not the probe's context: a probe that gives up must not leave a
	// cancelled result in the cache for the others.
	ctx, cancel := context.WithTimeout(context.Background(), readyCheckTimeout)
	defer cancel()
	r.report = check(ctx)
	r.checked = now()
	return r.report
}

func (s *Server) checkReadiness(ctx context.Context) readyReport {
	rep := readyReport{Status: "ok", Checks: map[string]string{"database": "ok", "agora": "ok"}}
	if err := s.st.Ping(ctx); err != nil {
		rep.Status, rep.Checks["database"] = "unavailable", "dashboard database does not answer"
		s.log.Warn("readiness: dashboard database check failed", "err", err)
	}
	if _, _, err := s.groups.List(ctx, &agora.ListOptions{Limit: 1}); err != nil {
		msg, ready := describeAgoraFailure(err)
		rep.Checks["agora"] = msg
		if !ready {
			rep.Status = "unavailable"
		}
		s.log.Warn("readiness: Agora check failed", "err", err)
	}
	return rep
}

// describeAgoraFailure says in a fixed phrase what went wrong, and whether
// the dashboard is still ready: a 429 means Agora answered and only asks us
// to slow down, which taking this instance out of service would not help.
func describeAgoraFailure(err error) (string, bool) {
	var ae *agora.Error
	var re *agora.RequestError
	switch {
	case errors.Is(err, agora.ErrUnauthorized):
		return "Agora rejected the credentials (401): check AGORA_APP_ID and AGORA_APP_CERTIFICATE or AGORA_APP_TOKEN", false
	case errors.Is(err, agora.ErrRateLimited):
		return "ok (Agora is rate-limiting this app: 429)", true
	case agora.ReasonOf(err) == agora.ReasonAppNotFound:
		return "Agora does not know the app (404): check AGORA_ORG and AGORA_APP", false
	case errors.As(err, &ae):
		return fmt.Sprintf("Agora answered with status %d", ae.StatusCode), false
	case errors.As(err, &re) && re.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return "Agora did not answer in time", false
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		return "Agora is not answering: calls paused after repeated time-outs (circuit breaker)", false
	case errors.As(err, &re):
		return "Agora is unreachable: check AGORA_HOST and the network", false
	default:
		return "the Agora check failed", false
	}
}
