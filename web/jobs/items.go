package jobs

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Item outcomes.
const (
	ItemOK     = "ok"
	ItemFailed = "failed"
)

// Item is the outcome of one thing a job touched (a member of a group).
type Item struct {
	Key, Outcome, Reason string
	At                   time.Time
}

// RecordItem records the outcome of item key for the job whose Work got
// ctx, replacing an earlier attempt's.
func RecordItem(ctx context.Context, key, outcome, reason string) error {
	r, err := runOf(ctx)
	if err != nil {
		return err
	}
	_, err = r.q.db.ExecContext(ctx, r.q.rebind(`INSERT INTO job_items (job_id, item, outcome, reason, at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (job_id, item) DO UPDATE SET outcome = excluded.outcome, reason = excluded.reason, at = excluded.at`),
		r.id, key, outcome, reason, time.Now().UnixMilli())
	return err
}

// ItemDone reports whether item key already succeeded in an earlier
// attempt of the job whose Work got ctx: a resumed job skips it.
func ItemDone(ctx context.Context, key string) (bool, error) {
	r, err := runOf(ctx)
	if err != nil {
		return false, err
	}
	var outcome string
	err = r.q.db.QueryRowContext(ctx, r.q.rebind(`SELECT outcome FROM job_items WHERE job_id = ? AND item = ?`), r.id, key).Scan(&outcome)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return outcome == ItemOK, err
}

// Items returns a job's item outcomes ("" for all), in key order, at most
// limit.
func (q *Queue) Items(ctx context.Context, id int64, outcome string, limit int) ([]Item, error) {
	return q.ItemsAfter(ctx, id, outcome, "", limit)
}

// ItemsAfter is Items from the first key after after: the next page.
func (q *Queue) ItemsAfter(ctx context.Context, id int64, outcome, after string, limit int) ([]Item, error) {
	rows, err := q.db.QueryContext(ctx, q.rebind(`SELECT item, outcome, reason, at FROM job_items
		WHERE job_id = ? AND (? = '' OR outcome = ?) AND item > ? ORDER BY item LIMIT ?`), id, outcome, outcome, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		var it Item
		var at int64
		if err := rows.Scan(&it.Key, &it.Outcome, &it.Reason, &at); err != nil {
			return nil, err
		}
		it.At = time.UnixMilli(at)
		out = append(out, it)
	}
	return out, rows.Err()
}
