package store

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestAuditBatch: one record per user before the call, then each user's
// outcome; a record left without one reads "unknown".
func TestAuditBatch(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		st := db.open(t)
		ctx := context.Background()
		at := time.UnixMilli(time.Now().UnixMilli()).UTC()
		var es []AuditEntry
		for _, u := range []string{"ann", "ben", "cy"} {
			es = append(es, AuditEntry{At: at, Actor: "mod", Addr: "192.0.2.1", Action: ActionMemberRemove,
				TargetType: TargetGroup, Target: "42", Summary: AuditSummary{User: u}})
		}
		ids, err := st.InsertAuditRecords(ctx, es)
		if err != nil || len(ids) != 3 {
			t.Fatalf("InsertAuditRecords: %v, %v", ids, err)
		}
		err = st.InsertAuditOutcomes(ctx, at, []AuditOutcome{
			{RecordID: ids[0]},
			{RecordID: ids[1], Err: &AuditFailure{Code: "owner_forbidden", Msg: "forbidden operation on group owner!"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.AuditPage(ctx, AuditFilter{Target: "42", Action: ActionMemberRemove})
		if err != nil {
			t.Fatal(err)
		}
		var rows []string
		for _, e := range got {
			rows = append(rows, e.Summary.User+" "+e.Outcome+" "+e.ErrorCode)
		}
		want := []string{"cy unknown ", "ben failure owner_forbidden", "ann success "}
		if diff := cmp.Diff(want, rows); diff != "" {
			t.Errorf("records (-want +got):\n%s", diff)
		}
	})
}
