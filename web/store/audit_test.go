package store

import (
	"context"
	"testing"
	"time"
)

// TestFailedSignInsShareARecord: failed sign-ins from one address within a
// window are one record that counts them; another address or the next
// window starts a record of its own.
func TestFailedSignInsShareARecord(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		st := db.open(t)
		ctx := context.Background()
		start := time.UnixMilli(time.Now().UnixMilli() / LoginWindow.Milliseconds() * LoginWindow.Milliseconds()).UTC()
		fail := func(at time.Time, addr, name string) {
			t.Helper()
			e := AuditEntry{At: at, Addr: addr, Action: ActionLogin, TargetType: TargetAccount, Target: name}
			if err := st.AppendFailedSignIn(ctx, e, &AuditFailure{Code: "bad_credentials", Msg: "wrong username or password"}); err != nil {
				t.Fatal(err)
			}
		}
		fail(start, "192.0.2.1", "ann")
		fail(start.Add(time.Minute), "192.0.2.1", "ben")
		fail(start.Add(2*time.Minute), "198.51.100.9", "ann")
		fail(start.Add(LoginWindow-time.Millisecond), "192.0.2.1", "cy")
		fail(start.Add(LoginWindow), "192.0.2.1", "dan")
		got, err := st.AuditPage(ctx, AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		type rec struct {
			addr, target, code string
			attempts           int
			last               time.Time
		}
		want := []rec{
			{"192.0.2.1", "dan", "bad_credentials", 1, start.Add(LoginWindow)},
			{"198.51.100.9", "ann", "bad_credentials", 1, start.Add(2 * time.Minute)},
			{"192.0.2.1", "ann", "bad_credentials", 3, start.Add(LoginWindow - time.Millisecond)},
		}
		if len(got) != len(want) {
			t.Fatalf("%d records, want %d: %+v", len(got), len(want), got)
		}
		for i, w := range want {
			g := got[i]
			if (rec{g.Addr, g.Target, g.ErrorCode, g.Attempts, g.LastAttempt}) != w {
				t.Errorf("record %d: %+v, want %+v", i, g, w)
			}
		}
	})
}
