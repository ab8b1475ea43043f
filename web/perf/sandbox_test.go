package perf

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the fixture's ids are read with SQL

	"groupdesk/agora"
	"groupdesk/agora/sandbox"
)

// The sandbox fixture: joinedGroups groups with one member (the joined
// user), one group of bigGroupMembers, then deepGroups groups with only an
// owner, newest. The deep page is the one after all deepGroups of them.
const (
	fixtureOwner  = "owner"
	fixtureJoiner = "bulk.member00001" // BulkCreateGroups's first member
	// fixtureLayout names the way the fixture is built; change it when
	// buildFixture changes, so cached files are rebuilt.
	fixtureLayout = "perf-sandbox-fixture-v1"
)

// fixtureSources are the sandbox files that decide what sandbox.db holds;
// a change to any of them makes the cached fixtures stale.
var fixtureSources = []string{"store.go", "groups_store.go", "members_store.go", "users_store.go", "seed.go"}

// fixtureMeta is what the measurements need to know about a fixture.
type fixtureMeta struct {
	Key        string `json:"key"`
	Groups     int    `json:"groups"`      // all groups in the store
	Depth      int    `json:"depth"`       // groups before the deep page
	DeepCursor string `json:"deep_cursor"` // list-all cursor of the deep page
	BigGroup   string `json:"big_group"`
	JoinedBy   int    `json:"joined_by"` // groups fixtureJoiner is in
	BuildSecs  float64
}

// sandboxFigures are the sandbox's own measurements.
type sandboxFigures struct {
	Fixture        fixtureMeta `json:"fixture"`
	FromCache      bool        `json:"from_cache"`
	ListFirstP50ms float64     `json:"list_first_p50_ms"`
	ListDeepP50ms  float64     `json:"list_deep_p50_ms"`
	DeepRatio      float64     `json:"deep_ratio"`
	JoinedFirstMs  float64     `json:"joined_first_p50_ms"`
	JoinedLastMs   float64     `json:"joined_last_p50_ms"`
	JoinedLastPage int         `json:"joined_last_page"`
	DetailP50ms    float64     `json:"detail_2000_p50_ms"`
	DetailP99ms    float64     `json:"detail_2000_p99_ms"`
	Creates        int         `json:"creates"`
	CreateErrors   int         `json:"create_errors"`
	CreatesPerSec  float64     `json:"creates_per_sec"`
	CreateP50ms    float64     `json:"create_p50_ms"`
	Samples        int         `json:"samples"`
}

// fixtureKey names a fixture by its size and the code that builds it.
func fixtureKey(root string, deep, joined int) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s %d %d\n", fixtureLayout, deep, joined)
	for _, name := range fixtureSources {
		b, err := os.ReadFile(filepath.Join(root, "agora", "sandbox", name))
		if err != nil {
			return "", fmt.Errorf("fixture key: %w", err)
		}
		h.Write(b)
	}
	return fmt.Sprintf("sandbox-%d-%d-%s", deep, joined, hex.EncodeToString(h.Sum(nil))[:12]), nil
}

