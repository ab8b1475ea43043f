// Package web is the moderator dashboard: Echo handlers that render the
// templ views and call Agora through the agora client.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"groupdesk/agora"
	"groupdesk/views"
	"groupdesk/web/jobs"
	"groupdesk/web/search"
	"groupdesk/web/store"
)

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
	cfg       Config
	log       *slog.Logger
	st        *store.Store // accounts, sessions, login throttle, audit log
	sessions  *sessionStore
	auth      *authCache // sessions and accounts in memory (auth_cache.go)
	groups    groupService
	mod       moderationService // members, admins, mutes, blocks, allow list, incident switches
	index     *search.Index     // Groupdesk's own index of the groups, for search
	echo      *echo.Echo
	assets    views.Assets
	static    http.Handler
	hashes    map[string]string // static file path → content hash
	now       func() time.Time
	jobs      *jobs.Queue       // durable background work (web/jobs)
	reports   *membershipWorker // the membership report's job kind
	indexSync *indexSyncWorker  // the search index's full sync job kind
	bulk      *bulkWorker       // bulk actions over many groups
	tokens    formTokens        // the create form's one-time tokens
	saving    groupLocks        // one save per group at a time (groupUpdate)

	firstRunPassword string // the first account's generated password, when this start created it

	metrics  *Metrics
	ready    *readiness
	routeSet map[string]bool // registered route templates, for metric labels

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
	return newServer(cfg, client.Groups, agoraModeration{client})
}

// newServer builds the server on the given Agora services; mod may be nil
// in tests of pages that do not moderate.
func newServer(cfg Config, groups groupService, mod moderationService) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	st, err := store.Open(cfg.DataDir, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	breaker := newAgoraBreaker(time.Now)
	groups = breakerGroups{next: groups, b: breaker}
	if mod != nil {
		mod = breakerModeration{next: mod, b: breaker}
	}
	index, err := search.Open(context.Background(), st.DB(), st.Dialect())
	if err != nil {
		st.Close()
		return nil, err
	}
	if index.NoTrigram != "" {
		log.Warn("group search scans the table", "reason", index.NoTrigram)
	}
	if cfg.DatabaseURL != "" && cfg.SessionKey == "" {
		log.Warn("GROUPDESK_DATABASE_URL is set but GROUPDESK_SESSION_KEY is not: this replica signs cookies with a key of its own, so its sessions work on no other replica; give every replica the same GROUPDESK_SESSION_KEY")
	}
	s := &Server{
		cfg:         cfg,
		log:         log,
		st:          st,
		groups:      groups,
		mod:         mod,
		index:       index,
		now:         time.Now,
		stopCleanup: make(chan struct{}),
		metrics:     cfg.Metrics,
		ready:       &readiness{ttl: readyCacheTTL},
	}
	if s.metrics == nil {
		s.metrics = NewMetrics()
	}
	s.metrics.attach(s)
	key, err := loadSessionKey(cfg)
	if err != nil {
		st.Close()
		return nil, err
	}
	s.auth = newAuthCache()
	if err := s.auth.sync(context.Background(), st); err != nil {
		st.Close()
		return nil, err
	}
	st.OnAccountsChanged(s.auth.clear)
	s.sessions = newSessionStore(st, s.auth, key, cfg.SecureCookies)
	if err := s.ensureFirstAccount(context.Background()); err != nil {
		st.Close()
		return nil, err
	}
	if err := s.prepareStatic(); err != nil {
		st.Close()
		return nil, err
	}
	if err := s.startJobs(groups); err != nil {
		st.Close()
		return nil, err
	}
	s.echo = s.newEcho()
	s.deleteExpired()
	s.cleanupDone.Add(2)
	go s.cleanupLoop()
	go func() {
		defer s.cleanupDone.Done()
		s.pollAccounts()
	}()
	return s, nil
}

// Handler is the dashboard's http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Close stops background work and closes the database.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.stopCleanup)
		s.stopJobs()
		s.cleanupDone.Wait()
		err = s.st.Close()
	})
	return err
}

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
	if err := s.st.DeleteExpired(context.Background(), time.Now(), sessionIdleTimeout, sessionAbsoluteTimeout); err != nil {
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
	e.Use(withPageDeadline(s.cfg.pageTimeout()))
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
