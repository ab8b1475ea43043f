package perf

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The load generator is one long-lived process the harness drives through
// stdin: one JSON command a line, one JSON answer a line (prefixed
// loadGenReply) on stdout. Keeping it alive lets sessions signed in once
// serve every round.

const loadGenReply = "LOADGEN "

// loadCommand is one instruction to the load generator.
type loadCommand struct {
	Op     string `json:"op"`     // "login" or "run"
	Target string `json:"target"` // a name for the server: sessions are kept per target
	Base   string `json:"base"`   // http://host:port

	// login
	Sessions int    `json:"sessions,omitempty"`
	User     string `json:"user,omitempty"`
	Password string `json:"password,omitempty"`

	// run: Concurrency requests in flight, each worker cycling through
	// Paths with its own session (worker i uses session i mod sessions).
	Paths       []string      `json:"paths,omitempty"`
	Concurrency int           `json:"concurrency,omitempty"`
	Warmup      time.Duration `json:"warmup,omitempty"`
	// Interval > 0 paces each worker: a request starts at most every
	// Interval (an open loop of page views rather than a closed loop).
	Interval time.Duration `json:"interval,omitempty"`
	Duration time.Duration `json:"duration,omitempty"`
}

// loadStats is the answer to a run.
type loadStats struct {
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	Seconds  float64 `json:"seconds"`
	RPS      float64 `json:"rps"`
	P50ms    float64 `json:"p50_ms"`
	P90ms    float64 `json:"p90_ms"`
	P99ms    float64 `json:"p99_ms"`
	// FirstError describes one failed request, to say why there were errors.
	FirstError string `json:"first_error,omitempty"`
	// Total counts every request of the run, warm-up included: the
	// server's CPU and write syscalls over the whole run are divided by it.
	Total int `json:"total"`
	// Filled in by the harness from /proc of the server: its CPU time and
	// write syscalls per request over the whole run.
	CPUus  float64 `json:"cpu_us_per_request,omitempty"`
	Writes float64 `json:"writes_per_request,omitempty"`
}

type loadReply struct {
	OK    bool       `json:"ok"`
	Error string     `json:"error,omitempty"`
	Stats *loadStats `json:"stats,omitempty"`
	// Login: how long signing in all sessions took.
	LoginSeconds float64 `json:"login_seconds,omitempty"`
}

// TestLoadGeneratorProcess is the load generator. Only the harness runs it.
func TestLoadGeneratorProcess(t *testing.T) {
	if os.Getenv(roleEnv) != roleLoadGen {
		t.Skip("a helper process of TestBenchHarness")
	}
	lg := &loadGen{sessions: map[string][]string{}, tr: &http.Transport{
		MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute, DisableCompression: true,
	}}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		var cmd loadCommand
		reply := loadReply{OK: true}
		if err := json.Unmarshal(in.Bytes(), &cmd); err != nil {
			reply = loadReply{Error: err.Error()}
		} else if err := lg.handle(cmd, &reply); err != nil {
			reply = loadReply{Error: err.Error()}
		}
		b, _ := json.Marshal(reply)
		fmt.Printf("%s%s\n", loadGenReply, b)
	}
}

type loadGen struct {
	sessions map[string][]string // target → Cookie header of each signed-in session
	tr       *http.Transport
}

func (lg *loadGen) handle(cmd loadCommand, reply *loadReply) error {
	switch cmd.Op {
	case "login":
		start := time.Now()
		cookies, err := loginSessions(cmd.Base, cmd.User, cmd.Password, cmd.Sessions)
		if err != nil {
			return err
		}
		lg.sessions[cmd.Target] = append(lg.sessions[cmd.Target], cookies...)
		reply.LoginSeconds = time.Since(start).Seconds()
		return nil
	case "run":
		if len(cmd.Paths) == 0 || cmd.Concurrency < 1 || cmd.Duration <= 0 {
			return errors.New("run needs paths, concurrency ≥ 1 and a duration")
		}
		stats := lg.run(cmd)
		reply.Stats = &stats
		return nil
	}
	return fmt.Errorf("unknown op %q", cmd.Op)
}

// csrfInput finds the login form's token.
var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// loginSessions signs in n sessions the way a browser does: GET /login for
// the session cookie and the form's CSRF token, then POST the form. Two at
// a time, as bcrypt makes each sign-in cost tens of milliseconds of CPU.
func loginSessions(base, user, password string, n int) ([]string, error) {
	cookies := make([]string, n)
	errs := make([]error, n)
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			cookies[i], errs[i] = login(base, user, password)
		})
	}
	wg.Wait()
	return cookies, errors.Join(errs...)
}

