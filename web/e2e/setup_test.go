package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"groupdesk/agora"
	"groupdesk/agora/sandbox"
	"groupdesk/web"
)

// 32-hex test credentials, shared by the sandbox and the client.
const (
	testAppID   = "5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b"
	testAppCert = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
	testOrg     = "demo"
	testApp     = "groupdesk"

	adminUser     = "admin"
	adminPassword = "correct-horse-battery"

	// testTimeout bounds each test: a hang fails the test instead of
	// eating the CI budget.
	testTimeout = 60 * time.Second
	// startTimeout bounds the start of the browser.
	startTimeout = 60 * time.Second
	// waitTimeout bounds a wait for something htmx swaps in.
	waitTimeout = 10 * time.Second
)

// stack is the system under test and the browser, shared by the tests of
// the package: seeding the sandbox and starting Chromium are the slow parts.
var stack struct {
	once sync.Once
	err  error
	skip string // why the tests skip; "" when they run

	dir        string
	sb         *sandbox.Sandbox
	sbServer   *httptest.Server
	client     *agora.Client
	srv        *web.Server
	webServer  *httptest.Server
	allocStop  context.CancelFunc
	browser    context.Context
	browserEnd context.CancelFunc
}

func TestMain(m *testing.M) {
	code := m.Run()
	teardown()
	os.Exit(code)
}

func teardown() {
	if stack.browserEnd != nil {
		stack.browserEnd()
	}
	if stack.allocStop != nil {
		stack.allocStop()
	}
	if stack.webServer != nil {
		stack.webServer.Close()
	}
	if stack.srv != nil {
		stack.srv.Close()
	}
	if stack.sbServer != nil {
		stack.sbServer.Close()
	}
	if stack.sb != nil {
		stack.sb.Close()
	}
	if stack.dir != "" {
		// Chromium's last writes to its profile can race the first try.
		err := os.RemoveAll(stack.dir)
		for try := 0; err != nil && try < 5; try++ {
			time.Sleep(200 * time.Millisecond)
			err = os.RemoveAll(stack.dir)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "e2e: remove %s: %v\n", stack.dir, err)
		}
	}
}

// chromiumPath finds the browser: $GROUPDESK_E2E_CHROMIUM if set (a path
// that does not exist counts as no browser), else Debian's /usr/bin/chromium,
// else a chromium on PATH.
func chromiumPath() string {
	if p, ok := os.LookupEnv("GROUPDESK_E2E_CHROMIUM"); ok {
		if _, err := os.Stat(p); err != nil {
			return ""
		}
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// setup returns the shared stack, starting it on first use. Without a
// browser the test skips, or fails when CI=true.
func setup(t *testing.T) {
	t.Helper()
	stack.once.Do(start)
	if stack.skip != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but the browser tests cannot run: %s", stack.skip)
		}
		t.Skip(stack.skip)
	}
	if stack.err != nil {
		t.Fatalf("start the test stack: %v", stack.err)
	}
}

func start() {
	path := chromiumPath()
	if path == "" {
		stack.skip = "no Chromium found ($GROUPDESK_E2E_CHROMIUM, /usr/bin/chromium, chromium or chromium-browser on PATH); install it to run the browser tests"
		return
	}
	stack.err = startStack(path)
}

