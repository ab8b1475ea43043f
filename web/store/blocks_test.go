package store

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestBlockRecords(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		st := db.open(t)
		ctx := context.Background()
		t0 := time.UnixMilli(1_800_000_000_000).UTC()
		spam := BlockRecord{GroupID: "g1", Username: "spammer", Reason: "links to a scam", BlockedBy: "mod", BlockedAt: t0, Until: t0.Add(time.Hour)}
		forever := BlockRecord{GroupID: "g1", Username: "troll", Reason: "insults", BlockedBy: "mod", BlockedAt: t0}
		other := BlockRecord{GroupID: "g2", Username: "spammer", Reason: "again", BlockedBy: "admin", BlockedAt: t0, Until: t0.Add(2 * time.Hour)}
		for _, r := range []BlockRecord{spam, forever, other} {
			if err := st.PutBlockRecord(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.BlockRecords(ctx, "g1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]BlockRecord{"spammer": spam, "troll": forever}, got); diff != "" {
			t.Errorf("g1's records (-want +got):\n%s", diff)
		}

		// Only blocks with an expiry that has passed are due, oldest first.
		due, err := st.ExpiredBlocks(ctx, t0.Add(90*time.Minute), 10)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]BlockRecord{spam}, due); diff != "" {
			t.Errorf("due at +90m (-want +got):\n%s", diff)
		}
		due, _ = st.ExpiredBlocks(ctx, t0.Add(3*time.Hour), 10)
		if len(due) != 2 || due[0].GroupID != "g1" || due[1].GroupID != "g2" {
			t.Errorf("due at +3h: %+v", due)
		}

		// A renewed block replaces the record: no expiry any more.
		renewed := spam
		renewed.Reason, renewed.Until = "still spamming", time.Time{}
		if err := st.PutBlockRecord(ctx, renewed); err != nil {
			t.Fatal(err)
		}
		if due, _ := st.ExpiredBlocks(ctx, t0.Add(90*time.Minute), 10); len(due) != 0 {
			t.Errorf("a renewed block without expiry is still due: %+v", due)
		}
		if err := st.DeleteBlockRecord(ctx, "g1", "spammer"); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteBlockRecord(ctx, "g1", "spammer"); err != nil {
			t.Errorf("deleting a record twice: %v", err)
		}
		got, _ = st.BlockRecords(ctx, "g1")
		if _, ok := got["spammer"]; ok || len(got) != 1 {
			t.Errorf("after unblock: %+v", got)
		}
	})
}
