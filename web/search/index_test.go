package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"groupdesk/internal/pgtest"
)

// openSQLite opens a file database the way the dashboard does.
func openSQLite(t testing.TB, dir string) *sql.DB {
	t.Helper()
	dsn := "file:" + filepath.Join(dir, "groupdesk.db") +
		"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openPostgres(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// bothWays runs f with searches done both ways: matches looked up in the
// text index (and sorted), and every group tested in sort order.
func bothWays(t *testing.T, f func(t *testing.T)) {
	for _, n := range []int{0, 1 << 30} {
		t.Run(fmt.Sprintf("scanReads=smallIndex=%d", n), func(t *testing.T) {
			defer func(reads, small int) { scanReads, smallIndex = reads, small }(scanReads, smallIndex)
			scanReads, smallIndex = n, n
			f(t)
		})
	}
}

// eachDialect runs f on a fresh index in SQLite and in PostgreSQL.
func eachDialect(t *testing.T, f func(t *testing.T, ix *Index)) {
	for _, d := range []Dialect{SQLite, Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			var db *sql.DB
			if d == Postgres {
				db = openPostgres(t)
			} else {
				db = openSQLite(t, t.TempDir())
			}
			ix, err := Open(context.Background(), db, d)
			if err != nil {
				t.Fatal(err)
			}
			if d == Postgres && ix.NoTrigram != "" {
				t.Errorf("PostgreSQL without pg_trgm: %s", ix.NoTrigram)
			}
			f(t, ix)
		})
	}
}

var day0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func fixture() []Group {
	g := func(id, name, desc, owner string, members int, public bool, createdDay int) Group {
		return Group{ID: id, Name: name, Description: desc, Owner: owner, Members: members, MaxUsers: 200,
			Public: public, Created: day0.AddDate(0, 0, createdDay), Modified: day0.AddDate(0, 1, -createdDay)}
	}
	return []Group{
		g("1", "北京校友会", "北京大学校友交流", "li_wei", 120, true, 1),
		g("2", "招聘信息交流群", "每周招聘会通知", "hr.zhang", 45, true, 2),
		g("3", "Book Club", "We read one BOOK a month", "alice", 12, false, 3),
		g("4", "bookworms", "", "bob", 300, true, 4),
		g("5", "Facebook Ads", "marketing", "alice", 7, false, 5),
		g("6", "100% Pure", "percent sign in the name", "carol", 30, true, 6),
		g("7", "snake_case fans", "", "dave", 8, true, 7),
		g("8", "snakeXcase", "no underscore here", "dave", 9, false, 8),
		g("9", "上海 Tech Meetup", "技术分享 and beers", "Li_Wei", 60, true, 9),
		g("10", "Quiet group", "nothing matches here", "erin", 1, false, 10),
	}
}

func ids(r *Result) []string {
	var out []string
	for _, g := range r.Groups {
		out = append(out, g.ID)
	}
	return out
}

