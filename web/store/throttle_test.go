package store

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestLoginThrottleGrowingDelays: after LoginMaxFailures the account is
// locked from that address for LoginLockout, each failure after a lockout
// doubles it (up to LoginMaxLockout), other addresses are not affected,
// and a quiet window starts over.
func TestLoginThrottleGrowingDelays(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		st := db.open(t)
		ctx := context.Background()
		t0 := time.UnixMilli(time.Now().UnixMilli())
		reserve := func(at time.Time, addr string) LoginAttempt {
			t.Helper()
			a, err := st.ReserveLoginAttempt(ctx, at, "admin", addr)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		for i := 1; i < LoginMaxFailures; i++ {
			if a := reserve(t0, "192.0.2.1"); !a.Allowed || !a.LockedUntil.IsZero() {
				t.Fatalf("attempt %d: %+v", i, a)
			}
		}
		if a := reserve(t0, "192.0.2.1"); !a.Allowed || !a.LockedUntil.Equal(t0.Add(LoginLockout)) {
			t.Fatalf("attempt %d: %+v, want allowed and a lockout until %v", LoginMaxFailures, a, t0.Add(LoginLockout))
		}
		if a := reserve(t0.Add(time.Minute), "192.0.2.1"); a.Allowed || !a.LockedUntil.Equal(t0.Add(LoginLockout)) {
			t.Fatalf("during the lockout: %+v", a)
		}
		if a := reserve(t0.Add(time.Minute), "198.51.100.9"); !a.Allowed || !a.LockedUntil.IsZero() {
			t.Fatalf("another address: %+v", a)
		}
		at, want := t0.Add(LoginLockout), 2*LoginLockout
		for range 5 {
			a := reserve(at, "192.0.2.1")
			if !a.Allowed || !a.LockedUntil.Equal(at.Add(want)) {
				t.Fatalf("at +%v: %+v, want a lockout of %v", at.Sub(t0), a, want)
			}
			at = a.LockedUntil
			want = min(2*want, LoginMaxLockout)
		}
		// A window without failures after the lockout: counting starts over.
		if a := reserve(at.Add(LoginWindow), "192.0.2.1"); !a.Allowed || !a.LockedUntil.IsZero() {
			t.Fatalf("after a quiet window: %+v", a)
		}
		// The right password clears the counters of that address.
		if err := st.ClearLoginFailures(ctx, "admin", "198.51.100.9"); err != nil {
			t.Fatal(err)
		}
	})
}

// TestLoginThrottleCountsParallelAttempts: attempts reserved at the same
// moment are counted one by one: exactly LoginMaxFailures get through.
func TestLoginThrottleCountsParallelAttempts(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		st := db.open(t)
		now := time.Now()
		var wg sync.WaitGroup
		var mu sync.Mutex
		allowed := 0
		for range 40 {
			wg.Go(func() {
				a, err := st.ReserveLoginAttempt(context.Background(), now, "admin", "192.0.2.1")
				if err != nil {
					t.Error(err)
					return
				}
				if a.Allowed {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if allowed != LoginMaxFailures {
			t.Errorf("%d of 40 parallel attempts allowed, want %d", allowed, LoginMaxFailures)
		}
	})
}
