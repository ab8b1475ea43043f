package agora

import (
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// tokenSource hands out the app token for the Authorization header: a fixed
// one as configured, or one built from AppID and AppCertificate (facts §6.2),
// cached and rebuilt shortly before it expires.
//
// The secrets live only here, behind a pointer, so printing a Client with
// fmt's %+v cannot reach them.
type tokenSource struct {
	fixed string

	appID, cert string
	ttl         time.Duration
	margin      time.Duration // renew when less than this remains
	now         func() time.Time
	logger      *slog.Logger

	mu      sync.Mutex // held while building, so one renewal builds exactly once
	cached  string
	renewAt time.Time
	builds  int    // tests count renewals
	onBuild func() // Observer.TokenRenewal; set before first use
}

func newTokenSource(cfg Config, ttl time.Duration, now func() time.Time, logger *slog.Logger) *tokenSource {
	if cfg.AppToken != "" {
		return &tokenSource{fixed: cfg.AppToken}
	}
	return &tokenSource{
		appID:  cfg.AppID,
		cert:   cfg.AppCertificate,
		ttl:    ttl,
		margin: renewalMargin(ttl),
		now:    now,
		logger: logger,
	}
}

// renewalMargin is how long before expiry a token is replaced: a fifth of
// its lifetime or 5 minutes, whichever is more, but at most half the
// lifetime so that short lifetimes (tests, WithTokenTTL(time.Minute)) still
// get some use out of each token.
func renewalMargin(ttl time.Duration) time.Duration {
	return min(max(ttl/5, 5*time.Minute), ttl/2)
}

func (s *tokenSource) token() (string, error) {
	if s.fixed != "" {
		return s.fixed, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.cached != "" && now.Before(s.renewAt) {
		return s.cached, nil
	}
	t, err := NewAppToken(s.appID, s.ttl, now)
	if err != nil {
		return "", fmt.Errorf("building the app token: %w", err)
	}
	tok, err := t.Build(s.cert)
	if err != nil {
		return "", fmt.Errorf("building the app token: %w", err)
	}
	// ExpiresAt counts from the whole second the token records as its issue
	// time, so the renewal point never lies after the real expiry.
	s.cached, s.renewAt = tok, t.ExpiresAt().Add(-s.margin)
	s.builds++
	if s.onBuild != nil {
		s.onBuild()
	}
	s.logger.Debug("agora: built app token", "app_id", s.appID, "expires", t.ExpiresAt(), "renew_at", s.renewAt)
	return tok, nil
}

func (s *tokenSource) buildCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.builds
}

func (s *tokenSource) kind() string {
	if s.fixed != "" {
		return "fixed app token"
	}
	return "app certificate"
}

// String and GoString keep the secrets out of any accidental print.
func (s *tokenSource) String() string   { return "agora.tokenSource{" + s.kind() + "}" }
func (s *tokenSource) GoString() string { return s.String() }