func login(base, user, password string) (string, error) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(base + "/login")
	if err != nil {
		return "", err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfInput.FindSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		return "", fmt.Errorf("GET /login: %s and no CSRF token in the form", resp.Status)
	}
	resp, err = hc.PostForm(base+"/login", url.Values{"username": {user}, "password": {password}, "_csrf": {string(m[1])}})
	if err != nil {
		return "", err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("POST /login: %s, want 303 See Other", resp.Status)
	}
	u, _ := url.Parse(base)
	var parts []string
	for _, c := range jar.Cookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; "), nil
}

// run keeps cmd.Concurrency requests in flight for the warm-up and then the
// measured duration. Throughput and latencies are those of the requests
// that completed inside the measured window.
func (lg *loadGen) run(cmd loadCommand) loadStats {
	sessions := lg.sessions[cmd.Target]
	hc := &http.Client{Transport: lg.tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	measureFrom := time.Now().Add(cmd.Warmup)
	stop := measureFrom.Add(cmd.Duration)
	ctx, cancel := context.WithDeadline(context.Background(), stop.Add(30*time.Second))
	defer cancel()

	type workerStats struct {
		lat      []time.Duration
		total    int
		errors   int
		firstErr string
	}
	results := make([]workerStats, cmd.Concurrency)
	var wg sync.WaitGroup
	for w := range cmd.Concurrency {
		wg.Go(func() {
			ws := &results[w]
			cookie := ""
			if len(sessions) > 0 {
				cookie = sessions[w%len(sessions)]
			}
			next := time.Now()
			for i := w; ; i++ {
				if cmd.Interval > 0 {
					time.Sleep(time.Until(next))
					next = next.Add(cmd.Interval)
				}
				start := time.Now()
				if !start.Before(stop) {
					return
				}
				path := cmd.Paths[i%len(cmd.Paths)]
				err := fetch(ctx, hc, cmd.Base+path, cookie)
				end := time.Now()
				ws.total++
				if end.Before(measureFrom) || end.After(stop) {
					continue
				}
				ws.lat = append(ws.lat, end.Sub(start))
				if err != nil {
					ws.errors++
					if ws.firstErr == "" {
						ws.firstErr = path + ": " + err.Error()
					}
				}
			}
		})
	}
	wg.Wait()

	var all []time.Duration
	st := loadStats{}
	for _, ws := range results {
		all = append(all, ws.lat...)
		st.Errors += ws.errors
		st.Total += ws.total
		if st.FirstError == "" {
			st.FirstError = ws.firstErr
		}
	}
	slices.Sort(all)
	st.Requests = len(all)
	st.Seconds = cmd.Duration.Seconds()
	st.RPS = float64(st.Requests) / st.Seconds
	st.P50ms, st.P90ms, st.P99ms = percentileMs(all, 50), percentileMs(all, 90), percentileMs(all, 99)
	return st
}

// fetch GETs target, reads the whole body and wants a 200.
func fetch(ctx context.Context, hc *http.Client, target, cookie string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return err
}

// percentileMs is the p-th percentile of sorted latencies, in milliseconds.
func percentileMs(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p / 100)
	return float64(sorted[i].Microseconds()) / 1000
}

// loadGenClient is the harness's side of the load generator.
type loadGenClient struct {
	c  *child
	mu sync.Mutex
}

func (l *loadGenClient) do(cmd loadCommand) (loadReply, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, _ := json.Marshal(cmd)
	if _, err := l.c.stdin.Write(append(b, '\n')); err != nil {
		return loadReply{}, fmt.Errorf("load generator: %w", err)
	}
	for {
		line, err := l.c.out.ReadString('\n')
		if rest, ok := strings.CutPrefix(line, loadGenReply); ok {
			var r loadReply
			if err := json.Unmarshal([]byte(rest), &r); err != nil {
				return r, fmt.Errorf("load generator answered %q: %w", rest, err)
			}
			if !r.OK {
				return r, fmt.Errorf("load generator: %s", r.Error)
			}
			return r, nil
		}
		if err != nil {
			return loadReply{}, fmt.Errorf("load generator stopped: %w; its log:\n%s", err, tail(l.c.log))
		}
	}
}
