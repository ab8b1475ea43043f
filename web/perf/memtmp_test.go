package perf

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMemTmp(t *testing.T) {
	if os.Getenv("MEMTMP") == "" {
		t.Skip()
	}
	root := repoRoot(t)
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "groupdesk")
	args := append([]string{"build", "-o", bin}, strings.Fields(os.Getenv("MEMTMP_BUILD"))...)
	cmd := exec.Command(goTool(), append(args, ".")...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), strings.Fields(os.Getenv("MEMTMP_BUILDENV"))...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	fake := startChild(t, "fake-upstream", helperCmd(roleFakeUpstream, "TestFakeUpstreamProcess"), tmp)
	fakeHost := "http://" + fake.waitListen(t)
	lg := &loadGenClient{c: startChild(t, "loadgen", helperCmd(roleLoadGen, "TestLoadGeneratorProcess"), tmp)}
	d := &dashboard{name: "fake", bigGroup: fakeBigGroupID, env: []string{
		"GROUPDESK_DATA=" + filepath.Join(tmp, "fake-mode"),
		"AGORA_HOST=" + fakeHost, "AGORA_ORG=" + fakeOrg, "AGORA_APP=" + fakeApp,
		"AGORA_APP_ID=" + fakeAppID, "AGORA_APP_CERTIFICATE=" + fakeAppCert,
	}}
	d.start(t, bin, tmp, 0)
	if _, err := lg.do(loadCommand{Op: "login", Target: d.name, Base: d.base, Sessions: 8, User: adminUser, Password: adminPassword}); err != nil {
		t.Fatal(err)
	}
	d.checkPages(t)
	for _, p := range []string{listPath, d.detailPath()} {
		if _, err := lg.do(loadCommand{Op: "run", Target: d.name, Base: d.base, Paths: []string{p}, Concurrency: 8, Warmup: 500 * time.Millisecond, Duration: 3 * time.Second}); err != nil {
			t.Fatal(err)
		}
	}
	idle, _ := readProcMemory(d.proc.pid())
	if _, err := lg.do(loadCommand{Op: "login", Target: d.name + "-load", Base: d.base, Sessions: 100, User: adminUser, Password: adminPassword}); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	peak := sampleMemory(ctx, d.proc.pid())
	if a := os.Getenv("PPROF_ADDR"); a != "" {
		go func() {
			time.Sleep(2500 * time.Millisecond)
			out, err := exec.Command("bash", "-c", "curl -s http://"+a+"/debug/pprof/heap > /tmp/heapload.pb; curl -s http://"+a+"/debug/pprof/heap?debug=1 | grep -a -A40 MemStats > /tmp/memstats.txt; curl -s 'http://"+a+"/debug/pprof/goroutine?debug=1' > /tmp/goroutines.txt; curl -s http://"+a+"/debug/rtmetrics > /tmp/rtmetrics.txt").CombinedOutput()
			fmt.Println("pprof", string(out), err)
		}()
	}
	r, err := lg.do(loadCommand{Op: "run", Target: d.name + "-load", Base: d.base, Paths: []string{listPath, d.detailPath()}, Concurrency: 100, Warmup: 500 * time.Millisecond, Duration: 4 * time.Second})
	stop()
	if err != nil {
		t.Fatal(err)
	}
	p := <-peak
	if os.Getenv("MEMTMP_SMAPS") != "" {
		out, _ := exec.Command("bash", "-c", fmt.Sprintf(`awk '/^[0-9a-f]+-[0-9a-f]+ /{name=$6; range=$1; perm=$2} /^Rss:/{ if ($2 > 60) print range, perm, name, $2" kB"}' /proc/%d/smaps; curl -s %s/metrics | grep -E '^go_memstats_(heap_inuse|heap_sys|heap_released|stack_inuse|gc_sys|other_sys|buck|sys)|^go_threads|^go_gc_gomemlimit'`, d.proc.pid(), d.base)).CombinedOutput()
		fmt.Printf("%s\n", out)
	}
	fmt.Printf("MEMTMP %s idle rss %.1f anon %.1f file %.1f | peak rss %.1f hwm %.1f anon %.1f file %.1f | %.0f req/s errors %d\n",
		os.Getenv("MEMTMP_LABEL"), float64(idle.RSS)/1024, float64(idle.Anon)/1024, float64(idle.File)/1024,
		float64(p.RSS)/1024, float64(p.HWM)/1024, float64(p.Anon)/1024, float64(p.File)/1024, r.Stats.RPS, r.Stats.Errors)
}
