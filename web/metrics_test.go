package web

import (
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"groupdesk/agora"
)

// withMetrics gives the env's server and Agora client one set of metrics.
func withMetrics(m *Metrics, cfg func(*Config)) []envOption {
	return []envOption{
		withClientOpts(agora.WithObserver(m.AgoraObserver())),
		withConfig(func(c *Config) {
			c.Metrics = m
			if cfg != nil {
				cfg(c)
			}
		}),
	}
}

// scrape fetches /metrics with an optional Authorization header.
func scrape(t *testing.T, e *env, auth string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.web.URL+"/metrics", nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// metricValue finds the sample with exactly these labels (in the exposition
// format's sorted order) and returns its value; ok is false when absent.
func metricValue(text, name, labels string) (float64, bool) {
	series := name
	if labels != "" {
		series += "{" + labels + "}"
	}
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(text)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}

func wantMetric(t *testing.T, text, name, labels string, want float64) {
	t.Helper()
	got, ok := metricValue(text, name, labels)
	if !ok {
		t.Errorf("no sample %s{%s}", name, labels)
		return
	}
	if got != want {
		t.Errorf("%s{%s} = %v, want %v", name, labels, got, want)
	}
}

func TestMetricsCountRequestsAgoraCallsAndSessions(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		m := NewMetrics()
		e := newEnv(t, append(withMetrics(m, nil), withDB(db))...)
		e.login()
		id, _ := newTestGroup(t, e)
		wantStatus(t, e.get("/groups"), http.StatusOK)
		wantStatus(t, e.get("/groups/"+id), http.StatusOK)
		wantStatus(t, e.get("/groups/99999999999"), http.StatusNotFound)
		wantStatus(t, e.get("/no/such/page/"+id), http.StatusNotFound)
		m.AuditWrite("ok")
		m.AuditWrite("ok")
		m.AuditWrite("error")

		status, text := scrape(t, e, "")
		if status != http.StatusOK {
			t.Fatalf("/metrics: %d\n%s", status, text)
		}
		wantMetric(t, text, "groupdesk_http_requests_total", `method="GET",route="/groups",status="200"`, 1)
		wantMetric(t, text, "groupdesk_http_requests_total", `method="GET",route="/groups/:id",status="200"`, 1)
		wantMetric(t, text, "groupdesk_http_requests_total", `method="GET",route="/groups/:id",status="404"`, 1)
		wantMetric(t, text, "groupdesk_http_requests_total", `method="GET",route="unmatched",status="404"`, 1)
		wantMetric(t, text, "groupdesk_http_requests_total", `method="POST",route="/login",status="303"`, 1)
		if v, ok := metricValue(text, "groupdesk_http_request_duration_seconds_count", `method="GET",route="/groups"`); !ok || v != 1 {
			t.Errorf("duration histogram count for GET /groups = %v (present %v), want 1", v, ok)
		}
		if v, ok := metricValue(text, "groupdesk_agora_requests_total", `endpoint="GET /chatgroups",status="200"`); !ok || v < 1 {
			t.Errorf("agora list calls = %v, want ≥ 1", v)
		}
		if _, ok := metricValue(text, "groupdesk_agora_request_duration_seconds_count", `endpoint="GET /chatgroups/{group_id}"`); !ok {
			t.Error("no duration for GET /chatgroups/{group_id}")
		}
		wantMetric(t, text, "groupdesk_agora_token_renewals_total", "", 1)
		wantMetric(t, text, "groupdesk_active_sessions", "", 1)
		wantMetric(t, text, "groupdesk_audit_writes_total", `outcome="ok"`, 2)
		wantMetric(t, text, "groupdesk_audit_writes_total", `outcome="error"`, 1)
		if !strings.Contains(text, "go_goroutines") || !strings.Contains(text, "process_") {
			t.Error("runtime and process collectors missing")
		}
		// Only the labels are searched: a sample's value, such as a sum of
		// durations (0.0299999999999…), may contain any digits.
		labels := regexp.MustCompile(`\{[^}]*\}`).FindAllString(text, -1)
		if strings.Contains(text, testAppCert) {
			t.Error("the metrics contain the app certificate")
		}
		for _, leak := range []string{id, "99999999999", "/no/such/page", "alice"} {
			if slices.ContainsFunc(labels, func(l string) bool { return strings.Contains(l, leak) }) {
				t.Errorf("metrics contain %q: labels must be templates", leak)
			}
		}

		// Signing out ends the session.
		e.post("/logout", nil)
		_, text = scrape(t, e, "")
		wantMetric(t, text, "groupdesk_active_sessions", "", 0)
	})
}

