package sandbox

import (
	"context"
	"net/url"
	"strconv"
	"testing"
)

// Walk every page of list-all: each group exactly once, newest first, and
// the walk is not disturbed by groups created or deleted meanwhile.
func TestKeysetPagingWalk(t *testing.T) {
	e := newEnv(t)
	e.createUsers("owner")
	if err := e.sb.BulkCreateGroups(context.Background(), 95, "owner", 2); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		e.createGroup("http", "owner")
	}
	const total, limit = 100, 7

	seen := map[string]bool{}
	var prev int64 = 1<<63 - 1
	cursor, pages := "", 0
	var deleted string
	for {
		path := "/chatgroups?limit=" + strconv.Itoa(limit)
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		res := e.ok("GET", path, nil)
		items := dataList(t, res)
		pages++
		if len(items) > limit || count(t, res) != len(items) {
			t.Fatalf("page %d: %d items, count %d", pages, len(items), count(t, res))
		}
		for _, it := range items {
			id := it.(map[string]any)["groupid"].(string)
			n, _ := strconv.ParseInt(id, 10, 64)
			if n >= prev {
				t.Fatalf("page %d: %s is not older than the previous item", pages, id)
			}
			if seen[id] {
				t.Fatalf("group %s seen twice", id)
			}
			seen[id], prev = true, n
		}
		if pages == 2 {
			// A new group is newer than the cursor: not part of this walk.
			e.createGroup("created mid-walk", "owner")
			// A deleted group that was not reached yet just goes missing.
			all := dataList(t, e.ok("GET", "/chatgroups?limit=1000", nil))
			deleted = all[len(all)-1].(map[string]any)["groupid"].(string)
			e.ok("DELETE", "/chatgroups/"+deleted, nil)
		}
		c, hasCursor := res.body["cursor"].(string)
		if !hasCursor {
			break
		}
		if len(items) != limit {
			t.Fatalf("page %d is short (%d) yet has a cursor", pages, len(items))
		}
		cursor = c
	}
	if len(seen) != total-1 || seen[deleted] {
		t.Errorf("walk saw %d groups (deleted one seen: %v), want %d", len(seen), seen[deleted], total-1)
	}
	if want := (total - 1 + limit - 1) / limit; pages != want {
		t.Errorf("%d pages, want %d", pages, want)
	}
}
