package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"groupdesk/agora"
)

// Widths the pages are checked at: a laptop and a phone (iPhone 12-15).
const (
	desktopWidth, desktopHeight = 1280, 900
	phoneWidth, phoneHeight     = 390, 844
)

// pageUnderTest is a page reachable on the demo data, for an admin.
type pageUnderTest struct {
	name, path string
	signedOut  bool
}

// demoPages lists every page of the dashboard, on a demo group with members
// and its owner.
func demoPages(t *testing.T) []pageUnderTest {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	list, _, err := stack.client.Groups.List(ctx, &agora.ListOptions{Limit: 50})
	if err != nil || len(list) == 0 {
		t.Fatalf("list the demo groups: %d, %v", len(list), err)
	}
	// The fullest group: its page has the longest member table.
	g := slices.MaxFunc(list, func(a, b *agora.GroupSummary) int { return a.MemberCount - b.MemberCount })
	group := "/groups/" + g.ID
	return []pageUnderTest{
		{name: "login", path: "/login", signedOut: true},
		{name: "groups", path: "/groups"},
		{name: "search", path: "/groups?q=book&sort=members&dir=desc"},
		{name: "group-detail", path: group},
		{name: "group-members", path: group + "/members"},
		{name: "group-create", path: "/groups/new"},
		{name: "group-edit", path: group + "/edit"},
		{name: "group-delete", path: group + "/delete"},
		{name: "group-moderation", path: group + "/moderation"},
		{name: "group-announcement", path: group + "/announcement"},
		{name: "group-history", path: group + "/history"},
		{name: "user-groups", path: "/users/" + g.Owner + "/groups"},
		{name: "user", path: "/users/spammer"},
		{name: "jobs", path: "/jobs"},
		{name: "audit", path: "/audit"},
		{name: "accounts", path: "/accounts"},
		{name: "account-disable", path: "/accounts/admin/disable"},
		{name: "account", path: "/account"},
		{name: "account-password", path: "/account/password"},
		{name: "report", path: "/reports/membership"},
	}
}

// Every page, in English and Chinese: nothing scrolls sideways at 390
// pixels, and axe-core finds no serious or critical accessibility problem at
// 1280 and 390 pixels, in the light and the dark theme. Screenshots of each
// go to test-artifacts/screenshots/page-LANG-NAME-WIDTH[-dark].png.
func TestPagesFitPhonesAndPassAxe(t *testing.T) {
	setup(t)
	axe := axeSource(t)
	pages := demoPages(t)
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			for _, pg := range pages {
				t.Run(pg.name, func(t *testing.T) {
					tb := newTab(t)
					if !pg.signedOut {
						tb.login()
					}
					tb.open(pg.path)
					tb.setLanguage(lang)
					if got := tb.url().RequestURI(); got != pg.path {
						t.Fatalf("opened %s, landed on %s", pg.path, got)
					}
					shot := fmt.Sprintf("page-%s-%s", lang, pg.name)

					tb.resize(desktopWidth, desktopHeight)
					tb.screenshot(shot + "-1280")
					tb.checkAxe(axe, "1280 px")

					tb.resize(phoneWidth, phoneHeight)
					tb.checkNoSidewaysScroll()
					tb.screenshot(shot + "-390")
					tb.checkAxe(axe, "390 px")

					tb.setDarkTheme(true)
					tb.checkNoSidewaysScroll()
					tb.screenshot(shot + "-390-dark")
					tb.checkAxe(axe, "390 px, dark theme")
				})
			}
		})
	}
}

// Without JavaScript the wide tables are not turned into cards: they scroll
// inside their own box, and the page itself still fits a phone.
func TestPhonePagesFitWithoutJavaScript(t *testing.T) {
	tb := newTab(t, withoutJavaScript())
	tb.login()
	tb.resize(phoneWidth, phoneHeight)
	for _, path := range []string{"/groups", "/accounts", "/audit"} {
		tb.open(path)
		if n := tb.count("table.cards"); n != 0 {
			t.Errorf("%s: %d tables became cards without JavaScript", path, n)
		}
		tb.checkNoSidewaysScroll()
	}
	tb.screenshot("page-en-groups-390-nojs")
}

// With CI=true a missing axe-core is a failure; elsewhere the scan is left
// out with a message (and make test's last line says so).
func TestAxeCoreIsInstalled(t *testing.T) {
	if _, err := os.Stat(axePath(t)); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but axe-core is missing (%v): run npm ci", err)
		}
		t.Skipf("axe-core is missing (%v): run npm ci to add the accessibility scan to the browser tests", err)
	}
}

