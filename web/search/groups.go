package search

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"groupdesk/web/store"
	"strings"
	"time"
	"unicode/utf8"
)

// Group is one indexed group.
type Group struct {
	ID          string
	Name        string
	Description string
	Owner       string // a username: stored lowered, as Agora treats usernames
	Members     int
	MaxUsers    int
	Public      bool
	Created     time.Time
	Modified    time.Time
	LastSeen    time.Time // set by Upsert
	Gone        bool      // not found by the last full pass, or deleted through Groupdesk
}

// hay is what a query is matched against: the searchable fields lowered,
// one per line. Queries cannot contain a newline (control characters are
// stripped), so a match never spans two fields.
func hay(g *Group) string {
	return strings.ToLower(g.Name) + "\n" + strings.ToLower(g.Description) + "\n" + strings.ToLower(g.Owner)
}

// upsertBatch rows go in one INSERT: 14 values each, well under both
// databases' limits on parameters.
const upsertBatch = 200

// Upsert adds or replaces groups, marks them seen now and not gone.
func (ix *Index) Upsert(ctx context.Context, groups ...Group) error {
	return ix.upsert(ctx, mergePagesPerWrite, groups)
}

// upsert is Upsert, merging up to mergePages pages of the text indexes
// (none: a full pass merges them once at its end).
func (ix *Index) upsert(ctx context.Context, mergePages int, groups []Group) error {
	if len(groups) == 0 {
		return nil
	}
	groups = lastOfEach(groups)
	seen := ix.now().UnixMilli()
	tx, err := ix.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("search index: upsert: %w", err)
	}
	defer tx.Rollback()
	if err := ix.lockState(ctx, tx); err != nil {
		return fmt.Errorf("search index: upsert: %w", err)
	}
	added := 0 // groups live after this upsert that were not before
	for start := 0; start < len(groups); start += upsertBatch {
		batch := groups[start:min(start+upsertBatch, len(groups))]
		live, err := ix.liveAmong(ctx, tx, batch)
		if err != nil {
			return fmt.Errorf("search index: upsert: %w", err)
		}
		added += len(batch) - live
		var before map[string]indexedText
		if ix.d == SQLite {
			if before, err = textsOf(ctx, tx, batch); err != nil {
				return fmt.Errorf("search index: upsert: %w", err)
			}
		}
		var b strings.Builder
		b.WriteString(`INSERT INTO search_groups (id, name, name_key, description, owner, members, maxusers, public,
			created, modified, last_seen, gone, hay) VALUES `)
		args := make([]any, 0, len(batch)*13)
		for i := range batch {
			g := &batch[i]
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)")
			args = append(args, clean(g.ID), clean(g.Name), strings.ToLower(clean(g.Name)), clean(g.Description),
				strings.ToLower(clean(g.Owner)), g.Members, g.MaxUsers, boolInt(g.Public), store.Millis(g.Created), store.Millis(g.Modified),
				seen, clean(hay(g)))
		}
		b.WriteString(` ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key,
			description = excluded.description, owner = excluded.owner, members = excluded.members,
			maxusers = excluded.maxusers, public = excluded.public, created = excluded.created,
			modified = excluded.modified, last_seen = excluded.last_seen, gone = 0, hay = excluded.hay`)
		if ix.d == Postgres {
			if _, err := tx.ExecContext(ctx, ix.rebind(b.String()), args...); err != nil {
				return fmt.Errorf("search index: upsert: %w", err)
			}
			continue
		}
		b.WriteString(` RETURNING rid, id, hay`)
		if err := upsertGrams(ctx, tx, b.String(), args, before); err != nil {
			return fmt.Errorf("search index: upsert: %w", err)
		}
	}
	if err := ix.addLive(ctx, tx, added); err != nil {
		return fmt.Errorf("search index: upsert: %w", err)
	}
	if ix.d == SQLite && mergePages > 0 {
		if _, err := mergeTextIndexes(ctx, tx, mergePages); err != nil {
			return fmt.Errorf("search index: upsert: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("search index: upsert: %w", err)
	}
	return nil
}

// lockState makes a transaction that writes search_groups the only one
// doing so until it ends, so that the count of live groups it keeps is
// exact. SQLite transactions of the store's handle begin IMMEDIATE, which
// already does that; PostgreSQL locks the state row.
func (ix *Index) lockState(ctx context.Context, tx *sql.Tx) error {
	if ix.d != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT 1 FROM search_state WHERE id = 1 FOR UPDATE`)
	return err
}

// liveAmong counts the groups of batch that are indexed and not gone.
func (ix *Index) liveAmong(ctx context.Context, tx *sql.Tx, batch []Group) (int, error) {
	in, args := idsIn(batch)
	var n int
	err := tx.QueryRowContext(ctx, ix.rebind(`SELECT count(*) FROM search_groups WHERE gone = 0 AND id IN `+in), args...).Scan(&n)
	return n, err
}

// idsIn is the list "(?, ?, …)" of batch's ids and its arguments.
func idsIn(batch []Group) (string, []any) {
	args := make([]any, len(batch))
	for i := range batch {
		args[i] = clean(batch[i].ID)
	}
	return "(?" + strings.Repeat(", ?", len(batch)-1) + ")", args
}

// addLive adds n (which may be negative) to the count of live groups.
func (ix *Index) addLive(ctx context.Context, tx *sql.Tx, n int) error {
	if n == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, ix.rebind(`UPDATE search_state SET live_groups = live_groups + ? WHERE id = 1`), n)
	return err
}

// indexedText is a group's row in the text indexes before an upsert.
type indexedText struct {
	hay  string
	gone bool
}

// textsOf reads the indexed text of the batch's groups that are indexed.
func textsOf(ctx context.Context, tx *sql.Tx, batch []Group) (map[string]indexedText, error) {
	in, args := idsIn(batch)
	rows, err := tx.QueryContext(ctx, `SELECT id, hay, gone FROM search_groups WHERE id IN `+in, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]indexedText, len(batch))
	for rows.Next() {
		var id string
		var t indexedText
		if err := rows.Scan(&id, &t.hay, &t.gone); err != nil {
			return nil, err
		}
		out[id] = t
	}
	return out, rows.Err()
}

// upsertGrams runs the SQLite upsert and rewrites search_grams for the
// groups whose text changed or that are back from gone.
func upsertGrams(ctx context.Context, tx *sql.Tx, upsert string, args []any, before map[string]indexedText) error {
	rows, err := tx.QueryContext(ctx, upsert, args...)
	if err != nil {
		return err
	}
	type change struct {
		rid        int64
		hay        string
		wasIndexed bool
	}
	var changes []change
	for rows.Next() {
		var c change
		var id string
		if err := rows.Scan(&c.rid, &id, &c.hay); err != nil {
			rows.Close()
			return err
		}
		old, ok := before[id]
		c.wasIndexed = ok && !old.gone
		if !c.wasIndexed || old.hay != c.hay {
			changes = append(changes, c)
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, c := range changes {
		if c.wasIndexed {
			if _, err := tx.ExecContext(ctx, `DELETE FROM search_grams WHERE rowid = ?`, c.rid); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO search_grams (rowid, grams) VALUES (?, ?)`, c.rid, grams(c.hay)); err != nil {
			return err
		}
	}
	return nil
}

