// Package web is the moderator dashboard: Echo handlers that render the
// templ views and call Agora through the agora client.
package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"groupdesk/agora"
	"groupdesk/static"
	"groupdesk/views"
)

// Config is the dashboard's own configuration. Agora credentials are not
// here: they live in the agora.Client that New receives.
type Config struct {
	DataDir       string // dashboard.db (accounts, sessions, login throttle, audit log) lives here unless DatabaseURL is set; created if missing
	DatabaseURL   string // GROUPDESK_DATABASE_URL: a PostgreSQL database (postgres://…) that replicas share instead of dashboard.db; never logged with its password
	SecureCookies bool   // GROUPDESK_SECURE_COOKIES; cookies are also Secure whenever the request is TLS
	SessionKey    string // GROUPDESK_SESSION_KEY (≥32 bytes); "" → generated once and kept in DataDir/session.key (0600)
	AdminPassword string // GROUPDESK_ADMIN_PASSWORD; used only when no account exists
	Mode          string // "sandbox" or "agora", shown in the footer
	Logger        *slog.Logger
	// MetricsToken (GROUPDESK_METRICS_TOKEN), when set, is the Bearer token
	// GET /metrics requires; empty serves the metrics to anyone.
	MetricsToken string
	// Metrics receives the dashboard's metrics; nil creates a fresh set
	// (the Agora client's calls are then not counted: see NewMetrics).
	Metrics *Metrics
	// MaxConcurrentPages is how many requests the handlers serve at once;
	// the others wait their turn (see limitInFlight). Zero means
	// 4 × GOMAXPROCS.
	MaxConcurrentPages int
	// TrustedProxies (GROUPDESK_TRUSTED_PROXIES) are the reverse proxies
	// whose X-Forwarded-For names the client. Empty: the direct peer is the
	// client, which behind a proxy puts every user at one address for the
	// login throttle and the audit log.
	TrustedProxies []*net.IPNet
}

// ParseTrustedProxies reads GROUPDESK_TRUSTED_PROXIES: comma-separated
// CIDR ranges or single addresses, e.g. "10.0.0.0/8, 192.0.2.10".
func ParseTrustedProxies(list string) ([]*net.IPNet, error) {
	var nets []*net.IPNet
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			ip := net.ParseIP(f)
			if ip == nil {
				return nil, fmt.Errorf("GROUPDESK_TRUSTED_PROXIES: %q is neither an IP address nor a CIDR range like 10.0.0.0/8", f)
			}
			bits := 32
			if ip.To4() == nil {
				bits = 128
			}
			f = fmt.Sprintf("%s/%d", ip, bits)
		}
		_, n, err := net.ParseCIDR(f)
		if err != nil {
			return nil, fmt.Errorf("GROUPDESK_TRUSTED_PROXIES: %q is neither an IP address nor a CIDR range like 10.0.0.0/8", f)
		}
		nets = append(nets, n)
	}
	return nets, nil
}

// Modes.
const (
	ModeSandbox = "sandbox"
	ModeAgora   = "agora"
)

const (
	minSessionKeyLen = 32
	sessionKeyFile   = "session.key"
)

// Validate reports the first configuration problem, phrased so an operator
// knows which setting to fix.
func (c Config) Validate() error {
	if strings.TrimSpace(c.DataDir) == "" {
		return errors.New("web: DataDir is empty; set the directory where dashboard.db is kept")
	}
	if c.DatabaseURL != "" {
		if err := CheckDatabaseURL(c.DatabaseURL); err != nil {
			return fmt.Errorf("web: %w", err)
		}
	}
	if c.SessionKey != "" && len(c.SessionKey) < minSessionKeyLen {
		return fmt.Errorf("web: GROUPDESK_SESSION_KEY is %d bytes; use at least %d random bytes, or leave it empty to generate one", len(c.SessionKey), minSessionKeyLen)
	}
	if c.AdminPassword != "" {
		if err := checkPasswordRules(c.AdminPassword); err != nil {
			return fmt.Errorf("web: GROUPDESK_ADMIN_PASSWORD: %w", err)
		}
	}
	if c.MaxConcurrentPages < 0 {
		return fmt.Errorf("web: MaxConcurrentPages is %d; use a positive number, or 0 for 4 × GOMAXPROCS", c.MaxConcurrentPages)
	}
	switch c.Mode {
	case ModeSandbox, ModeAgora:
	default:
		return fmt.Errorf("web: mode %q is not known; use %q or %q", c.Mode, ModeSandbox, ModeAgora)
	}
	return nil
}

