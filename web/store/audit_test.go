package store

import (
	"context"
	"slices"
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

// The kind filter keeps group changes, sign-ins, account changes and
// reports apart.
func TestAuditKinds(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		st := db.open(t)
		ctx := context.Background()
		add := func(action, targetType, target string) {
			t.Helper()
			e := AuditEntry{At: time.Now(), Actor: "ann", Addr: "192.0.2.1", Action: action, TargetType: targetType, Target: target}
			if err := st.AppendAudit(ctx, e, nil); err != nil {
				t.Fatal(err)
			}
		}
		add(ActionLogin, TargetAccount, "ann")
		add(ActionGroupCreate, TargetGroup, "1")
		add(ActionGroupUpdate, TargetGroup, "1")
		add("add_members", TargetGroup, "1") // an action of another family member
		add(ActionAccountRole, TargetAccount, "ben")
		add(ActionReportStart, TargetReport, "membership")
		add(ActionLogout, TargetAccount, "ann")
		for kind, want := range map[string][]string{
			"":           {ActionLogout, ActionReportStart, ActionAccountRole, "add_members", ActionGroupUpdate, ActionGroupCreate, ActionLogin},
			KindGroups:   {"add_members", ActionGroupUpdate, ActionGroupCreate},
			KindSignIns:  {ActionLogout, ActionLogin},
			KindAccounts: {ActionAccountRole},
			KindReports:  {ActionReportStart},
		} {
			got, err := st.AuditPage(ctx, AuditFilter{Kind: kind})
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for _, e := range got {
				actions = append(actions, e.Action)
			}
			if !slices.Equal(actions, want) {
				t.Errorf("kind %q: %v, want %v", kind, actions, want)
			}
		}
	})
}
