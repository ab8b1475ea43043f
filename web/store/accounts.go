package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
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

// Password rules. bcrypt ignores bytes after the 72nd, so longer passwords
// are refused rather than silently truncated.
const (
	MinPasswordLen   = 10
	MaxPasswordBytes = 72
)

// MaxAccountNameLen is the longest account name, in bytes.
const MaxAccountNameLen = 64

var accountNameRE = regexp.MustCompile(`^[a-z0-9_.-]{1,` + strconv.Itoa(MaxAccountNameLen) + `}$`)

// BcryptCost is a variable so tests can use bcrypt.MinCost.
var BcryptCost = bcrypt.DefaultCost

var (
	ErrAccountExists   = errors.New("account already exists")
	ErrAccountNotFound = errors.New("no such account")
	ErrLastAdmin       = errors.New("it is the last active admin account")
	ErrPasswordShort   = errors.New("password is too short")
	ErrPasswordLong    = errors.New("password is too long")
	ErrWrongPassword   = errors.New("the current password is wrong")
)

// refusalCode is the audit log's code for a change the accounts refuse,
// "" for errors that are not refusals.
func refusalCode(err error) string {
	switch {
	case errors.Is(err, ErrAccountExists):
		return "account_exists"
	case errors.Is(err, ErrAccountNotFound):
		return "account_not_found"
	case errors.Is(err, ErrLastAdmin):
		return "last_admin"
	case errors.Is(err, ErrWrongPassword):
		return "wrong_password"
	}
	return ""
}

