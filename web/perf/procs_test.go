package perf

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// roleEnv tells a re-executed test binary which helper process to be; the
// helper tests skip when it is not theirs, so go test ./... passes them by.
const roleEnv = "GROUPDESK_PERF_ROLE"

const (
	roleLoadGen      = "loadgen"
	roleFakeUpstream = "fake-upstream"
	roleBareEcho     = "bare-echo"
)

// procCost is a process's CPU time and write syscalls so far, from
// /proc/PID/stat and /proc/PID/io.
type procCost struct {
	cpu    time.Duration // user + system
	writes int64         // syscw: write, writev, sendmsg… on sockets and files
}

// userHZ is the unit of the times in /proc/PID/stat, 100 on Linux whatever
// the kernel's own tick.
const userHZ = 100

func readProcCost(pid int) (procCost, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procCost{}, err
	}
	// The command name may hold spaces: the fields start after its ')'.
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if i < 0 || len(f) < 13 {
		return procCost{}, fmt.Errorf("/proc/%d/stat: unexpected %q", pid, b)
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	c := procCost{cpu: time.Duration(utime+stime) * time.Second / userHZ}
	io, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/io")
	if err != nil {
		return procCost{}, err
	}
	for line := range strings.Lines(string(io)) {
		if v, ok := strings.CutPrefix(line, "syscw:"); ok {
			c.writes, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	return c, nil
}

// listenLine is how a helper server announces its address on stdout.
const listenLine = "LISTEN "

// child is a process the harness started; stop ends it.
type child struct {
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader // stdout, for helpers that talk to the harness
	start time.Time
	log   string // file with its stderr (and stdout, for the binary)
	done  chan struct{}
}

// helperCmd re-executes the test binary as one of the helper processes.
func helperCmd(role, test string, extraEnv ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1", "-test.timeout=0")
	cmd.Env = append(cleanEnv(), roleEnv+"="+role)
	cmd.Env = append(cmd.Env, extraEnv...)
	return cmd
}

// cleanEnv is the harness's environment without the settings that would
// change what a child does (a developer's AGORA_HOST, for one).
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AGORA_") || strings.HasPrefix(kv, "GROUPDESK_") || strings.HasPrefix(kv, roleEnv+"=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// startChild starts cmd with its stderr in logDir and its stdout piped back,
// and stops it when the test ends.
func startChild(t *testing.T, name string, cmd *exec.Cmd, logDir string) *child {
	t.Helper()
	logPath := filepath.Join(logDir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{name: name, cmd: cmd, stdin: stdin, out: bufio.NewReaderSize(stdout, 1<<20), log: logPath, done: make(chan struct{})}
	c.start = time.Now()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(c.done)
	}()
	t.Cleanup(c.stop)
	return c
}

// stop asks the child to end (stdin closed, then SIGTERM) and kills it if
// it has not after a few seconds. Only this child's own pid is signalled.
func (c *child) stop() {
	select {
	case <-c.done:
		return
	default:
	}
	_ = c.stdin.Close()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// waitListen reads the helper's address from its first LISTEN line.
func (c *child) waitListen(t *testing.T) string {
	t.Helper()
	type result struct {
		addr string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		for {
			line, err := c.out.ReadString('\n')
			if strings.HasPrefix(line, listenLine) {
				ch <- result{addr: strings.TrimSpace(strings.TrimPrefix(line, listenLine))}
				return
			}
			if err != nil {
				ch <- result{err: err}
				return
			}
		}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("%s did not start: %v; its log:\n%s", c.name, r.err, tail(c.log))
		}
		return r.addr
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not announce its address within a minute; its log:\n%s", c.name, tail(c.log))
	}
	return ""
}

// tail is the end of a log file, for failure messages.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// freeAddr finds a loopback port nobody listens on, for GROUPDESK_ADDR.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// waitReady polls the dashboard until /healthz answers 200 and returns the
// time since the process was started. Before the health endpoint existed
// the login page was the sign of life; a 404 from /healthz falls back to it.
func waitReady(t *testing.T, c *child, base string) time.Duration {
	t.Helper()
	hc := &http.Client{Timeout: time.Second}
	probe := "/healthz"
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-c.done:
			t.Fatalf("%s exited before it was ready; its log:\n%s", c.name, tail(c.log))
		default:
		}
		resp, err := hc.Get(base + probe)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			switch {
			case resp.StatusCode == http.StatusOK:
				return time.Since(c.start)
			case resp.StatusCode == http.StatusNotFound && probe == "/healthz":
				probe = "/login"
				continue
			}
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("%s was not ready after 30s; its log:\n%s", c.name, tail(c.log))
	return 0
}

// procMemory is a process's resident memory from /proc/PID/status, in KiB.
// Anon is the process's own memory; File is mostly the binary's mapped
// code, clean pages shared with the page cache.
type procMemory struct {
	RSS  int64 `json:"rss"`  // VmRSS
	HWM  int64 `json:"hwm"`  // VmHWM, the peak so far
	Anon int64 `json:"anon"` // RssAnon
	File int64 `json:"file"` // RssFile
}

func readProcMemory(pid int) (procMemory, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return procMemory{}, err
	}
	var m procMemory
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		n, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			m.RSS = n
		case "VmHWM:":
			m.HWM = n
		case "RssAnon:":
			m.Anon = n
		case "RssFile:":
			m.File = n
		}
	}
	if m.RSS == 0 {
		return m, errors.New("no VmRSS in /proc/" + strconv.Itoa(pid) + "/status")
	}
	return m, nil
}

