package perf

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// report is everything one run measured; it is written as JSON.
type report struct {
	Mode         string            `json:"mode"`
	Started      time.Time         `json:"started"`
	Seconds      float64           `json:"seconds"`
	GoVersion    string            `json:"go_version"`
	CPUs         int               `json:"cpus"`
	Race         bool              `json:"race"`
	LoadBefore   string            `json:"loadavg_before"`
	LoadAfter    string            `json:"loadavg_after"`
	BuildSeconds float64           `json:"build_seconds"`
	ExtraEnv     string            `json:"extra_env,omitempty"` // GROUPDESK_BENCH_ENV
	Figures      []figure          `json:"figures"`
	Rounds       []throughputRound `json:"throughput_rounds"`
	Dashboards   []dashboardResult `json:"dashboards"`
	Calls        []pageCalls       `json:"upstream_calls"`
	Sandbox      sandboxFigures    `json:"sandbox"`
	// The lean baseline one request at a time.
	LeanListAlone   loadStats `json:"lean_list_one_at_a_time"`
	LeanDetailAlone loadStats `json:"lean_detail_one_at_a_time"`
}

// throughputRound is one round: bare Echo, then the list and the detail
// page of one mode and, on the in-memory upstream, of the lean baseline
// (and the search page of both), with the same load generator settings.
type throughputRound struct {
	Round       int        `json:"round"`
	Mode        string     `json:"mode"`
	Bare        loadStats  `json:"bare_echo"`
	List        loadStats  `json:"list"`
	Detail      loadStats  `json:"detail"`
	LeanList    *loadStats `json:"lean_list,omitempty"`
	LeanDetail  *loadStats `json:"lean_detail,omitempty"`
	LeanSearch  *loadStats `json:"lean_search,omitempty"`
	ListRatio   float64    `json:"list_ratio"` // throughput / bare Echo's
	DetailRatio float64    `json:"detail_ratio"`
	// Against the lean baseline: CPU per request and throughput.
	ListCPURatio   float64 `json:"list_cpu_ratio,omitempty"`
	ListRPSRatio   float64 `json:"list_rps_ratio,omitempty"`
	DetailCPURatio float64 `json:"detail_cpu_ratio,omitempty"`
	DetailRPSRatio float64 `json:"detail_rps_ratio,omitempty"`
	// The pages of newPages (fake mode only), against the lean page each
	// is compared with.
	NewPages []newPageRound `json:"new_pages,omitempty"`
	// Floor is the bare Echo process's /floor (fake mode only).
	Floor      *loadStats `json:"floor,omitempty"`
	FloorRatio float64    `json:"floor_ratio,omitempty"`
}

// newPageRound is one new page in one round; Info… are against its
// InfoLean page.
type newPageRound struct {
	Name          string    `json:"name"`
	Stats         loadStats `json:"stats"`
	LeanCPUus     float64   `json:"lean_cpu_us"`
	CPURatio      float64   `json:"cpu_ratio"`
	InfoLeanCPUus float64   `json:"info_lean_cpu_us,omitempty"`
	InfoCPURatio  float64   `json:"info_cpu_ratio,omitempty"`
}

// newPageResult is a new page's medians over the rounds.
type newPageResult struct {
	newPage
	CPUus, LeanCPUus, CPURatio, RPS float64
	InfoLeanCPUus, InfoCPURatio     float64
}

// dashboardResult is one groupdesk serve mode.
type dashboardResult struct {
	Mode              string     `json:"mode"`
	ColdStartMs       float64    `json:"cold_start_ms"`
	WarmStartsMs      []float64  `json:"warm_starts_ms"`
	WarmStartMedianMs float64    `json:"warm_start_median_ms"`
	IdleAtStartKiB    procMemory `json:"idle_at_start_kib"`
	IdleKiB           procMemory `json:"idle_before_load_kib"`
	PeakKiB           procMemory `json:"peak_under_load_kib"`
	UnderLoad         loadStats  `json:"under_load"`
	ListAlone         loadStats  `json:"list_one_at_a_time"`
	DetailAlone       loadStats  `json:"detail_one_at_a_time"`
	BareRPS           float64    `json:"bare_rps_median"`
	ListRPS           float64    `json:"list_rps_median"`
	DetailRPS         float64    `json:"detail_rps_median"`
	ListRatio         float64    `json:"list_ratio_median"`
	DetailRatio       float64    `json:"detail_ratio_median"`
	FloorRPS          float64    `json:"floor_rps_median,omitempty"`
	FloorRatio        float64    `json:"floor_ratio_median,omitempty"`
	// Medians of the rounds against the lean baseline (in-memory upstream).
	ListCPUus, LeanListCPUus       float64
	DetailCPUus, LeanDetailCPUus   float64
	LeanListRPS, LeanDetailRPS     float64
	ListCPURatio, ListRPSRatio     float64
	DetailCPURatio, DetailRPSRatio float64
	ListWrites, DetailWrites       float64
	LeanDetailWrites               float64
	NewPages                       []newPageResult
}

