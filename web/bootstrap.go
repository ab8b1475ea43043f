package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"groupdesk/web/store"
)

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
	n, err := s.st.CountAccounts(ctx)
	if err != nil {
		return fmt.Errorf("web: count accounts: %w", err)
	}
	if n > 0 {
		return nil
	}
	// Replicas starting at once on a new database may all find no account;
	// the first to create it wins and the others carry on.
	if s.cfg.AdminPassword != "" {
		if err := s.st.CreateAccount(ctx, store.SystemActor, firstAccount, s.cfg.AdminPassword, store.RoleAdmin); errors.Is(err, store.ErrAccountExists) {
			return nil
		} else if err != nil {
			return fmt.Errorf("web: create first account: %w", err)
		}
		s.log.Info("created the first dashboard account from GROUPDESK_ADMIN_PASSWORD", "username", firstAccount)
		return nil
	}
	password := rand.Text()
	if err := s.st.CreateAccount(ctx, store.SystemActor, firstAccount, password, store.RoleAdmin); errors.Is(err, store.ErrAccountExists) {
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
