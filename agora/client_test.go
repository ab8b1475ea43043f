package agora

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const testFixedToken = "007fixedTokenValueForTests0000000000secret"

func TestConfigValidate(t *testing.T) {
	valid := Config{Host: "https://a41.chat.agora.io", OrgName: "41117440", AppName: "383391", AppID: vectorAppID, AppCertificate: vectorCert}
	tests := []struct {
		name  string
		edit  func(*Config)
		wants []string // substrings of the error; none = valid
	}{
		{"valid with certificate", func(c *Config) {}, nil},
		{"valid with fixed token", func(c *Config) { c.AppID, c.AppCertificate, c.AppToken = "", "", testFixedToken }, nil},
		{"trailing slash", func(c *Config) { c.Host = "https://a41.chat.agora.io/" }, nil},
		{"http and a port", func(c *Config) { c.Host = "http://127.0.0.1:8080" }, nil},
		{"path prefix", func(c *Config) { c.Host = "http://localhost:8080/agora/" }, nil},
		{"names with - _ .", func(c *Config) { c.OrgName, c.AppName = "easemob-demo", "test_app.1" }, nil},
		{"empty host", func(c *Config) { c.Host = "" }, []string{"Host is empty"}},
		{"no scheme", func(c *Config) { c.Host = "a41.chat.agora.io" }, []string{`Host "a41.chat.agora.io" must be an http:// or https:// URL`}},
		{"ftp", func(c *Config) { c.Host = "ftp://a41.chat.agora.io" }, []string{"must be an http:// or https:// URL"}},
		{"scheme only", func(c *Config) { c.Host = "https://" }, []string{"with a host name"}},
		{"query", func(c *Config) { c.Host = "https://h/?x=1" }, []string{"must not have a query"}},
		{"user info", func(c *Config) { c.Host = "https://user:pw-secret@h" }, []string{"must not contain a user name or password"}},
		{"unparsable", func(c *Config) { c.Host = "https://h\x7f/" }, []string{"Host is not a valid URL"}},
		{"empty org", func(c *Config) { c.OrgName = "" }, []string{"OrgName is empty"}},
		{"org with slash", func(c *Config) { c.OrgName = "a/b" }, []string{`OrgName "a/b" may contain only`}},
		{"app with #", func(c *Config) { c.AppName = "a#b" }, []string{`AppName "a#b" may contain only`}},
		{"no credentials", func(c *Config) { c.AppID, c.AppCertificate = "", "" }, []string{"no credentials"}},
		{"both kinds", func(c *Config) { c.AppToken = testFixedToken }, []string{"not both"}},
		{"id without certificate", func(c *Config) { c.AppCertificate = "" }, []string{"AppCertificate is empty"}},
		{"certificate without id", func(c *Config) { c.AppID = "" }, []string{"AppID is empty"}},
		{"short id", func(c *Config) { c.AppID = "abc" }, []string{"AppID: the app ID must be 32 hexadecimal characters"}},
		{"non-hex certificate", func(c *Config) { c.AppCertificate = strings.Repeat("z", 32) }, []string{"AppCertificate: the app certificate must be 32 hexadecimal characters"}},
		{"token with newline", func(c *Config) { c.AppID, c.AppCertificate, c.AppToken = "", "", testFixedToken+"\n" }, []string{"AppToken contains spaces or control characters"}},
		{"several problems at once", func(c *Config) { c.Host, c.OrgName = "", "" }, []string{"Host is empty", "OrgName is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.edit(&cfg)
			err := cfg.Validate()
			if len(tt.wants) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				if _, err := NewClient(cfg); err != nil {
					t.Fatalf("NewClient: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tt.wants)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
			for _, secret := range []string{vectorCert, testFixedToken, strings.Repeat("z", 32), "pw-secret"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error leaks a secret: %q", err)
				}
			}
			if _, nerr := NewClient(cfg); nerr == nil {
				t.Error("NewClient accepted an invalid config")
			}
		})
	}
}

func TestConfigNeverPrintsSecrets(t *testing.T) {
	for _, cfg := range []Config{
		{Host: "https://h", OrgName: "o", AppName: "a", AppID: vectorAppID, AppCertificate: vectorCert},
		{Host: "https://h", OrgName: "o", AppName: "a", AppToken: testFixedToken},
	} {
		wrapped := struct {
			Name string
			Cfg  Config
			Ptr  *Config
		}{"x", cfg, &cfg}
		outs := []string{
			cfg.String(), cfg.GoString(),
			fmt.Sprint(cfg), fmt.Sprintf("%v|%+v|%#v|%s|%q|%x|%d", cfg, cfg, cfg, cfg, cfg, cfg, cfg),
			fmt.Sprintf("%v|%+v|%#v", &cfg, &cfg, &cfg),
			fmt.Sprintf("%v|%+v|%#v", wrapped, wrapped, wrapped),
		}
		for _, s := range outs {
			if strings.Contains(s, vectorCert) || strings.Contains(s, testFixedToken) {
				t.Errorf("secret printed: %s", s)
			}
		}
		if !strings.Contains(cfg.String(), `"[redacted]"`) || !strings.Contains(cfg.String(), `OrgName:"o"`) {
			t.Errorf("String() = %s", cfg.String())
		}
	}
}

func TestClientNeverPrintsSecrets(t *testing.T) {
	for _, cfg := range []Config{testConfig("https://h"), {Host: "https://h", OrgName: "o", AppName: "a", AppToken: testFixedToken}} {
		c, err := NewClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.tokens.token(); err != nil { // cache a built token too
			t.Fatal(err)
		}
		cached := c.tokens.cached
		outs := []string{fmt.Sprintf("%v|%+v|%#v|%s", c, c, c, c), fmt.Sprintf("%+v|%#v", c.tokens, c.tokens), fmt.Sprintf("%+v", *c)}
		for _, s := range outs {
			if strings.Contains(s, vectorCert) || strings.Contains(s, testFixedToken) || cached != "" && strings.Contains(s, cached) {
				t.Errorf("secret printed: %s", s)
			}
		}
		if c.Org() != cfg.OrgName || c.App() != cfg.AppName || c.Host() != "https://h" {
			t.Errorf("Org/App/Host = %s %s %s", c.Org(), c.App(), c.Host())
		}
	}
}

func TestNewClientOptions(t *testing.T) {
	cfg := testConfig("https://h")
	for _, d := range []time.Duration{0, -time.Second, 500 * time.Millisecond, 25 * time.Hour} {
		if _, err := NewClient(cfg, WithTokenTTL(d)); err == nil {
			t.Errorf("WithTokenTTL(%s): want an error", d)
		}
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.timeout != 10*time.Second || c.maxRetries != 3 || c.retryBase != 200*time.Millisecond || c.userAgent != "groupdesk" || c.tokens.ttl != time.Hour {
		t.Errorf("defaults: %+v", c)
	}
	if c.limiter == nil || c.limiter.Limit() != 100 || c.joinedLimiter == nil || c.joinedLimiter.Limit() != 50 {
		t.Errorf("default limiters: %v %v", c.limiter, c.joinedLimiter)
	}
	tr, ok := c.hc.Transport.(*http.Transport)
	if !ok || tr.MaxIdleConnsPerHost < 16 {
		t.Errorf("default transport: %#v", c.hc.Transport)
	}

	hc := &http.Client{}
	c, err = NewClient(cfg, WithHTTPClient(hc), WithTimeout(time.Second), WithRetries(5, time.Second), WithRateLimits(0, 7),
		WithTokenTTL(24*time.Hour), WithUserAgent("ua/1"), WithLogger(slog.Default()), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.hc != hc || c.timeout != time.Second || c.maxRetries != 5 || c.retryBase != time.Second || c.limiter != nil ||
		c.joinedLimiter.Limit() != 7 || c.tokens.ttl != 24*time.Hour || c.userAgent != "ua/1" {
		t.Errorf("options not applied: %+v", c)
	}
}

func TestRenewalMargin(t *testing.T) {
	for _, tt := range []struct{ ttl, want time.Duration }{
		{24 * time.Hour, 24 * time.Hour / 5},
		{time.Hour, 12 * time.Minute},
		{20 * time.Minute, 5 * time.Minute},
		{10 * time.Minute, 5 * time.Minute},
		{time.Minute, 30 * time.Second},
		{2 * time.Second, time.Second},
	} {
		if got := renewalMargin(tt.ttl); got != tt.want {
			t.Errorf("renewalMargin(%s) = %s, want %s", tt.ttl, got, tt.want)
		}
	}
}

func TestTokenRenewalUnderConcurrency(t *testing.T) {
	clock := newFakeClock(time.Unix(1_750_000_000, 0))
	client, mux := setup(t, withClock(clock.Now), WithTokenTTL(time.Hour))
	var (
		mu     sync.Mutex
		tokens = map[string]int{}
	)
	mux.HandleFunc("/org/app/chatgroups/1", func(w http.ResponseWriter, r *http.Request) {
		tok := testAuth(t, r, clock.Now())
		mu.Lock()
		tokens[tok]++
		mu.Unlock()
		writeJSON(w, 200, `{"data":[{"id":"1"}]}`)
	})
	burst := func() {
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				for range 3 {
					if _, _, err := client.Groups.GetOne(context.Background(), "1"); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
	}

	burst()
	if n := client.tokens.buildCount(); n != 1 {
		t.Fatalf("builds after first burst = %d, want 1", n)
	}
	clock.Advance(47 * time.Minute) // renewal point: 60 - 12 = 48 min
	burst()
	if n := client.tokens.buildCount(); n != 1 {
		t.Fatalf("builds before the renewal point = %d, want 1", n)
	}
	clock.Advance(2 * time.Minute)
	burst()
	if n := client.tokens.buildCount(); n != 2 {
		t.Fatalf("builds after the renewal point = %d, want exactly 2", n)
	}
	if len(tokens) != 2 {
		t.Errorf("server saw %d distinct tokens, want 2", len(tokens))
	}
	total := 0
	for _, n := range tokens {
		total += n
	}
	if total != 450 {
		t.Errorf("server saw %d calls, want 450", total)
	}
}

func TestBuiltTokenLifetime(t *testing.T) {
	clock := newFakeClock(time.Unix(1_750_000_000, 0))
	c, err := NewClient(testConfig("https://h"), withClock(clock.Now), WithTokenTTL(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.tokens.token()
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := VerifyAppToken(tok, vectorAppID, vectorCert, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if parsed.IssuedAt != 1_750_000_000 || parsed.Expire != 7200 || parsed.Services[0].Privileges[PrivilegeChatApp] != 7200 {
		t.Errorf("token = %v", parsed)
	}
}

func TestFixedToken(t *testing.T) {
	_, mux, srv := setupApp(t, testOrg, testApp)
	cfg := Config{Host: srv.URL, OrgName: testOrg, AppName: testApp, AppToken: testFixedToken}
	client, err := NewClient(cfg, WithRateLimits(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	mux.HandleFunc("/org/app/chatgroups/1", func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer "+testFixedToken {
			t.Errorf("Authorization = %q", got)
		}
		writeJSON(w, 200, `{"data":[{"id":"1"}]}`)
	})
	for range 3 {
		if _, _, err := client.Groups.GetOne(context.Background(), "1"); err != nil {
			t.Fatal(err)
		}
	}
	if client.tokens.buildCount() != 0 {
		t.Error("a fixed token must not be rebuilt")
	}
}

func TestHostForms(t *testing.T) {
	for _, tt := range []struct{ suffix, path string }{
		{"", "/org/app/chatgroups/1"},
		{"/", "/org/app/chatgroups/1"},
		{"/agora", "/agora/org/app/chatgroups/1"},
		{"/agora/", "/agora/org/app/chatgroups/1"},
	} {
		var got string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = r.URL.EscapedPath()
			writeJSON(w, 200, `{"data":[{"id":"1"}]}`)
		}))
		client, err := NewClient(testConfig(srv.URL+tt.suffix), WithRateLimits(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := client.Groups.GetOne(context.Background(), "1"); err != nil {
			t.Error(err)
		}
		srv.Close()
		if got != tt.path {
			t.Errorf("Host %q: path %q, want %q", srv.URL+tt.suffix, got, tt.path)
		}
	}
}

// --- retries ---

func TestRetry429ThenOK(t *testing.T) {
	sleeps := &sleepRecorder{}
	client, mux := setup(t, sleeps.option())
	var calls atomic.Int32
	mux.HandleFunc("/org/app/chatgroups", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", nil, "")
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, 429, `{"error":"reach_limit","exception":"x","timestamp":1,"duration":0,"error_description":"This request has reached api limit"}`)
			return
		}
		writeJSON(w, 200, `{"data":[{"owner":"org#app_u","groupid":"1","affiliations":1,"type":"group","groupname":"g"}],"count":1}`)
	})
	groups, resp, err := client.Groups.List(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || resp.Attempts != 2 || calls.Load() != 2 {
		t.Errorf("groups %d, Attempts %d, calls %d", len(groups), resp.Attempts, calls.Load())
	}
	if diff := cmp.Diff([]time.Duration{time.Second}, sleeps.get()); diff != "" {
		t.Errorf("waits: Retry-After not honoured (-want +got):\n%s", diff)
	}
}

func TestRetryAfterHTTPDate(t *testing.T) {
	clock := newFakeClock(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
	sleeps := &sleepRecorder{}
	client, mux := setup(t, sleeps.option(), withClock(clock.Now))
	var calls atomic.Int32
	mux.HandleFunc("/org/app/chatgroups/1", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", clock.Now().Add(4*time.Second).Format(http.TimeFormat))
			writeJSON(w, 503, `{"error":"service_unavailable","error_description":"busy"}`)
			return
		}
		writeJSON(w, 200, `{"data":[{"id":"1"}]}`)
	})
	_, resp, err := client.Groups.GetOne(context.Background(), "1")
	if err != nil || resp.Attempts != 2 {
		t.Fatalf("GetOne = %v, %v", resp, err)
	}
	if diff := cmp.Diff([]time.Duration{4 * time.Second}, sleeps.get()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

func TestRetry503GivesUp(t *testing.T) {
	sleeps := &sleepRecorder{}
	client, mux := setup(t, sleeps.option(), WithRetries(3, 100*time.Millisecond))
	var calls atomic.Int32
	mux.HandleFunc("/org/app/chatgroups/1", func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		writeJSON(w, 503, fmt.Sprintf(`{"error":"service_unavailable","error_description":"attempt %d"}`, n))
	})
	_, resp, err := client.Groups.GetOne(context.Background(), "1")
	if calls.Load() != 4 || resp.Attempts != 4 {
		t.Fatalf("calls %d, Attempts %d; want 4 (1 + 3 retries)", calls.Load(), resp.Attempts)
	}
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 503 || e.Description != "attempt 4" || !errors.Is(err, ErrUnavailable) {
		t.Errorf("err = %v, want the last 503", err)
	}
	waits := sleeps.get()
	if len(waits) != 3 {
		t.Fatalf("waits = %v", waits)
	}
	for i, w := range waits {
		if ceiling := 100 * time.Millisecond << i; w < 0 || w > ceiling {
			t.Errorf("wait %d = %s, want within [0, %s]", i, w, ceiling)
		}
	}
}

func TestRetryStatuses(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		do        func(*Client) error
		wantCalls int32
	}{
		{"GET 502", 502, getOne, 2},
		{"GET 504", 504, getOne, 2},
		{"GET 429", 429, getOne, 2},
		{"GET 500 is not retried", 500, getOne, 1},
		{"GET 404 is not retried", 404, getOne, 1},
		{"create 503", 503, create, 1},
		{"create 429", 429, create, 1},
		{"PUT 503", 503, update, 1},
		{"PUT 429", 429, update, 1},
		{"add member 503", 503, func(c *Client) error { _, _, err := c.Members.Add(context.Background(), "1", "u"); return err }, 1},
		{"DELETE 503", 503, deleteGroup, 2},
		{"DELETE 429", 429, deleteGroup, 2},
		{"DELETE 502 may have been applied", 502, deleteGroup, 1},
		{"DELETE 504 may have been applied", 504, deleteGroup, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, mux := setup(t, WithRetries(1, time.Millisecond))
			var calls atomic.Int32
			fail := func(w http.ResponseWriter, r *http.Request) bool {
				if calls.Add(1) == 1 {
					writeJSON(w, tt.status, `{"error":"x","error_description":"first attempt fails"}`)
					return true
				}
				return false
			}
			mux.HandleFunc("/org/app/chatgroups/1", func(w http.ResponseWriter, r *http.Request) {
				switch {
				case fail(w, r):
				case r.Method == "GET":
					writeJSON(w, 200, `{"data":[{"id":"1"}]}`)
				default:
					writeJSON(w, 200, `{"data":{"success":true,"groupid":"1","groupname":true}}`)
				}
			})
			mux.HandleFunc("/org/app/chatgroups", func(w http.ResponseWriter, r *http.Request) {
				if !fail(w, r) {
					writeJSON(w, 200, `{"data":{"groupid":"1"}}`)
				}
			})
			mux.HandleFunc("/org/app/chatgroups/1/users/u", func(w http.ResponseWriter, r *http.Request) {
				if !fail(w, r) {
					writeJSON(w, 200, `{"data":{"result":true,"user":"u"}}`)
				}
			})
			err := tt.do(client)
			if calls.Load() != tt.wantCalls {
				t.Errorf("calls = %d, want %d", calls.Load(), tt.wantCalls)
			}
			if (tt.wantCalls == 1) != (err != nil) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func getOne(c *Client) error {
	_, _, err := c.Groups.Get(context.Background(), "1")
	return err
}

func create(c *Client) error {
	_, _, err := c.Groups.Create(context.Background(), &CreateGroupRequest{Owner: "u", Public: true})
	return err
}

func update(c *Client) error {
	_, err := c.Groups.Update(context.Background(), "1", &UpdateGroupRequest{GroupName: String("n")})
	return err
}

func deleteGroup(c *Client) error {
	_, err := c.Groups.Delete(context.Background(), "1")
	return err
}

func TestRetryAfterTooLongIsReturned(t *testing.T) {
	sleeps := &sleepRecorder{}
	client, mux := setup(t, sleeps.option())
	var calls atomic.Int32
	mux.HandleFunc("/org/app/chatgroups/1", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "60")
		writeJSON(w, 429, `{"error":"reach_limit","error_description":"This request has reached api limit"}`)
	})
	_, _, err := client.Groups.GetOne(context.Background(), "1")
	if calls.Load() != 1 || len(sleeps.get()) != 0 {
		t.Errorf("calls %d, waits %v: a Retry-After above the cap must not be waited for", calls.Load(), sleeps.get())
	}
	if d, ok := RetryAfter(err); !ok || d != time.Minute || !errors.Is(err, ErrRateLimited) {
		t.Errorf("RetryAfter(err) = %v, %v; err = %v", d, ok, err)
	}
}

func TestRetryStopsWhenDeadlineTooClose(t *testing.T) {
	client, mux := setup(t)
	var calls atomic.Int32
	mux.HandleFunc("/org/app/chatgroups/1", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "5")
		writeJSON(w, 429, `{"error":"reach_limit","error_description":"This request has reached api limit"}`)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := client.Groups.GetOne(ctx, "1")
	if el := time.Since(start); el > 400*time.Millisecond {
		t.Errorf("took %s; a wait past the deadline should not start", el)
	}
	if !errors.Is(err, ErrRateLimited) || calls.Load() != 1 {
		t.Errorf("err = %v, calls = %d", err, calls.Load())
	}
}

func TestCancelDuringBackoffReturnsPromptly(t *testing.T) {
	client, mux := setup(t) // real sleep
	mux.HandleFunc("/org/app/chatgroups/1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "5")
		writeJSON(w, 503, `{"error":"service_unavailable","error_description":"busy"}`)
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, _, err := client.Groups.GetOne(ctx, "1")
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("returned after %s, want promptly after the cancel", el)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if errors.Is(err, ErrUnavailable) {
		t.Error("a cancellation by the caller must not read as ErrUnavailable")
	}
	var re *RequestError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "while waiting to retry after attempt 1") {
		t.Errorf("err = %v", err)
	}
}

func TestPerAttemptTimeout(t *testing.T) {
	client, mux := setup(t, WithTimeout(300*time.Millisecond), WithRetries(1, time.Millisecond))
	var calls atomic.Int32
	mux.HandleFunc("/org/app/chatgroups/1", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			select { // hang until the client gives up on this attempt
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		writeJSON(w, 200, `{"data":[{"id":"1"}]}`)
	})
	_, resp, err := client.Groups.GetOne(context.Background(), "1")
	if err != nil || resp.Attempts != 2 {
		t.Fatalf("GetOne = %+v, %v; want success on the second attempt", resp, err)
	}

	slow, mux2 := setup(t, WithTimeout(50*time.Millisecond), WithRetries(1, time.Millisecond))
	mux2.HandleFunc("/org/app/chatgroups/1", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	_, _, err = slow.Groups.GetOne(context.Background(), "1")
	var re *RequestError
	if !errors.As(err, &re) || !re.Timeout() || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want a timeout RequestError", err)
	}
	if !strings.Contains(err.Error(), "agora: GET /org/app/chatgroups/1: no response within 50ms") {
		t.Errorf("Error() = %q", err)
	}
}

func TestCallerDeadlineWinsOverAttemptTimeout(t *testing.T) {
	c, err := NewClient(testConfig("https://h"), WithTimeout(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	actx, acancel := c.attemptContext(ctx)
	defer acancel()
	if dl, _ := actx.Deadline(); dl.After(time.Now().Add(time.Minute)) {
		t.Error("the caller's earlier deadline must be kept")
	}
	actx2, acancel2 := c.attemptContext(context.Background())
	defer acancel2()
	if _, ok := actx2.Deadline(); !ok {
		t.Error("no deadline: the per-attempt timeout must apply")
	}
}

// hijackOnce closes the connection without an answer on the first request.
func hijackOnce(t *testing.T, calls *atomic.Int32, ok string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Fatal(err)
			}
			conn.Close()
			return
		}
		writeJSON(w, 200, ok)
	}
}

func TestNetworkErrorRetries(t *testing.T) {
	t.Run("GET is retried after a dropped connection", func(t *testing.T) {
		client, mux := setup(t)
		var calls atomic.Int32
		mux.HandleFunc("/org/app/chatgroups/1", hijackOnce(t, &calls, `{"data":[{"id":"1"}]}`))
		_, resp, err := client.Groups.GetOne(context.Background(), "1")
		if err != nil || resp.Attempts != 2 {
			t.Fatalf("GetOne = %+v, %v", resp, err)
		}
	})
	t.Run("DELETE is not retried once the request was sent", func(t *testing.T) {
		client, mux := setup(t)
		var calls atomic.Int32
		mux.HandleFunc("/org/app/chatgroups/1", hijackOnce(t, &calls, `{"data":{"success":true}}`))
		_, err := client.Groups.Delete(context.Background(), "1")
		var re *RequestError
		if !errors.As(err, &re) || !errors.Is(err, ErrUnavailable) || calls.Load() != 1 {
			t.Fatalf("err = %v, calls = %d; want one attempt and a RequestError", err, calls.Load())
		}
		if re.Method != "DELETE" || re.Path != "/org/app/chatgroups/1" {
			t.Errorf("RequestError = %+v", re)
		}
	})
	t.Run("DELETE is retried when the connection was refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nothing listens there now
		counter := &countingTransport{next: newTransport()}
		client, err := NewClient(testConfig("http://"+addr), WithHTTPClient(&http.Client{Transport: counter}),
			WithRateLimits(0, 0), WithRetries(2, time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		_, err = client.Groups.Delete(context.Background(), "1")
		if !errors.Is(err, ErrUnavailable) || counter.n.Load() != 3 {
			t.Errorf("err = %v, round trips = %d; want 3", err, counter.n.Load())
		}
		// Create is never retried, even when nothing was sent.
		counter.n.Store(0)
		if err := create(client); !errors.Is(err, ErrUnavailable) || counter.n.Load() != 1 {
			t.Errorf("create: err = %v, round trips = %d; want 1", err, counter.n.Load())
		}
	})
}

type countingTransport struct {
	next http.RoundTripper
	n    atomic.Int32
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func TestRetryResendsBody(t *testing.T) {
	client, mux := setup(t)
	var (
		calls  atomic.Int32
		bodies []string
		mu     sync.Mutex
	)
	mux.HandleFunc("/org/app/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		if calls.Add(1) == 1 {
			writeJSON(w, 503, `{}`)
			return
		}
		writeJSON(w, 200, `{"data":true}`)
	})
	// No public method retries a request with a body; the machinery must
	// still resend it whole if one ever does.
	_, resp, err := client.do(context.Background(), call{method: "POST", path: "/echo", body: map[string]int{"a": 1}, retry: retryIdempotent})
	if err != nil || resp.Attempts != 2 {
		t.Fatalf("do = %+v, %v", resp, err)
	}
	if diff := cmp.Diff([]string{`{"a":1}`, `{"a":1}`}, bodies); diff != "" {
		t.Errorf("bodies (-want +got):\n%s", diff)
	}
}

func TestBackoffFullJitter(t *testing.T) {
	c := &Client{retryBase: 200 * time.Millisecond}
	for attempt := 1; attempt <= 40; attempt++ {
		ceiling := min(200*time.Millisecond<<(attempt-1), maxBackoff)
		if attempt > 20 {
			ceiling = maxBackoff
		}
		var sum time.Duration
		for range 200 {
			d := c.backoff(attempt)
			if d < 0 || d > ceiling {
				t.Fatalf("backoff(%d) = %s, want within [0, %s]", attempt, d, ceiling)
			}
			sum += d
		}
		if avg := sum / 200; avg < ceiling/4 || avg > ceiling*3/4 {
			t.Errorf("backoff(%d): mean %s for ceiling %s does not look uniform", attempt, avg, ceiling)
		}
	}
}

// --- rate limits ---

func TestRateLimiterReservationMath(t *testing.T) {
	c, err := NewClient(testConfig("https://h"), WithRateLimits(20, 50))
	if err != nil {
		t.Fatal(err)
	}
	if c.limiter.Limit() != 20 || c.limiter.Burst() != 2 || c.joinedLimiter.Limit() != 50 || c.joinedLimiter.Burst() != 5 {
		t.Fatalf("limiters: %v/%d, %v/%d", c.limiter.Limit(), c.limiter.Burst(), c.joinedLimiter.Limit(), c.joinedLimiter.Burst())
	}
	// 30 calls at one instant: the 30th may start only after (30-2)/20 s.
	now := time.Now()
	var last time.Duration
	for range 30 {
		last = c.limiter.ReserveN(now, 1).DelayFrom(now)
	}
	if want := 1400 * time.Millisecond; last < want-time.Millisecond || last > want+time.Millisecond {
		t.Errorf("30th call delayed %s, want %s", last, want)
	}
}

func TestRateLimiterHoldsRate(t *testing.T) {
	client, mux := setup(t, WithRateLimits(20, 0))
	mux.HandleFunc("/org/app/chatgroups/1", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"data":[{"id":"1"}]}`)
	})
	start := time.Now()
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			if _, _, err := client.Groups.GetOne(context.Background(), "1"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// Expected ≈1.4 s (burst 2, then 20/s); assert a generous lower bound only.
	if el := time.Since(start); el < time.Second {
		t.Errorf("30 calls at 20/s took %s, want at least 1s", el)
	}
}

func TestJoinedGroupsUseTheirOwnLimiter(t *testing.T) {
	handlers := func(mux *http.ServeMux) {
		mux.HandleFunc("/org/app/users/u/joined_chatgroups", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, `{"data":[],"count":0}`)
		})
		mux.HandleFunc("/org/app/chatgroups", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, `{"data":[],"count":0}`)
		})
	}
	// One limiter at one call per 10 s (burst 1), the other off: three calls
	// on the open path finish at once and leave the slow limiter untouched;
	// one call on the slow path takes its only token.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()

	slowGeneral, mux := setup(t, WithRateLimits(0.1, 0))
	handlers(mux)
	for range 3 {
		if _, _, err := slowGeneral.Groups.ListJoined(ctx, "u", nil); err != nil {
			t.Fatalf("joined calls must not wait for the general limiter: %v", err)
		}
	}
	if tok := slowGeneral.limiter.Tokens(); tok < 0.99 {
		t.Errorf("general limiter tokens = %.2f after joined calls, want 1", tok)
	}
	if _, _, err := slowGeneral.Groups.List(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if tok := slowGeneral.limiter.Tokens(); tok > 0.1 {
		t.Errorf("general limiter tokens = %.2f after a list call, want 0", tok)
	}

	slowJoined, mux := setup(t, WithRateLimits(0, 0.1))
	handlers(mux)
	for range 3 {
		if _, _, err := slowJoined.Groups.List(ctx, nil); err != nil {
			t.Fatalf("list calls must not wait for the joined limiter: %v", err)
		}
	}
	if tok := slowJoined.joinedLimiter.Tokens(); tok < 0.99 {
		t.Errorf("joined limiter tokens = %.2f after list calls, want 1", tok)
	}
	if _, _, err := slowJoined.Groups.ListJoined(ctx, "u", nil); err != nil {
		t.Fatal(err)
	}
	if tok := slowJoined.joinedLimiter.Tokens(); tok > 0.1 {
		t.Errorf("joined limiter tokens = %.2f after a joined call, want 0", tok)
	}
}

func TestLimiterWaitRespectsContext(t *testing.T) {
	client, mux := setup(t, WithRateLimits(0.5, 0)) // burst 1, then one call per 2s
	var calls atomic.Int32
	mux.HandleFunc("/org/app/chatgroups/1", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, 200, `{"data":[{"id":"1"}]}`)
	})
	if _, _, err := client.Groups.GetOne(context.Background(), "1"); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := client.Groups.GetOne(ctx, "1")
	if !errors.Is(err, ErrRateLimited) || errors.Is(err, ErrUnavailable) || time.Since(start) > 500*time.Millisecond {
		t.Errorf("deadline before the next slot: err = %v after %s; want an immediate ErrRateLimited", err, time.Since(start))
	}

	ctx2, cancel2 := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel2)
	start = time.Now()
	_, _, err = client.Groups.GetOne(ctx2, "1")
	if !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Errorf("cancel while waiting: err = %v after %s", err, time.Since(start))
	}
	if calls.Load() != 1 {
		t.Errorf("server saw %d calls, want 1", calls.Load())
	}
}

// --- connections, logs, secrets ---

func TestConnectionsAreReused(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	var conns atomic.Int32
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	client, err := NewClient(testConfig(srv.URL), WithRetries(0, 0), WithRateLimits(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	big := `{"data":[` + strings.Repeat(`{"id":"1","name":"`+strings.Repeat("n", 100)+`"},`, 500) + `{"id":"1"}]}`
	mux.HandleFunc("/org/app/chatgroups/1", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, big) })
	mux.HandleFunc("/org/app/chatgroups/2", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, `{"error":"resource_not_found","error_description":"grpID 2 does not exist!"}`)
	})
	mux.HandleFunc("/org/app/chatgroups/3", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(502)
		io.WriteString(w, strings.Repeat("<html>bad gateway</html>", 5000)) // beyond the 512 bytes kept
	})
	for i := range 30 {
		id := fmt.Sprint(i%3 + 1)
		_, _, _ = client.Groups.GetOne(context.Background(), id)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("opened %d connections for 30 sequential calls, want 1 (bodies must be drained and closed)", n)
	}
}

func TestLogsAndErrorsNeverContainTheToken(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	client, mux := setup(t, WithLogger(logger))
	var (
		mu   sync.Mutex
		seen []string
	)
	echo := func(w http.ResponseWriter, r *http.Request) string {
		tok := bearer(r)
		mu.Lock()
		seen = append(seen, tok)
		mu.Unlock()
		return tok
	}
	mux.HandleFunc("/org/app/chatgroups/1", func(w http.ResponseWriter, r *http.Request) {
		// A misbehaving proxy echoing the header, in a retryable error.
		w.WriteHeader(503)
		fmt.Fprintf(w, "upstream failed for Authorization: Bearer %s", echo(w, r))
	})
	mux.HandleFunc("/org/app/chatgroups/2", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 401, fmt.Sprintf(`{"error":"unauthorized","error_description":"bad token %s"}`, echo(w, r)))
	})
	var errs []error
	for _, id := range []string{"1", "2"} {
		_, _, err := client.Groups.GetOne(context.Background(), id)
		if err == nil {
			t.Fatal("want an error")
		}
		errs = append(errs, err)
	}
	if !strings.Contains(logs.String(), "agora: retrying") || !strings.Contains(logs.String(), "agora: built app token") {
		t.Errorf("expected retry and token logs, got:\n%s", logs.String())
	}
	for _, tok := range seen {
		if tok == "" {
			t.Fatal("no token seen")
		}
		for _, err := range errs {
			var e *Error
			errors.As(err, &e)
			if strings.Contains(err.Error(), tok) || strings.Contains(fmt.Sprintf("%+v %#v", e, e), tok) {
				t.Errorf("error contains the token: %v", err)
			}
		}
		if strings.Contains(logs.String(), tok) || strings.Contains(logs.String(), vectorCert) {
			t.Error("logs contain the token or certificate")
		}
	}
	if !strings.Contains(errs[1].Error(), "bad token [redacted]") {
		t.Errorf("Error() = %q", errs[1])
	}
}

// --- client-side validation ---

func TestValidationMakesNoCall(t *testing.T) {
	client, _ := setup(t) // the catch-all handler fails the test on any request
	ctx := context.Background()
	long := func(n int) string { return strings.Repeat("é", n) }
	members := make([]string, 101)
	for i := range members {
		members[i] = fmt.Sprint("m", i)
	}
	okReq := func(edit func(*CreateGroupRequest)) *CreateGroupRequest {
		r := &CreateGroupRequest{GroupName: "g", Owner: "owner", Public: true}
		edit(r)
		return r
	}
	tests := []struct {
		name  string
		field string
		call  func() error
	}{
		{"create nil", "request", func() error { _, _, err := client.Groups.Create(ctx, nil); return err }},
		{"create empty owner", "owner", func() error {
			_, _, err := client.Groups.Create(ctx, okReq(func(r *CreateGroupRequest) { r.Owner = "" }))
			return err
		}},
		{"create bad owner", "owner", func() error {
			_, _, err := client.Groups.Create(ctx, okReq(func(r *CreateGroupRequest) { r.Owner = "a b" }))
			return err
		}},
		{"create name 129 runes", "groupname", func() error {
			_, _, err := client.Groups.Create(ctx, okReq(func(r *CreateGroupRequest) { r.GroupName = long(129) }))
			return err
		}},
		{"create desc 513 runes", "desc", func() error {
			_, _, err := client.Groups.Create(ctx, okReq(func(r *CreateGroupRequest) { r.Description = long(513) }))
			return err
		}},
		{"create custom 1025 runes", "custom", func() error {
			_, _, err := client.Groups.Create(ctx, okReq(func(r *CreateGroupRequest) { r.Custom = String(long(1025)) }))
			return err
		}},
		{"create 101 members", "members", func() error {
			_, _, err := client.Groups.Create(ctx, okReq(func(r *CreateGroupRequest) { r.Members = members }))
			return err
		}},
		{"create bad member", "members[1]", func() error {
			_, _, err := client.Groups.Create(ctx, okReq(func(r *CreateGroupRequest) { r.Members = []string{"ok", "nö"} }))
			return err
		}},
		{"create maxusers 0", "maxusers", func() error {
			_, _, err := client.Groups.Create(ctx, okReq(func(r *CreateGroupRequest) { r.MaxUsers = Int(0) }))
			return err
		}},
		{"get no ids", "ids", func() error { _, _, err := client.Groups.Get(ctx); return err }},
		{"get empty id", "ids[1]", func() error { _, _, err := client.Groups.Get(ctx, "1", ""); return err }},
		{"get id with comma", "ids[0]", func() error { _, _, err := client.Groups.Get(ctx, "1,2"); return err }},
		{"getone empty", "id", func() error { _, _, err := client.Groups.GetOne(ctx, ""); return err }},
		{"update empty id", "id", func() error {
			_, err := client.Groups.Update(ctx, "", &UpdateGroupRequest{GroupName: String("x")})
			return err
		}},
		{"update nil", "request", func() error { _, err := client.Groups.Update(ctx, "1", nil); return err }},
		{"update empty", "request", func() error { _, err := client.Groups.Update(ctx, "1", &UpdateGroupRequest{}); return err }},
		{"update name too long", "groupname", func() error {
			_, err := client.Groups.Update(ctx, "1", &UpdateGroupRequest{GroupName: String(long(129))})
			return err
		}},
		{"update description too long", "description", func() error {
			_, err := client.Groups.Update(ctx, "1", &UpdateGroupRequest{Description: String(long(513))})
			return err
		}},
		{"update custom too long", "custom", func() error {
			_, err := client.Groups.Update(ctx, "1", &UpdateGroupRequest{Custom: String(long(1025))})
			return err
		}},
		{"update maxusers 0", "maxusers", func() error {
			_, err := client.Groups.Update(ctx, "1", &UpdateGroupRequest{MaxUsers: Int(0)})
			return err
		}},
		{"transfer empty owner", "newowner", func() error { _, err := client.Groups.TransferOwner(ctx, "1", ""); return err }},
		{"transfer empty id", "id", func() error { _, err := client.Groups.TransferOwner(ctx, "", "u"); return err }},
		{"delete empty id", "id", func() error { _, err := client.Groups.Delete(ctx, ""); return err }},
		{"list negative limit", "limit", func() error { _, _, err := client.Groups.List(ctx, &ListOptions{Limit: -1}); return err }},
		{"joined bad username", "username", func() error { _, _, err := client.Groups.ListJoined(ctx, "a/b", nil); return err }},
		{"joined 65 chars", "username", func() error { _, _, err := client.Groups.ListJoined(ctx, strings.Repeat("a", 65), nil); return err }},
		{"joined negative page", "pagenum", func() error {
			_, _, err := client.Groups.ListJoined(ctx, "u", &JoinedOptions{PageNum: -1})
			return err
		}},
		{"members list empty group", "groupid", func() error { _, _, err := client.Members.List(ctx, "", nil); return err }},
		{"members list negative size", "pagesize", func() error {
			_, _, err := client.Members.List(ctx, "1", &PageOptions{PageSize: -5})
			return err
		}},
		{"add nobody", "usernames", func() error { _, _, err := client.Members.Add(ctx, "1"); return err }},
		{"add bad name", "usernames[2]", func() error { _, _, err := client.Members.Add(ctx, "1", "a", "b", "c#d"); return err }},
		{"remove nobody", "usernames", func() error { _, _, err := client.Members.Remove(ctx, "1"); return err }},
		{"remove empty name", "usernames[0]", func() error { _, _, err := client.Members.Remove(ctx, "1", ""); return err }},
		{"admins empty group", "groupid", func() error { _, _, err := client.Members.ListAdmins(ctx, ""); return err }},
		{"add admin bad", "newadmin", func() error { _, err := client.Members.AddAdmin(ctx, "1", "x y"); return err }},
		{"remove admin bad", "username", func() error { _, err := client.Members.RemoveAdmin(ctx, "1", ""); return err }},
		{"users create none", "users", func() error { _, _, err := client.Users.Create(ctx); return err }},
		{"users create bad name", "users[1].username", func() error {
			_, _, err := client.Users.Create(ctx, NewUser{Username: "a", Password: "p"}, NewUser{Username: "b c", Password: "p"})
			return err
		}},
		{"users create no password", "users[0].password", func() error { _, _, err := client.Users.Create(ctx, NewUser{Username: "a"}); return err }},
		{"users get empty", "username", func() error { _, _, err := client.Users.Get(ctx, ""); return err }},
		{"users delete bad", "username", func() error { _, err := client.Users.Delete(ctx, "../x"); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("err = %v, want a *ValidationError", err)
			}
			if ve.Field != tt.field {
				t.Errorf("Field = %q, want %q (%v)", ve.Field, tt.field, err)
			}
		})
	}
}

func TestValidationAcceptsLimits(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/org/app/chatgroups", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"data":{"groupid":"1"}}`)
	})
	members := make([]string, 100)
	for i := range members {
		members[i] = fmt.Sprint("m", i)
	}
	_, _, err := client.Groups.Create(context.Background(), &CreateGroupRequest{
		GroupName: strings.Repeat("名", 128), Description: strings.Repeat("d", 512), Custom: String(strings.Repeat("c", 1024)),
		Owner: strings.Repeat("A", 64), Members: members, MaxUsers: Int(1),
	})
	if err != nil {
		t.Fatalf("values at the limits must pass: %v", err)
	}
}