// groupService is the part of the Agora client the handlers use; tests may
// pass a fake.
type groupService interface {
	Create(ctx context.Context, req *agora.CreateGroupRequest) (string, *agora.Response, error)
	Get(ctx context.Context, ids ...string) ([]*agora.Group, *agora.Response, error)
	GetWithoutMembers(ctx context.Context, ids ...string) ([]*agora.Group, *agora.Response, error)
	GetOne(ctx context.Context, id string) (*agora.Group, *agora.Response, error)
	Update(ctx context.Context, id string, req *agora.UpdateGroupRequest) (*agora.Response, error)
	Delete(ctx context.Context, id string) (*agora.Response, error)
	List(ctx context.Context, opts *agora.ListOptions) ([]*agora.GroupSummary, *agora.Response, error)
	ListJoined(ctx context.Context, username string, opts *agora.JoinedOptions) ([]*agora.JoinedGroup, *agora.Response, error)
}

// Server is the dashboard: its database, sessions and HTTP handlers.
type Server struct {
	cfg      Config
	log      *slog.Logger
	st       *store
	accounts *Accounts
	sessions *sessionStore
	groups   groupService
	echo     *echo.Echo
	assets   views.Assets
	static   http.Handler
	hashes   map[string]string // static file path → content hash
	now      func() time.Time
	reports  *reportRunner // the membership report's background job

	firstRunPassword string // the first account's generated password, when this start created it

	metrics        *Metrics
	metricsHandler http.Handler
	ready          *readiness
	routeSet       map[string]bool // registered route templates, for metric labels

	stopCleanup chan struct{}
	cleanupDone sync.WaitGroup
	closeOnce   sync.Once
}

// New opens the dashboard database, creates the first account if there is
// none, and builds the handlers. client carries the Agora credentials.
func New(cfg Config, client *agora.Client) (*Server, error) {
	if client == nil {
		return nil, errors.New("web: no Agora client")
	}
	return newServer(cfg, client.Groups)
}

func newServer(cfg Config, groups groupService) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	st, err := openStore(cfg.DataDir, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.DatabaseURL != "" && cfg.SessionKey == "" {
		log.Warn("GROUPDESK_DATABASE_URL is set but GROUPDESK_SESSION_KEY is not: this replica signs cookies with a key of its own, so its sessions work on no other replica; give every replica the same GROUPDESK_SESSION_KEY")
	}
	s := &Server{
		cfg:         cfg,
		log:         log,
		st:          st,
		accounts:    &Accounts{st: st, shared: true},
		groups:      groups,
		now:         time.Now,
		stopCleanup: make(chan struct{}),
		metrics:     cfg.Metrics,
		ready:       &readiness{ttl: readyCacheTTL},
	}
	if s.metrics == nil {
		s.metrics = NewMetrics()
	}
	s.metrics.attach(s)
	s.metricsHandler = s.newMetricsHandler()
	key, err := loadSessionKey(cfg)
	if err != nil {
		st.Close()
		return nil, err
	}
	s.sessions = newSessionStore(st, key, cfg.SecureCookies)
	if err := s.ensureFirstAccount(context.Background()); err != nil {
		st.Close()
		return nil, err
	}
	if err := s.prepareStatic(); err != nil {
		st.Close()
		return nil, err
	}
	s.reports = newReportRunner(filepath.Join(cfg.DataDir, reportsDir), groups, log)
	s.echo = s.newEcho()
	s.deleteExpired()
	s.cleanupDone.Add(1)
	go s.cleanupLoop()
	return s, nil
}

// Handler is the dashboard's http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Close stops background work and closes the database.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.stopCleanup)
		s.reports.close()
		s.cleanupDone.Wait()
		err = s.st.Close()
	})
	return err
}

