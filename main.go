// Command groupdesk is a web dashboard for moderating the groups of an Agora
// Chat app, with an embedded Agora-compatible sandbox for local use.
//
//	groupdesk [serve]   run the dashboard (embedded sandbox unless AGORA_HOST is set)
//	groupdesk sandbox   run the Agora-compatible sandbox alone
//	groupdesk token     print an Agora Chat app token
//	groupdesk users     manage dashboard accounts (add, passwd, list)
//	groupdesk healthcheck  exit 0 if a running dashboard answers /healthz
//	groupdesk help      list the commands
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"groupdesk/agora"
	"groupdesk/agora/sandbox"
	"groupdesk/web"
	"groupdesk/web/store"
)

const usage = `Groupdesk: a moderator's dashboard for Agora Chat groups.

Usage:
  groupdesk [serve] [flags]        run the dashboard (the default command)
  groupdesk sandbox [flags]        run the Agora-compatible sandbox on its own
  groupdesk token [flags]          print an Agora Chat app token for curl
  groupdesk users add NAME [--role viewer|moderator|admin]
                                   create a dashboard account (role admin unless --role says otherwise)
  groupdesk users passwd NAME      set an account's password
  groupdesk users list             list dashboard accounts
  groupdesk healthcheck            exit 0 if the dashboard at GROUPDESK_ADDR is alive, else 1
  groupdesk help                   show this help

Every flag also reads an environment variable; run "groupdesk COMMAND -h" to
see them. With no AGORA_HOST, serve starts the embedded sandbox with demo data.
`

// Defaults for the embedded sandbox's app, shared by serve and sandbox so both
// open the same data.
const (
	defaultOrg = "demo"
	defaultApp = "groupdesk"
)

func main() {
	logger, err := newLogger(os.Stderr, os.Getenv("GROUPDESK_LOG_FORMAT"), os.Getenv("GROUPDESK_LOG_LEVEL"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "groupdesk:", err)
		os.Exit(2)
	}
	if err := run(context.Background(), os.Args[1:], os.Stdout, logger); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "groupdesk:", err)
		}
		if errors.Is(err, errUnhealthy) {
			os.Exit(1)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, args, logger)
	case "sandbox":
		return runSandbox(ctx, args, stdout, logger)
	case "token":
		return runToken(args, stdout)
	case "users":
		return runUsers(ctx, args, os.Stdin, stdout)
	case "healthcheck":
		return runHealthcheck(ctx, args, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return fmt.Errorf("unknown command %q; run \"groupdesk help\"", cmd)
	}
}

// envString returns the environment variable's value, or def when it is
// unset or empty.
func envString(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envBool(name string) bool {
	v, _ := strconv.ParseBool(os.Getenv(name))
	return v
}

// newFlags makes a flag set whose usage line names the command.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("groupdesk "+name, flag.ContinueOnError)
	return fs
}

// serveConfig is everything `groupdesk serve` reads, parsed once.
type serveConfig struct {
	addr, dataDir                   string
	databaseURL                     string // "" keeps the dashboard's data in dataDir/dashboard.db
	agoraHost, agoraOrg, agoraApp   string
	appID, appCertificate, appToken string
	secureCookies                   bool
	sessionKey, adminPassword       string
	metricsToken                    string
	trustedProxies                  []*net.IPNet
	pageTimeout                     time.Duration
	indexSyncEvery                  time.Duration // negative: no scheduled sync
	agoraRateLimit                  float64       // calls/s the client allows itself; 0 = no client-side limit
	jobRateShare                    float64       // part of agoraRateLimit bulk jobs may use
	embedded                        bool
}

