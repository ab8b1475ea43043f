package perf

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMemoryLimitAB (make bench-memlimit) measures the dashboard's peak
// RSS and its throughput under the memory load of TestBenchHarness (100
// sessions, each with a request in flight) for several runtime settings,
// in interleaved rounds, each a fresh process warmed up with list and
// detail pages at 8 in flight. GROUPDESK_BENCH_SETTINGS lists the settings,
// separated by "|", each a list of environment variables; the default
// compares soft memory limits around the one main.go sets.
func TestMemoryLimitAB(t *testing.T) {
	if os.Getenv(benchEnv) != "memlimit" {
		t.Skip("an on-demand measurement: make bench-memlimit")
	}
	cfg := configFor("full")
	root := repoRoot(t)
	tmp := t.TempDir()
	bin := buildBinary(t, root, tmp)
	fake := startChild(t, "fake-upstream", helperCmd(roleFakeUpstream, "TestFakeUpstreamProcess"), tmp)
	fakeHost := "http://" + fake.waitListen(t)
	lg := &loadGenClient{c: startChild(t, "loadgen", helperCmd(roleLoadGen, "TestLoadGeneratorProcess"), tmp)}
	settings := strings.Split(cmp.Or(os.Getenv("GROUPDESK_BENCH_SETTINGS"), "GOMEMLIMIT=17MiB|GOMEMLIMIT=16MiB|GOMEMLIMIT=15500KiB"), "|")
	for round := range 3 {
		for i, setting := range settings {
			d := &dashboard{name: fmt.Sprintf("fake%d%d", round, i), bigGroup: fakeBigGroupID, env: []string{
				"GROUPDESK_DATA=" + filepath.Join(tmp, fmt.Sprintf("d%d%d", round, i)),
				"AGORA_HOST=" + fakeHost, "AGORA_ORG=" + fakeOrg, "AGORA_APP=" + fakeApp,
				"AGORA_APP_ID=" + fakeAppID, "AGORA_APP_CERTIFICATE=" + fakeAppCert,
			}}
			d.env = append(d.env, strings.Fields(setting)...)
			d.start(t, bin, tmp, 0)
			if _, err := lg.do(loadCommand{Op: "login", Target: d.name, Base: d.base, Sessions: cfg.sessions, User: adminUser, Password: adminPassword}); err != nil {
				t.Fatal(err)
			}
			warm, err := lg.do(loadCommand{Op: "run", Target: d.name, Base: d.base, Paths: []string{listPath, d.detailPath()}, Concurrency: 8, Warmup: time.Second, Duration: 4 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := lg.do(loadCommand{Op: "login", Target: d.name + "-load", Base: d.base, Sessions: cfg.loadSessions, User: adminUser, Password: adminPassword}); err != nil {
				t.Fatal(err)
			}
			ctx, stop := context.WithCancel(context.Background())
			peakCh := sampleMemory(ctx, d.proc.pid())
			r, err := lg.do(loadCommand{Op: "run", Target: d.name + "-load", Base: d.base, Paths: []string{listPath, d.detailPath()}, Concurrency: cfg.loadSessions, Warmup: cfg.warmup, Duration: cfg.loadDuration})
			stop()
			peak := <-peakCh
			if err != nil {
				t.Fatal(err)
			}
			fmt.Printf("round %d  %-36s  peak %.1f MiB (anon %.1f)  load %.0f req/s  warm-up at 8: %.0f req/s\n", round, setting,
				float64(max(peak.RSS, peak.HWM))/1024, float64(peak.Anon)/1024, r.Stats.RPS, warm.Stats.RPS)
			d.proc.stop()
		}
	}
}