// sandboxFixture returns a data directory holding a copy of the fixture,
// built (and cached under cacheDir) on first use.
func sandboxFixture(t *testing.T, root, cacheDir, workDir string, deep, joined int) (string, fixtureMeta, bool) {
	t.Helper()
	key, err := fixtureKey(root, deep, joined)
	if err != nil {
		t.Fatal(err)
	}
	cachedDB := filepath.Join(cacheDir, key+".db")
	cachedMeta := filepath.Join(cacheDir, key+".json")
	var meta fixtureMeta
	fromCache := false
	if b, err := os.ReadFile(cachedMeta); err == nil && json.Unmarshal(b, &meta) == nil && fileExists(cachedDB) {
		fromCache = true
	} else {
		if meta, err = buildFixture(t, key, cacheDir, deep, joined); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(workDir, "sandbox-fixture")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := copyFile(cachedDB, filepath.Join(dir, "sandbox.db")); err != nil {
		t.Fatal(err)
	}
	return dir, meta, fromCache
}

func buildFixture(t *testing.T, key, cacheDir string, deep, joined int) (fixtureMeta, error) {
	start := time.Now()
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return fixtureMeta{}, err
	}
	// Older fixtures of the same size are stale now.
	old, _ := filepath.Glob(filepath.Join(cacheDir, fmt.Sprintf("sandbox-%d-%d-*", deep, joined)))
	for _, f := range old {
		os.Remove(f)
	}
	buildDir, err := os.MkdirTemp(cacheDir, "building-")
	if err != nil {
		return fixtureMeta{}, err
	}
	defer os.RemoveAll(buildDir)
	sb, err := sandbox.Open(sandbox.Config{DataDir: buildDir, Org: fakeOrg, App: fakeApp, AppID: fakeAppID, AppCertificate: fakeAppCert})
	if err != nil {
		return fixtureMeta{}, err
	}
	ctx := context.Background()
	err = errors.Join(
		sb.CreateUsers(ctx, fixtureOwner),
		sb.BulkCreateGroups(ctx, joined, fixtureOwner, 1),
		sb.BulkCreateGroups(ctx, 1, fixtureOwner, bigGroupMembers-1),
		sb.BulkCreateGroups(ctx, deep, fixtureOwner, 0),
	)
	if cerr := sb.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fixtureMeta{}, fmt.Errorf("build the sandbox fixture: %w", err)
	}
	dbPath := filepath.Join(buildDir, "sandbox.db")
	meta, err := readFixtureMeta(dbPath, deep)
	if err != nil {
		return meta, err
	}
	meta.Key = key
	meta.BuildSecs = time.Since(start).Seconds()
	t.Logf("built the sandbox fixture %s in %.1fs", key, meta.BuildSecs)
	if fileExists(dbPath + "-wal") {
		return meta, fmt.Errorf("the fixture still has a WAL file after Close; it cannot be copied as one file")
	}
	if err := os.Rename(dbPath, filepath.Join(cacheDir, key+".db")); err != nil {
		return meta, err
	}
	b, _ := json.MarshalIndent(meta, "", "  ")
	return meta, os.WriteFile(filepath.Join(cacheDir, key+".json"), b, 0o644)
}