func TestSearchText(t *testing.T) {
	bothWays(t, func(t *testing.T) {
		eachDialect(t, func(t *testing.T, ix *Index) {
			ctx := context.Background()
			if err := ix.Upsert(ctx, fixture()...); err != nil {
				t.Fatal(err)
			}
			tests := []struct {
				name, text string
				want       []string // ids, sorted by members descending
			}{
				{"chinese two characters", "招聘", []string{"2"}},
				{"chinese one character", "京", []string{"1"}},
				{"chinese three characters", "校友会", []string{"1"}},
				{"chinese in description", "技术分享", []string{"9"}},
				{"latin upper case", "BOOK", []string{"4", "3", "5"}},
				{"latin mixed case two characters", "bO", []string{"4", "3", "5"}},
				{"latin one character", "q", []string{"10"}},
				{"mixed scripts", "海 tech", []string{"9"}},
				{"owner", "hr.zhang", []string{"2"}},
				{"owner case differs", "LI_WEI", []string{"1", "9"}},
				{"percent is a literal", "%", []string{"6"}},
				{"percent in a longer query", "0% p", []string{"6"}},
				{"underscore is a literal", "_", []string{"1", "9", "7"}},
				{"underscore in a longer query", "e_c", []string{"7"}},
				{"fts syntax is a literal", `"book" OR x`, nil},
				{"quote", `"`, nil},
				{"backslash", `\`, nil},
				{"no match", "zzzz", nil},
				{"control characters stripped", "bo\x00o\tk\n", []string{"4", "3", "5"}},
				{"no match across fields", "club\nwe", nil},
				{"empty is everything", "  ", []string{"4", "1", "9", "2", "6", "3", "8", "7", "5", "10"}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r, err := ix.Search(ctx, Query{Text: tt.text, Sort: ByMembers, Desc: true})
					if err != nil {
						t.Fatal(err)
					}
					if got := ids(r); !slices.Equal(got, tt.want) {
						t.Errorf("Search(%q) = %v, want %v", tt.text, got, tt.want)
					}
					if r.Total != len(tt.want) {
						t.Errorf("Total = %d, want %d", r.Total, len(tt.want))
					}
				})
			}
		})
	})
}

func TestSearchFiltersAndSort(t *testing.T) {
	bothWays(t, func(t *testing.T) {
		eachDialect(t, func(t *testing.T, ix *Index) {
			ctx := context.Background()
			if err := ix.Upsert(ctx, fixture()...); err != nil {
				t.Fatal(err)
			}
			tests := []struct {
				name string
				q    Query
				want []string
			}{
				{"name ascending ignores case", Query{}, []string{"6", "3", "4", "5", "10", "7", "8", "9", "1", "2"}},
				{"name descending", Query{Sort: ByName, Desc: true}, []string{"2", "1", "9", "8", "7", "10", "5", "4", "3", "6"}},
				{"members ascending", Query{Sort: ByMembers}, []string{"10", "5", "7", "8", "3", "6", "2", "9", "1", "4"}},
				{"created descending", Query{Sort: ByCreated, Desc: true}, []string{"10", "9", "8", "7", "6", "5", "4", "3", "2", "1"}},
				{"modified ascending", Query{Sort: ByModified}, []string{"10", "9", "8", "7", "6", "5", "4", "3", "2", "1"}},
				{"owner", Query{Owner: "ALICE"}, []string{"3", "5"}},
				{"owner is exact", Query{Owner: "ali"}, nil},
				{"owner stored in another case", Query{Owner: "li_wei"}, []string{"9", "1"}},
				{"public", Query{Visibility: Public, Text: "book"}, []string{"4"}},
				{"private", Query{Visibility: Private, Text: "book"}, []string{"3", "5"}},
				{"min members", Query{MinMembers: 60, Sort: ByMembers}, []string{"9", "1", "4"}},
				{"max members", Query{MaxMembers: 8, Sort: ByMembers}, []string{"10", "5", "7"}},
				{"range and text", Query{Text: "e", MinMembers: 8, MaxMembers: 45, Sort: ByMembers}, []string{"7", "8", "3", "6"}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r, err := ix.Search(ctx, tt.q)
					if err != nil {
						t.Fatal(err)
					}
					if got := ids(r); !slices.Equal(got, tt.want) {
						t.Errorf("Search(%+v) = %v, want %v", tt.q, got, tt.want)
					}
				})
			}
		})
	})
}

func TestSearchPaging(t *testing.T) {
	bothWays(t, func(t *testing.T) {
		eachDialect(t, func(t *testing.T, ix *Index) {
			ctx := context.Background()
			var groups []Group
			for i := range 120 {
				// Members repeat, so paging must break ties by id.
				groups = append(groups, Group{ID: fmt.Sprintf("g%03d", i), Name: fmt.Sprintf("招聘 %03d", i), Owner: "o", Members: i % 7})
			}
			groups = append(groups, Group{ID: "other", Name: "unrelated", Owner: "o", Members: 3})
			if err := ix.Upsert(ctx, groups...); err != nil {
				t.Fatal(err)
			}
			var seen []string
			for page := 1; page <= 4; page++ {
				r, err := ix.Search(ctx, Query{Text: "招聘", Sort: ByMembers, Desc: true, Page: page})
				if err != nil {
					t.Fatal(err)
				}
				if r.Total != 120 || r.Pages != 3 || r.Page != page {
					t.Fatalf("page %d: Total %d Pages %d Page %d, want 120, 3, %d", page, r.Total, r.Pages, r.Page, page)
				}
				wantLen := map[int]int{1: 50, 2: 50, 3: 20, 4: 0}[page]
				if len(r.Groups) != wantLen {
					t.Fatalf("page %d has %d groups, want %d", page, len(r.Groups), wantLen)
				}
				for i, g := range r.Groups {
					if i > 0 && (g.Members > r.Groups[i-1].Members ||
						g.Members == r.Groups[i-1].Members && g.ID > r.Groups[i-1].ID) {
						t.Errorf("page %d: %s (%d) after %s (%d): not by members, then id, descending",
							page, g.ID, g.Members, r.Groups[i-1].ID, r.Groups[i-1].Members)
					}
				}
				seen = append(seen, ids(r)...)
			}
			slices.Sort(seen)
			if len(slices.Compact(seen)) != 120 {
				t.Errorf("the pages hold %d distinct groups, want all 120", len(seen))
			}
		})
	})
}

func TestUpsertReplacesAndMarkGone(t *testing.T) {
	eachDialect(t, func(t *testing.T, ix *Index) {
		ctx := context.Background()
		clock := day0
		ix.now = func() time.Time { return clock }
		if err := ix.Upsert(ctx, fixture()...); err != nil {
			t.Fatal(err)
		}
		// A rename moves the group to its new name in the text index.
		renamed := fixture()[2]
		renamed.Name, renamed.Description = "Reading Circle", "读书会"
		clock = day0.Add(time.Hour)
		if err := ix.Upsert(ctx, renamed, renamed); err != nil {
			t.Fatal(err)
		}
		for text, want := range map[string][]string{"book club": nil, "circle": {"3"}, "读书会": {"3"}, "读书": {"3"}, "ub": nil} {
			r, err := ix.Search(ctx, Query{Text: text})
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(r); !slices.Equal(got, want) {
				t.Errorf("after rename, Search(%q) = %v, want %v", text, got, want)
			}
		}
		got, ok, err := ix.Get(ctx, "3")
		if err != nil || !ok || got.Name != "Reading Circle" || got.Members != 12 || got.Public || !got.LastSeen.Equal(clock) {
			t.Errorf("Get(3) = %+v, %v, %v; want the renamed group, seen at %v", got, ok, err, clock)
		}
		if _, ok, err := ix.Get(ctx, "404"); ok || err != nil {
			t.Errorf("Get(404) = %v, %v; want not found", ok, err)
		}
		if err := ix.MarkGone(ctx, "4"); err != nil {
			t.Fatal(err)
		}
		n, err := ix.MarkGoneNotSeenSince(ctx, day0.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if n != 8 { // all but 3 (seen again) and 4 (already gone)
			t.Errorf("MarkGoneNotSeenSince marked %d, want 8", n)
		}
		r, err := ix.Search(ctx, Query{})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(r); !slices.Equal(got, []string{"3"}) {
			t.Errorf("after marking gone, Search = %v, want [3]", got)
		}
		for text, want := range map[string]int{"bo": 0, "ook": 0, "al": 1, "书": 1} {
			if r, err := ix.Search(ctx, Query{Text: text}); err != nil || r.Total != want || len(r.Groups) != want {
				t.Errorf("after marking gone, Search(%q) = %+v, %v; want %d", text, r, err, want)
			}
		}
		st, err := ix.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Groups != 1 {
			t.Errorf("Stats.Groups = %d, want 1", st.Groups)
		}
		// Seen again, a gone group is back.
		if err := ix.Upsert(ctx, fixture()[3]); err != nil {
			t.Fatal(err)
		}
		for _, text := range []string{"bookworm", "wo"} {
			if r, _ := ix.Search(ctx, Query{Text: text}); r == nil || r.Total != 1 {
				t.Errorf("a gone group upserted again is not found by %q", text)
			}
		}
	})
}

func TestOpenTwiceKeepsData(t *testing.T) {
	eachDialect(t, func(t *testing.T, ix *Index) {
		ctx := context.Background()
		if err := ix.Upsert(ctx, fixture()...); err != nil {
			t.Fatal(err)
		}
		again, err := Open(ctx, ix.db, ix.d)
		if err != nil {
			t.Fatal(err)
		}
		r, err := again.Search(ctx, Query{Text: "招聘"})
		if err != nil || r.Total != 1 {
			t.Fatalf("after reopening: %v, %v", r, err)
		}
	})
}

func TestBadQueries(t *testing.T) {
	eachDialect(t, func(t *testing.T, ix *Index) {
		ctx := context.Background()
		long := strings.Repeat("招", MaxQueryLen+1)
		_, err := ix.Search(ctx, Query{Text: long})
		var tooLong *QueryTooLongError
		if !errors.As(err, &tooLong) || tooLong.Len != MaxQueryLen+1 {
			t.Errorf("Search(129 characters) error = %v, want a *QueryTooLongError of 129", err)
		}
		if _, err := ix.Search(ctx, Query{Text: strings.Repeat("招", MaxQueryLen) + "\x01\x02"}); err != nil {
			t.Errorf("128 characters and control characters: %v", err)
		}
		if _, err := ix.Search(ctx, Query{Sort: "name; DROP TABLE x"}); err == nil {
			t.Error("an unknown sort is accepted")
		}
		if _, err := ix.Search(ctx, Query{Visibility: "secret"}); err == nil {
			t.Error("an unknown visibility is accepted")
		}
	})
}

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  招聘  ", "招聘"},
		{"a\x00b\x1fc\x7fd", "abcd"},
		{"bad \xff utf-8", "bad  utf-8"},
		{"\u0085next line", "next line"},
	}
	for _, tt := range tests {
		got, err := CleanText(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("CleanText(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// TestWalk visits every group not gone exactly once, across the pages it
// reads them in.
func TestWalk(t *testing.T) {
	eachDialect(t, func(t *testing.T, ix *Index) {
		ctx := context.Background()
		const n = 2*walkBatch + 17
		groups := make([]Group, n)
		for i := range groups {
			groups[i] = Group{ID: fmt.Sprintf("%d", 300000+i), Name: fmt.Sprintf("group %d", i), Owner: "owner", Members: i % 7}
		}
		if err := ix.Upsert(ctx, groups...); err != nil {
			t.Fatal(err)
		}
		gone := []string{"300000", fmt.Sprint(300000 + walkBatch), fmt.Sprint(300000 + n - 1)}
		if err := ix.MarkGone(ctx, gone...); err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		if err := ix.Walk(ctx, func(g Group) error {
			seen[g.ID]++
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(seen) != n-len(gone) {
			t.Errorf("walked %d groups, want %d", len(seen), n-len(gone))
		}
		for id, times := range seen {
			if times != 1 {
				t.Errorf("group %s walked %d times", id, times)
			}
		}
		for _, id := range gone {
			if seen[id] > 0 {
				t.Errorf("walked gone group %s", id)
			}
		}
		stop := errors.New("stop")
		calls := 0
		if err := ix.Walk(ctx, func(Group) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
			t.Errorf("an error from fn: walk returned %v after %d calls", err, calls)
		}
	})
}

// TestSearchPlannerSettingsStayInside checks that the planner settings a
// PostgreSQL search runs with apply to its own queries only: the index
// shares the dashboard's connection pool.
func TestSearchPlannerSettingsStayInside(t *testing.T) {
	db := openPostgres(t)
	db.SetMaxOpenConns(1) // every query below on the one connection
	ix, err := Open(context.Background(), db, Postgres)
	if err != nil {
		t.Fatal(err)
	}
	settings := func(q querier) string {
		var s string
		err := q.QueryRowContext(context.Background(), `SELECT current_setting('enable_seqscan') || ' ' ||
			current_setting('plan_cache_mode') || ' ' || current_setting('max_parallel_workers_per_gather')`).Scan(&s)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	outside := settings(db)
	for _, tc := range []struct{ text, want string }{
		{"alumn", "off force_custom_plan 0"}, // three characters or more: the trigram index
		{"招聘", "on force_custom_plan 0"},     // shorter: the short-grams index, or a scan
		{"", "on force_custom_plan 0"},
	} {
		var inside string
		if err := ix.read(context.Background(), tc.text, func(q querier) error {
			inside = settings(q)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if inside != tc.want {
			t.Errorf("searching %q: settings %q, want %q", tc.text, inside, tc.want)
		}
		if after := settings(db); after != outside {
			t.Errorf("after searching %q the pool's connection has %q, want %q as before", tc.text, after, outside)
		}
	}
}

// TestStatsCountsLiveGroups follows the count of groups not gone that
// Upsert and MarkGone keep, through repeats, revivals and new groups.
func TestStatsCountsLiveGroups(t *testing.T) {
	eachDialect(t, func(t *testing.T, ix *Index) {
		ctx := context.Background()
		groups := fixture()
		check := func(step string, want int) {
			t.Helper()
			st, err := ix.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var counted int
			if err := ix.db.QueryRow(`SELECT count(*) FROM search_groups WHERE gone = 0`).Scan(&counted); err != nil {
				t.Fatal(err)
			}
			if st.Groups != want || counted != want {
				t.Errorf("%s: Stats says %d groups and the table holds %d live; want %d", step, st.Groups, counted, want)
			}
		}
		check("empty", 0)
		must(t, ix.Upsert(ctx, groups...))
		check("after the first upsert", 10)
		must(t, ix.Upsert(ctx, append(groups[:3:3], groups[0])...))
		check("after upserting three again (one twice)", 10)
		must(t, ix.MarkGone(ctx, "1", "2", "no-such-group"))
		check("after two went", 8)
		must(t, ix.MarkGone(ctx, "1"))
		check("after one went again", 8)
		must(t, ix.Upsert(ctx, groups[0], Group{ID: "11", Name: "New", Owner: "zoe", Members: 1}))
		check("after one came back and one was new", 10)
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestTextIndexesStayMerged (SQLite): a day of moderators' changes, one
// group at a time, leaves the FTS5 indexes as compact as building them
// again from the same groups would, and searches still find what they
// should. Unmerged, every change added a segment that each search read.
func TestTextIndexesStayMerged(t *testing.T) {
	// The searches at the end go through the merged text index.
	defer func(reads, small int) { scanReads, smallIndex = reads, small }(scanReads, smallIndex)
	scanReads, smallIndex = 0, 0
	ctx := context.Background()
	group := func(i int, name string) Group {
		return Group{ID: strconv.Itoa(1000 + i), Name: name, Owner: "owner" + strconv.Itoa(i), Members: i, MaxUsers: 200, Created: day0, Modified: day0}
	}
	open := func() (*Index, *sql.DB) {
		db := openSQLite(t, t.TempDir())
		ix, err := Open(ctx, db, SQLite)
		if err != nil {
			t.Fatal(err)
		}
		return ix, db
	}
	dataRows := func(db *sql.DB) (n int) {
		for _, table := range textIndexes {
			var rows int
			if err := db.QueryRow(`SELECT count(*) FROM ` + table + `_data`).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			n += rows
		}
		return n
	}

	var all []Group
	for i := range 100 {
		all = append(all, group(i, fmt.Sprintf("group %d", i)))
	}
	ix, db := open()
	if err := ix.Upsert(ctx, all...); err != nil {
		t.Fatal(err)
	}
	for i := range 30 { // ten deletes, twenty renames
		if i < 10 {
			if err := ix.MarkGone(ctx, all[i].ID); err != nil {
				t.Fatal(err)
			}
			continue
		}
		all[i].Name = fmt.Sprintf("renamed %d", i)
		if err := ix.Upsert(ctx, all[i]); err != nil {
			t.Fatal(err)
		}
	}
	fresh, freshDB := open()
	if err := fresh.Upsert(ctx, all[10:]...); err != nil {
		t.Fatal(err)
	}
	if got, want := dataRows(db), dataRows(freshDB); got > want {
		t.Errorf("after 30 changes the text indexes hold %d rows, built afresh %d: segments were left unmerged", got, want)
	}
	for q, want := range map[string]int{"group": 70, "renamed": 20, "gr": 70, "owner1": 10, "owner": 90} {
		res, err := ix.Search(ctx, Query{Text: q, Sort: ByName})
		if err != nil || res.Total != want {
			t.Errorf("search %q: %v matches (%v), want %d", q, res.Total, err, want)
		}
	}
}

// TestRenamedGroupKeepsItsOtherText: a group renamed through an upsert is
// found by the new name, by its owner and by any part of its text that did
// not change, and no longer by the old name.
func TestRenamedGroupKeepsItsOtherText(t *testing.T) {
	bothWays(t, func(t *testing.T) {
		eachDialect(t, func(t *testing.T, ix *Index) {
			ctx := context.Background()
			g := Group{ID: "77", Name: "Morning runners", Description: "weekend runs", Owner: "coach.li", Members: 9, MaxUsers: 200, Created: day0, Modified: day0}
			if err := ix.Upsert(ctx, g); err != nil {
				t.Fatal(err)
			}
			g.Name = "Evening runners"
			if err := ix.Upsert(ctx, g); err != nil {
				t.Fatal(err)
			}
			for q, want := range map[string]int{"evening": 1, "runners": 1, "coach.li": 1, "weekend": 1, "co": 1, "morning": 0} {
				res, err := ix.Search(ctx, Query{Text: q, Sort: ByName})
				if err != nil || res.Total != want {
					t.Errorf("search %q after the rename: %v matches (%v), want %d", q, res.Total, err, want)
				}
			}
		})
	})
}

// TestMigrationRepairsRenamedGroups: an index whose triggers lost the text
// a rename kept (before migration 3) finds those groups again once
// migrated.
func TestMigrationRepairsRenamedGroups(t *testing.T) {
	// Searches must go through the text index, which is what was broken.
	defer func(reads, small int) { scanReads, smallIndex = reads, small }(scanReads, smallIndex)
	scanReads, smallIndex = 0, 0
	ctx := context.Background()
	db := openSQLite(t, t.TempDir())
	all := migrations[SQLite]
	migrations[SQLite] = all[:2]
	ix, err := Open(ctx, db, SQLite)
	migrations[SQLite] = all
	if err != nil {
		t.Fatal(err)
	}
	g := Group{ID: "78", Name: "Chess club", Owner: "magnus", Members: 3, MaxUsers: 200, Created: day0, Modified: day0}
	if err := ix.Upsert(ctx, g); err != nil {
		t.Fatal(err)
	}
	g.Name = "Chess club (blitz)"
	if err := ix.Upsert(ctx, g); err != nil {
		t.Fatal(err)
	}
	if res, err := ix.Search(ctx, Query{Text: "magnus", Sort: ByName}); err != nil || res.Total != 0 {
		t.Fatalf("before migration 3 the owner of a renamed group should be lost, as it was: %v matches (%v)", res.Total, err)
	}
	if ix, err = Open(ctx, db, SQLite); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"magnus", "chess", "blitz"} {
		if res, err := ix.Search(ctx, Query{Text: q, Sort: ByName}); err != nil || res.Total != 1 {
			t.Errorf("search %q after migration 3: %v matches (%v), want 1", q, res.Total, err)
		}
	}
}