// grams lists hay's distinct characters and pairs of characters, within
// each line, as hex tokens: the ascii tokenizer then keeps each whole.
func grams(hay string) string {
	seen := make(map[string]bool, len(hay)*2)
	var b strings.Builder
	add := func(g string) {
		if seen[g] {
			return
		}
		seen[g] = true
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(hex.EncodeToString([]byte(g)))
	}
	for line := range strings.SplitSeq(hay, "\n") {
		prev := -1
		for i, r := range line {
			if prev >= 0 {
				add(line[prev : i+utf8.RuneLen(r)])
			}
			add(string(r))
			prev = i
		}
	}
	return b.String()
}

// gramQuery is the search_grams query for a text of one or two characters.
func gramQuery(text string) string { return `"` + hex.EncodeToString([]byte(text)) + `"` }

// lastOfEach keeps the last of groups with the same id: PostgreSQL's ON
// CONFLICT cannot touch one row twice in a statement, and a list page can
// repeat a group when others are created meanwhile.
func lastOfEach(groups []Group) []Group {
	last := make(map[string]int, len(groups))
	for i := range groups {
		last[groups[i].ID] = i
	}
	if len(last) == len(groups) {
		return groups
	}
	out := make([]Group, 0, len(last))
	for i := range groups {
		if last[groups[i].ID] == i {
			out = append(out, groups[i])
		}
	}
	return out
}