func parseServeConfig(args []string) (serveConfig, error) {
	var c serveConfig
	fs := newFlags("serve")
	fs.StringVar(&c.addr, "addr", envString("GROUPDESK_ADDR", "127.0.0.1:8080"), "listen address (GROUPDESK_ADDR)")
	fs.StringVar(&c.dataDir, "data", envString("GROUPDESK_DATA", "./data"), "data directory (GROUPDESK_DATA)")
	databaseURL := envSecret("GROUPDESK_DATABASE_URL", fs, "database-url", databaseURLUsage)
	fs.StringVar(&c.agoraHost, "agora-host", os.Getenv("AGORA_HOST"), "Agora Chat REST host with scheme; empty runs the embedded sandbox (AGORA_HOST)")
	fs.StringVar(&c.agoraOrg, "agora-org", os.Getenv("AGORA_ORG"), "Agora org_name (AGORA_ORG)")
	fs.StringVar(&c.agoraApp, "agora-app", os.Getenv("AGORA_APP"), "Agora app_name (AGORA_APP)")
	fs.StringVar(&c.appID, "app-id", os.Getenv("AGORA_APP_ID"), "Agora App ID (AGORA_APP_ID)")
	appCertificate := envSecret("AGORA_APP_CERTIFICATE", fs, "app-cert", "Agora App Certificate; prefer the environment variable")
	appToken := envSecret("AGORA_APP_TOKEN", fs, "app-token", "fixed Agora app token instead of App ID and certificate")
	fs.BoolVar(&c.secureCookies, "secure-cookies", envBool("GROUPDESK_SECURE_COOKIES"), "mark session cookies Secure (GROUPDESK_SECURE_COOKIES)")
	sessionKey := envSecret("GROUPDESK_SESSION_KEY", fs, "session-key", "session signing key, at least 32 bytes; generated and kept under the data directory when empty")
	adminPassword := envSecret("GROUPDESK_ADMIN_PASSWORD", fs, "admin-password", "password of the first admin account, used only when no account exists")
	metricsToken := envSecret("GROUPDESK_METRICS_TOKEN", fs, "metrics-token", "Bearer token that GET /metrics requires; empty leaves /metrics open; prefer the environment variable")
	trustedProxies := fs.String("trusted-proxies", envString("GROUPDESK_TRUSTED_PROXIES", ""), "reverse proxies whose X-Forwarded-For names the client, as comma-separated CIDR ranges or addresses; empty trusts none (GROUPDESK_TRUSTED_PROXIES)")
	pageTimeout := fs.String("page-timeout", envString("GROUPDESK_PAGE_TIMEOUT", "15s"), "how long a page waits for Agora, retries included, before it says Agora is slow (GROUPDESK_PAGE_TIMEOUT)")
	indexSyncEvery := fs.String("index-sync-every", envString("GROUPDESK_INDEX_SYNC_EVERY", "15m"), "how often the group search index is synced with Agora in full, and at start unless a sync started within half of it; off syncs only when a moderator asks (GROUPDESK_INDEX_SYNC_EVERY)")
	rateLimit := fs.String("agora-rate-limit", envString("AGORA_RATE_LIMIT", "100"), "Agora calls per second the dashboard allows itself (joined-groups lookups get half); 100 is Agora's default per-app limit, raise it if your plan allows more; 0 turns the client-side limit off (AGORA_RATE_LIMIT)")
	jobShare := fs.String("job-rate-share", envString("GROUPDESK_JOB_RATE_SHARE", "0.5"), "share of AGORA_RATE_LIMIT that bulk jobs may use, between 0 and 1; moderators' pages keep the rest (GROUPDESK_JOB_RATE_SHARE)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("serve takes no arguments, got %q", fs.Args())
	}
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		return c, fmt.Errorf("GROUPDESK_ADDR %q is not a host:port address", c.addr)
	}
	if d, err := time.ParseDuration(*pageTimeout); err != nil || d <= 0 {
		return c, fmt.Errorf("GROUPDESK_PAGE_TIMEOUT %q is not a positive duration: use one such as 15s", *pageTimeout)
	} else {
		c.pageTimeout = d
	}
	if *indexSyncEvery == "off" {
		c.indexSyncEvery = -1
	} else if d, err := time.ParseDuration(*indexSyncEvery); err != nil || d < time.Minute {
		return c, fmt.Errorf("GROUPDESK_INDEX_SYNC_EVERY %q is not a duration of a minute or more: use one such as 15m, or off", *indexSyncEvery)
	} else {
		c.indexSyncEvery = d
	}
	if c.dataDir == "" {
		return c, errors.New("GROUPDESK_DATA must name a directory")
	}
	c.appCertificate, c.appToken, c.databaseURL = appCertificate(), appToken(), databaseURL()
	c.sessionKey, c.adminPassword, c.metricsToken = sessionKey(), adminPassword(), metricsToken()
	var err error
	if c.trustedProxies, err = web.ParseTrustedProxies(*trustedProxies); err != nil {
		return c, err
	}
	if c.databaseURL != "" {
		if err := store.CheckDatabaseURL(c.databaseURL); err != nil {
			return c, err
		}
	}
	rate, err := strconv.ParseFloat(*rateLimit, 64)
	if err != nil || rate < 0 || math.IsInf(rate, 0) || math.IsNaN(rate) {
		return c, fmt.Errorf("AGORA_RATE_LIMIT %q is not a number of calls per second: use e.g. 100, or 0 for no client-side limit", *rateLimit)
	}
	c.agoraRateLimit = rate
	if share, err := strconv.ParseFloat(*jobShare, 64); err != nil || !(share > 0 && share <= 1) {
		return c, fmt.Errorf("GROUPDESK_JOB_RATE_SHARE %q is not a share of the rate limit: use a number above 0 and at most 1, e.g. 0.5", *jobShare)
	} else {
		c.jobRateShare = share
	}
	c.embedded = c.agoraHost == ""
	if c.embedded {
		for name, v := range map[string]string{"AGORA_APP_ID": c.appID, "AGORA_APP_CERTIFICATE": c.appCertificate, "AGORA_APP_TOKEN": c.appToken} {
			if v != "" {
				return c, fmt.Errorf("%s is set but AGORA_HOST is not: set AGORA_HOST to manage a real Agora app, or unset %s to use the embedded sandbox", name, name)
			}
		}
		if c.agoraOrg == "" {
			c.agoraOrg = defaultOrg
		}
		if c.agoraApp == "" {
			c.agoraApp = defaultApp
		}
	}
	return c, nil
}

