package search

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
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
	Groups []Group
	Total  int // matching groups over all pages
	Page   int
	Pages  int
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
	where := []string{"g.gone = 0"}
	var args []any
	if text != "" {
		cond, arg := ix.textCondition(strings.ToLower(text))
		where, args = append(where, cond), append(args, arg)
	}
	if q.Owner != "" {
		where, args = append(where, "g.owner = ?"), append(args, strings.ToLower(clean(q.Owner)))
	}
	switch q.Visibility {
	case AnyVisibility:
	case Public, Private:
		where, args = append(where, "g.public = ?"), append(args, boolInt(q.Visibility == Public))
	default:
		return nil, fmt.Errorf("search: unknown visibility %q", q.Visibility)
	}
	if q.MinMembers > 0 {
		where, args = append(where, "g.members >= ?"), append(args, q.MinMembers)
	}
	if q.MaxMembers > 0 {
		where, args = append(where, "g.members <= ?"), append(args, q.MaxMembers)
	}
	cond := strings.Join(where, " AND ")

	res := &Result{Page: max(q.Page, 1)}
	if err := ix.db.QueryRowContext(ctx, ix.rebind(`SELECT count(*) FROM search_groups g WHERE `+cond), args...).
		Scan(&res.Total); err != nil {
		return nil, fmt.Errorf("search: count: %w", err)
	}
	res.Pages = (res.Total + PageSize - 1) / PageSize
	if res.Total == 0 || res.Page > res.Pages {
		return res, nil
	}
	dir := "ASC"
	if q.Desc {
		dir = "DESC"
	}
	rows, err := ix.db.QueryContext(ctx, ix.rebind(fmt.Sprintf(`SELECT %s FROM search_groups g WHERE %s
		ORDER BY %s %s, g.id %s LIMIT %d OFFSET %d`, groupColumns, cond, order, dir, dir, PageSize, (res.Page-1)*PageSize)),
		args...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		res.Groups = append(res.Groups, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return res, nil
}

// textCondition matches the lowered text as a literal substring of hay.
func (ix *Index) textCondition(text string) (string, any) {
	if ix.d == Postgres {
		// pg_trgm's GIN index serves LIKE; with a pattern of fewer than
		// three characters the planner scans the table instead.
		return `g.hay LIKE ?`, "%" + escapeLike(text) + "%"
	}
	if utf8.RuneCountInString(text) >= 3 {
		// A quoted FTS5 string is a phrase: every character a literal, "
		// doubled. With the trigram tokenizer a phrase matches substrings.
		return `g.rid IN (SELECT rowid FROM search_groups_fts WHERE search_groups_fts MATCH ?)`,
			`"` + strings.ReplaceAll(text, `"`, `""`) + `"`
	}
	// Trigrams cannot find one or two characters: scan.
	return `instr(g.hay, ?) > 0`, text
}

// escapeLike makes % and _ literals in a LIKE pattern (PostgreSQL's
// default escape character is the backslash).
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
