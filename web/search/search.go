package search

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"groupdesk/web/store"
)

// MaxQueryLen is the longest query text, in characters.
const MaxQueryLen = 128

// PageSize is how many groups a page of results holds.
const PageSize = 50

// QueryTooLongError refuses a query text over MaxQueryLen characters.
type QueryTooLongError struct{ Len int }

func (e *QueryTooLongError) Error() string {
	return fmt.Sprintf("the search text is %d characters long; at most %d are allowed", e.Len, MaxQueryLen)
}

// CleanText strips control characters and surrounding spaces from a
// typed query and refuses one over MaxQueryLen characters with a
// *QueryTooLongError.
func CleanText(s string) (string, error) {
	s = strings.ToValidUTF8(s, "")
	s = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s))
	if n := utf8.RuneCountInString(s); n > MaxQueryLen {
		return "", &QueryTooLongError{Len: n}
	}
	return s, nil
}

// Visibility filters by whether a group is public.
type Visibility string

const (
	AnyVisibility Visibility = ""
	Public        Visibility = "public"
	Private       Visibility = "private"
)

// Sort is the column results are ordered by; ties go by group id.
type Sort string

const (
	ByName     Sort = "name" // the default
	ByMembers  Sort = "members"
	ByCreated  Sort = "created"
	ByModified Sort = "modified"
)

var sortColumns = map[Sort]string{
	"":         "g.name_key",
	ByName:     "g.name_key",
	ByMembers:  "g.members",
	ByCreated:  "g.created",
	ByModified: "g.modified",
}

// Query is one search. Zero fields do not filter.
type Query struct {
	Text       string // substring of the name, description or owner; cleaned by Search
	Owner      string // the owner's username, exactly (ignoring case)
	Visibility Visibility
	MinMembers int // 0: no lower bound
	MaxMembers int // 0: no upper bound
	Sort       Sort
	Desc       bool
	Page       int // 1-based; 0 is 1
}

// Result is one page of matching groups.
type Result struct {
	Groups []Hit
	Total  int // matching groups over all pages
	Page   int
	Pages  int
	Index  Stats // the index the page was read from
}