// The design system's rules that matter to the moderator: Delete does not
// look like Edit, an invalid field is outlined in the danger colour, every
// htmx request shows the loading bar, and at phone width the navigation is
// one line.
func TestDesignSystemInTheBrowser(t *testing.T) {
	tb := newTab(t)
	tb.login()

	// Delete (danger) and Edit (neutral) differ, in both themes.
	for _, dark := range []bool{false, true} {
		tb.setDarkTheme(dark)
		edit := tb.computed(`[data-testid="group-edit"]`, "color", "background-color", "border-top-color")
		del := tb.computed(`[data-testid="group-delete"]`, "color", "background-color", "border-top-color")
		danger := tb.tokenColor("--color-danger")
		if edit["color"] == del["color"] || edit["border-top-color"] == del["border-top-color"] {
			t.Errorf("dark=%v: Delete looks like Edit: edit %v, delete %v", dark, edit, del)
		}
		if del["color"] != danger || del["border-top-color"] != danger {
			t.Errorf("dark=%v: Delete is not in the danger colour %s: %v", dark, danger, del)
		}
	}
	tb.setDarkTheme(false)

	// The loading bar shows while an element carries htmx's .htmx-request
	// class, and only then.
	bar := `getComputedStyle(document.body, "::before").content`
	if got := tb.evalString(bar); got != "none" {
		t.Errorf("loading bar shown with no request running: content %s", got)
	}
	tb.evalString(`document.querySelector('[data-testid="load-more"]').classList.add("htmx-request"), ""`)
	if got := tb.evalString(bar); got == "none" {
		t.Errorf("no loading bar while a request runs")
	}
	if got := tb.evalString(`getComputedStyle(document.body, "::before").backgroundColor`); got != tb.tokenColor("--color-loading") {
		t.Errorf("loading bar colour %s, want --color-loading", got)
	}
	tb.evalString(`document.querySelector('[data-testid="load-more"]').classList.remove("htmx-request"), ""`)

	// An invalid field is outlined in the danger colour, over the
	// input[type=text] rule that used to win.
	tb.open("/groups/new")
	tb.follow(tid("form-submit"))
	invalid := tb.attrs(`[aria-invalid="true"]`, "id")
	if len(invalid) == 0 {
		t.Fatal("submitting the empty form marked no field invalid")
	}
	danger := tb.tokenColor("--color-danger")
	for _, id := range invalid {
		got := tb.computed("#"+id, "border-top-color", "border-top-width")
		if got["border-top-color"] != danger || got["border-top-width"] != "2px" {
			t.Errorf("invalid field #%s: border %v, want 2px %s", id, got, danger)
		}
	}
	tb.screenshot("design-invalid-form")

	// At phone width the navigation is one line that scrolls in itself.
	tb.resize(phoneWidth, phoneHeight)
	tops := tb.evalString(`[...new Set([...document.querySelectorAll(".site-nav li")].map(li => li.offsetTop))].length + ""`)
	if tops != "1" {
		t.Errorf("at %d px the navigation takes %s lines, want 1", phoneWidth, tops)
	}
}

// ---- helpers ----

// setLanguage picks a language in the header's switcher (a plain form) and
// waits for the page to come back in it.
func (tb *tab) setLanguage(lang string) {
	tb.t.Helper()
	if strings.HasPrefix(tb.attr(chromedp.CSS("html"), "lang"), lang) {
		return
	}
	tb.do(chromedp.SetValue(tid("language-select"), lang))
	tb.follow(tid("language-submit"))
	if got := tb.attr(chromedp.CSS("html"), "lang"); !strings.HasPrefix(got, lang) {
		tb.t.Fatalf("switched to %s, the page says lang=%q", lang, got)
	}
}

func (tb *tab) resize(width, height int64) {
	tb.t.Helper()
	tb.do(chromedp.EmulateViewport(width, height))
}

// setDarkTheme makes the page see prefers-color-scheme: dark (or light).
func (tb *tab) setDarkTheme(dark bool) {
	tb.t.Helper()
	scheme := "light"
	if dark {
		scheme = "dark"
	}
	_, err := chromedp.Call(tb.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	})
	if err != nil {
		tb.t.Fatalf("emulate prefers-color-scheme: %s: %v", scheme, err)
	}
}

func (tb *tab) evalString(expr string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return s
}