// readFixtureMeta finds the ids the measurements need, with SQL on the
// closed fixture, and folds the write-ahead log into the database file so
// that the one file can be cached.
func readFixtureMeta(path string, deep int) (fixtureMeta, error) {
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return fixtureMeta{}, err
	}
	defer db.Close()
	var m fixtureMeta
	var deepID, bigID int64
	_, err = db.Exec(`PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE`)
	err = errors.Join(err,
		db.QueryRow(`SELECT count(*) FROM groups`).Scan(&m.Groups),
		// The oldest of the deep groups: the page after it is the deep page.
		db.QueryRow(`SELECT id FROM groups ORDER BY id DESC LIMIT 1 OFFSET ?`, deep-1).Scan(&deepID),
		db.QueryRow(`SELECT id FROM groups WHERE member_count = ?`, bigGroupMembers).Scan(&bigID),
		db.QueryRow(`SELECT count(*) FROM members WHERE username = ?`, fixtureJoiner).Scan(&m.JoinedBy),
	)
	if err != nil {
		return m, fmt.Errorf("read the fixture's ids: %w", err)
	}
	m.Depth = deep
	// The cursor format is documented in agora/sandbox/doc.go (list all).
	m.DeepCursor = base64.RawURLEncoding.EncodeToString([]byte("im:group:" + fakeOrg + "#" + fakeApp + ":" + strconv.FormatInt(deepID, 10)))
	m.BigGroup = strconv.FormatInt(bigID, 10)
	return m, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return !errors.Is(err, fs.ErrNotExist)
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// measureSandbox serves a copy of the fixture in-process over loopback HTTP
// and measures it through the real client, rate limiting off.
func measureSandbox(t *testing.T, cfg benchConfig, root, cacheDir, workDir string) sandboxFigures {
	t.Helper()
	dir, meta, fromCache := sandboxFixture(t, root, cacheDir, workDir, cfg.deepGroups, cfg.joinedGroups)
	sb, err := sandbox.Open(sandbox.Config{DataDir: dir, Org: fakeOrg, App: fakeApp, AppID: fakeAppID, AppCertificate: fakeAppCert})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	ts := httptest.NewServer(sb.Handler())
	t.Cleanup(ts.Close)
	client, err := agora.NewClient(agora.Config{Host: ts.URL, OrgName: fakeOrg, AppName: fakeApp, AppID: fakeAppID, AppCertificate: fakeAppCert},
		agora.WithRateLimits(0, 0), agora.WithRetries(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	f := sandboxFigures{Fixture: meta, FromCache: fromCache, Samples: cfg.samples}

	// First and deep pages alternate, so both see the same machine.
	deepPage, _, err := client.Groups.List(ctx, &agora.ListOptions{Limit: 50, Cursor: meta.DeepCursor})
	if err != nil || len(deepPage) != 50 || deepPage[0].MemberCount == 1 {
		t.Fatalf("deep page: %d groups, %v; want 50 of the older groups", len(deepPage), err)
	}
	var first, deep []time.Duration
	for range cfg.samples {
		first = append(first, timed(t, func() error {
			_, _, err := client.Groups.List(ctx, &agora.ListOptions{Limit: 50})
			return err
		}))
		deep = append(deep, timed(t, func() error {
			_, _, err := client.Groups.List(ctx, &agora.ListOptions{Limit: 50, Cursor: meta.DeepCursor})
			return err
		}))
	}
	f.ListFirstP50ms, f.ListDeepP50ms = p50(first), p50(deep)
	f.DeepRatio = f.ListDeepP50ms / f.ListFirstP50ms

	f.JoinedLastPage = (meta.JoinedBy + 99) / 100
	var jFirst, jLast []time.Duration
	for range cfg.samples {
		jFirst = append(jFirst, timed(t, func() error {
			g, _, err := client.Groups.ListJoined(ctx, fixtureJoiner, &agora.JoinedOptions{PageNum: 1, PageSize: 100})
			if err == nil && len(g) != 100 {
				err = fmt.Errorf("joined page 1 has %d groups", len(g))
			}
			return err
		}))
		jLast = append(jLast, timed(t, func() error {
			g, _, err := client.Groups.ListJoined(ctx, fixtureJoiner, &agora.JoinedOptions{PageNum: f.JoinedLastPage, PageSize: 100})
			if err == nil && len(g) == 0 {
				err = fmt.Errorf("joined page %d is empty", f.JoinedLastPage)
			}
			return err
		}))
	}
	f.JoinedFirstMs, f.JoinedLastMs = p50(jFirst), p50(jLast)

	var detail []time.Duration
	for range cfg.samples {
		detail = append(detail, timed(t, func() error {
			g, _, err := client.Groups.GetOne(ctx, meta.BigGroup)
			if err == nil && len(g.Affiliations) != bigGroupMembers {
				err = fmt.Errorf("big group has %d members", len(g.Affiliations))
			}
			return err
		}))
	}
	f.DetailP50ms = p50(detail)
	slices.Sort(detail)
	f.DetailP99ms = percentileMs(detail, 99)

	f.Creates, f.CreateErrors, f.CreatesPerSec, f.CreateP50ms = createThroughput(ctx, client, cfg.createClients, cfg.createDuration)
	if f.CreateErrors > 0 {
		t.Errorf("sandbox: %d of %d creates failed", f.CreateErrors, f.Creates+f.CreateErrors)
	}
	return f
}

// createThroughput runs clients goroutines creating groups for d.
func createThroughput(ctx context.Context, client *agora.Client, clients int, d time.Duration) (n, failed int, perSec, p50ms float64) {
	var ok, bad atomic.Int64
	lat := make([][]time.Duration, clients)
	stop := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range clients {
		wg.Go(func() {
			for i := 0; time.Now().Before(stop); i++ {
				t0 := time.Now()
				_, _, err := client.Groups.Create(ctx, &agora.CreateGroupRequest{
					GroupName: fmt.Sprintf("perf create %d-%d", w, i), Owner: fixtureOwner, Public: true,
				})
				lat[w] = append(lat[w], time.Since(t0))
				if err != nil {
					bad.Add(1)
				} else {
					ok.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	return int(ok.Load()), int(bad.Load()), float64(ok.Load()) / elapsed.Seconds(), p50(all)
}

func timed(t *testing.T, f func() error) time.Duration {
	t.Helper()
	start := time.Now()
	if err := f(); err != nil {
		t.Fatal(err)
	}
	return time.Since(start)
}

func p50(d []time.Duration) float64 {
	s := slices.Clone(d)
	slices.Sort(s)
	return percentileMs(s, 50)
}
