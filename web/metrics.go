package web

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/labstack/echo/v4"

	"groupdesk/agora"
)

// Metrics are the dashboard's metrics in Prometheus's text format, in a set
// of their own (not the global one), so that tests can run several
// servers. Create them before the Agora client, so the client can report
// to them:
//
//	m := web.NewMetrics()
//	client, _ := agora.NewClient(cfg, agora.WithObserver(m.AgoraObserver()))
//	srv, _ := web.New(web.Config{Metrics: m, …}, client)
//
// Labels never carry an id, a username or a raw path: HTTP routes are
// Echo's route templates ("/groups/:id") and Agora endpoints are the
// client's ("GET /chatgroups/{group_id}").
//
// The library is VictoriaMetrics/metrics rather than Prometheus's own
// client: the same exposition format, without the protocol-buffer runtime
// the official client links in: the binary is 2.2 MB smaller with this
// one, and the serving process maps 1.4 MiB less of it (#16).
type Metrics struct {
	set  *metrics.Set
	help map[string]string // each family's HELP text, which the library leaves empty

	httpRequests *family[httpSeries, *metrics.Counter]
	httpDuration *family[httpRoute, *metrics.PrometheusHistogram]

	agoraRequests   *family[agoraSeries, *metrics.Counter]
	agoraDuration   *family[string, *metrics.PrometheusHistogram]
	agoraRetries    *family[agoraSeries, *metrics.Counter]
	agoraLimitWaits *family[string, *metrics.Counter]
	agoraLimitWait  *family[string, *metrics.FloatCounter]
	tokenRenewals   *metrics.Counter

	auditWrites *family[string, *metrics.Counter]

	// countSessions reads the active sessions on scrape; set by the Server
	// that owns the metrics.
	countSessions atomic.Pointer[func(context.Context) (int, error)]
	log           atomic.Pointer[slog.Logger]
}

const metricsNamespace = "groupdesk_"

// The label sets, in the order the names sort, as Prometheus writes them.
type (
	httpSeries struct {
		method, route string
		status        int
	}
	httpRoute   struct{ method, route string }
	agoraSeries struct {
		endpoint string
		status   int
	}
)

// durationBuckets are the upper bounds, in seconds, of the duration
// histograms' buckets.
var durationBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// NewMetrics creates the metrics in a set of their own; the scrape adds
// the Go runtime's and the process's.
func NewMetrics() *Metrics {
	// A process-wide switch of the library's; Prometheus wants the TYPE
	// lines to tell counters, gauges and histograms apart.
	metrics.ExposeMetadata(true)
	set := metrics.NewSet()
	m := &Metrics{set: set, help: map[string]string{}}
	// described names a family and keeps its help text.
	described := func(name, help string) string {
		m.help[metricsNamespace+name] = help
		return name
	}

	name := described("http_requests_total", "HTTP requests served, by route template, method and status.")
	m.httpRequests = newFamily(func(k httpSeries) *metrics.Counter {
		return set.GetOrCreateCounter(series(name, "method", k.method, "route", k.route, "status", strconv.Itoa(k.status)))
	})
	httpDuration := described("http_request_duration_seconds", "Time to serve an HTTP request, by route template and method.")
	m.httpDuration = newFamily(func(k httpRoute) *metrics.PrometheusHistogram {
		return set.GetOrCreatePrometheusHistogramExt(series(httpDuration, "method", k.method, "route", k.route), durationBuckets)
	})
	agoraRequests := described("agora_requests_total", `HTTP attempts to the Agora API (retries included), by endpoint and status ("error" when no response arrived).`)
	m.agoraRequests = newFamily(func(k agoraSeries) *metrics.Counter {
		return set.GetOrCreateCounter(series(agoraRequests, "endpoint", k.endpoint, "status", statusLabel(k.status)))
	})
	agoraDuration := described("agora_request_duration_seconds", "Duration of one HTTP attempt to the Agora API, by endpoint.")
	m.agoraDuration = newFamily(func(endpoint string) *metrics.PrometheusHistogram {
		return set.GetOrCreatePrometheusHistogramExt(series(agoraDuration, "endpoint", endpoint), durationBuckets)
	})
	agoraRetries := described("agora_retries_total", `Agora calls sent again, by endpoint and the status that caused it ("error" for a network failure).`)
	m.agoraRetries = newFamily(func(k agoraSeries) *metrics.Counter {
		return set.GetOrCreateCounter(series(agoraRetries, "endpoint", k.endpoint, "status", statusLabel(k.status)))
	})
	limitWaits := described("agora_rate_limit_waits_total", "Agora calls the client-side rate limiter held back, by endpoint.")
	m.agoraLimitWaits = newFamily(func(endpoint string) *metrics.Counter {
		return set.GetOrCreateCounter(series(limitWaits, "endpoint", endpoint))
	})
	limitWait := described("agora_rate_limit_wait_seconds_total", "Time Agora calls spent waiting for the client-side rate limiter, by endpoint.")
	m.agoraLimitWait = newFamily(func(endpoint string) *metrics.FloatCounter {
		return set.GetOrCreateFloatCounter(series(limitWait, "endpoint", endpoint))
	})
	m.tokenRenewals = set.NewCounter(series(described("agora_token_renewals_total", "Agora app tokens built from the App ID and App Certificate.")))
	auditWrites := described("audit_writes_total", `Audit log entries written, by outcome ("ok" or "error").`)
	m.auditWrites = newFamily(func(outcome string) *metrics.Counter {
		return set.GetOrCreateCounter(series(auditWrites, "outcome", outcome))
	})
	set.NewGauge(series(described("active_sessions", "Signed-in dashboard sessions that have not timed out.")), m.activeSessions)
	return m
}