func (d *dashboard) result(rounds []throughputRound) dashboardResult {
	r := dashboardResult{
		Mode: d.name, ColdStartMs: ms(d.coldStart), IdleAtStartKiB: d.idleAtStart, IdleKiB: d.idleBeforeLoad,
		PeakKiB: d.peak, UnderLoad: d.underLoad, ListAlone: d.listAlone, DetailAlone: d.detailAlone,
	}
	for _, s := range d.warmStarts {
		r.WarmStartsMs = append(r.WarmStartsMs, ms(s))
	}
	r.WarmStartMedianMs = median(r.WarmStartsMs)
	var bare, list, detail, lr, dr, floor, fr []float64
	var lean leanSeries
	for _, rd := range rounds {
		if rd.Mode != d.name {
			continue
		}
		bare, list, detail = append(bare, rd.Bare.RPS), append(list, rd.List.RPS), append(detail, rd.Detail.RPS)
		lr, dr = append(lr, rd.ListRatio), append(dr, rd.DetailRatio)
		if rd.Floor != nil {
			floor, fr = append(floor, rd.Floor.RPS), append(fr, rd.FloorRatio)
		}
		if rd.LeanList != nil {
			lean.add(rd)
		}
	}
	if len(lean.listCPU) > 0 {
		r.ListCPUus, r.LeanListCPUus = median(lean.listCPU), median(lean.leanListCPU)
		r.DetailCPUus, r.LeanDetailCPUus = median(lean.detailCPU), median(lean.leanDetailCPU)
		r.LeanListRPS, r.LeanDetailRPS = median(lean.leanListRPS), median(lean.leanDetailRPS)
		r.ListCPURatio, r.ListRPSRatio = median(lean.listCPURatio), median(lean.listRPSRatio)
		r.DetailCPURatio, r.DetailRPSRatio = median(lean.detailCPURatio), median(lean.detailRPSRatio)
		r.ListWrites, r.DetailWrites, r.LeanDetailWrites = median(lean.listWrites), median(lean.detailWrites), median(lean.leanDetailWrites)
	}
	for _, p := range d.newPages {
		var cpu, lean, ratio, rate, infoLean, infoRatio []float64
		for _, rd := range rounds {
			for _, np := range rd.NewPages {
				if rd.Mode == d.name && np.Name == p.Name {
					cpu, lean = append(cpu, np.Stats.CPUus), append(lean, np.LeanCPUus)
					ratio, rate = append(ratio, np.CPURatio), append(rate, np.Stats.RPS)
					infoLean, infoRatio = append(infoLean, np.InfoLeanCPUus), append(infoRatio, np.InfoCPURatio)
				}
			}
		}
		r.NewPages = append(r.NewPages, newPageResult{newPage: p, CPUus: median(cpu), LeanCPUus: median(lean), CPURatio: median(ratio), RPS: median(rate),
			InfoLeanCPUus: median(infoLean), InfoCPURatio: median(infoRatio)})
	}
	r.BareRPS, r.ListRPS, r.DetailRPS, r.ListRatio, r.DetailRatio = median(bare), median(list), median(detail), median(lr), median(dr)
	r.FloorRPS, r.FloorRatio = median(floor), median(fr)
	return r
}

// leanSeries collects the rounds' figures against the lean baseline.
type leanSeries struct {
	listCPU, leanListCPU, detailCPU, leanDetailCPU []float64
	leanListRPS, leanDetailRPS                     []float64
	listCPURatio, listRPSRatio                     []float64
	detailCPURatio, detailRPSRatio                 []float64
	listWrites, detailWrites, leanDetailWrites     []float64
}