// NormalizeAccountName lower-cases and trims a typed username.
func NormalizeAccountName(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// CheckAccountName says what is wrong with a (normalized) username.
func CheckAccountName(username string) error {
	if !accountNameRE.MatchString(username) {
		return fmt.Errorf("username %q is not valid: use 1–64 lower-case letters, digits, '_', '.' or '-'", username)
	}
	return nil
}

// CheckPasswordRules says what is wrong with a new password.
func CheckPasswordRules(password string) error {
	if utf8.RuneCountInString(password) < MinPasswordLen {
		return fmt.Errorf("%w: use at least %d characters", ErrPasswordShort, MinPasswordLen)
	}
	if len(password) > MaxPasswordBytes {
		return fmt.Errorf("%w: use at most %d bytes", ErrPasswordLong, MaxPasswordBytes)
	}
	return nil
}

func hashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), BcryptCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// CreateAccount creates an account; by is who creates it ("(shell)" for
// `groupdesk users add`). The username is lower-cased; the password must
// be at least MinPasswordLen characters.
func (st *Store) CreateAccount(ctx context.Context, by Actor, username, password string, role Role) error {
	username = NormalizeAccountName(username)
	if err := CheckAccountName(username); err != nil {
		return err
	}
	if role.Rank() == 0 {
		return fmt.Errorf("role %q is not known: use viewer, moderator or admin", role)
	}
	if err := CheckPasswordRules(password); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	return st.changeAccount(ctx, by, ActionAccountCreate, username, AuditSummary{Role: role}, func(tx *txn, _ *AuditSummary) error {
		res, err := tx.exec(ctx,
			`INSERT INTO accounts (username, password_hash, role, created) VALUES (?, ?, ?, ?) ON CONFLICT(username) DO NOTHING`,
			username, hash, string(role), Millis(time.Now()))
		if err != nil {
			return fmt.Errorf("add account %q: %w", username, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: %q; use passwd to change its password", ErrAccountExists, username)
		}
		return nil
	})
}

// SetPassword changes an account's password and signs it out everywhere.
func (st *Store) SetPassword(ctx context.Context, by Actor, username, password string) error {
	username = NormalizeAccountName(username)
	if err := CheckPasswordRules(password); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	return st.changeAccount(ctx, by, ActionAccountPassword, username, AuditSummary{}, func(tx *txn, _ *AuditSummary) error {
		res, err := tx.exec(ctx, `UPDATE accounts SET password_hash = ? WHERE username = ?`, hash, username)
		if err != nil {
			return fmt.Errorf("set password of %q: %w", username, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: %q; add it with `groupdesk users add`", ErrAccountNotFound, username)
		}
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE username = ?`, username); err != nil {
			return fmt.Errorf("sign out %q: %w", username, err)
		}
		return nil
	})
}

// ChangeOwnPassword is an account changing its own password: by.Name must
// know its current one. Every session of the account ends (the caller
// renews the one in use); a wrong current password is recorded as a
// failure, so guessing shows in the audit log.
func (st *Store) ChangeOwnPassword(ctx context.Context, by Actor, current, password string) error {
	if err := CheckPasswordRules(password); err != nil {
		return err
	}
	ok, err := st.Authenticate(ctx, by.Name, current)
	if err != nil {
		return err
	}
	hash := ""
	if ok {
		if hash, err = hashPassword(password); err != nil {
			return err
		}
	}
	return st.changeAccount(ctx, by, ActionAccountPasswordChange, by.Name, AuditSummary{}, func(tx *txn, _ *AuditSummary) error {
		if !ok {
			return ErrWrongPassword
		}
		if _, err := tx.exec(ctx, `UPDATE accounts SET password_hash = ? WHERE username = ?`, hash, by.Name); err != nil {
			return fmt.Errorf("set password of %q: %w", by.Name, err)
		}
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE username = ?`, by.Name); err != nil {
			return fmt.Errorf("sign out %q: %w", by.Name, err)
		}
		return nil
	})
}

// SetRole changes an account's role. The last active admin keeps theirs.
func (st *Store) SetRole(ctx context.Context, by Actor, username string, role Role) error {
	username = NormalizeAccountName(username)
	if role.Rank() == 0 {
		return fmt.Errorf("role %q is not known: use viewer, moderator or admin", role)
	}
	return st.changeAccount(ctx, by, ActionAccountRole, username, AuditSummary{Role: role}, func(tx *txn, sum *AuditSummary) error {
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

// SetDisabled disables an account, ending its sessions, or enables it
// again. The last active admin cannot be disabled.
func (st *Store) SetDisabled(ctx context.Context, by Actor, username string, disabled bool) error {
	username = NormalizeAccountName(username)
	action := ActionAccountEnable
	if disabled {
		action = ActionAccountDisable
	}
	return st.changeAccount(ctx, by, action, username, AuditSummary{}, func(tx *txn, _ *AuditSummary) error {
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

// changeAccount runs fn in a transaction and appends its audit record in the same
// transaction, so the change and its record are committed together or not
// at all: an account change never goes unrecorded. A refusal (an existing
// name, an unknown account, the last admin) is recorded as a failure.
func (st *Store) changeAccount(ctx context.Context, by Actor, action, username string, summary AuditSummary, fn func(tx *txn, summary *AuditSummary) error) error {
	e := AuditEntry{
		At: time.Now(), Actor: by.Name, Addr: by.Addr, Action: action,
		TargetType: TargetAccount, Target: username, Summary: summary,
	}
	tx, err := st.begin(ctx)
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
			if aerr := st.AppendAudit(ctx, e, &AuditFailure{Code: code, Msg: err.Error()}); aerr != nil {
				return fmt.Errorf("%w: %w", ErrAuditUnavailable, aerr)
			}
		}
		return err
	}
	if err := bumpAccounts(ctx, tx); err != nil {
		return err
	}
	if _, err := appendAuditTx(ctx, tx, e, nil); err != nil {
		return fmt.Errorf("%w: %w", ErrAuditUnavailable, err)
	}
	if err := tx.commit(); err != nil {
		return err
	}
	st.notifyAccountsChanged()
	return nil
}

// accountTx reads one account inside a transaction.
func accountTx(ctx context.Context, tx *txn, username string) (*Account, error) {
	acc, err := scanAccount(tx.queryRow(ctx, accountColumns+` WHERE username = ?`, username))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %q", ErrAccountNotFound, username)
	}
	return acc, err
}

// otherActiveAdmin returns ErrLastAdmin unless an active admin other than
// username exists. It runs in the change's transaction, after
// lockAccounts, so two admins cannot demote each other at the same moment.
func otherActiveAdmin(ctx context.Context, tx *txn, username string) error {
	var n int
	if err := tx.queryRow(ctx,
		`SELECT count(*) FROM accounts WHERE role = ? AND disabled = 0 AND username != ?`,
		string(RoleAdmin), username).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%q: %w; make another account admin first", username, ErrLastAdmin)
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
	acc.Created, acc.LastLogin = FromMillis(created), FromMillis(last)
	return &acc, nil
}

// Account returns the account, or nil if there is none of that name.
func (st *Store) Account(ctx context.Context, username string) (*Account, error) {
	acc, err := scanAccount(st.queryRow(ctx, accountColumns+` WHERE username = ?`, username))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up account: %w", err)
	}
	return acc, nil
}

// Accounts returns every account, ordered by username.
func (st *Store) Accounts(ctx context.Context) ([]Account, error) {
	rows, err := st.query(ctx, accountColumns+` ORDER BY username`)
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

// CountAccounts is how many accounts exist, disabled ones included.
func (st *Store) CountAccounts(ctx context.Context) (int, error) {
	var n int
	err := st.queryRow(ctx, `SELECT count(*) FROM accounts`).Scan(&n)
	return n, err
}

var (
	dummyHashOnce sync.Once
	dummyHash     []byte
)

// Authenticate reports whether password is username's. An unknown user
// costs the same bcrypt comparison as a known one, so response time does
// not reveal which usernames exist.
func (st *Store) Authenticate(ctx context.Context, username, password string) (bool, error) {
	var hash string
	err := st.queryRow(ctx, `SELECT password_hash FROM accounts WHERE username = ?`, username).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		dummyHashOnce.Do(func() {
			dummyHash, _ = bcrypt.GenerateFromPassword([]byte(rand.Text()), BcryptCost)
		})
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up account: %w", err)
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil, nil
}

// RecordLogin notes a successful sign-in.
func (st *Store) RecordLogin(ctx context.Context, username string, now time.Time) error {
	_, err := st.exec(ctx, `UPDATE accounts SET last_login = ? WHERE username = ?`, Millis(now), username)
	return err
}
