package store

import (
	"context"
	"database/sql"
	"sync"
)

// maxPrepared bounds a statement cache: some statements are built with as
// many placeholders as they have values, and those past the bound are
// simply not cached.
const maxPrepared = 128

// Statements prepares each query once for the lifetime of a database
// handle. SQLite parses every statement anew on every call; database/sql
// prepares a cached statement on each connection once. Safe for
// concurrent use.
type Statements struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

// NewStatements is an empty cache of statements on db.
func NewStatements(db *sql.DB) *Statements {
	return &Statements{db: db, m: map[string]*sql.Stmt{}}
}

// ExecContext runs q (in db's placeholder syntax) as a prepared statement,
// or as text when it is not cached.
func (s *Statements) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if stmt := s.prepared(ctx, q); stmt != nil {
		return stmt.ExecContext(ctx, args...)
	}
	return s.db.ExecContext(ctx, q, args...)
}

// QueryContext is ExecContext's counterpart for rows.
func (s *Statements) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if stmt := s.prepared(ctx, q); stmt != nil {
		return stmt.QueryContext(ctx, args...)
	}
	return s.db.QueryContext(ctx, q, args...)
}

// QueryRowContext is ExecContext's counterpart for one row.
func (s *Statements) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if stmt := s.prepared(ctx, q); stmt != nil {
		return stmt.QueryRowContext(ctx, args...)
	}
	return s.db.QueryRowContext(ctx, q, args...)
}

// prepared returns q prepared, or nil when the cache is full or q does not
// prepare: the caller then runs q as text, and that call reports the error.
func (s *Statements) prepared(ctx context.Context, q string) *sql.Stmt {
	s.mu.RLock()
	stmt, ok := s.m[q]
	full := len(s.m) >= maxPrepared
	s.mu.RUnlock()
	if ok || full {
		return stmt
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if stmt, ok := s.m[q]; ok || len(s.m) >= maxPrepared || s.m == nil {
		return stmt
	}
	stmt, err := s.db.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	s.m[q] = stmt
	return stmt
}

// Close closes the prepared statements; Prepared returns nil from then on.
func (s *Statements) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, stmt := range s.m {
		stmt.Close()
	}
	s.m = nil
}