// loadSessionKey returns Config.SessionKey, or the key kept in DataDir,
// generating it on first start.
func loadSessionKey(cfg Config) ([]byte, error) {
	if cfg.SessionKey != "" {
		return []byte(cfg.SessionKey), nil
	}
	path := filepath.Join(cfg.DataDir, sessionKeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		key := strings.TrimSpace(string(b))
		if len(key) < minSessionKeyLen {
			return nil, fmt.Errorf("web: %s holds a key shorter than %d bytes; delete it to generate a new one", path, minSessionKeyLen)
		}
		return []byte(key), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("web: read session key: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	key := hex.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("web: write session key: %w", err)
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("web: write session key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("web: write session key: %w", err)
	}
	return []byte(key), nil
}

// firstAccount is the account created on first start.
const firstAccount = "admin"

func (s *Server) ensureFirstAccount(ctx context.Context) error {
	n, err := s.accounts.count(ctx)
	if err != nil {
		return fmt.Errorf("web: count accounts: %w", err)
	}
	if n > 0 {
		return nil
	}
	// Replicas starting at once on a new database may all find no account;
	// the first to create it wins and the others carry on.
	if s.cfg.AdminPassword != "" {
		if err := s.accounts.create(ctx, systemActor, firstAccount, s.cfg.AdminPassword, RoleAdmin); errors.Is(err, errAccountExists) {
			return nil
		} else if err != nil {
			return fmt.Errorf("web: create first account: %w", err)
		}
		s.log.Info("created the first dashboard account from GROUPDESK_ADMIN_PASSWORD", "username", firstAccount)
		return nil
	}
	password := rand.Text()
	if err := s.accounts.create(ctx, systemActor, firstAccount, password, RoleAdmin); errors.Is(err, errAccountExists) {
		return nil
	} else if err != nil {
		return fmt.Errorf("web: create first account: %w", err)
	}
	// The password is not logged (logs are kept and shipped); main prints
	// it once in the first-run banner, see FirstRunPassword.
	s.log.Info("created the first dashboard account with a random password", "username", firstAccount)
	s.firstRunPassword = password
	return nil
}

// FirstRunPassword is the generated password of the first account, user
// name FirstAccount, when New created that account; otherwise "" (the
// account existed, or GROUPDESK_ADMIN_PASSWORD chose its password).
func (s *Server) FirstRunPassword() string { return s.firstRunPassword }

// FirstAccount is the user name of the account created on first start.
const FirstAccount = firstAccount

// cleanupLoop deletes expired sessions and old throttle rows now and then.
func (s *Server) cleanupLoop() {
	defer s.cleanupDone.Done()
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-s.stopCleanup:
			return
		case <-t.C:
			s.deleteExpired()
		}
	}
}

func (s *Server) deleteExpired() {
	if err := s.st.deleteExpired(context.Background(), time.Now(), sessionIdleTimeout, sessionAbsoluteTimeout, loginWindow); err != nil {
		s.log.Warn("cleanup of expired sessions failed", "err", err)
	}
}

func (s *Server) newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	// The direct peer address, unless it is a configured proxy: an
	// X-Forwarded-For from anyone else is client-controlled and would let
	// anyone escape the per-address login throttle.
	e.IPExtractor = echo.ExtractIPDirect()
	if len(s.cfg.TrustedProxies) > 0 {
		// Echo trusts loopback, link-local and private ranges by default;
		// only the configured ranges are trusted here.
		opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, n := range s.cfg.TrustedProxies {
			opts = append(opts, echo.TrustIPRange(n))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(opts...)
	}
	e.HTTPErrorHandler = s.handleError
	e.Pre(s.securityHeaders)
	e.Use(s.observeRequests)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisablePrintStack: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.Error("panic while serving request", "method", c.Request().Method, "path", c.Request().URL.Path, "request_id", requestID(c), "err", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(middleware.BodyLimit("256K"))
	e.Use(limitInFlight(s.cfg.maxConcurrentPages()))
	e.Use(s.loadSessionExceptStatic)
	e.Use(s.checkCSRF)
	s.routes(e)
	s.routeSet = map[string]bool{}
	for _, r := range e.Routes() {
		s.routeSet[r.Path] = true
	}
	return e
}

func (s *Server) loadSessionExceptStatic(next echo.HandlerFunc) echo.HandlerFunc {
	withSession := s.loadSession(next)
	return func(c echo.Context) error {
		if strings.HasPrefix(c.Request().URL.Path, "/static/") || opsRoutes[c.Path()] {
			return next(c)
		}
		return withSession(c)
	}
}

// contentSecurityPolicy allows nothing inline and nothing from elsewhere.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if !strings.HasPrefix(c.Request().URL.Path, "/static/") {
			// Pages carry CSRF tokens and moderator data: never cache them.
			h.Set("Cache-Control", "no-store")
			h.Add("Vary", "HX-Request")
		}
		return next(c)
	}
}