// Search returns the page of non-gone groups that match q, and how many
// match in all. A query text over MaxQueryLen characters is refused with a
// *QueryTooLongError; a sort or visibility it does not know is an error.
func (ix *Index) Search(ctx context.Context, q Query) (*Result, error) {
	text, err := CleanText(q.Text)
	if err != nil {
		return nil, err
	}
	order, ok := sortColumns[q.Sort]
	if !ok {
		return nil, fmt.Errorf("search: unknown sort %q", q.Sort)
	}
	text = strings.ToLower(text)
	var filters []string
	var args []any
	if q.Owner != "" {
		filters, args = append(filters, "g.owner = ?"), append(args, strings.ToLower(clean(q.Owner)))
	}
	switch q.Visibility {
	case AnyVisibility:
	case Public, Private:
		filters, args = append(filters, "g.public = ?"), append(args, boolInt(q.Visibility == Public))
	default:
		return nil, fmt.Errorf("search: unknown visibility %q", q.Visibility)
	}
	if q.MinMembers > 0 {
		filters, args = append(filters, "g.members >= ?"), append(args, q.MinMembers)
	}
	if q.MaxMembers > 0 {
		filters, args = append(filters, "g.members <= ?"), append(args, q.MaxMembers)
	}

	res := &Result{Page: max(q.Page, 1)}
	// The state is read before the search's transaction: read inside it,
	// with its planner settings, PostgreSQL's search for a text nothing
	// matches took 2.3 ms instead of 1.3 at 100,000 groups.
	if res.Index, err = ix.stats(ctx, ix.reader()); err != nil {
		return nil, fmt.Errorf("search: stats: %w", err)
	}
	err = ix.read(ctx, text, func(db querier) error {
		var err error
		res.Total, err = ix.count(ctx, db, text, filters, args, res.Index.Groups)
		if err != nil {
			return fmt.Errorf("count: %w", err)
		}
		res.Pages = (res.Total + PageSize - 1) / PageSize
		if res.Total == 0 || res.Page > res.Pages {
			return nil
		}
		res.Groups, err = ix.page(ctx, db, text, filters, args, order, q.Desc, res.Page, res.Total, res.Index.Groups)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return res, nil
}

// Hit is a group as search results show it; Get has the rest.
type Hit struct {
	ID       string
	Name     string
	Owner    string
	Members  int
	Modified time.Time
}

// hitColumns are a Hit's: reading a column is a good part of a page's
// cost on SQLite, so a page reads no others.
const hitColumns = `g.id, g.name, g.owner, g.members, g.modified`

// querier is a database handle or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// reader is where a search's queries go outside a transaction: on SQLite
// statements prepared once (store.Statements), since parsing a search's
// SELECT took a tenth of it.
func (ix *Index) reader() querier {
	if ix.d == SQLite {
		return ix.stmts
	}
	return ix.db
}

// read runs a search's queries. On PostgreSQL they run in a read-only
// transaction whose settings correct three plans that BenchmarkSearch100k
// found slow at 100,000 groups:
//   - Plan each query for its own text. After five runs of a statement the
//     driver has prepared, PostgreSQL may switch to one plan for any text;
//     the plan that suits a common text (walk the members index, test each
//     group) took 46 ms for a text one group matches, which its own plan
//     answers in 1.4 ms.
//   - From three characters on, do not scan the table. The planner prices
//     LIKE on a row at one operator, so for a common text it scans; counting
//     the 12,918 groups that match "alumn" took 21 ms that way and 8 ms
//     through the trigram index.
//   - No parallel workers: starting one took longer (8 ms) than the count
//     it helped with.
func (ix *Index) read(ctx context.Context, text string, f func(querier) error) error {
	if ix.d != Postgres {
		return f(ix.reader())
	}
	tx, err := ix.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	seqscan := "on"
	if utf8.RuneCountInString(text) >= 3 {
		seqscan = "off"
	}
	if _, err := tx.ExecContext(ctx, `SELECT set_config('plan_cache_mode', 'force_custom_plan', true),
		set_config('enable_seqscan', $1, true),
		set_config('max_parallel_workers_per_gather', '0', true)`, seqscan); err != nil {
		return err
	}
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// count counts the matches among live groups. A text alone is counted
// from the text index on SQLite, which holds only groups that are not
// gone; in an index of at most smallIndex groups, testing each is faster.
func (ix *Index) count(ctx context.Context, db querier, text string, filters []string, args []any, live int) (int, error) {
	var n int
	if ix.d == SQLite && text != "" && len(filters) == 0 && live > smallIndex {
		table, match := sqliteMatch(text)
		err := db.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE `+table+` MATCH ?`, match).Scan(&n)
		return n, err
	}
	cond, args := ix.where(text, live <= smallIndex, filters, args)
	err := db.QueryRowContext(ctx, ix.rebind(`SELECT count(*) FROM search_groups g WHERE `+cond), args...).Scan(&n)
	return n, err
}

// smallIndex is the size of index up to which a search counts by testing
// every group's text rather than look it up in the text index. Counting
// "group" among 100 groups took 23–27 µs that way and 35–37 µs through
// FTS5; a text found in few groups is counted faster through FTS5, and at
// 200 groups testing each costs about 50 µs at worst.
var smallIndex = 200 // a variable so that tests can try both ways

// scanReads is how many groups a page may read in sort order, testing
// each, before looking the matches up in the text index and sorting them
// is the faster way. A page at offset o needs about (o + PageSize) ×
// groups / matches reads in sort order. At 100,000 groups that is 2,000
// matches for the first page; in an index of a few hundred groups every
// first page reads in order, which on SQLite took half the time of the
// FTS lookup for 100 groups.
var scanReads = 2500 // a variable so that tests can try both ways

// inOrder says whether a page is read in sort order (see scanReads), from
// how many groups are live and how many of them match.
func inOrder(text string, page, total, live int) bool {
	return text != "" && float64(page*PageSize)*float64(max(live, total)) <= float64(scanReads)*float64(total)
}

func (ix *Index) page(ctx context.Context, db querier, text string, filters []string, args []any, order string, desc bool, page, total, live int) ([]Hit, error) {
	cond, args := ix.where(text, inOrder(text, page, total, live), filters, args)
	dir := "ASC"
	if desc {
		dir = "DESC"
	}
	q := ix.rebind(fmt.Sprintf(`SELECT %s FROM search_groups g WHERE %s ORDER BY %s %s, g.id %s LIMIT %d OFFSET %d`,
		hitColumns, cond, order, dir, dir, PageSize, (page-1)*PageSize))
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	hits := make([]Hit, 0, PageSize)
	for rows.Next() {
		var h Hit
		var modified int64
		if err := rows.Scan(&h.ID, &h.Name, &h.Owner, &h.Members, &modified); err != nil {
			return nil, err
		}
		h.Modified = store.FromMillis(modified)
		hits = append(hits, h)
	}
	return hits, rows.Err()
}

// where is the condition for not-gone groups that match text and filters,
// with text's argument first. With ordered, text is tested on each group
// read rather than looked up in an index.
func (ix *Index) where(text string, ordered bool, filters []string, filterArgs []any) (string, []any) {
	conds := []string{"g.gone = 0"}
	var args []any
	if text != "" {
		var cond string
		var arg any
		switch {
		case ix.d == Postgres && (ordered || utf8.RuneCountInString(text) >= 3):
			// pg_trgm's GIN index serves LIKE from three characters on.
			cond, arg = `g.hay LIKE ?`, "%"+escapeLike(text)+"%"
		case ix.d == Postgres:
			cond, arg = `search_short_grams(g.hay) @> ARRAY[?]::text[]`, text
		case ordered:
			cond, arg = `instr(g.hay, ?) > 0`, text
		default:
			table, match := sqliteMatch(text)
			cond, arg = `g.rid IN (SELECT rowid FROM `+table+` WHERE `+table+` MATCH ?)`, match
		}
		conds, args = append(conds, cond), append(args, arg)
	}
	return strings.Join(append(conds, filters...), " AND "), append(args, filterArgs...)
}

// sqliteMatch is the FTS5 table and query that find text as a substring.
func sqliteMatch(text string) (table, match string) {
	if utf8.RuneCountInString(text) >= 3 {
		// A quoted FTS5 string is a phrase: every character a literal, "
		// doubled. With the trigram tokenizer a phrase matches substrings.
		return "search_groups_fts", `"` + strings.ReplaceAll(text, `"`, `""`) + `"`
	}
	return "search_grams", gramQuery(text)
}

// escapeLike makes % and _ literals in a LIKE pattern (PostgreSQL's
// default escape character is the backslash).
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
