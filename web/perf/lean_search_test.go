package perf

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	_ "modernc.org/sqlite" // the driver the dashboard uses

	"groupdesk/web/perf/lean"
)

// The lean baseline's search page: every group of the upstream, read once
// at start into SQLite with an FTS5 trigram index on the searched text, as
// the dashboard's own index does (web/search), without its sync, filters,
// other sorts or freshness line. The dashboard's search page is held to
// this page's CPU per request.

// leanPageSize is how many results a page shows, as on the dashboard.
const leanPageSize = 50

// leanIndexSchema is the groups a search reads, with hay the text it
// matches: lower(name, description, owner), one per line.
const leanIndexSchema = `
CREATE TABLE groups (
	rid INTEGER PRIMARY KEY,
	id TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	owner TEXT NOT NULL,
	members INTEGER NOT NULL,
	modified INTEGER NOT NULL,
	hay TEXT NOT NULL
);
CREATE INDEX groups_members ON groups (members, id);
CREATE VIRTUAL TABLE groups_fts USING fts5(hay, content='groups', content_rowid='rid', tokenize='trigram');`

// leanIndex is the search index and its statements, prepared once.
type leanIndex struct {
	db                *sql.DB
	count             *sql.Stmt
	pageAsc, pageDesc *sql.Stmt
}

// allGroups reads the upstream's list of groups to its end.
func (b *leanBaseline) allGroups(ctx context.Context) ([]upstreamGroup, error) {
	var all []upstreamGroup
	for cursor := ""; ; {
		path := "/chatgroups?limit=1000"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		var page []upstreamGroup
		next, err := b.get(ctx, path, &page)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if next == "" || len(page) == 0 {
			return all, nil
		}
		cursor = next
	}
}

// openLeanIndex creates the index in dir and fills it with groups.
func openLeanIndex(ctx context.Context, dir string, groups []upstreamGroup) (_ *leanIndex, err error) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "lean-search.db")+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, err
	}
	// As many idle connections as open ones: a connection closed when
	// idle takes its prepared statements with it.
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	ix := &leanIndex{db: db}
	defer func() {
		if err != nil {
			db.Close()
		}
	}()
	if _, err := db.ExecContext(ctx, leanIndexSchema); err != nil {
		return nil, fmt.Errorf("index schema: %w", err)
	}
	if err := ix.load(ctx, groups); err != nil {
		return nil, fmt.Errorf("index groups: %w", err)
	}
	const match = `SELECT rowid FROM groups_fts WHERE groups_fts MATCH ?`
	if ix.count, err = db.PrepareContext(ctx, `SELECT count(*) FROM groups_fts WHERE groups_fts MATCH ?`); err != nil {
		return nil, err
	}
	page := `SELECT id, name, owner, members, modified FROM groups WHERE rid IN (` + match + `) ORDER BY members %[1]s, id %[1]s LIMIT ` +
		strconv.Itoa(leanPageSize) + ` OFFSET ?`
	if ix.pageAsc, err = db.PrepareContext(ctx, fmt.Sprintf(page, "ASC")); err != nil {
		return nil, err
	}
	if ix.pageDesc, err = db.PrepareContext(ctx, fmt.Sprintf(page, "DESC")); err != nil {
		return nil, err
	}
	return ix, nil
}

// load inserts groups in one transaction, then builds the text index from
// the table in one go.
func (ix *leanIndex) load(ctx context.Context, groups []upstreamGroup) error {
	tx, err := ix.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO groups (id, name, owner, members, modified, hay) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	for _, g := range groups {
		hay := strings.ToLower(g.GroupName + "\n" + g.Description + "\n" + g.Owner)
		if _, err := ins.ExecContext(ctx, g.GroupID, g.GroupName, g.Owner, g.Affiliations, g.LastModified, hay); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO groups_fts (groups_fts) VALUES ('rebuild')`); err != nil {
		return err
	}
	return tx.Commit()
}

func (ix *leanIndex) close() error {
	return errors.Join(ix.count.Close(), ix.pageAsc.Close(), ix.pageDesc.Close(), ix.db.Close())
}

// search returns how many groups contain text (lowered) and the given page
// of them by members. A trigram index finds nothing shorter than three
// characters, so such a text has no results.
func (ix *leanIndex) search(ctx context.Context, text string, desc bool, page int) (int, []lean.Row, error) {
	if utf8.RuneCountInString(text) < 3 {
		return 0, nil, nil
	}
	// A quoted FTS5 string is a phrase, every character a literal; with
	// the trigram tokenizer a phrase matches as a substring.
	match := `"` + strings.ReplaceAll(text, `"`, `""`) + `"`
	var total int
	if err := ix.count.QueryRowContext(ctx, match).Scan(&total); err != nil {
		return 0, nil, fmt.Errorf("count: %w", err)
	}
	if page > (total+leanPageSize-1)/leanPageSize {
		return total, nil, nil
	}
	stmt := ix.pageAsc
	if desc {
		stmt = ix.pageDesc
	}
	rows, err := stmt.QueryContext(ctx, match, (page-1)*leanPageSize)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	out := make([]lean.Row, 0, leanPageSize)
	for rows.Next() {
		var r lean.Row
		var modified int64
		if err := rows.Scan(&r.ID, &r.Name, &r.Owner, &r.Members, &modified); err != nil {
			return 0, nil, err
		}
		r.LastModified = time.UnixMilli(modified)
		out = append(out, r)
	}
	return total, out, rows.Err()
}

// search is GET /groups?q=…&sort=members&dir=…&page=N. Only the members
// sort is offered: it is the one the harness measures.
func (b *leanBaseline) search(c echo.Context) error {
	q := strings.TrimSpace(c.QueryParam("q"))
	page, err := strconv.Atoi(c.QueryParam("page"))
	if err != nil || page < 1 {
		page = 1
	}
	dir := "asc"
	if c.QueryParam("dir") == "desc" {
		dir = "desc"
	}
	total, rows, err := b.index.search(c.Request().Context(), strings.ToLower(q), dir == "desc", page)
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	var prev, next string
	if page > 1 {
		prev = leanSearchURL(q, dir, page-1)
	}
	if page < (total+leanPageSize-1)/leanPageSize {
		next = leanSearchURL(q, dir, page+1)
	}
	return renderLean(c, lean.SearchPage(b.page(c, "Search"), q, total, rows, prev, next))
}

func leanSearchURL(q, dir string, page int) string {
	return "/groups?" + url.Values{"q": {q}, "sort": {"members"}, "dir": {dir}, "page": {strconv.Itoa(page)}}.Encode()
}