// prepareStatic hashes the embedded files for cache-busting URLs.
func (s *Server) prepareStatic() error {
	s.hashes = map[string]string{}
	err := fs.WalkDir(static.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static.FS, path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		s.hashes[path] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return fmt.Errorf("web: read embedded static files: %w", err)
	}
	asset := func(path string) templ.SafeURL {
		return templ.SafeURL("/static/" + path + "?v=" + s.hashes[path])
	}
	s.assets = views.Assets{
		CSS:  asset("css/app.css"),
		HTMX: asset("js/htmx.min.js"),
		App:  asset("js/app.js"),
	}
	s.static = http.StripPrefix("/static/", http.FileServer(http.FS(static.FS)))
	return nil
}

// serveStatic is GET /static/*. A URL with the current content hash may be
// cached for a year; anything else must be revalidated.
func (s *Server) serveStatic(c echo.Context) error {
	name := strings.TrimPrefix(c.Request().URL.Path, "/static/")
	hash, ok := s.hashes[name]
	if !ok {
		return echo.ErrNotFound // also refuses directory listings
	}
	h := c.Response().Header()
	if c.QueryParam("v") == hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("ETag", `"`+hash+`"`)
	s.static.ServeHTTP(c.Response(), c.Request())
	return nil
}

// renderBufferLimit is how much of a page render holds back before sending.
const renderBufferLimit = 64 << 10

// render writes a component with status. It renders into a buffer first, so
// a template failure becomes the error page instead of half a page. A page
// larger than renderBufferLimit (a group of thousands of members) streams
// once the buffer is full: holding such pages whole made memory grow with
// every concurrent request, and a failure that late can only be logged.
func render(c echo.Context, status int, component templ.Component) error {
	w := &spillWriter{res: c.Response(), status: status, buf: templ.GetBuffer()}
	defer templ.ReleaseBuffer(w.buf)
	if err := component.Render(c.Request().Context(), w); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if w.spilled {
		return nil
	}
	return c.HTMLBlob(status, w.buf.Bytes())
}

// spillWriter buffers up to renderBufferLimit, then sends the status, the
// buffer and everything after it straight to the response.
type spillWriter struct {
	res     *echo.Response
	status  int
	buf     *bytes.Buffer
	spilled bool
}

func (w *spillWriter) Write(p []byte) (int, error) {
	if w.spilled {
		return w.res.Write(p)
	}
	if w.buf.Len()+len(p) <= renderBufferLimit {
		return w.buf.Write(p)
	}
	w.spilled = true
	w.res.Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	w.res.WriteHeader(w.status)
	if _, err := w.res.Write(w.buf.Bytes()); err != nil {
		return 0, err
	}
	return w.res.Write(p)
}

// isHTMX reports whether htmx made the request and wants a fragment.
func isHTMX(c echo.Context) bool {
	h := c.Request().Header
	return h.Get("HX-Request") == "true" && h.Get("HX-History-Restore-Request") != "true"
}

// page fills what every page needs; title is a message key.
func (s *Server) page(c echo.Context, nav, titleKey string, args ...any) views.Page {
	l := localizer(c)
	rs := session(c)
	here := c.Request().URL.RequestURI()
	if c.Request().Method != http.MethodGet {
		here = c.Request().URL.Path
	}
	var flash *views.Flash
	if !isHTMX(c) {
		// A fragment has nowhere to show it; keep it for the next page.
		flash = popFlash(rs)
	}
	p := views.Page{
		L:      l,
		Title:  l.T(titleKey, args...),
		Nav:    nav,
		User:   rs.get(sessUser),
		CSRF:   csrfToken(rs),
		Flash:  flash,
		Mode:   s.cfg.Mode,
		Assets: s.assets,
		Here:   here,
	}
	s.addRole(c, &p)
	return p
}
