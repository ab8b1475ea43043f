package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"groupdesk/agora"
)

// accessLines returns the access-log lines (msg=request) of a text log.
func accessLines(log string) []string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, " msg=request ") {
			out = append(out, l)
		}
	}
	return out
}

func TestAccessLogOneLinePerRequest(t *testing.T) {
	e := newEnv(t).login()
	before := len(accessLines(e.logs.String()))
	p := e.get("/groups?limit=10&q=secret-query-value")
	wantStatus(t, p, http.StatusOK)
	lines := accessLines(e.logs.String())[before:]
	if len(lines) != 1 {
		t.Fatalf("%d access-log lines for one request:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	line := lines[0]
	id := p.Header.Get("X-Request-Id")
	for _, want := range []string{
		"level=INFO", "method=GET", "route=/groups", "path=/groups", "status=200", "duration=", "bytes=", "request_id=" + id, "account=admin",
	} {
		if !strings.Contains(line, want) {
			t.Errorf("access line lacks %q:\n%s", want, line)
		}
	}
	if strings.Contains(line, "secret-query-value") {
		t.Errorf("access line shows the query:\n%s", line)
	}
	if strings.Contains(line, "bytes=0 ") {
		t.Errorf("bytes not counted:\n%s", line)
	}

	// An error is logged with the status actually sent; anonymous has no account.
	before = len(accessLines(e.logs.String()))
	p = e.getWith(e.newBrowser(), "/no/such/page")
	lines = accessLines(e.logs.String())[before:]
	if len(lines) != 1 || !strings.Contains(lines[0], "status=404") || !strings.Contains(lines[0], "route=unmatched") || strings.Contains(lines[0], "account=") {
		t.Errorf("404 access line:\n%s", strings.Join(lines, "\n"))
	}
	wantStatus(t, p, http.StatusNotFound)

	// Probes are logged at debug level only.
	before = len(accessLines(e.logs.String()))
	e.get("/healthz")
	lines = accessLines(e.logs.String())[before:]
	if len(lines) != 1 || !strings.Contains(lines[0], "level=DEBUG") || !strings.Contains(lines[0], "route=/healthz") {
		t.Errorf("probe access line:\n%s", strings.Join(lines, "\n"))
	}
}

func TestRequestIDOnResponsesLogsAndErrorPages(t *testing.T) {
	e := newEnv(t).login()

	// Generated when absent, different each time.
	a, b := e.get("/groups/new"), e.get("/groups/new")
	idA, idB := a.Header.Get("X-Request-Id"), b.Header.Get("X-Request-Id")
	if idA == "" || idA == idB || !validRequestID(idA) {
		t.Errorf("generated ids %q, %q", idA, idB)
	}

	// A proxy's plain id is kept; anything else is replaced.
	for _, tt := range []struct {
		incoming string
		kept     bool
	}{
		{"edge-1234.abc_DEF", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"<script>alert(1)</script>", false},
		{"id with spaces", false},
		{"id\"quoted", false},
	} {
		p := e.get("/groups/new", "X-Request-Id", tt.incoming)
		got := p.Header.Get("X-Request-Id")
		if (got == tt.incoming) != tt.kept || got == "" {
			t.Errorf("incoming %q: response id %q, kept = %v, want %v", tt.incoming, got, got == tt.incoming, tt.kept)
		}
		if !tt.kept && strings.Contains(e.logs.String(), tt.incoming) {
			t.Errorf("rejected id %q reached the log", tt.incoming)
		}
	}

	// The error page and the htmx error fragment show the id of the request.
	for _, headers := range [][]string{{"X-Request-Id", "trace-404-page"}, {"X-Request-Id", "trace-404-fragment", "HX-Request", "true"}} {
		p := e.get("/groups/99999999999", headers...)
		wantStatus(t, p, http.StatusNotFound)
		id := headers[1]
		if got := p.text("error-request-id"); !strings.Contains(got, id) {
			t.Errorf("%v: error view shows %q, want the request id %q", headers, got, id)
		}
		if !strings.Contains(e.logs.String(), "request_id="+id) {
			t.Errorf("request id %s not in the log", id)
		}
	}

	// A server error's log line carries the id too, so an operator can find it.
	bad := newEnv(t, withAPI(stubAgora(t, 503, "service_unavailable", "down")), withClientOpts(agora.WithRetries(0, time.Millisecond))).login()
	p := bad.get("/groups", "X-Request-Id", "trace-502")
	wantStatus(t, p, http.StatusBadGateway)
	if got := p.text("error-request-id"); !strings.Contains(got, "trace-502") {
		t.Errorf("502 page shows %q", got)
	}
	var found bool
	for _, l := range strings.Split(bad.logs.String(), "\n") {
		if strings.Contains(l, "request failed") && strings.Contains(l, "request_id=trace-502") {
			found = true
		}
	}
	if !found {
		t.Errorf("no error log line with the request id:\n%s", bad.logs)
	}
}

func TestAccessLogNeverShowsSecrets(t *testing.T) {
	e := newEnv(t)
	// A failed and a successful sign-in, with a password that would stand out.
	e.post("/login", url.Values{"username": {"admin"}, "password": {"wrong-password-PLAINTEXT-1"}})
	e.login()
	id, _ := newTestGroup(t, e)
	e.get("/groups")
	e.get("/groups/" + id)
	e.get("/groups/" + id + "/members.csv")
	e.post("/groups", validCreateForm("Log sweep"))
	e.get("/login?next=%2Fgroups%3Ftoken%3Dsecret-in-query")
	e.get("/readyz")
	e.post("/logout", nil)

	token, err := agora.BuildAppToken(testAppID, testAppCert, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{
		"admin password":  testAdminPass,
		"wrong password":  "wrong-password-PLAINTEXT-1",
		"session key":     testSessionKey,
		"app certificate": testAppCert,
		"built app token": token,
		"token prefix":    "007eJ",
		"query value":     "secret-in-query",
	}
	for i, tok := range e.rec.sentTokens() {
		secrets["token sent #"+string(rune('0'+i))] = tok
	}
	u, _ := url.Parse(e.web.URL)
	for _, c := range e.http.Jar.Cookies(u) {
		if c.Value != "" {
			secrets["cookie "+c.Name] = c.Value
		}
	}
	secrets["csrf token"] = e.csrfOf(e.http)
	for _, c := range e.http.Jar.Cookies(u) {
		secrets["cookie "+c.Name+" (latest)"] = c.Value
	}
	log := e.logs.String()
	if len(accessLines(log)) < 10 {
		t.Fatalf("too few access lines; is the log captured?\n%s", log)
	}
	for what, secret := range secrets {
		if secret != "" && strings.Contains(log, secret) {
			t.Errorf("the log contains the %s", what)
		}
	}
}

func TestRequestBodyLimitShowsFriendlyPage(t *testing.T) {
	e := newEnv(t)
	csrf := e.csrfOf(e.http)
	body := url.Values{csrfField: {csrf}, "username": {"admin"}, "password": {strings.Repeat("x", 300<<10)}}.Encode()
	req, _ := http.NewRequest(http.MethodPost, e.web.URL+"/login", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Request-Id", "trace-413")
	p := e.do(e.http, req)
	wantStatus(t, p, http.StatusRequestEntityTooLarge)
	if got := p.text("error-heading"); got != "Too much data" {
		t.Errorf("heading %q", got)
	}
	if got := p.text("error-request-id"); !strings.Contains(got, "trace-413") {
		t.Errorf("request id on the 413 page: %q", got)
	}
	if !strings.Contains(e.logs.String(), "status=413") {
		t.Error("413 not in the access log")
	}
}
