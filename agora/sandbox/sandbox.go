package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"groupdesk/agora"
)

// Defaults applied by Open to zero Config fields.
const (
	DefaultMaxUsersPerGroup      = 2000 // the seed's maxusers maximum
	DefaultListLimitMax          = 1000 // AG-EN / EM 2024: larger list-all limits are clamped to 1000
	DefaultJoinedPageSizeDefault = 10   // EM-OLD / AG-CN-2023
	DefaultJoinedPageSizeMax     = 500  // the Web SDK documents pages of up to 500
)

// Config configures a Sandbox. Zero numeric fields take the defaults above.
type Config struct {
	DataDir          string // directory for sandbox.db; created if missing. "" is invalid.
	Org, App         string // org_name / app_name served; other paths get 404 organization_application_not_found
	AppID            string // 32 hex; tokens are verified against AppID+AppCertificate
	AppCertificate   string
	MaxUsersPerGroup int // plan cap for maxusers (default 2000)
	ListLimitMax     int // list-all limit clamp (default 1000)
	// Joined-groups pagesize default and maximum (default 10 / 500); a larger
	// pagesize is clamped to the maximum.
	JoinedPageSizeDefault, JoinedPageSizeMax int
	RateLimit                                float64 // requests/s for the app; 0 = off. Over it: 429 reach_limit
	// LegacyLastModified makes list-all items carry "last_modified" (seed
	// page, Easemob before 2024-01) instead of "lastModified" (current docs).
	LegacyLastModified bool
	// MuteNonMemberBadRequest answers a mute of a non-member with 400
	// invalid_parameter (the 2019 capture) instead of 403 forbidden_op
	// (every current doc).
	MuteNonMemberBadRequest bool
	// MemberListAdminKey writes admins as {"admin":u} in the numbered member
	// list (one EM revision) instead of {"member":u} (the other sources).
	MemberListAdminKey bool
	// MaxJoinedGroupsPerUser refuses adding a user who is already in this
	// many groups (403 exceed_limit); 0 = no limit.
	MaxJoinedGroupsPerUser int
	// AllowedOrigins are the browser origins (scheme://host[:port]) whose
	// pages may call the sandbox (CORS); AnyOrigin ("*") allows every one.
	// Empty: none (no CORS headers; preflights get 403).
	AllowedOrigins []string
	Now            func() time.Time // nil = time.Now; tests inject
	Logger         *slog.Logger     // nil = discard
}

// Sandbox is an embedded Agora Chat group REST server backed by SQLite.
type Sandbox struct {
	cfg     Config
	store   *store
	limiter *rate.Limiter // nil when RateLimit is 0
	log     *slog.Logger
	mux     *http.ServeMux
}

// pathName is what Open accepts for org and app names: they are path segments.
var pathName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

func (c Config) withDefaults() (Config, error) {
	if c.DataDir == "" {
		return c, errors.New("sandbox: Config.DataDir is empty: set it to the directory that should hold sandbox.db")
	}
	if strings.ContainsAny(c.DataDir, "?#") {
		return c, fmt.Errorf("sandbox: Config.DataDir %q contains '?' or '#': choose a plain directory path", c.DataDir)
	}
	if !pathName.MatchString(c.Org) {
		return c, fmt.Errorf("sandbox: Config.Org %q must be 1-64 characters of [A-Za-z0-9_.-]", c.Org)
	}
	if !pathName.MatchString(c.App) {
		return c, fmt.Errorf("sandbox: Config.App %q must be 1-64 characters of [A-Za-z0-9_.-]", c.App)
	}
	if err := agora.ValidateAppID(c.AppID); err != nil {
		return c, fmt.Errorf("sandbox: Config.AppID: %w", err)
	}
	if err := agora.ValidateAppCertificate(c.AppCertificate); err != nil {
		return c, fmt.Errorf("sandbox: Config.AppCertificate: %w", err)
	}
	defaults := []struct {
		name string
		v    *int
		def  int
	}{
		{"MaxUsersPerGroup", &c.MaxUsersPerGroup, DefaultMaxUsersPerGroup},
		{"ListLimitMax", &c.ListLimitMax, DefaultListLimitMax},
		{"JoinedPageSizeDefault", &c.JoinedPageSizeDefault, DefaultJoinedPageSizeDefault},
		{"JoinedPageSizeMax", &c.JoinedPageSizeMax, DefaultJoinedPageSizeMax},
	}
	if c.MaxJoinedGroupsPerUser < 0 {
		return c, fmt.Errorf("sandbox: Config.MaxJoinedGroupsPerUser is %d: use a positive number, or 0 for no limit", c.MaxJoinedGroupsPerUser)
	}
	for _, d := range defaults {
		if *d.v < 0 {
			return c, fmt.Errorf("sandbox: Config.%s is %d: use a positive number, or 0 for the default %d", d.name, *d.v, d.def)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if c.JoinedPageSizeDefault > c.JoinedPageSizeMax {
		return c, fmt.Errorf("sandbox: Config.JoinedPageSizeDefault (%d) is larger than JoinedPageSizeMax (%d)", c.JoinedPageSizeDefault, c.JoinedPageSizeMax)
	}
	if err := checkOrigins(c.AllowedOrigins); err != nil {
		return c, err
	}
	if c.RateLimit < 0 || math.IsNaN(c.RateLimit) || math.IsInf(c.RateLimit, 0) {
		return c, fmt.Errorf("sandbox: Config.RateLimit is %v: use requests per second, or 0 to turn limiting off", c.RateLimit)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c, nil
}

// Open validates cfg, opens (creating if needed) {DataDir}/sandbox.db and
// brings its schema up to date.
func Open(cfg Config) (*Sandbox, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("sandbox: create data directory: %w", err)
	}
	st, err := openStore(filepath.Join(cfg.DataDir, "sandbox.db"))
	if err != nil {
		return nil, err
	}
	st.maxJoined = cfg.MaxJoinedGroupsPerUser
	s := &Sandbox{cfg: cfg, store: st, log: cfg.Logger}
	if cfg.RateLimit > 0 {
		s.limiter = rate.NewLimiter(rate.Limit(cfg.RateLimit), int(math.Ceil(cfg.RateLimit)))
	}
	s.mux = s.routes()
	return s, nil
}

// Handler returns the REST API. Paths are /{org}/{app}/…
func (s *Sandbox) Handler() http.Handler { return s }

// Serve serves the API on ln until ctx is done, then shuts down gracefully.
func (s *Sandbox) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("sandbox: serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("sandbox: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("sandbox: serve: %w", err)
	}
	return nil
}

// Close closes the store. The Handler must not be used afterwards.
func (s *Sandbox) Close() error { return s.store.close() }

// BaseURL is the API root a client should use when the sandbox listens on
// listenAddr. An empty or unspecified host (":8080", "0.0.0.0:8080") becomes
// localhost, so the URL can be dialled.
func (s *Sandbox) BaseURL(listenAddr string) string {
	host, port, err := net.SplitHostPort(listenAddr)
	if err == nil {
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			host = "localhost"
		}
		listenAddr = net.JoinHostPort(host, port)
	}
	return "http://" + listenAddr + "/" + s.cfg.Org + "/" + s.cfg.App
}

// ApplicationUUID is the app UUID the sandbox reports in "application"; it
// is generated once and kept in the store.
func (s *Sandbox) ApplicationUUID() string { return s.store.appUUID }

func (s *Sandbox) now() time.Time { return s.cfg.Now() }

func (s *Sandbox) nowMs() int64 { return s.cfg.Now().UnixMilli() }