// computed is the computed value of CSS properties of the first match.
func (tb *tab) computed(css string, props ...string) map[string]string {
	tb.t.Helper()
	expr := fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		if (!el) return null;
		const s = getComputedStyle(el), out = {};
		for (const p of %s) out[p] = s.getPropertyValue(p);
		return out;
	})()`, css, jsStrings(props))
	m, err := chromedp.Run(tb.ctx, chromedp.Evaluate[map[string]string](expr))
	if err != nil || m == nil {
		tb.t.Fatalf("computed style of %s: %v", css, err)
	}
	return m
}

// tokenColor is a colour token resolved the way the browser paints it
// ("rgb(r, g, b)"), for comparison with computed styles.
func (tb *tab) tokenColor(token string) string {
	tb.t.Helper()
	return tb.evalString(fmt.Sprintf(`(() => {
		const probe = document.createElement("span");
		probe.style.color = "var(%s)";
		document.body.append(probe);
		const c = getComputedStyle(probe).color;
		probe.remove();
		return c;
	})()`, token))
}

func jsStrings(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ",") + "]"
}

// checkNoSidewaysScroll fails when the page is wider than the window, and
// names the elements that stick out (outside any box that scrolls or clips
// them).
func (tb *tab) checkNoSidewaysScroll() {
	tb.t.Helper()
	type overflow struct {
		ScrollWidth int      `json:"scrollWidth"`
		ClientWidth int      `json:"clientWidth"`
		Culprits    []string `json:"culprits"`
	}
	o, err := chromedp.Run(tb.ctx, chromedp.Evaluate[overflow](`(() => {
		const de = document.documentElement, w = de.clientWidth, culprits = [];
		// Whether a box that scrolls or clips holds el in: an absolutely
		// positioned element escapes every box below its containing block.
		const contained = el => {
			for (let node = el; ;) {
				const pos = getComputedStyle(node).position;
				if (pos === "fixed") return false;
				let p = node.parentElement;
				if (pos === "absolute") {
					while (p && p !== document.body && getComputedStyle(p).position === "static") p = p.parentElement;
				}
				if (!p || p === document.body) return false;
				if (getComputedStyle(p).overflowX !== "visible") return true;
				node = p;
			}
		};
		for (const el of document.body.querySelectorAll("*")) {
			if (el.getBoundingClientRect().right <= w + 0.5 || contained(el)) continue;
			const r = el.getBoundingClientRect();
			const cls = typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\s+/).join(".") : "";
			const id = el.dataset.testid ? "[" + el.dataset.testid + "]" : "";
			culprits.push(el.tagName.toLowerCase() + cls + id + " right=" + Math.round(r.right));
		}
		return {scrollWidth: de.scrollWidth, clientWidth: w, culprits: culprits.slice(0, 8)};
	})()`))
	if err != nil {
		tb.t.Fatalf("measure the page width: %v", err)
	}
	if o.ScrollWidth > o.ClientWidth {
		tb.t.Errorf("%s scrolls sideways: %d px wide in a %d px window; sticking out: %v",
			tb.url().Path, o.ScrollWidth, o.ClientWidth, o.Culprits)
	}
}

// axeViolation is one rule axe-core found broken, with the first nodes.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

func axePath(t *testing.T) string {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "node_modules", "axe-core", "axe.min.js")
}

var axeOnce = sync.OnceValues(func() ([]byte, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(root, "node_modules", "axe-core", "axe.min.js"))
})

// axeSource is the text of axe.min.js; "" outside CI when it is missing
// (TestAxeCoreIsInstalled reports that).
func axeSource(t *testing.T) string {
	t.Helper()
	src, err := axeOnce()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but axe-core cannot be read: %v (run npm ci)", err)
		}
		t.Logf("no accessibility scan: %v (run npm ci)", err)
		return ""
	}
	return string(src)
}

// checkAxe runs axe-core on the page and fails on serious or critical
// violations (and logs the others). The script goes in through the DevTools
// protocol (Runtime evaluate), which the page's Content-Security-Policy does
// not govern, so the policy stays as strict as in production.
func (tb *tab) checkAxe(src, where string) {
	tb.t.Helper()
	if src == "" {
		return
	}
	if tb.evalString(`typeof axe`) == "undefined" {
		if err := chromedp.Do(tb.ctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
			tb.t.Fatalf("inject axe-core: %v", err)
		}
	}
	found, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ["violations"]}).then(r =>
		r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
				nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": " + n.failureSummary.replace(/\s+/g, " "))})))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("run axe-core: %v", err)
	}
	for _, v := range found {
		report := tb.t.Logf // moderate and minor findings are for the log
		if v.Impact == "serious" || v.Impact == "critical" {
			report = tb.t.Errorf
		}
		report("%s at %s: axe %s (%s): %s\n\t%s", tb.url().Path, where, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
	}
}
