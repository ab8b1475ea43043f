package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"groupdesk/web/store"
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
	// PageTimeout (GROUPDESK_PAGE_TIMEOUT) is how long a page may wait for
	// Agora, retries included, before it answers that Agora is slow. Zero
	// means 15 s.
	PageTimeout time.Duration
	// IndexSyncEvery (GROUPDESK_INDEX_SYNC_EVERY) is how often the search
	// index is synced with Agora in full, and at start unless a sync
	// started within half of it. Zero means 15 minutes; negative, never
	// on a schedule (only when a moderator asks).
	IndexSyncEvery time.Duration
	// AgoraRateLimit is the Agora client's own limit in calls per second
	// (AGORA_RATE_LIMIT; 0: none). JobRateShare (GROUPDESK_JOB_RATE_SHARE,
	// in (0, 1]; 0 means 0.5) is the part of it bulk jobs may use, through
	// a limiter of their own, so moderators' pages keep the rest.
	AgoraRateLimit float64
	JobRateShare   float64
}

// defaultIndexSyncEvery is IndexSyncEvery's default.
const defaultIndexSyncEvery = 15 * time.Minute

func (c Config) indexSyncEvery() time.Duration {
	if c.IndexSyncEvery == 0 {
		return defaultIndexSyncEvery
	}
	return c.IndexSyncEvery
}

// jobCallsPerSecond is the pace of bulk jobs; 0 when the client has no
// limit either.
func (c Config) jobCallsPerSecond() float64 {
	share := c.JobRateShare
	if share == 0 {
		share = defaultJobRateShare
	}
	return c.AgoraRateLimit * share
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
		if err := store.CheckDatabaseURL(c.DatabaseURL); err != nil {
			return fmt.Errorf("web: %w", err)
		}
	}
	if c.SessionKey != "" && len(c.SessionKey) < minSessionKeyLen {
		return fmt.Errorf("web: GROUPDESK_SESSION_KEY is %d bytes; use at least %d random bytes, or leave it empty to generate one", len(c.SessionKey), minSessionKeyLen)
	}
	if c.AdminPassword != "" {
		if err := store.CheckPasswordRules(c.AdminPassword); err != nil {
			return fmt.Errorf("web: GROUPDESK_ADMIN_PASSWORD: %w", err)
		}
	}
	if c.PageTimeout < 0 {
		return fmt.Errorf("web: PageTimeout is %s; use a positive duration such as 15s, or 0 for the default", c.PageTimeout)
	}
	if c.AgoraRateLimit < 0 {
		return fmt.Errorf("web: AgoraRateLimit is %g; use calls per second, or 0 for no limit", c.AgoraRateLimit)
	}
	if c.JobRateShare < 0 || c.JobRateShare > 1 {
		return fmt.Errorf("web: GROUPDESK_JOB_RATE_SHARE is %g; use a share of the rate limit between 0 and 1, such as 0.5", c.JobRateShare)
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