func startStack(chromium string) error {
	dir, err := os.MkdirTemp("", "groupdesk-e2e-")
	if err != nil {
		return err
	}
	stack.dir = dir
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))

	stack.sb, err = sandbox.Open(sandbox.Config{
		DataDir: filepath.Join(dir, "sandbox"), Org: testOrg, App: testApp,
		AppID: testAppID, AppCertificate: testAppCert, Logger: discard,
	})
	if err != nil {
		return fmt.Errorf("sandbox.Open: %w", err)
	}
	if seeded, err := stack.sb.SeedDemo(context.Background()); err != nil || !seeded {
		return fmt.Errorf("SeedDemo: seeded=%v, %v", seeded, err)
	}
	stack.sbServer = httptest.NewServer(stack.sb.Handler())

	stack.client, err = agora.NewClient(agora.Config{
		Host: stack.sbServer.URL, OrgName: testOrg, AppName: testApp,
		AppID: testAppID, AppCertificate: testAppCert,
	})
	if err != nil {
		return fmt.Errorf("agora.NewClient: %w", err)
	}
	stack.srv, err = web.New(web.Config{
		DataDir:       filepath.Join(dir, "web"),
		AdminPassword: adminPassword,
		Mode:          web.ModeSandbox,
		Logger:        discard,
	}, stack.client)
	if err != nil {
		return fmt.Errorf("web.New: %w", err)
	}
	stack.webServer = httptest.NewServer(stack.srv.Handler())

	profile := filepath.Join(dir, "chromium-profile")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, allocStop := chromedp.NewExecAllocator(context.Background(), opts...)
	stack.allocStop = allocStop
	stack.browser, stack.browserEnd = chromedp.NewContext(allocCtx)

	// The first Do starts the browser and binds its life to the context it
	// gets, so it gets one without a deadline; the wait is bounded here.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(stack.browser) }()
	select {
	case err := <-started:
		if err != nil {
			return fmt.Errorf("start %s: %w", chromium, err)
		}
	case <-time.After(startTimeout):
		stack.browserEnd()
		return fmt.Errorf("start %s: no answer after %s", chromium, startTimeout)
	}
	return nil
}

// tab is one test's browser tab, in a browser context of its own (its own
// cookies), with everything the page writes to the console recorded.
type tab struct {
	t       *testing.T
	ctx     context.Context
	console *consoleLog
	// allowCSP lets a test provoke a CSP violation on purpose.
	allowCSP bool
}

type tabOption func(*tabConfig)

type tabConfig struct{ noScript bool }

// withoutJavaScript turns off script execution in the tab before the first
// page loads.
func withoutJavaScript() tabOption { return func(c *tabConfig) { c.noScript = true } }

func newTab(t *testing.T, opts ...tabOption) *tab {
	t.Helper()
	setup(t)
	var cfg tabConfig
	for _, o := range opts {
		o(&cfg)
	}
	tctx, cancelTimeout := context.WithTimeout(stack.browser, testTimeout)
	tb := &tab{t: t, console: &consoleLog{}}
	ctx, cancel := chromedp.NewContext(tctx,
		chromedp.WithNewBrowserContext(),
		chromedp.WithListener(tb.console.listen),
	)
	tb.ctx = ctx
	t.Cleanup(func() {
		cancel()
		cancelTimeout()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	if cfg.noScript {
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatalf("turn off JavaScript: %v", err)
		}
	}
	// Runs before cancel (cleanups are LIFO).
	t.Cleanup(tb.finish)
	return tb
}

// finish fails the test on a CSP violation or a JavaScript error, and keeps
// a screenshot of a failed test.
func (tb *tab) finish() {
	t := tb.t
	if tb.ctx.Err() != nil {
		t.Errorf("the test ran out of its %s budget", testTimeout)
		return
	}
	// Listeners run in the order of the messages, so once this command has
	// its answer every console event sent before it has been recorded.
	if _, err := chromedp.Run(tb.ctx, chromedp.Location()); err != nil {
		t.Errorf("flush console events: %v", err)
	}
	csp, errs, other := tb.console.snapshot()
	if !tb.allowCSP {
		for _, m := range csp {
			t.Errorf("Content Security Policy violation: %s", m)
		}
	}
	for _, m := range errs {
		t.Errorf("JavaScript error: %s", m)
	}
	for _, m := range other {
		t.Logf("console: %s", m)
	}
	if t.Failed() {
		if buf, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100)); err == nil {
			name := "FAILED-" + strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
			writeScreenshot(t, name, buf)
		}
	}
}

// consoleLog records what the page reports: console API calls, uncaught
// exceptions and the browser log (where Chrome reports CSP violations).
type consoleLog struct {
	mu    sync.Mutex
	csp   []string // CSP violations, from any source
	errs  []string // uncaught exceptions and console.error calls
	other []string // everything else, for the test log
}