// family is the series of one metric, made on first use and kept, so that
// counting a request builds no series name.
type family[K comparable, T any] struct {
	mu     sync.RWMutex
	series map[K]T
	create func(K) T
}

func newFamily[K comparable, T any](create func(K) T) *family[K, T] {
	return &family[K, T]{series: map[K]T{}, create: create}
}

func (f *family[K, T]) with(k K) T {
	f.mu.RLock()
	v, ok := f.series[k]
	f.mu.RUnlock()
	if ok {
		return v
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if v, ok := f.series[k]; ok {
		return v
	}
	v = f.create(k)
	f.series[k] = v
	return v
}

// labelValue escapes a label value as the exposition format wants.
var labelValue = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// series is a series' name: the metric's name in the dashboard's namespace
// and its labels, given as name, value pairs in the order the names sort.
func series(name string, labels ...string) string {
	var b strings.Builder
	b.WriteString(metricsNamespace + name)
	for i := 0; i+1 < len(labels); i += 2 {
		if i == 0 {
			b.WriteByte('{')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(labels[i] + `="` + labelValue.Replace(labels[i+1]) + `"`)
	}
	if len(labels) > 0 {
		b.WriteByte('}')
	}
	return b.String()
}

// AgoraObserver is the agora.Observer that feeds the Agora metrics; pass it
// to agora.NewClient with agora.WithObserver.
func (m *Metrics) AgoraObserver() agora.Observer {
	return agora.Observer{
		Request: func(i agora.RequestInfo) {
			m.agoraRequests.with(agoraSeries{i.Endpoint, i.Status}).Inc()
			m.agoraDuration.with(i.Endpoint).Update(i.Duration.Seconds())
		},
		Retry: func(i agora.RetryInfo) {
			m.agoraRetries.with(agoraSeries{i.Endpoint, i.Status}).Inc()
		},
		RateLimitWait: func(endpoint string, d time.Duration) {
			m.agoraLimitWaits.with(endpoint).Inc()
			m.agoraLimitWait.with(endpoint).Add(d.Seconds())
		},
		TokenRenewal: m.tokenRenewals.Inc,
	}
}

// AuditWrite counts one audit log write; outcome is "ok" or "error".
func (m *Metrics) AuditWrite(outcome string) {
	if m == nil {
		return
	}
	m.auditWrites.with(outcome).Inc()
}

func statusLabel(status int) string {
	if status == 0 {
		return "error"
	}
	return strconv.Itoa(status)
}

// observeHTTP records one served request.
func (m *Metrics) observeHTTP(route, method string, status int, d time.Duration) {
	m.httpRequests.with(httpSeries{method, route, status}).Inc()
	m.httpDuration.with(httpRoute{method, route}).Update(d.Seconds())
}

// writeTo writes the exposition: the dashboard's metrics, then the Go
// runtime's and the process's (go_*, process_*), each family's HELP line
// with its text where the dashboard has one.
func (m *Metrics) writeTo(w io.Writer) error {
	var all bytes.Buffer
	m.set.WritePrometheus(&all)
	metrics.WriteProcessMetrics(&all)
	bw := bufio.NewWriter(w)
	for line := range bytes.Lines(all.Bytes()) {
		if name, ok := bytes.CutPrefix(bytes.TrimSuffix(line, []byte("\n")), []byte("# HELP ")); ok && m.help[string(name)] != "" {
			fmt.Fprintf(bw, "# HELP %s %s\n", name, m.help[string(name)])
			continue
		}
		bw.Write(line)
	}
	return bw.Flush()
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
	c.Response().Header().Set(echo.HeaderContentType, "text/plain; version=0.0.4; charset=utf-8")
	c.Response().WriteHeader(http.StatusOK)
	return s.metrics.writeTo(c.Response())
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
