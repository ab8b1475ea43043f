package store

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Dialect is the SQL database a store runs on. The store's statements are
// written once, in SQL that SQLite and PostgreSQL both accept, with ?
// placeholders; the few things that differ are decided here (placeholders,
// how account changes are serialized) and in each dialect's migrations
// (column types, ids, triggers). Times are integer milliseconds in both.
type Dialect int

const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// rebind rewrites the ? placeholders of q for d. PostgreSQL numbers them:
// a bare ? becomes $N, N one more than the largest number so far, and ?N
// (SQLite's numbered form, for a value used twice) becomes $N, which is how
// SQLite itself numbers them. Quoted text and identifiers are left alone.
func (d Dialect) rebind(q string) string {
	if d != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	highest := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch c {
		case '\'', '"':
			end := strings.IndexByte(q[i+1:], c)
			if end < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+end+2])
			i += end + 1
		case '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			n := highest + 1
			if j > i+1 {
				n, _ = strconv.Atoi(q[i+1 : j])
			}
			highest = max(highest, n)
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// dbArgs makes every string argument storable as PostgreSQL text, which
// refuses NUL bytes and invalid UTF-8 where SQLite keeps any bytes: both
// get U+FFFD instead, so a typed username like "a%00" is an ordinary failed
// sign-in on either, and both store the same. args is not modified.
func dbArgs(args []any) []any {
	copied := false
	for i, a := range args {
		s, ok := a.(string)
		if !ok || (utf8.ValidString(s) && strings.IndexByte(s, 0) < 0) {
			continue
		}
		if !copied {
			args, copied = slices.Clone(args), true
		}
		args[i] = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	}
	return args
}

// querier is a store or one of its transactions: it runs statements written
// with ? placeholders on either dialect.
type querier interface {
	exec(ctx context.Context, q string, args ...any) (sql.Result, error)
	query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	queryRow(ctx context.Context, q string, args ...any) *sql.Row
}

var (
	_ querier = (*Store)(nil)
	_ querier = (*txn)(nil)
)

func (st *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return st.stmts.ExecContext(ctx, st.dialect.rebind(q), dbArgs(args)...)
}

func (st *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return st.stmts.QueryContext(ctx, st.dialect.rebind(q), dbArgs(args)...)
}

func (st *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return st.stmts.QueryRowContext(ctx, st.dialect.rebind(q), dbArgs(args)...)
}

// txn is a transaction of the store.
type txn struct {
	tx      *sql.Tx
	dialect Dialect
}

func (st *Store) begin(ctx context.Context) (*txn, error) {
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &txn{tx: tx, dialect: st.dialect}, nil
}

func (t *txn) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.dialect.rebind(q), dbArgs(args)...)
}

func (t *txn) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.dialect.rebind(q), dbArgs(args)...)
}

func (t *txn) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.dialect.rebind(q), dbArgs(args)...)
}

func (t *txn) commit() error { return t.tx.Commit() }

func (t *txn) rollback() error { return t.tx.Rollback() }

// lockAccounts makes account changes take turns, so that two admins
// demoting each other at once cannot leave no admin: the last-admin check
// and the change must not interleave with another's. SQLite's write
// transactions already take turns (_txlock=immediate); PostgreSQL's
// default isolation would let both pass the check, so the transaction
// takes an advisory lock that its end releases.
func (t *txn) lockAccounts(ctx context.Context) error {
	if t.dialect != Postgres {
		return nil
	}
	_, err := t.tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, postgresAccountsLock)
	return err
}