// listen runs in the tab's message loop: it must be quick.
func (c *consoleLog) listen(ev any) {
	var kind, text string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		kind, text = "exception", exceptionText(ev.ExceptionDetails)
	case *runtime.EventConsoleAPICalled:
		kind, text = "console."+string(ev.Type), argsText(ev.Args)
	case *log.EventEntryAdded:
		if ev.Entry == nil {
			return
		}
		kind = "log." + string(ev.Entry.Source) + "." + string(ev.Entry.Level)
		text = ev.Entry.Text
		if ev.Entry.URL != "" {
			text += " (" + ev.Entry.URL + ")"
		}
	default:
		return
	}
	msg := kind + ": " + text
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case strings.Contains(text, "Content Security Policy"):
		c.csp = append(c.csp, msg)
	case kind == "exception" || kind == "console.error":
		c.errs = append(c.errs, msg)
	default:
		c.other = append(c.other, msg)
	}
}

func (c *consoleLog) snapshot() (csp, errs, other []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.csp...), append([]string(nil), c.errs...), append([]string(nil), c.other...)
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "(no details)"
	}
	s := d.Text
	if d.Exception != nil && d.Exception.Description != "" {
		s += " " + d.Exception.Description
	}
	return fmt.Sprintf("%s at %s:%d", s, d.URL, d.LineNumber+1)
}

func argsText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		switch {
		case a == nil:
		case len(a.Value) > 0:
			parts = append(parts, strings.Trim(string(a.Value), `"`))
		default:
			parts = append(parts, a.Description)
		}
	}
	return strings.Join(parts, " ")
}

// ---- actions ----

// tid selects elements by their data-testid.
func tid(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }

func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.t.Fatalf("browser: %v", err)
	}
}

// open loads a path of the dashboard and returns the document's response.
func (tb *tab) open(path string) *network.Response {
	tb.t.Helper()
	resp, err := chromedp.Run(tb.ctx, chromedp.NavigateResponse(stack.webServer.URL+path))
	if err != nil {
		tb.t.Fatalf("open %s: %v", path, err)
	}
	return resp
}

// follow clicks something that loads a new page and returns its response
// (the last one, after redirects).
func (tb *tab) follow(sel chromedp.CSS) *network.Response {
	tb.t.Helper()
	resp, err := chromedp.RunResponse(tb.ctx, chromedp.Click(sel))
	if err != nil {
		tb.t.Fatalf("click %s and wait for the page: %v", sel, err)
	}
	if resp == nil {
		tb.t.Fatalf("click %s: no document response", sel)
	}
	return resp
}

// text is the visible text of the first match.
func (tb *tab) text(sel chromedp.CSS) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Text(sel))
	if err != nil {
		tb.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.Join(strings.Fields(s), " ")
}

// value is the current value of a form field.
func (tb *tab) value(sel chromedp.CSS) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Value(sel))
	if err != nil {
		tb.t.Fatalf("value of %s: %v", sel, err)
	}
	return s
}

// attr is an attribute of the first match ("" when it has none).
func (tb *tab) attr(sel chromedp.CSS, name string) string {
	tb.t.Helper()
	r, err := chromedp.Run(tb.ctx, chromedp.AttributeValue(sel, name))
	if err != nil {
		tb.t.Fatalf("attribute %s of %s: %v", name, sel, err)
	}
	return r.Value
}

// attrs is one attribute of every element that matches css, in document
// order; it reads the DOM, so it works with JavaScript turned off.
func (tb *tab) attrs(css, name string) []string {
	tb.t.Helper()
	all, err := chromedp.Run(tb.ctx, chromedp.AttributesAll(chromedp.CSSAll(css), chromedp.AtLeast(0)))
	if err != nil {
		tb.t.Fatalf("attributes of %s: %v", css, err)
	}
	out := make([]string, 0, len(all))
	for _, m := range all {
		out = append(out, m[name])
	}
	return out
}

// count is the number of elements that match css.
func (tb *tab) count(css string) int {
	tb.t.Helper()
	nodes, err := chromedp.Run(tb.ctx, chromedp.Nodes(chromedp.CSSAll(css), chromedp.AtLeast(0)))
	if err != nil {
		tb.t.Fatalf("count %s: %v", css, err)
	}
	return len(nodes)
}

