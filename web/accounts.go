package web

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Account is a moderator who can sign in to the dashboard.
type Account struct {
	Username  string
	Created   time.Time
	LastLogin time.Time // zero if never
}

// Accounts manages dashboard accounts; `groupdesk users add|passwd|list`
// uses it while the server may be running (SQLite WAL allows both).
type Accounts struct {
	st     *store
	shared bool // st belongs to a Server; Close leaves it open
}

// Password rules. bcrypt ignores bytes after the 72nd, so longer passwords
// are refused rather than silently truncated.
const (
	minPasswordLen   = 10
	maxPasswordBytes = 72
)

var accountNameRE = regexp.MustCompile(`^[a-z0-9_.-]{1,64}$`)

// bcryptCost is a variable so tests can use bcrypt.MinCost.
var bcryptCost = bcrypt.DefaultCost

var (
	errAccountExists   = errors.New("account already exists")
	errAccountNotFound = errors.New("no such account")
)

// OpenAccounts opens the account store in dataDir (creating dashboard.db if
// needed).
func OpenAccounts(dataDir string) (*Accounts, error) {
	st, err := openStore(dataDir)
	if err != nil {
		return nil, err
	}
	return &Accounts{st: st}, nil
}

// Close closes the database.
func (a *Accounts) Close() error {
	if a.shared {
		return nil
	}
	return a.st.Close()
}

// normalizeAccountName lower-cases and trims a typed username.
func normalizeAccountName(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

func checkAccountName(username string) error {
	if !accountNameRE.MatchString(username) {
		return fmt.Errorf("username %q is not valid: use 1–64 lower-case letters, digits, '_', '.' or '-'", username)
	}
	return nil
}

func checkPasswordRules(password string) error {
	if utf8.RuneCountInString(password) < minPasswordLen {
		return fmt.Errorf("password is too short: use at least %d characters", minPasswordLen)
	}
	if len(password) > maxPasswordBytes {
		return fmt.Errorf("password is too long: use at most %d bytes", maxPasswordBytes)
	}
	return nil
}

func hashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// Add creates an account. The username is lower-cased; the password must be
// at least 10 characters.
func (a *Accounts) Add(ctx context.Context, username, password string) error {
	username = normalizeAccountName(username)
	if err := checkAccountName(username); err != nil {
		return err
	}
	if err := checkPasswordRules(password); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	res, err := a.st.db.ExecContext(ctx,
		`INSERT INTO accounts (username, password_hash, created) VALUES (?, ?, ?) ON CONFLICT(username) DO NOTHING`,
		username, hash, millis(time.Now()))
	if err != nil {
		return fmt.Errorf("add account %q: %w", username, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %q; use passwd to change its password", errAccountExists, username)
	}
	return nil
}

// SetPassword changes an account's password and signs it out everywhere.
func (a *Accounts) SetPassword(ctx context.Context, username, password string) error {
	username = normalizeAccountName(username)
	if err := checkPasswordRules(password); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	tx, err := a.st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE accounts SET password_hash = ? WHERE username = ?`, hash, username)
	if err != nil {
		return fmt.Errorf("set password of %q: %w", username, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %q; add it with `groupdesk users add`", errAccountNotFound, username)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE username = ?`, username); err != nil {
		return fmt.Errorf("sign out %q: %w", username, err)
	}
	return tx.Commit()
}

// List returns every account, ordered by username.
func (a *Accounts) List(ctx context.Context) ([]Account, error) {
	rows, err := a.st.db.QueryContext(ctx, `SELECT username, created, last_login FROM accounts ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		var acc Account
		var created, last int64
		if err := rows.Scan(&acc.Username, &created, &last); err != nil {
			return nil, err
		}
		acc.Created, acc.LastLogin = fromMillis(created), fromMillis(last)
		out = append(out, acc)
	}
	return out, rows.Err()
}

func (a *Accounts) count(ctx context.Context) (int, error) {
	var n int
	err := a.st.db.QueryRowContext(ctx, `SELECT count(*) FROM accounts`).Scan(&n)
	return n, err
}

var (
	dummyHashOnce sync.Once
	dummyHash     []byte
)

// authenticate reports whether password is username's. An unknown user
// costs the same bcrypt comparison as a known one, so response time does
// not reveal which usernames exist.
func (a *Accounts) authenticate(ctx context.Context, username, password string) (bool, error) {
	var hash string
	err := a.st.db.QueryRowContext(ctx, `SELECT password_hash FROM accounts WHERE username = ?`, username).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		dummyHashOnce.Do(func() {
			dummyHash, _ = bcrypt.GenerateFromPassword([]byte(rand.Text()), bcryptCost)
		})
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up account: %w", err)
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil, nil
}

func (a *Accounts) recordLogin(ctx context.Context, username string, now time.Time) error {
	_, err := a.st.db.ExecContext(ctx, `UPDATE accounts SET last_login = ? WHERE username = ?`, millis(now), username)
	return err
}