// clean makes s storable as PostgreSQL text, which refuses NUL bytes and
// invalid UTF-8 where SQLite keeps any bytes; both store the same.
func clean(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// MarkGone marks groups deleted through Groupdesk as gone at once.
func (ix *Index) MarkGone(ctx context.Context, ids ...string) error {
	for _, id := range ids {
		if _, err := ix.markGone(ctx, mergePagesPerWrite, `id = ?`, clean(id)); err != nil {
			return err
		}
	}
	return nil
}

// MarkGoneNotSeenSince marks every group not seen since t (the start of a
// full pass) as gone, and returns how many it marked. The pass merges the
// text indexes next (compact).
func (ix *Index) MarkGoneNotSeenSince(ctx context.Context, t time.Time) (int, error) {
	return ix.markGone(ctx, 0, `last_seen < ?`, t.UnixMilli())
}

// markGone marks the groups that match cond as gone; on SQLite it also
// takes them out of search_grams (a trigger does search_groups_fts).
func (ix *Index) markGone(ctx context.Context, mergePages int, cond string, arg any) (int, error) {
	tx, err := ix.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("search index: mark gone: %w", err)
	}
	defer tx.Rollback()
	if err := ix.lockState(ctx, tx); err != nil {
		return 0, fmt.Errorf("search index: mark gone: %w", err)
	}
	if ix.d == SQLite {
		if _, err := tx.ExecContext(ctx, `DELETE FROM search_grams WHERE rowid IN (
			SELECT rid FROM search_groups WHERE gone = 0 AND `+cond+`)`, arg); err != nil {
			return 0, fmt.Errorf("search index: mark gone: %w", err)
		}
	}
	res, err := tx.ExecContext(ctx, ix.rebind(`UPDATE search_groups SET gone = 1 WHERE gone = 0 AND `+cond), arg)
	if err != nil {
		return 0, fmt.Errorf("search index: mark gone: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("search index: mark gone: %w", err)
	}
	if err := ix.addLive(ctx, tx, -int(n)); err != nil {
		return 0, fmt.Errorf("search index: mark gone: %w", err)
	}
	if ix.d == SQLite && n > 0 && mergePages > 0 {
		if _, err := mergeTextIndexes(ctx, tx, mergePages); err != nil {
			return 0, fmt.Errorf("search index: mark gone: %w", err)
		}
	}
	return int(n), tx.Commit()
}

// Stats is how big and how fresh the index is.
type Stats struct {
	Groups       int       // not gone
	LastFullSync time.Time // when the last complete full pass finished; zero: never
	// LastFullSyncStarted is when that pass began.
	LastFullSyncStarted time.Time
	// PassStarted is when the running full pass began (zero when none
	// runs), and PassSeen how many groups it has read so far.
	PassStarted time.Time
	PassSeen    int
}

// Stats reports the index's size and freshness.
func (ix *Index) Stats(ctx context.Context) (Stats, error) {
	s, err := ix.stats(ctx, ix.reader())
	if err != nil {
		return Stats{}, fmt.Errorf("search index: stats: %w", err)
	}
	return s, nil
}

func (ix *Index) stats(ctx context.Context, db querier) (Stats, error) {
	var s Stats
	var started, finished, passStarted int64
	err := db.QueryRowContext(ctx, `SELECT live_groups, full_sync_started, full_sync_finished, pass_started, pass_seen FROM search_state WHERE id = 1`).
		Scan(&s.Groups, &started, &finished, &passStarted, &s.PassSeen)
	s.LastFullSyncStarted, s.LastFullSync, s.PassStarted = store.FromMillis(started), store.FromMillis(finished), store.FromMillis(passStarted)
	return s, err
}

// passProgress records a running pass's progress, for pages to show.
func (ix *Index) passProgress(ctx context.Context, started time.Time, seen int) error {
	_, err := ix.db.ExecContext(ctx, ix.rebind(`UPDATE search_state SET pass_started = ?, pass_seen = ? WHERE id = 1`),
		store.Millis(started), seen)
	return err
}

// passFinished records a complete full pass and clears the progress.
func (ix *Index) passFinished(ctx context.Context, started, finished time.Time) error {
	_, err := ix.db.ExecContext(ctx, ix.rebind(`UPDATE search_state SET pass_started = 0, pass_seen = 0,
		full_sync_started = ?, full_sync_finished = ? WHERE id = 1`), store.Millis(started), store.Millis(finished))
	return err
}

// scanGroup reads the columns groupColumns names.
func scanGroup(rows *sql.Rows) (Group, error) {
	var g Group
	var public, gone int
	var created, modified, seen int64
	err := rows.Scan(&g.ID, &g.Name, &g.Description, &g.Owner, &g.Members, &g.MaxUsers, &public,
		&created, &modified, &seen, &gone)
	g.Public, g.Gone = public != 0, gone != 0
	g.Created, g.Modified, g.LastSeen = store.FromMillis(created), store.FromMillis(modified), store.FromMillis(seen)
	return g, err
}

const groupColumns = `g.id, g.name, g.description, g.owner, g.members, g.maxusers, g.public,
	g.created, g.modified, g.last_seen, g.gone`

// Get returns the indexed group id, gone or not; ok is false when the
// index does not hold it.
func (ix *Index) Get(ctx context.Context, id string) (g Group, ok bool, err error) {
	rows, err := ix.db.QueryContext(ctx, ix.rebind(`SELECT `+groupColumns+` FROM search_groups g WHERE g.id = ?`), clean(id))
	if err != nil {
		return Group{}, false, fmt.Errorf("search index: get: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return Group{}, false, rows.Err()
	}
	g, err = scanGroup(rows)
	if err != nil {
		return Group{}, false, fmt.Errorf("search index: get: %w", err)
	}
	return g, true, nil
}

// walkBatch is how many groups Walk reads per query: a page at a time,
// so no read stays open while the caller writes to the same database.
const walkBatch = 1000

// Walk calls fn for every group that is not gone, in id order.
func (ix *Index) Walk(ctx context.Context, fn func(Group) error) error {
	after := ""
	for {
		rows, err := ix.db.QueryContext(ctx, ix.rebind(`SELECT `+groupColumns+` FROM search_groups g
			WHERE g.gone = 0 AND g.id > ? ORDER BY g.id LIMIT ?`), after, walkBatch)
		if err != nil {
			return fmt.Errorf("search index: walk: %w", err)
		}
		batch := make([]Group, 0, walkBatch)
		for rows.Next() {
			g, err := scanGroup(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("search index: walk: %w", err)
			}
			batch = append(batch, g)
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("search index: walk: %w", err)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("search index: walk: %w", err)
		}
		for _, g := range batch {
			if err := fn(g); err != nil {
				return err
			}
		}
		if len(batch) < walkBatch {
			return nil
		}
		after = batch[len(batch)-1].ID
	}
}

// The text indexes of SQLite (FTS5) grow a segment with every write, and a
// group deleted or changed leaves its old entries behind until the segment
// holding them is merged. Left to FTS5's own merging, a hundred groups
// with five deletes after the first sync took a text count from 31 to 86
// µs. So every write also does a little merging (mergePagesPerWrite pages
// of each index), and a full pass ends by merging them completely, a
// step at a time so that no step holds the database long.
const (
	mergePagesPerWrite = 32
	mergePagesPerStep  = 512
)

var textIndexes = []string{"search_groups_fts", "search_grams"}

// mergeTextIndexes does up to pages pages of merging in each text index,
// whatever level their segments are on (FTS5's 'merge' with a negative
// count), and reports whether either still had work to do: by FTS5's
// documentation, a merge that changed fewer than 2 rows found none.
// SQLite only.
func mergeTextIndexes(ctx context.Context, tx *sql.Tx, pages int) (more bool, err error) {
	for _, table := range textIndexes {
		var before, after int
		if err := tx.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&before); err != nil {
			return false, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+`(`+table+`, rank) VALUES ('merge', ?)`, -pages); err != nil {
			return false, fmt.Errorf("merge %s: %w", table, err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&after); err != nil {
			return false, err
		}
		more = more || after-before >= 2
	}
	return more, nil
}

// compact merges the text indexes completely (see mergeTextIndexes).
func (ix *Index) compact(ctx context.Context) error {
	if ix.d != SQLite {
		return nil
	}
	for {
		tx, err := ix.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("search index: compact: %w", err)
		}
		more, err := mergeTextIndexes(ctx, tx, mergePagesPerStep)
		if err == nil {
			err = tx.Commit()
		}
		tx.Rollback()
		if err != nil {
			return fmt.Errorf("search index: compact: %w", err)
		}
		if !more {
			return nil
		}
	}
}
