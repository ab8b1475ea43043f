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

// Account is a person who can sign in to the dashboard.
type Account struct {
	Username  string
	Role      Role
	Disabled  bool // cannot sign in; disabling ended its sessions
	Created   time.Time
	LastLogin time.Time // zero if never
}

// Accounts manages dashboard accounts; `groupdesk users add|passwd|list`
// uses it while servers may be running (SQLite's WAL allows both, and
// PostgreSQL serves any number of clients). Every change is written to the
// audit log in the same transaction as the change itself; changes through
// the exported methods are recorded as made by "(shell)".
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
	errLastAdmin       = errors.New("it is the last active admin account")
	errPasswordShort   = errors.New("password is too short")
	errPasswordLong    = errors.New("password is too long")
)

// refusalCode is the audit log's code for a change the accounts refuse,
// "" for errors that are not refusals.
func refusalCode(err error) string {
	switch {
	case errors.Is(err, errAccountExists):
		return "account_exists"
	case errors.Is(err, errAccountNotFound):
		return "account_not_found"
	case errors.Is(err, errLastAdmin):
		return "last_admin"
	}
	return ""
}

// OpenAccounts opens the account store: the PostgreSQL database at
// databaseURL (GROUPDESK_DATABASE_URL) or, when that is empty, dashboard.db
// in dataDir (created if needed).
func OpenAccounts(dataDir, databaseURL string) (*Accounts, error) {
	st, err := openStore(dataDir, databaseURL)
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
		return fmt.Errorf("%w: use at least %d characters", errPasswordShort, minPasswordLen)
	}
	if len(password) > maxPasswordBytes {
		return fmt.Errorf("%w: use at most %d bytes", errPasswordLong, maxPasswordBytes)
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

// Add creates an admin account, as the first account is and as
// `groupdesk users add NAME` does without --role. The
// username is lower-cased; the password must be at least 10 characters.
func (a *Accounts) Add(ctx context.Context, username, password string) error {
	return a.AddWithRole(ctx, username, password, RoleAdmin)
}

// AddWithRole creates an account with the given role.
func (a *Accounts) AddWithRole(ctx context.Context, username, password string, role Role) error {
	return a.create(ctx, shellActor, username, password, role)
}

// SetPassword changes an account's password and signs it out everywhere.
func (a *Accounts) SetPassword(ctx context.Context, username, password string) error {
	return a.setPassword(ctx, shellActor, username, password)
}

func (a *Accounts) create(ctx context.Context, by auditActor, username, password string, role Role) error {
	username = normalizeAccountName(username)
	if err := checkAccountName(username); err != nil {
		return err
	}
	if role.rank() == 0 {
		return fmt.Errorf("role %q is not known: use viewer, moderator or admin", role)
	}
	if err := checkPasswordRules(password); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	return a.change(ctx, by, actionAccountCreate, username, auditSummary{Role: role}, func(tx *storeTx, _ *auditSummary) error {
		res, err := tx.exec(ctx,
			`INSERT INTO accounts (username, password_hash, role, created) VALUES (?, ?, ?, ?) ON CONFLICT(username) DO NOTHING`,
			username, hash, string(role), millis(time.Now()))
		if err != nil {
			return fmt.Errorf("add account %q: %w", username, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: %q; use passwd to change its password", errAccountExists, username)
		}
		return nil
	})
}

func (a *Accounts) setPassword(ctx context.Context, by auditActor, username, password string) error {
	username = normalizeAccountName(username)
	if err := checkPasswordRules(password); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	return a.change(ctx, by, actionAccountPassword, username, auditSummary{}, func(tx *storeTx, _ *auditSummary) error {
		res, err := tx.exec(ctx, `UPDATE accounts SET password_hash = ? WHERE username = ?`, hash, username)
		if err != nil {
			return fmt.Errorf("set password of %q: %w", username, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: %q; add it with `groupdesk users add`", errAccountNotFound, username)
		}
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE username = ?`, username); err != nil {
			return fmt.Errorf("sign out %q: %w", username, err)
		}
		return nil
	})
}

// setRole changes an account's role. The last active admin keeps theirs.
func (a *Accounts) setRole(ctx context.Context, by auditActor, username string, role Role) error {
	username = normalizeAccountName(username)
	if role.rank() == 0 {
		return fmt.Errorf("role %q is not known: use viewer, moderator or admin", role)
	}
	return a.change(ctx, by, actionAccountRole, username, auditSummary{Role: role}, func(tx *storeTx, sum *auditSummary) error {
		acc, err := accountTx(ctx, tx, username)
		if err != nil {
			return err
		}
		sum.OldRole = acc.Role
		if acc.Role == RoleAdmin && role != RoleAdmin && !acc.Disabled {
			if err := otherActiveAdmin(ctx, tx, username); err != nil {
				return err
			}
		}
		_, err = tx.exec(ctx, `UPDATE accounts SET role = ? WHERE username = ?`, string(role), username)
		return err
	})
}

// setDisabled disables an account, ending its sessions, or enables it
// again. The last active admin cannot be disabled.
func (a *Accounts) setDisabled(ctx context.Context, by auditActor, username string, disabled bool) error {
	username = normalizeAccountName(username)
	action := actionAccountEnable
	if disabled {
		action = actionAccountDisable
	}
	return a.change(ctx, by, action, username, auditSummary{}, func(tx *storeTx, _ *auditSummary) error {
		acc, err := accountTx(ctx, tx, username)
		if err != nil {
			return err
		}
		if disabled && acc.Role == RoleAdmin && !acc.Disabled {
			if err := otherActiveAdmin(ctx, tx, username); err != nil {
				return err
			}
		}
		flag := 0
		if disabled {
			flag = 1
		}
		if _, err := tx.exec(ctx, `UPDATE accounts SET disabled = ? WHERE username = ?`, flag, username); err != nil {
			return err
		}
		if disabled {
			if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE username = ?`, username); err != nil {
				return fmt.Errorf("sign out %q: %w", username, err)
			}
		}
		return nil
	})
}

// change runs fn in a transaction and appends its audit record in the same
// transaction, so the change and its record are committed together or not
// at all: an account change never goes unrecorded. A refusal (an existing
// name, an unknown account, the last admin) is recorded as a failure.
func (a *Accounts) change(ctx context.Context, by auditActor, action, username string, summary auditSummary, fn func(tx *storeTx, summary *auditSummary) error) error {
	e := auditEntry{
		At: time.Now(), Actor: by.Name, Addr: by.Addr, Action: action,
		TargetType: targetAccount, Target: username, Summary: summary,
	}
	tx, err := a.st.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if err := tx.lockAccounts(ctx); err != nil {
		return err
	}
	if err := fn(tx, &e.Summary); err != nil {
		if code := refusalCode(err); code != "" {
			_ = tx.rollback()
			if aerr := a.st.appendAudit(ctx, e, &auditFailure{code: code, msg: err.Error()}); aerr != nil {
				return fmt.Errorf("%w: %w", errAuditUnavailable, aerr)
			}
		}
		return err
	}
	if err := a.st.appendAuditTx(ctx, tx, e, nil); err != nil {
		return fmt.Errorf("%w: %w", errAuditUnavailable, err)
	}
	return tx.commit()
}

// accountTx reads one account inside a transaction.
func accountTx(ctx context.Context, tx *storeTx, username string) (*Account, error) {
	acc, err := scanAccount(tx.queryRow(ctx, accountColumns+` WHERE username = ?`, username))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %q", errAccountNotFound, username)
	}
	return acc, err
}