func TestMetricsRetriesAndRateLimitWaits(t *testing.T) {
	m := NewMetrics()
	e := newEnv(t, append(withMetrics(m, nil),
		withAPI(stubAgora(t, 503, "service_unavailable", "down")),
		withClientOpts(agora.WithRetries(2, time.Millisecond)))...).login()
	wantStatus(t, e.get("/groups"), http.StatusBadGateway)
	_, text := scrape(t, e, "")
	wantMetric(t, text, "groupdesk_agora_retries_total", `endpoint="GET /chatgroups",status="503"`, 2)
	wantMetric(t, text, "groupdesk_agora_requests_total", `endpoint="GET /chatgroups",status="503"`, 3)

	m2 := NewMetrics()
	slow := newEnv(t, append(withMetrics(m2, nil), withClientOpts(agora.WithRateLimits(5, 5)))...).login() // burst 1
	for range 3 {
		wantStatus(t, slow.get("/groups"), http.StatusOK)
	}
	_, text = scrape(t, slow, "")
	if v, ok := metricValue(text, "groupdesk_agora_rate_limit_waits_total", `endpoint="GET /chatgroups"`); !ok || v < 1 {
		t.Errorf("rate-limit waits = %v (present %v), want ≥ 1", v, ok)
	}
	if v, ok := metricValue(text, "groupdesk_agora_rate_limit_wait_seconds_total", `endpoint="GET /chatgroups"`); !ok || v <= 0 {
		t.Errorf("rate-limit wait seconds = %v, want > 0", v)
	}
}

func TestMetricsToken(t *testing.T) {
	const token = "metrics-token-0123456789"
	m := NewMetrics()
	e := newEnv(t, withMetrics(m, func(c *Config) { c.MetricsToken = token })...)
	for _, tt := range []struct {
		auth string
		want int
	}{
		{"", http.StatusUnauthorized},
		{"Bearer wrong", http.StatusUnauthorized},
		{"Bearer " + token + "x", http.StatusUnauthorized},
		{"Basic " + token, http.StatusUnauthorized},
		{token, http.StatusUnauthorized},
		{"Bearer " + token, http.StatusOK},
		{"bearer " + token, http.StatusOK},
	} {
		status, body := scrape(t, e, tt.auth)
		if status != tt.want {
			t.Errorf("Authorization %q: status %d, want %d", tt.auth, status, tt.want)
		}
		if status == http.StatusUnauthorized && (strings.Contains(body, "groupdesk_") || strings.Contains(body, token)) {
			t.Errorf("401 body %q shows metrics or the token", body)
		}
		if status == http.StatusOK && !strings.Contains(body, "groupdesk_http_requests_total") {
			t.Errorf("200 without metrics:\n%s", body)
		}
	}
	// Health stays open.
	wantStatus(t, e.get("/healthz"), http.StatusOK)
}

func TestMetricsSeveralServersInOneProcess(t *testing.T) {
	a, b := newEnv(t), newEnv(t)
	a.get("/login")
	_, textA := scrape(t, a, "")
	_, textB := scrape(t, b, "")
	if _, ok := metricValue(textA, "groupdesk_http_requests_total", `method="GET",route="/login",status="200"`); !ok {
		t.Error("server a did not count its request")
	}
	if _, ok := metricValue(textB, "groupdesk_http_requests_total", `method="GET",route="/login",status="200"`); ok {
		t.Error("server b counted server a's request: the registries are shared")
	}
}

// TestMetricsParseAsPrometheusText: Prometheus's own parser reads the
// exposition, every family of the dashboard's with its type and help, and
// the histograms with their buckets.
func TestMetricsParseAsPrometheusText(t *testing.T) {
	m := NewMetrics()
	e := newEnv(t, withMetrics(m, nil)...)
	e.login()
	wantStatus(t, e.get("/groups"), http.StatusOK)
	m.AuditWrite("ok")
	_, text := scrape(t, e, "")
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("Prometheus cannot parse /metrics: %v\n%s", err, text)
	}
	for name, want := range map[string]dto.MetricType{
		"groupdesk_http_requests_total":            dto.MetricType_COUNTER,
		"groupdesk_http_request_duration_seconds":  dto.MetricType_HISTOGRAM,
		"groupdesk_agora_requests_total":           dto.MetricType_COUNTER,
		"groupdesk_agora_request_duration_seconds": dto.MetricType_HISTOGRAM,
		"groupdesk_agora_token_renewals_total":     dto.MetricType_COUNTER,
		"groupdesk_audit_writes_total":             dto.MetricType_COUNTER,
		"groupdesk_active_sessions":                dto.MetricType_GAUGE,
		"go_goroutines":                            dto.MetricType_GAUGE,
	} {
		f, ok := families[name]
		switch {
		case !ok:
			t.Errorf("no family %s", name)
		case f.GetType() != want:
			t.Errorf("%s is a %v, want %v", name, f.GetType(), want)
		case strings.HasPrefix(name, "groupdesk_") && f.GetHelp() == "":
			t.Errorf("%s has no help text", name)
		}
	}
	for name, f := range families {
		if strings.HasPrefix(name, "groupdesk_") && f.GetHelp() == "" {
			t.Errorf("%s has no help text", name)
		}
	}
	h := families["groupdesk_http_request_duration_seconds"]
	if h == nil || len(h.GetMetric()) == 0 || len(h.GetMetric()[0].GetHistogram().GetBucket()) != len(durationBuckets)+1 {
		t.Errorf("the request duration histogram should have %d buckets and +Inf: %v", len(durationBuckets), h)
	}
}