// sampleMemory polls a process's RSS until ctx ends and returns the largest
// reading (the kernel's VmHWM covers the moments between samples).
func sampleMemory(ctx context.Context, pid int) <-chan procMemory {
	ch := make(chan procMemory, 1)
	go func() {
		var peak procMemory
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if m, err := readProcMemory(pid); err == nil {
				peak.RSS = max(peak.RSS, m.RSS)
				peak.HWM = max(peak.HWM, m.HWM)
				peak.Anon = max(peak.Anon, m.Anon)
				peak.File = max(peak.File, m.File)
			}
			select {
			case <-ctx.Done():
				ch <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return ch
}

// newLoopback serves h on a loopback port for the rest of the test and
// returns its base URL.
func newLoopback(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// serveHelper listens on a loopback port, announces it and serves h until
// the harness closes stdin.
func serveHelper(h http.Handler) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() { _ = srv.Serve(ln) }()
	fmt.Printf("%s%s\n", listenLine, ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin) // returns when the harness closes stdin or exits
	return srv.Close()
}

// upstreamEnv gives the bare Echo process the fake upstream's base URL.
const upstreamEnv = "GROUPDESK_PERF_UPSTREAM"

// TestBareEchoProcess is the baseline server: echo.New and one GET handler
// returning a short string, nothing else. Only the harness runs it.
//
// It also serves GET /floor?bytes=N, a reference for the list page: the
// same list-all call to the fake upstream, body read but not decoded, then
// N bytes of page. No session, no decoding, no template: what any dashboard
// would have to spend on this page against this upstream.
func TestBareEchoProcess(t *testing.T) {
	if os.Getenv(roleEnv) != roleBareEcho {
		t.Skip("a helper process of TestBenchHarness")
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "hello") })

	listAll := os.Getenv(upstreamEnv) + "/" + fakeOrg + "/" + fakeApp + "/chatgroups?limit=50"
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	page := []byte(strings.Repeat("<tr><td>row</td></tr>\n", 1<<13))
	e.GET("/floor", func(c echo.Context) error {
		if err := fetch(c.Request().Context(), hc, listAll, ""); err != nil {
			return err
		}
		n, _ := strconv.Atoi(c.QueryParam("bytes"))
		return c.HTMLBlob(http.StatusOK, page[:min(max(n, 0), len(page))])
	})
	if err := serveHelper(e); err != nil {
		t.Fatal(err)
	}
}