// defaultMemoryLimit is the Go runtime's soft memory limit when GOMEMLIMIT
// does not set one. With the default GOGC alone, 100 requests in flight
// took the heap to twice what they hold and the process well past its
// 36 MiB budget (make bench); near the limit the collector runs sooner
// instead. It is soft: a heap that needs more gets it. The peak under that
// load follows the limit, and so does the throughput (make bench-memlimit,
// three interleaved rounds): 17 MiB peaked at 36.0–36.5 MiB serving
// 905–943 req/s, 16 MiB at 35.1–35.2 MiB and 622–776 req/s, 15.5 MiB at
// 34.4–34.6 MiB and 366–427 req/s. 16 MiB is the largest inside the budget.
const defaultMemoryLimit = 16 << 20

func setMemoryLimit() {
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}

func runServe(ctx context.Context, args []string, logger *slog.Logger) error {
	cfg, err := parseServeConfig(args)
	if err != nil {
		return err
	}
	setMemoryLimit()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal a second one kills the process at once.
	context.AfterFunc(ctx, stop)

	// The deferred closes run in reverse: the HTTP server has finished its
	// in-flight requests (serveHTTP) before the dashboard's database closes,
	// and the embedded sandbox, which those requests may still call, stops
	// last.
	agoraCfg := agora.Config{
		Host: cfg.agoraHost, OrgName: cfg.agoraOrg, AppName: cfg.agoraApp,
		AppID: cfg.appID, AppCertificate: cfg.appCertificate, AppToken: cfg.appToken,
	}
	mode := "agora"
	var embedded *embeddedSandbox
	if cfg.embedded {
		mode = "sandbox"
		sb, err := startEmbeddedSandbox(ctx, cfg, logger)
		if err != nil {
			return err
		}
		defer sb.Close()
		embedded = sb
		agoraCfg.Host, agoraCfg.AppID, agoraCfg.AppCertificate = sb.host, sb.creds.AppID, sb.creds.AppCertificate
	}
	if err := agoraCfg.Validate(); err != nil {
		return err
	}
	metrics := web.NewMetrics()
	client, err := agora.NewClient(agoraCfg, agora.WithLogger(logger), agora.WithObserver(metrics.AgoraObserver()),
		agora.WithRateLimits(cfg.agoraRateLimit, cfg.agoraRateLimit/2))
	if err != nil {
		return err
	}

	srv, err := web.New(web.Config{
		DataDir:        cfg.dataDir,
		DatabaseURL:    cfg.databaseURL,
		SecureCookies:  cfg.secureCookies,
		SessionKey:     cfg.sessionKey,
		AdminPassword:  cfg.adminPassword,
		Mode:           mode,
		Logger:         logger,
		MetricsToken:   cfg.metricsToken,
		TrustedProxies: cfg.trustedProxies,
		PageTimeout:    cfg.pageTimeout,
		IndexSyncEvery: cfg.indexSyncEvery,
		Metrics:        metrics,
		AgoraRateLimit: cfg.agoraRateLimit,
		JobRateShare:   cfg.jobRateShare,
	}, client)
	if err != nil {
		return err
	}
	defer srv.Close()
	if embedded != nil && embedded.seeded {
		if err := recordDemoBlocks(ctx, embedded.sb, srv); err != nil {
			// The demo works without them: the blocks just show no reason.
			logger.Warn("demo data: block reasons not recorded", "err", err)
		}
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("GROUPDESK_ADDR %s: %w", cfg.addr, err)
	}
	database := filepath.Join(cfg.dataDir, "dashboard.db")
	if cfg.databaseURL != "" {
		database = store.RedactDatabaseURL(cfg.databaseURL)
	}
	loginURL := browserURL(ln.Addr().String(), "/login")
	if mode == "sandbox" {
		logger.Info("groupdesk is running on the embedded Agora sandbox with demo data",
			"url", loginURL, "org", cfg.agoraOrg, "app", cfg.agoraApp, "database", database)
	} else {
		logger.Info("groupdesk is managing an Agora Chat app",
			"url", loginURL, "agora_host", cfg.agoraHost, "org", cfg.agoraOrg, "app", cfg.agoraApp, "database", database)
	}
	if password := srv.FirstRunPassword(); password != "" {
		fmt.Fprint(os.Stderr, firstRunBanner(loginURL, web.FirstAccount, password))
	}
	return serveHTTP(ctx, ln, srv.Handler(), logger)
}