// otherActiveAdmin returns errLastAdmin unless an active admin other than
// username exists. It runs in the change's transaction, after
// lockAccounts, so two admins cannot demote each other at the same moment.
func otherActiveAdmin(ctx context.Context, tx *storeTx, username string) error {
	var n int
	if err := tx.queryRow(ctx,
		`SELECT count(*) FROM accounts WHERE role = ? AND disabled = 0 AND username != ?`,
		string(RoleAdmin), username).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%q: %w; make another account admin first", username, errLastAdmin)
	}
	return nil
}

const accountColumns = `SELECT username, role, disabled, created, last_login FROM accounts`

type rowScanner interface{ Scan(dest ...any) error }

func scanAccount(row rowScanner) (*Account, error) {
	var acc Account
	var role string
	var disabled int
	var created, last int64
	if err := row.Scan(&acc.Username, &role, &disabled, &created, &last); err != nil {
		return nil, err
	}
	acc.Role, acc.Disabled = Role(role), disabled != 0
	acc.Created, acc.LastLogin = fromMillis(created), fromMillis(last)
	return &acc, nil
}

// lookup returns the account, or nil if there is none of that name.
func (a *Accounts) lookup(ctx context.Context, username string) (*Account, error) {
	acc, err := scanAccount(a.st.queryRow(ctx, accountColumns+` WHERE username = ?`, username))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up account: %w", err)
	}
	return acc, nil
}

// List returns every account, ordered by username.
func (a *Accounts) List(ctx context.Context) ([]Account, error) {
	rows, err := a.st.query(ctx, accountColumns+` ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		acc, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *acc)
	}
	return out, rows.Err()
}

func (a *Accounts) count(ctx context.Context) (int, error) {
	var n int
	err := a.st.queryRow(ctx, `SELECT count(*) FROM accounts`).Scan(&n)
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
	err := a.st.queryRow(ctx, `SELECT password_hash FROM accounts WHERE username = ?`, username).Scan(&hash)
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
	_, err := a.st.exec(ctx, `UPDATE accounts SET last_login = ? WHERE username = ?`, millis(now), username)
	return err
}
