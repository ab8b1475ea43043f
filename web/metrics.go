package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"groupdesk/agora"
)

// Metrics are the dashboard's Prometheus metrics, in a registry of their own
// (not the global one), so that tests can run several servers. Create them
// before the Agora client, so the client can report to them:
//
//	m := web.NewMetrics()
//	client, _ := agora.NewClient(cfg, agora.WithObserver(m.AgoraObserver()))
//	srv, _ := web.New(web.Config{Metrics: m, …}, client)
//
// Labels never carry an id, a username or a raw path: HTTP routes are
// Echo's route templates ("/groups/:id") and Agora endpoints are the
// client's ("GET /chatgroups/{group_id}").
type Metrics struct {
	registry *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec

	agoraRequests   *prometheus.CounterVec
	agoraDuration   *prometheus.HistogramVec
	agoraRetries    *prometheus.CounterVec
	agoraLimitWaits *prometheus.CounterVec
	agoraLimitWait  *prometheus.CounterVec
	tokenRenewals   prometheus.Counter

	auditWrites *prometheus.CounterVec

	// countSessions reads the active sessions on scrape; set by the Server
	// that owns the metrics.
	countSessions atomic.Pointer[func(context.Context) (int, error)]
	log           atomic.Pointer[slog.Logger]
}

const metricsNamespace = "groupdesk"

// NewMetrics creates the metrics and their registry, with the Go runtime and
// process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{registry: prometheus.NewRegistry()}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: metricsNamespace, Name: name, Help: help}, labels)
		m.registry.MustRegister(c)
		return c
	}
	histogram := func(name, help string, labels ...string) *prometheus.HistogramVec {
		h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: metricsNamespace, Name: name, Help: help,
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, labels)
		m.registry.MustRegister(h)
		return h
	}
	m.httpRequests = counter("http_requests_total", "HTTP requests served, by route template, method and status.", "route", "method", "status")
	m.httpDuration = histogram("http_request_duration_seconds", "Time to serve an HTTP request, by route template and method.", "route", "method")
	m.agoraRequests = counter("agora_requests_total", `HTTP attempts to the Agora API (retries included), by endpoint and status ("error" when no response arrived).`, "endpoint", "status")
	m.agoraDuration = histogram("agora_request_duration_seconds", "Duration of one HTTP attempt to the Agora API, by endpoint.", "endpoint")
	m.agoraRetries = counter("agora_retries_total", `Agora calls sent again, by endpoint and the status that caused it ("error" for a network failure).`, "endpoint", "status")
	m.agoraLimitWaits = counter("agora_rate_limit_waits_total", "Agora calls the client-side rate limiter held back, by endpoint.", "endpoint")
	m.agoraLimitWait = counter("agora_rate_limit_wait_seconds_total", "Time Agora calls spent waiting for the client-side rate limiter, by endpoint.", "endpoint")
	m.tokenRenewals = prometheus.NewCounter(prometheus.CounterOpts{Namespace: metricsNamespace, Name: "agora_token_renewals_total",
		Help: "Agora app tokens built from the App ID and App Certificate."})
	m.registry.MustRegister(m.tokenRenewals)
	m.auditWrites = counter("audit_writes_total", `Audit log entries written, by outcome ("ok" or "error").`, "outcome")
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: metricsNamespace, Name: "active_sessions",
		Help: "Signed-in dashboard sessions that have not timed out."}, m.activeSessions))
	m.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// AgoraObserver is the agora.Observer that feeds the Agora metrics; pass it
// to agora.NewClient with agora.WithObserver.
func (m *Metrics) AgoraObserver() agora.Observer {
	return agora.Observer{
		Request: func(i agora.RequestInfo) {
			m.agoraRequests.WithLabelValues(i.Endpoint, statusLabel(i.Status)).Inc()
			m.agoraDuration.WithLabelValues(i.Endpoint).Observe(i.Duration.Seconds())
		},
		Retry: func(i agora.RetryInfo) {
			m.agoraRetries.WithLabelValues(i.Endpoint, statusLabel(i.Status)).Inc()
		},
		RateLimitWait: func(endpoint string, d time.Duration) {
			m.agoraLimitWaits.WithLabelValues(endpoint).Inc()
			m.agoraLimitWait.WithLabelValues(endpoint).Add(d.Seconds())
		},
		TokenRenewal: m.tokenRenewals.Inc,
	}
}

// AuditWrite counts one audit log write; outcome is "ok" or "error".
func (m *Metrics) AuditWrite(outcome string) {
	if m == nil {
		return
	}
	m.auditWrites.WithLabelValues(outcome).Inc()
}

// Registry is where the metrics are registered, for tests and for adding
// collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

func statusLabel(status int) string {
	if status == 0 {
		return "error"
	}
	return strconv.Itoa(status)
}

// observeHTTP records one served request.
func (m *Metrics) observeHTTP(route, method string, status int, d time.Duration) {
	m.httpRequests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.httpDuration.WithLabelValues(route, method).Observe(d.Seconds())
}

// activeSessions is read on every scrape: a COUNT over the last_seen index.
func (m *Metrics) activeSessions() float64 {
	count := m.countSessions.Load()
	if count == nil {
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, err := (*count)(ctx)
	if err != nil {
		if log := m.log.Load(); log != nil {
			log.Warn("metrics: counting active sessions failed", "err", err)
		}
		return 0
	}
	return float64(n)
}

// attach makes m read the active sessions from s's database.
func (m *Metrics) attach(s *Server) {
	count := s.countActiveSessions
	m.countSessions.Store(&count)
	m.log.Store(s.log)
}

// countActiveSessions counts signed-in sessions within both timeouts.
func (s *Server) countActiveSessions(ctx context.Context) (int, error) {
	now := s.now()
	return s.st.CountActiveSessions(ctx, now.Add(-sessionIdleTimeout), now.Add(-sessionAbsoluteTimeout))
}

// serveMetrics is GET /metrics. With Config.MetricsToken set it wants
// "Authorization: Bearer <token>".
func (s *Server) serveMetrics(c echo.Context) error {
	if s.cfg.MetricsToken != "" && !bearerMatches(c.Request().Header.Get("Authorization"), s.cfg.MetricsToken) {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="groupdesk metrics"`)
		return c.String(http.StatusUnauthorized, "401 Unauthorized: send the metrics token as \"Authorization: Bearer <GROUPDESK_METRICS_TOKEN>\"\n")
	}
	s.metricsHandler.ServeHTTP(c.Response(), c.Request())
	return nil
}

func (s *Server) newMetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// bearerMatches compares in constant time; hashing first hides the length
// of the token too.
func bearerMatches(header, token string) bool {
	const prefix = "bearer "
	if len(header) < len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(header[len(prefix):])))
	want := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}