// waitJS waits until a JavaScript expression is truthy (JS tabs only).
func (tb *tab) waitJS(what, expr string) {
	tb.t.Helper()
	_, err := chromedp.Run(tb.ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(waitTimeout)))
	if err != nil {
		tb.t.Fatalf("wait until %s (%s): %v", what, expr, err)
	}
}

// url is the address of the current page.
func (tb *tab) url() *url.URL {
	tb.t.Helper()
	loc, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil {
		tb.t.Fatalf("location: %v", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		tb.t.Fatalf("location %q: %v", loc, err)
	}
	return u
}

// login signs in as the first account and checks it lands on /groups.
func (tb *tab) login() {
	tb.t.Helper()
	tb.open("/login")
	tb.do(
		chromedp.SendKeys(tid("login-username"), adminUser),
		chromedp.SendKeys(tid("login-password"), adminPassword),
	)
	resp := tb.follow(tid("login-submit"))
	if resp.Status != 200 || tb.url().Path != "/groups" {
		tb.t.Fatalf("sign in: status %d at %s, want 200 at /groups", resp.Status, tb.url())
	}
}

// screenshot keeps a full-page PNG of the current page.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	tb.capture(name, chromedp.FullScreenshot(100))
}

// viewportScreenshot keeps a PNG of what the window shows. A modal dialog's
// backdrop covers the window only, so a full-page shot of it misleads.
func (tb *tab) viewportScreenshot(name string) {
	tb.t.Helper()
	tb.capture(name, chromedp.CaptureScreenshot())
}

func (tb *tab) capture(name string, shot chromedp.Action[[]byte]) {
	tb.t.Helper()
	buf, err := chromedp.Run(tb.ctx, shot)
	if err != nil {
		tb.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	writeScreenshot(tb.t, name, buf)
}

// repoRoot is the directory of go.mod above the test's directory.
var repoRoot = sync.OnceValues(func() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test's directory")
		}
		dir = parent
	}
})

// screenshotDir is GROUPDESK_SCREENSHOTS if set (so a run can keep its
// screenshots apart, e.g. for an issue's closing note), else
// test-artifacts/screenshots at the root of the repository.
var screenshotDir = sync.OnceValues(func() (string, error) {
	out := os.Getenv("GROUPDESK_SCREENSHOTS")
	if out == "" {
		root, err := repoRoot()
		if err != nil {
			return "", err
		}
		out = filepath.Join(root, "test-artifacts", "screenshots")
	}
	return out, os.MkdirAll(out, 0o755)
})

func writeScreenshot(t *testing.T, name string, png []byte) {
	t.Helper()
	dir, err := screenshotDir()
	if err != nil {
		t.Errorf("screenshot folder: %v", err)
		return
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Errorf("write %s: %v", path, err)
		return
	}
	t.Logf("screenshot: %s", path)
}

// ---- data ----

// newGroup creates a group through the API (not the pages) and deletes it
// when the test ends, unless the test deleted it.
func newGroup(t *testing.T, name, owner string, maxUsers int, members ...string) string {
	t.Helper()
	setup(t) // the stack, when this test runs first
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id, _, err := stack.client.Groups.Create(ctx, &agora.CreateGroupRequest{
		GroupName: name, Description: "made by the e2e tests", Owner: owner,
		Members: members, MaxUsers: agora.Int(maxUsers),
	})
	if err != nil {
		t.Fatalf("create group %q: %v", name, err)
	}
	t.Cleanup(func() { deleteGroup(t, id) })
	return id
}

// deleteGroup removes a group if it still exists.
func deleteGroup(t *testing.T, id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := stack.client.Groups.Delete(ctx, id); err != nil && !errors.Is(err, agora.ErrNotFound) {
		t.Errorf("clean up group %s: %v", id, err)
	}
}

// getGroup reads a group through the API.
func getGroup(t *testing.T, id string) (*agora.Group, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	g, _, err := stack.client.Groups.GetOne(ctx, id)
	return g, err
}

// number formats n as the English pages do: 1,100.
func number(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// unique makes a group name no other run or test uses.
func unique(prefix string) string {
	return fmt.Sprintf("%s %d", prefix, time.Now().UnixNano()%1_000_000_000)
}
