package sandbox

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"groupdesk/agora"
)

// benchGroups is the size of the list-all fixture.
const benchGroups = 100_000

// benchFixture is one store shared by the benchmarks, built on first use:
// benchGroups groups plus one group of 2,000 members (owner included).
var benchFixture struct {
	once       sync.Once
	dir        string
	sb         *Sandbox
	token      string
	deepCursor string // 100 groups before the oldest: the last page
	bigGroup   string
	err        error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchFixture.sb != nil {
		benchFixture.sb.Close()
	}
	if benchFixture.dir != "" {
		os.RemoveAll(benchFixture.dir)
	}
	os.Exit(code)
}

func benchSandbox(b *testing.B) {
	b.Helper()
	f := &benchFixture
	f.once.Do(func() {
		f.dir, f.err = os.MkdirTemp("", "sandbox-bench-")
		if f.err != nil {
			return
		}
		if f.sb, f.err = Open(testConfig(f.dir)); f.err != nil {
			return
		}
		ctx := context.Background()
		start := time.Now()
		if f.err = f.sb.CreateUsers(ctx, "owner"); f.err != nil {
			return
		}
		if f.err = f.sb.BulkCreateGroups(ctx, benchGroups, "owner", 0); f.err != nil {
			return
		}
		if f.err = f.sb.BulkCreateGroups(ctx, 1, "owner", 1999); f.err != nil {
			return
		}
		b.Logf("fixture: %d groups in %v", benchGroups+1, time.Since(start))
		var deep, big int64
		f.err = f.sb.store.r.QueryRow(`SELECT id FROM groups ORDER BY id LIMIT 1 OFFSET 100`).Scan(&deep)
		if f.err != nil {
			return
		}
		f.err = f.sb.store.r.QueryRow(`SELECT max(id) FROM groups`).Scan(&big)
		f.deepCursor, f.bigGroup = f.sb.encodeCursor(deep), formatGroupID(big)
		f.token, f.err = agora.BuildAppToken(testAppID, testCert, time.Hour)
	})
	if f.err != nil {
		b.Fatal(f.err)
	}
}

func benchGet(b *testing.B, target string) {
	h := benchFixture.sb.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest("GET", target, nil)
		req.Header.Set("Authorization", "Bearer "+benchFixture.token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", target, rec.Code, rec.Body)
		}
	}
}

// BenchmarkListAllDepth0 reads the first page of 100 groups.
func BenchmarkListAllDepth0(b *testing.B) {
	benchSandbox(b)
	benchGet(b, "/acme/desk/chatgroups?limit=100")
}

// BenchmarkListAllDeep reads the last page of 100 groups through a cursor;
// with keyset paging it costs the same as the first.
func BenchmarkListAllDeep(b *testing.B) {
	benchSandbox(b)
	benchGet(b, "/acme/desk/chatgroups?limit=100&cursor="+benchFixture.deepCursor)
}

// BenchmarkDetail2000Members reads the detail of a group of 2,000.
func BenchmarkDetail2000Members(b *testing.B) {
	benchSandbox(b)
	benchGet(b, "/acme/desk/chatgroups/"+benchFixture.bigGroup)
}