// embeddedSandbox is the sandbox serve runs in-process.
type embeddedSandbox struct {
	sb     *sandbox.Sandbox
	seeded bool   // the demo data was written by this start
	host   string // base URL for the agora client
	creds  sandbox.Credentials
	stop   context.CancelFunc
	done   chan struct{} // closed when Serve has returned
}

// Close stops serving (after the requests in flight) and closes the store.
// It is called after the dashboard has shut down, not on the signal, so the
// dashboard's last requests can still reach Agora's stand-in.
func (es *embeddedSandbox) Close() error {
	es.stop()
	<-es.done
	return es.sb.Close()
}

// recordDemoBlocks records a reason for each block of freshly seeded demo
// data (see web.Server.RecordDemoBlocks).
func recordDemoBlocks(ctx context.Context, sb *sandbox.Sandbox, srv *web.Server) error {
	list, err := sb.BlockList(ctx)
	if err != nil {
		return err
	}
	blocks := make([]web.DemoBlock, len(list))
	for i, b := range list {
		blocks[i] = web.DemoBlock{GroupID: b.GroupID, Username: b.Username}
	}
	return srv.RecordDemoBlocks(ctx, blocks)
}

// startEmbeddedSandbox opens the sandbox under the data directory, seeds demo
// data on first run and serves it on a loopback port, so the dashboard talks
// to it over HTTP exactly as it would to Agora.
func startEmbeddedSandbox(ctx context.Context, cfg serveConfig, logger *slog.Logger) (*embeddedSandbox, error) {
	dir := filepath.Join(cfg.dataDir, "sandbox")
	creds, err := sandbox.LoadOrCreateCredentials(dir)
	if err != nil {
		return nil, err
	}
	sb, err := sandbox.Open(sandbox.Config{
		DataDir: dir, Org: cfg.agoraOrg, App: cfg.agoraApp,
		AppID: creds.AppID, AppCertificate: creds.AppCertificate,
		Logger: logger.With("component", "sandbox"),
	})
	if err != nil {
		return nil, err
	}
	seeded, err := sb.SeedDemo(ctx)
	if err != nil {
		sb.Close()
		return nil, fmt.Errorf("seeding demo data: %w", err)
	}
	if seeded {
		logger.Info("seeded the sandbox with demo users and groups", "dir", dir)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		sb.Close()
		return nil, err
	}
	serveCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	es := &embeddedSandbox{sb: sb, seeded: seeded, host: "http://" + ln.Addr().String(), creds: creds, stop: stop, done: make(chan struct{})}
	go func() {
		defer close(es.done)
		if err := sb.Serve(serveCtx, ln); err != nil {
			logger.Error("embedded sandbox stopped", "err", err)
		}
	}()
	return es, nil
}