func (l *leanSeries) add(rd throughputRound) {
	l.listCPU, l.leanListCPU = append(l.listCPU, rd.List.CPUus), append(l.leanListCPU, rd.LeanList.CPUus)
	l.detailCPU, l.leanDetailCPU = append(l.detailCPU, rd.Detail.CPUus), append(l.leanDetailCPU, rd.LeanDetail.CPUus)
	l.leanListRPS, l.leanDetailRPS = append(l.leanListRPS, rd.LeanList.RPS), append(l.leanDetailRPS, rd.LeanDetail.RPS)
	l.listCPURatio, l.listRPSRatio = append(l.listCPURatio, rd.ListCPURatio), append(l.listRPSRatio, rd.ListRPSRatio)
	l.detailCPURatio, l.detailRPSRatio = append(l.detailCPURatio, rd.DetailCPURatio), append(l.detailRPSRatio, rd.DetailRPSRatio)
	l.listWrites, l.detailWrites = append(l.listWrites, rd.List.Writes), append(l.detailWrites, rd.Detail.Writes)
	l.leanDetailWrites = append(l.leanDetailWrites, rd.LeanDetail.Writes)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// figure is one row of the table.
type figure struct {
	Section string  `json:"section"`
	Name    string  `json:"name"`
	Value   string  `json:"value"`
	Number  float64 `json:"number"`
	Budget  string  `json:"budget,omitempty"`
	Status  string  `json:"status"` // PASS, MISS, info, or "smoke" (budget not applied)
}

// verdict is PASS or MISS in a full run; a smoke run applies no budget.
func verdict(cfg benchConfig, ok bool) string {
	switch {
	case !cfg.checkBudget:
		return "smoke"
	case ok:
		return "PASS"
	}
	return "MISS"
}

func figures(cfg benchConfig, rep *report) []figure {
	var out []figure
	add := func(section, name, value string, n float64, budget, status string) {
		out = append(out, figure{Section: section, Name: name, Value: value, Number: n, Budget: budget, Status: status})
	}
	byMode := map[string]dashboardResult{}
	for _, d := range rep.Dashboards {
		byMode[d.Mode] = d
	}
	fake, sbx := byMode["fake"], byMode["sandbox"]

	const lean = "Against the lean baseline on the in-memory upstream (median of interleaved rounds; CPU of the serving process per request)"
	add(lean, "list ?limit=50, CPU per request", cpuRatio(fake.ListCPURatio, fake.ListCPUus, fake.LeanListCPUus), fake.ListCPURatio,
		fmt.Sprintf("≤ %.1f×", budgetListCPU), verdict(cfg, fake.ListCPURatio <= budgetListCPU))
	add(lean, "list ?limit=50, throughput", fmt.Sprintf("%.2f× (%s vs %s)", fake.ListRPSRatio, rps(fake.ListRPS), rps(fake.LeanListRPS)), fake.ListRPSRatio,
		fmt.Sprintf("≥ %.1f×", budgetListRPS), verdict(cfg, fake.ListRPSRatio >= budgetListRPS))
	add(lean, "detail 2,000 members, CPU per request", cpuRatio(fake.DetailCPURatio, fake.DetailCPUus, fake.LeanDetailCPUus), fake.DetailCPURatio,
		fmt.Sprintf("≤ %.1f×", budgetDetailCPU), verdict(cfg, fake.DetailCPURatio <= budgetDetailCPU))
	add(lean, "detail 2,000 members, throughput", fmt.Sprintf("%.2f× (%s vs %s)", fake.DetailRPSRatio, rps(fake.DetailRPS), rps(fake.LeanDetailRPS)), fake.DetailRPSRatio, "", "info")
	add(lean, "detail 2,000 members, write syscalls per page", fmt.Sprintf("%.1f (baseline %.1f)", fake.DetailWrites, fake.LeanDetailWrites), fake.DetailWrites,
		fmt.Sprintf("≤ %d", budgetDetailWrites), verdict(cfg, fake.DetailWrites <= budgetDetailWrites))
	for _, p := range fake.NewPages {
		add(lean, p.Name+", CPU per request against the lean "+p.Lean+" page", cpuRatio(p.CPURatio, p.CPUus, p.LeanCPUus), p.CPURatio,
			fmt.Sprintf("≤ %.1f×", p.Budget), verdict(cfg, p.CPURatio <= p.Budget))
		if p.InfoLean != "" {
			add(lean, p.Name+", CPU per request against the lean "+p.InfoLean+" page", cpuRatio(p.InfoCPURatio, p.CPUus, p.InfoLeanCPUus), p.InfoCPURatio, "", "info")
		}
		add(lean, p.Name+", throughput", rps(p.RPS), p.RPS, "", "info")
	}
	add(lean, "list p50, one at a time", p50Ratio(fake.ListAlone.P50ms, rep.LeanListAlone.P50ms), fake.ListAlone.P50ms, "", "info")
	add(lean, "detail p50, one at a time", p50Ratio(fake.DetailAlone.P50ms, rep.LeanDetailAlone.P50ms), fake.DetailAlone.P50ms, "", "info")

	const thr = "Throughput as a ratio to bare Echo measured alongside (information)"
	add(thr, fmt.Sprintf("bare Echo \"hello\", %d in flight", cfg.concurrency), rps(fake.BareRPS), fake.BareRPS, "", "info")
	add(thr, "list ?limit=50, in-memory upstream", ratio(fake.ListRatio, fake.ListRPS), fake.ListRatio, "", "info")
	add(thr, "reference: the list's 1 upstream call + page bytes, nothing else", ratio(fake.FloorRatio, fake.FloorRPS), fake.FloorRatio, "", "info")
	add(thr, "detail 2,000 members, in-memory upstream", ratio(fake.DetailRatio, fake.DetailRPS), fake.DetailRatio, "", "info")
	add(thr, "list ?limit=50, embedded sandbox", ratio(sbx.ListRatio, sbx.ListRPS), sbx.ListRatio, "", "info")
	add(thr, "detail 2,000 members, embedded sandbox", ratio(sbx.DetailRatio, sbx.DetailRPS), sbx.DetailRatio, "", "info")
	for _, d := range []dashboardResult{fake, sbx} {
		label := map[string]string{"fake": "in-memory upstream", "sandbox": "embedded sandbox"}[d.Mode]
		add(thr, "list p50 / p99, one at a time, "+label, fmt.Sprintf("%.2f / %.2f ms", d.ListAlone.P50ms, d.ListAlone.P99ms), d.ListAlone.P50ms, "", "info")
		add(thr, "detail p50 / p99, one at a time, "+label, fmt.Sprintf("%.2f / %.2f ms", d.DetailAlone.P50ms, d.DetailAlone.P99ms), d.DetailAlone.P50ms, "", "info")
	}

	const calls = "Agora calls per page (counted by the client; minimum and why in the JSON)"
	for _, c := range rep.Calls {
		status := "PASS"
		if c.Calls != c.Minimum {
			status = "MISS"
		}
		add(calls, c.Page+" ("+c.Request+")", fmt.Sprint(c.Calls), float64(c.Calls), fmt.Sprintf("= %d", c.Minimum), status)
	}

	s := rep.Sandbox
	sec := fmt.Sprintf("Sandbox (%s groups; in-process, real client over loopback, %d sequential samples)", thousands(s.Fixture.Groups), s.Samples)
	add(sec, "list-all p50, first page (50)", fmt.Sprintf("%.2f ms", s.ListFirstP50ms), s.ListFirstP50ms, "", "info")
	add(sec, fmt.Sprintf("list-all p50, page after %s groups", thousands(s.Fixture.Depth)), fmt.Sprintf("%.2f ms", s.ListDeepP50ms), s.ListDeepP50ms, "", "info")
	add(sec, "deep page / first page", fmt.Sprintf("%.2f", s.DeepRatio), s.DeepRatio,
		fmt.Sprintf("≤ %.1f", budgetDeepRatio), verdict(cfg, s.DeepRatio <= budgetDeepRatio))
	add(sec, fmt.Sprintf("joined groups p50, user in %s groups, page 1 / page %d (100 a page)", thousands(s.Fixture.JoinedBy), s.JoinedLastPage),
		fmt.Sprintf("%.2f / %.2f ms", s.JoinedFirstMs, s.JoinedLastMs), s.JoinedLastMs, "", "info")
	add(sec, fmt.Sprintf("create, %d concurrent clients", cfg.createClients), fmt.Sprintf("%.0f groups/s (p50 %.1f ms)", s.CreatesPerSec, s.CreateP50ms), s.CreatesPerSec, "", "info")
	add(sec, "detail of 2,000 members p50 (p99)", fmt.Sprintf("%.2f ms (%.2f)", s.DetailP50ms, s.DetailP99ms), s.DetailP50ms,
		fmt.Sprintf("< %.0f ms", budgetDetailP50ms), verdict(cfg, s.DetailP50ms < budgetDetailP50ms))

	mem := fmt.Sprintf("Dashboard memory (MiB; anon = the process's own, file = mostly the mapped binary) and start; load: %d sessions, each with a request in flight, list and 2,000-member detail alternating", cfg.loadSessions)
	for _, d := range []dashboardResult{fake, sbx} {
		label := map[string]string{"fake": "in-memory upstream", "sandbox": "embedded sandbox (sandbox included)"}[d.Mode]
		add(mem, "RSS idle, "+label, fmt.Sprintf("%s (anon %.1f + file %.1f)", mib(d.IdleKiB.RSS), float64(d.IdleKiB.Anon)/1024, float64(d.IdleKiB.File)/1024),
			float64(d.IdleKiB.RSS)/1024, "", "info")
		peak := float64(max(d.PeakKiB.RSS, d.PeakKiB.HWM)) / 1024
		// The budget is the dashboard's, as deployed against Agora. With the
		// embedded sandbox the same process also holds the sandbox's
		// database and answers each page's Agora calls: information.
		budget, status := fmt.Sprintf("< %.0f MiB", budgetRSSMiB), verdict(cfg, peak < budgetRSSMiB)
		if d.Mode == "sandbox" {
			budget, status = "", "info"
		}
		add(mem, "RSS peak under load, "+label, fmt.Sprintf("%s (anon %.1f + file %.1f)", mib(max(d.PeakKiB.RSS, d.PeakKiB.HWM)),
			float64(d.PeakKiB.Anon)/1024, float64(d.PeakKiB.File)/1024), peak, budget, status)
		add(mem, "  the load meanwhile, "+label, fmt.Sprintf("%.0f req/s, p50 %.0f ms, p99 %.0f ms", d.UnderLoad.RPS, d.UnderLoad.P50ms, d.UnderLoad.P99ms),
			d.UnderLoad.RPS, "", "info")
		add(mem, "start to first /healthz 200, "+label, fmt.Sprintf("%.0f ms (first start %.0f ms)", d.WarmStartMedianMs, d.ColdStartMs), d.WarmStartMedianMs,
			fmt.Sprintf("< %.0f ms", budgetStartReadyMs), verdict(cfg, d.WarmStartMedianMs < budgetStartReadyMs))
	}
	return out
}

func cpuRatio(r, us, leanUs float64) string {
	return fmt.Sprintf("%.2f× (%s µs vs %s µs)", r, thousands(int(us+0.5)), thousands(int(leanUs+0.5)))
}

func p50Ratio(v, lean float64) string {
	return fmt.Sprintf("%.2f ms (baseline %.2f ms)", v, lean)
}

func rps(v float64) string { return thousands(int(v+0.5)) + " req/s" }

func ratio(r, v float64) string { return fmt.Sprintf("%.2f (%s)", r, rps(v)) }

func mib(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }

// thousands writes 1234567 as 1,234,567.
func thousands(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// table is the one table the run prints.
func (rep *report) table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nGroupdesk performance budget — %s run, %s, %d CPUs, race=%v, load average %s → %s, %.0fs\n",
		rep.Mode, rep.GoVersion, rep.CPUs, rep.Race, rep.LoadBefore, rep.LoadAfter, rep.Seconds)
	if rep.ExtraEnv != "" {
		fmt.Fprintf(&b, "dashboard environment: %s\n", rep.ExtraEnv)
	}
	nameW, valueW := 0, 0
	for _, f := range rep.Figures {
		nameW, valueW = max(nameW, len([]rune(f.Name))), max(valueW, len([]rune(f.Value)))
	}
	section := ""
	for _, f := range rep.Figures {
		if f.Section != section {
			section = f.Section
			fmt.Fprintf(&b, "\n%s\n", section)
		}
		fmt.Fprintf(&b, "  %s  %s  %-10s %s\n", pad(f.Name, nameW), pad(f.Value, valueW), f.Budget, f.Status)
	}
	return b.String()
}

func pad(s string, w int) string { return s + strings.Repeat(" ", max(0, w-len([]rune(s)))) }

// write stores the report as bench-results/{mode}-{time}.json and as
// latest-{mode}.json, and returns the first path.
func (rep *report) write(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%s.json", rep.Mode, rep.Started.Format("20060102-150405")))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return "", err
	}
	return path, os.WriteFile(filepath.Join(dir, "latest-"+rep.Mode+".json"), b, 0o644)
}