// shutdownTimeout is how long requests in flight may take to finish after
// SIGTERM; Docker's default grace period before SIGKILL is 10 s, Kubernetes'
// 30 s.
const shutdownTimeout = 8 * time.Second

// serveHTTP serves h on ln until ctx is done, then stops accepting
// connections and waits up to shutdownTimeout for requests in flight.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing requests in flight", "timeout", shutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: requests still running after %s: %w", shutdownTimeout, err)
	}
	logger.Info("stopped accepting requests; closing the databases")
	return nil
}

func runSandbox(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
	fs := newFlags("sandbox")
	addr := fs.String("addr", envString("SANDBOX_ADDR", "127.0.0.1:8090"), "listen address (SANDBOX_ADDR)")
	dataDir := fs.String("data", envString("GROUPDESK_DATA", "./data"), "data directory; the sandbox keeps sandbox/ inside it (GROUPDESK_DATA)")
	org := fs.String("org", envString("AGORA_ORG", defaultOrg), "org_name to serve (AGORA_ORG)")
	app := fs.String("app", envString("AGORA_APP", defaultApp), "app_name to serve (AGORA_APP)")
	appID := fs.String("app-id", os.Getenv("AGORA_APP_ID"), "App ID that tokens must carry; generated and kept when empty (AGORA_APP_ID)")
	appCertFlag := envSecret("AGORA_APP_CERTIFICATE", fs, "app-cert", "App Certificate that signs tokens; generated and kept when empty")
	demo := fs.Bool("demo", false, "seed demo users and groups when the sandbox is empty; with the generated pair, also print a token to try it")
	printToken := fs.Bool("print-token", false, "print a 24-hour app token for the sandbox's credentials")
	rateLimit := fs.Float64("rate-limit", 0, "requests per second before answering 429 reach_limit; 0 = no limit")
	originsFlag := fs.String("allowed-origins", os.Getenv("SANDBOX_ALLOWED_ORIGINS"), `comma-separated browser origins allowed to call the sandbox (CORS), e.g. http://localhost:5173, or "*" for any; default "*" with --demo, none otherwise (SANDBOX_ALLOWED_ORIGINS)`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	appCert := appCertFlag()
	origins := sandboxOrigins(*originsFlag, *demo)
	dir := filepath.Join(*dataDir, "sandbox")
	if (*appID == "") != (appCert == "") {
		return errors.New("give both --app-id and --app-cert (AGORA_APP_ID, AGORA_APP_CERTIFICATE), or neither to use the generated pair")
	}
	creds, source, err := sandboxCredentials(fs, dir, *appID, appCert)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	sb, err := sandbox.Open(sandbox.Config{
		DataDir: dir, Org: *org, App: *app,
		AppID: creds.AppID, AppCertificate: creds.AppCertificate,
		RateLimit: *rateLimit, AllowedOrigins: origins, Logger: logger,
	})
	if err != nil {
		return err
	}
	defer sb.Close()
	if *demo {
		if _, err := sb.SeedDemo(ctx); err != nil {
			return fmt.Errorf("seeding demo data: %w", err)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", *addr, err)
	}
	base := sb.BaseURL(ln.Addr().String())
	// One write, so whoever reads the output sees the whole banner at once.
	var banner strings.Builder
	fmt.Fprintf(&banner, "Agora Chat sandbox listening.\n  base URL:     %s\n  org/app:      %s / %s\n  app ID:       %s\n  credentials:  %s\n  CORS origins: %s\n\n",
		base, *org, *app, creds.AppID, source, describeOrigins(origins))
	// A token is a 24-hour key to the app: printed (and so kept in
	// terminal scroll-back and logs) only when asked for, or for the
	// throwaway demo pair.
	if *printToken || (*demo && *appID == "") {
		token, err := agora.BuildAppToken(creds.AppID, creds.AppCertificate, 24*time.Hour)
		if err != nil {
			return err
		}
		fmt.Fprintf(&banner, `Try it (the token is valid for 24 hours; "groupdesk token" makes more):
  curl -sS -H 'Accept: application/json' -H 'Authorization: Bearer %s' '%s/chatgroups?limit=5'

`, token, base)
	} else {
		banner.WriteString("Make a token to call it with \"groupdesk token\" (or start with --print-token).\n\n")
	}
	io.WriteString(stdout, banner.String())
	return sb.Serve(ctx, ln)
}

// sandboxOrigins reads --allowed-origins. When it is not given, the demo
// lets a web app on any origin call the sandbox (it exists to be tried from a
// browser with the Web SDK); otherwise browsers get no CORS access.
func sandboxOrigins(flagValue string, demo bool) []string {
	var origins []string
	for _, o := range strings.Split(flagValue, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	if origins == nil && demo {
		origins = []string{sandbox.AnyOrigin}
	}
	return origins
}

func describeOrigins(origins []string) string {
	switch {
	case len(origins) == 0:
		return "none (browser pages cannot call it; see --allowed-origins)"
	case slices.Contains(origins, sandbox.AnyOrigin):
		return "any"
	}
	return strings.Join(origins, ", ")
}

// sandboxCredentials returns the pair the sandbox verifies tokens against
// and, for the banner, where it came from: the flags, the environment, or
// the pair kept in dir (generated on first start).
func sandboxCredentials(flags *flag.FlagSet, dir, appID, appCert string) (sandbox.Credentials, string, error) {
	if appID != "" {
		from := func(flagName, env string) string {
			set := false
			flags.Visit(func(f *flag.Flag) { set = set || f.Name == flagName })
			if set {
				return "--" + flagName
			}
			return env
		}
		return sandbox.Credentials{AppID: appID, AppCertificate: appCert},
			fmt.Sprintf("App ID from %s, App Certificate from %s", from("app-id", "AGORA_APP_ID"), from("app-cert", "AGORA_APP_CERTIFICATE")), nil
	}
	path := filepath.Join(dir, sandbox.CredentialsFile)
	_, statErr := os.Stat(path)
	creds, err := sandbox.LoadOrCreateCredentials(dir)
	if err != nil {
		return creds, "", err
	}
	if errors.Is(statErr, os.ErrNotExist) {
		return creds, "a random pair generated now and kept in " + path, nil
	}
	return creds, "the pair kept in " + path + " (generated on an earlier start)", nil
}

func runToken(args []string, stdout io.Writer) error {
	fs := newFlags("token")
	appID := fs.String("app-id", os.Getenv("AGORA_APP_ID"), "Agora App ID (AGORA_APP_ID)")
	appCertFlag := envSecret("AGORA_APP_CERTIFICATE", fs, "app-cert", "Agora App Certificate")
	expire := fs.Int("expire", 3600, "validity in seconds, 1 to 86400")
	if err := fs.Parse(args); err != nil {
		return err
	}
	appCert := appCertFlag()
	if *appID == "" || appCert == "" {
		return errors.New("token needs --app-id and --app-cert (or AGORA_APP_ID and AGORA_APP_CERTIFICATE)")
	}
	if *expire < 1 || *expire > int(agora.MaxTokenExpire/time.Second) {
		return fmt.Errorf("--expire must be between 1 and 86400 seconds, got %d", *expire)
	}
	token, err := agora.BuildAppToken(*appID, appCert, time.Duration(*expire)*time.Second)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	return nil
}

func runUsers(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := newFlags("users")
	dataDir := fs.String("data", envString("GROUPDESK_DATA", "./data"), "data directory (GROUPDESK_DATA)")
	databaseURLFlag := envSecret("GROUPDESK_DATABASE_URL", fs, "database-url", databaseURLUsage)
	if err := fs.Parse(args); err != nil {
		return err
	}
	args = fs.Args()
	if len(args) == 0 {
		return errors.New("users needs a subcommand: add NAME, passwd NAME or list")
	}
	st, err := store.Open(*dataDir, databaseURLFlag())
	if err != nil {
		return err
	}
	defer st.Close()

	switch sub := args[0]; sub {
	case "list":
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tROLE\tSTATUS\tCREATED\tLAST LOGIN")
		list, err := st.Accounts(ctx)
		if err != nil {
			return err
		}
		for _, a := range list {
			status := "active"
			if a.Disabled {
				status = "disabled"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.Username, a.Role, status, formatTime(a.Created), formatTime(a.LastLogin))
		}
		return tw.Flush()
	case "add", "passwd":
		name, role, err := parseUsersArgs(sub, args[1:])
		if err != nil {
			return err
		}
		password, generated, err := readPassword(stdin)
		if err != nil {
			return err
		}
		if sub == "add" {
			err = st.CreateAccount(ctx, store.ShellActor, name, password, role)
		} else {
			err = st.SetPassword(ctx, store.ShellActor, name, password)
		}
		if err != nil {
			return err
		}
		if generated {
			fmt.Fprintf(stdout, "password for %s: %s\n", name, password)
		} else {
			fmt.Fprintf(stdout, "password for %s set\n", name)
		}
		return nil
	default:
		return fmt.Errorf("unknown users subcommand %q: use add, passwd or list", sub)
	}
}

// databaseURLUsage explains --database-url (GROUPDESK_DATABASE_URL).
const databaseURLUsage = "PostgreSQL URL (postgres://USER:PASSWORD@HOST:5432/DATABASE?sslmode=require) that keeps accounts, sessions, the login throttle and the audit log, shared by every replica; empty keeps them in the data directory's dashboard.db; prefer the environment variable"

// envSecret defines a flag for a secret whose environment variable is read
// only after parsing, so that "-h" never prints the secret as a default.
func envSecret(env string, fs *flag.FlagSet, name, usage string) func() string {
	v := fs.String(name, "", usage+" ("+env+")")
	return func() string {
		if *v != "" {
			return *v
		}
		return os.Getenv(env)
	}
}

// parseUsersArgs reads "NAME" of users add and passwd, and add's --role
// (before or after the name; admin when absent, as for the first account).
func parseUsersArgs(sub string, args []string) (string, store.Role, error) {
	usage := fmt.Errorf("usage: groupdesk users %s NAME (the password is read from standard input, or generated when it is empty)", sub)
	fs := newFlags("users " + sub)
	roleName := string(store.RoleAdmin)
	if sub == "add" {
		usage = errors.New("usage: groupdesk users add NAME [--role viewer|moderator|admin] (the password is read from standard input, or generated when it is empty)")
		fs.StringVar(&roleName, "role", roleName, "the account's role: viewer (read-only), moderator (changes groups) or admin (also manages accounts)")
	}
	if err := fs.Parse(args); err != nil {
		return "", "", err
	}
	if fs.NArg() == 0 {
		return "", "", usage
	}
	name := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return "", "", err
	}
	if fs.NArg() != 0 {
		return "", "", usage
	}
	role, err := store.ParseRole(roleName)
	if err != nil {
		return "", "", err
	}
	return name, role, nil
}

// readPassword reads one line from stdin; an empty line (or none) asks for a
// generated password, printed once by the caller.
func readPassword(stdin io.Reader) (string, bool, error) {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, err
	}
	if p := strings.TrimRight(line, "\r\n"); p != "" {
		return p, false, nil
	}
	b := make([]byte, 15)
	if _, err := rand.Read(b); err != nil {
		return "", false, err
	}
	return base64.RawURLEncoding.EncodeToString(b), true, nil
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

// newLogger builds the process logger from GROUPDESK_LOG_FORMAT ("text",
// the default, or "json") and GROUPDESK_LOG_LEVEL ("debug", "info" (the
// default), "warn" or "error"). A value it does not know is an error, so a
// typo does not silently change what gets logged.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if level != "" {
		if err := lvl.UnmarshalText([]byte(level)); err != nil {
			return nil, fmt.Errorf("GROUPDESK_LOG_LEVEL %q is not a level: use debug, info, warn or error", level)
		}
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch strings.ToLower(format) {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("GROUPDESK_LOG_FORMAT %q is not known: use text or json", format)
	}
}

// errUnhealthy makes main exit with status 1, which is what Docker's
// HEALTHCHECK and other probes understand as "unhealthy".
var errUnhealthy = errors.New("unhealthy")

// runHealthcheck is `groupdesk healthcheck`: it asks a running dashboard's
// /healthz and succeeds only on 200. It exists because the container image
// has no shell and no curl.
func runHealthcheck(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("healthcheck")
	addr := fs.String("addr", envString("GROUPDESK_ADDR", "127.0.0.1:8080"), "address the dashboard listens on (GROUPDESK_ADDR)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("healthcheck takes no arguments, got %q", fs.Args())
	}
	target, err := healthURL(*addr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %v", errUnhealthy, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: GET %s answered %s", errUnhealthy, target, resp.Status)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}

// healthURL is the /healthz URL of a dashboard listening on addr; a
// wildcard listen address (0.0.0.0:8080, :8080, [::]:8080) is asked on
// loopback.
func healthURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("GROUPDESK_ADDR %q is not a host:port address", addr)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}
