package views

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// verbRE matches a fmt verb, with its explicit argument index if any.
var verbRE = regexp.MustCompile(`%(?:\[(\d+)\])?[-+# 0]*\d*(?:\.\d+)?([a-zA-Z%])`)

// placeholders lists which argument each verb of s prints and how
// ("1:s", "2:d"), following fmt's rules for explicit indexes, so "%s %s"
// and "%[2]s %[1]s" take the same arguments.
func placeholders(s string) []string {
	var out []string
	next := 1
	for _, m := range verbRE.FindAllStringSubmatch(s, -1) {
		if m[2] == "%" {
			continue
		}
		if m[1] != "" {
			next, _ = strconv.Atoi(m[1])
		}
		out = append(out, fmt.Sprintf("%d:%s", next, m[2]))
		next++
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestPlaceholders(t *testing.T) {
	for s, want := range map[string]string{
		"no verbs, 100%%":     "",
		"%s of %d":            "1:s 2:d",
		"%[2]s then %[1]s":    "1:s 2:s",
		"%[2]s then %s":       "2:s 3:s",
		"%5.2f and %-3d":      "1:f 2:d",
		"“%s”，群主 %s，%s，上限 %s": "1:s 2:s 3:s 4:s",
	} {
		if got := strings.Join(placeholders(s), " "); got != want {
			t.Errorf("placeholders(%q) = %q, want %q", s, got, want)
		}
	}
}

// readLocale parses one embedded locale file into its messages by key.
func readLocale(t *testing.T, lang Lang) map[string]*i18n.Message {
	t.Helper()
	name := "locales/" + string(lang) + ".json"
	b, err := localeFiles.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	f, err := i18n.ParseMessageFileBytes(b, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]*i18n.Message, len(f.Messages))
	for _, m := range f.Messages {
		out[m.ID] = m
	}
	return out
}

// forms are a message's texts by plural form; a plain message has "other".
func forms(m *i18n.Message) map[string]string {
	out := map[string]string{}
	for form, text := range map[string]string{"zero": m.Zero, "one": m.One, "two": m.Two, "few": m.Few, "many": m.Many, "other": m.Other} {
		if text != "" {
			out[form] = text
		}
	}
	return out
}

// TestLocaleFiles holds every language file to English's keys and
// placeholders, and checks each has the plural forms its language needs.
func TestLocaleFiles(t *testing.T) {
	if len(Langs) < 2 || Langs[0] != English || !slices.Contains(Langs, Chinese) {
		t.Fatalf("Langs = %v, want English first and Chinese", Langs)
	}
	en := readLocale(t, English)
	if len(en) < 250 {
		t.Fatalf("en.json has only %d messages", len(en))
	}
	for _, lang := range Langs {
		msgs := readLocale(t, lang)
		for key := range en {
			if msgs[key] == nil {
				t.Errorf("%s.json: no %q", lang, key)
			}
		}
		for key, m := range msgs {
			src := en[key]
			if src == nil {
				t.Errorf("%s.json: %q is not in en.json", lang, key)
				continue
			}
			if strings.TrimSpace(m.Other) == "" {
				t.Errorf("%s.json: %q has no text (or no \"other\" form)", lang, key)
			}
			want := placeholders(src.Other)
			for form, text := range forms(m) {
				if got := placeholders(text); !slices.Equal(got, want) {
					t.Errorf("%s.json: %q (%s) takes arguments %v, en.json %v", lang, key, form, got, want)
				}
			}
			if src.One == "" {
				continue
			}
			// A counted message: every count picks a form the file has.
			for _, n := range []int{0, 1, 2, 3, 5, 11, 21, 101, 1000} {
				if _, err := NewLocalizer(lang).lookup(key, &n); err != nil {
					t.Errorf("%s.json: %q for %d: %v", lang, key, n, err)
				}
			}
		}
		if l := NewLocalizer(lang); l.T("lang.tag") == "" || l.T("lang.name") == "" {
			t.Errorf("%s: no lang.tag or lang.name", lang)
		}
	}
}

// TestEveryKeyUsedExists finds every message key the templates and the
// handlers use, checks it is in the catalogue, and that counted messages
// are looked up with N (or Plural) and no others are.
func TestEveryKeyUsedExists(t *testing.T) {
	keyRE := regexp.MustCompile(`(\.T\(|\.N\(|Plural\{Key: )?"((?:nav|footer|common|count|group|role|login|list|pager|detail|form|delete|user|flash|error|account|accounts|audit|report|search|outcome|tabs|members|moderation|history|job|jobs|bulk|users|owner|remove|duration|settings|password|time)\.[a-z0-9_.]+)"`)
	en := readLocale(t, English)
	var files []string
	for _, pattern := range []string{"*.templ", "*.go", "../web/*.go", "../web/*/*.go"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || strings.HasSuffix(f, "_templ.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var code strings.Builder
		for line := range strings.Lines(string(b)) {
			line, _, _ = strings.Cut(line, " // ") // comments name keys that are not messages
			code.WriteString(line + "\n")
		}
		for _, m := range keyRE.FindAllStringSubmatch(code.String(), -1) {
			call, key := m[1], m[2]
			if strings.HasSuffix(key, ".") {
				continue // a prefix of keys built at run time ("audit.action." + action); web tests check those
			}
			found++
			if !Has(key) {
				t.Errorf("%s uses %q, which is not in the catalogue", f, key)
				continue
			}
			counted := en[key].One != ""
			switch {
			case call == ".T(" && counted:
				t.Errorf("%s: %q counts something; look it up with N", f, key)
			case (call == ".N(" || strings.HasPrefix(call, "Plural")) && !counted:
				t.Errorf("%s: %q has no plural forms; look it up with T", f, key)
			}
		}
	}
	// Keys built at run time: "form." + field name, headings by status.
	for _, f := range []string{FieldGroupName, FieldDescription, FieldOwner, FieldMembers, FieldMaxUsers, FieldMembersOnly, FieldAllowInvites, FieldInviteNeedConfirm, FieldCustom} {
		if !Has("form." + f) {
			t.Errorf("no label form.%s", f)
		}
	}
	if found < 100 {
		t.Errorf("found only %d key uses; is the scan broken?", found)
	}
}

func TestLocalizer(t *testing.T) {
	en, zh := NewLocalizer(English), NewLocalizer(Chinese)
	if got := en.T("pager.page", 3); got != "Page 3" {
		t.Errorf("en = %q", got)
	}
	if got := zh.T("pager.page", 3); got != "第 3 页" {
		t.Errorf("zh = %q", got)
	}
	if got := NewLocalizer("fr").Lang(); got != English {
		t.Errorf("fallback = %q", got)
	}
	if got := (Localizer{}).T("nav.groups"); got != "Groups" {
		t.Errorf("zero Localizer = %q", got)
	}
	if got := en.T("no.such.key"); got != "no.such.key" {
		t.Errorf("missing key = %q", got)
	}
	if got, want := Chinese.Tag()+" "+Chinese.Name(), "zh-Hans 简体中文"; got != want {
		t.Errorf("Chinese tag and name %q", got)
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1024: "1,024", 1234567: "1,234,567", -2000: "-2,000"} {
		if got := en.Number(n); got != want {
			t.Errorf("Number(%d) = %q", n, got)
		}
	}
	when := time.Date(2024, 3, 5, 14, 7, 0, 0, time.FixedZone("CST", 8*3600))
	if got := en.DateTime(when); got != "Mar 5, 2024, 06:07 UTC" {
		t.Errorf("en DateTime = %q", got)
	}
	if got := zh.DateTime(when); got != "2024年3月5日 06:07 UTC" {
		t.Errorf("zh DateTime = %q", got)
	}
}

func TestPluralForms(t *testing.T) {
	en, zh := NewLocalizer(English), NewLocalizer(Chinese)
	for _, tc := range []struct{ got, want string }{
		{en.N("count.members", 0), "0 members"},
		{en.N("count.members", 1), "1 member"},
		{en.N("count.members", 2), "2 members"},
		{en.N("count.members", 1001), "1,001 members"},
		{zh.N("count.members", 1), "1 名成员"},
		{zh.N("count.members", 2), "2 名成员"},
		{en.N("detail.filter_result", 1, "ca"), "1 member matches “ca”."},
		{en.N("detail.filter_result", 3, "ca"), "3 members match “ca”."},
		{zh.N("detail.filter_result", 1, "ca"), "有 1 名成员匹配“ca”。"},
		{en.N("count.minutes", 1), "1 minute"},
		{en.T("login.locked", Plural{"count.minutes", 15}), "Too many failed sign-in attempts. Wait 15 minutes and try again."},
		{zh.T("login.locked", Plural{"count.minutes", 1}), "登录失败次数过多。请等待 1 分钟后再试。"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	// A Plural is translated in each language it is shown in, so the
	// caller's arguments must stay as they were.
	args := []any{2, Plural{"count.members", 1}}
	if got := en.T("form.err_maxusers_members", args...); got != "Must be at least 2: the owner plus 1 member." {
		t.Errorf("en = %q", got)
	}
	if got := zh.T("form.err_maxusers_members", args...); got != "至少为 2：群主加 1 名成员。" {
		t.Errorf("zh = %q", got)
	}
}

func TestMatchLang(t *testing.T) {
	for header, want := range map[string]Lang{
		"":                        English,
		"zh-CN,zh;q=0.9,en;q=0.8": Chinese,
		"en-US,en;q=0.9,zh;q=0.8": English,
		"fr-FR, zh-Hans;q=0.5":    Chinese,
		"de":                      English,
		"en;q=0.2, zh-TW;q=0.7":   Chinese,
		"zh-TW":                   Chinese,
		"zh-HK, en":               Chinese,
		"zh;q=0, en":              English,
		"ZH-cn":                   Chinese,
		"en-GB":                   English,
		"fr, de;q=0.5":            English,
		"not a header;;;":         English,
	} {
		if got := MatchLang(header); got != want {
			t.Errorf("MatchLang(%q) = %q, want %q", header, got, want)
		}
	}
}

// TestLanguagesAreFiles adds a language by adding a file, and checks a
// catalogue without English or with a broken file is refused.
func TestLanguagesAreFiles(t *testing.T) {
	en, _ := localeFiles.ReadFile("locales/en.json")
	zh, _ := localeFiles.ReadFile("locales/zh.json")
	files := fstest.MapFS{
		"locales/en.json": {Data: en},
		"locales/zh.json": {Data: zh},
		"locales/fr.json": {Data: []byte(`{"nav.groups": "Groupes"}`)},
	}
	c, err := loadCatalogue(files)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.langs, []Lang{English, "fr", Chinese}) {
		t.Errorf("langs = %v", c.langs)
	}
	for header, want := range map[string]Lang{"fr-CA, en;q=0.5": "fr", "de, fr;q=0.3": "fr", "zh-CN": Chinese, "de": English} {
		if got := c.match(header); got != want {
			t.Errorf("match(%q) = %q, want %q", header, got, want)
		}
	}

	delete(files, "locales/en.json")
	if _, err := loadCatalogue(files); err == nil {
		t.Error("a catalogue without en.json loaded")
	}
	files["locales/en.json"] = &fstest.MapFile{Data: []byte(`{"nav.groups": `)}
	if _, err := loadCatalogue(files); err == nil || !strings.Contains(err.Error(), "en.json") {
		t.Errorf("a broken en.json: %v", err)
	}
}

// TestCountsOnPages renders the pages that show a count of members and
// checks each says "1 member" and "2 members" in English, and the one
// Chinese form for both.
func TestCountsOnPages(t *testing.T) {
	members := func(n int) []Member {
		out := []Member{{"alice", true}}
		for i := 1; i < n; i++ {
			out = append(out, Member{fmt.Sprintf("user%d", i), false})
		}
		return out
	}
	detail := func(p Page, n int) templ.Component {
		return GroupDetailPage(p, GroupDetail{ID: "42", Name: "G", Owner: "alice", MaxUsers: 10, MemberCount: n, Members: members(n),
			MemberURL: func(u string) templ.SafeURL { return templ.SafeURL("/users/" + u + "/groups") }})
	}
	filtered := func(p Page, n int) templ.Component {
		return MemberTable(p, GroupDetail{ID: "42", MemberCount: 5, Members: members(n), Query: "a",
			MemberURL: func(u string) templ.SafeURL { return templ.SafeURL("/users/" + u + "/groups") }})
	}
	deleteDialog := func(p Page, n int) templ.Component {
		return DeleteDialog(p, DeleteConfirm{ID: "42", Name: "G", MemberCount: n, Action: "/groups/42/delete"})
	}
	editForm := func(p Page, n int) templ.Component {
		return GroupFormPage(p, GroupForm{Edit: true, ID: "42", Values: GroupFormValues{MaxUsers: "10"}, Action: "/groups/42/edit", CancelURL: "/groups/42", MemberCount: n})
	}
	for _, tc := range []struct {
		name   string
		render func(Page, int) templ.Component
		testid string
		want   map[Lang][2]string // the texts for 1 and 2
	}{
		{"detail", detail, "member-summary", map[Lang][2]string{
			English: {"1 member.", "2 members."},
			Chinese: {"共 1 名成员。", "共 2 名成员。"},
		}},
		{"detail filter", filtered, "member-summary", map[Lang][2]string{
			English: {"1 member matches “a”.", "2 members match “a”."},
			Chinese: {"有 1 名成员匹配“a”。", "有 2 名成员匹配“a”。"},
		}},
		{"delete dialog", deleteDialog, "delete-description", map[Lang][2]string{
			English: {"Group 42 and the membership of its 1 member will be deleted for good. This cannot be undone.",
				"Group 42 and the membership of its 2 members will be deleted for good. This cannot be undone."},
			Chinese: {"群组 42 及其 1 名成员的群成员关系将被永久删除，且无法恢复。", "群组 42 及其 2 名成员的群成员关系将被永久删除，且无法恢复。"},
		}},
		{"edit help", editForm, "maxusers-help", map[Lang][2]string{
			English: {"A whole number up to 2000, counting the owner; not lower than the current 1 member.",
				"A whole number up to 2000, counting the owner; not lower than the current 2 members."},
			Chinese: {"不超过 2000 的整数，包括群主；不能低于当前的 1 名成员。", "不超过 2000 的整数，包括群主；不能低于当前的 2 名成员。"},
		}},
	} {
		for lang, want := range tc.want {
			for i, n := range []int{1, 2} {
				var b strings.Builder
				if err := tc.render(testPage(lang), n).Render(context.Background(), &b); err != nil {
					t.Fatal(err)
				}
				doc, err := goquery.NewDocumentFromReader(strings.NewReader(b.String()))
				if err != nil {
					t.Fatal(err)
				}
				sel := doc.Find(`[data-testid="` + tc.testid + `"]`)
				// The member summary ends with the CSV link; only its own text counts.
				sel.Find("a").Remove()
				if got := strings.TrimSpace(sel.Text()); got != want[i] {
					t.Errorf("%s, %s, %d: %q, want %q", tc.name, lang, n, got, want[i])
				}
			}
		}
	}
}

// Relative times in both languages, with plural forms; the exact time in
// the moderator's zone, to the second.
func TestRelativeAndExactTimes(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	en := NewLocalizer(English).In(shanghai, now)
	zh := NewLocalizer(Chinese).In(shanghai, now)
	for _, tc := range []struct {
		l    Localizer
		ago  time.Duration
		want string
	}{
		{en, 10 * time.Second, "just now"},
		{zh, 10 * time.Second, "刚刚"},
		{en, time.Minute, "1 minute ago"},
		{en, 3*time.Minute + 59*time.Second, "3 minutes ago"},
		{zh, 3 * time.Minute, "3 分钟前"},
		{en, time.Hour, "1 hour ago"},
		{en, 5 * time.Hour, "5 hours ago"},
		{zh, 5 * time.Hour, "5 小时前"},
		{en, 24 * time.Hour, "1 day ago"},
		{en, 29 * 24 * time.Hour, "29 days ago"},
		{zh, 2 * 24 * time.Hour, "2 天前"},
		{en, 40 * 24 * time.Hour, "Oct 22, 2026, 18:00 CST"},
		{zh, 40 * 24 * time.Hour, "2026年10月22日 18:00 CST"},
		{en, -time.Hour, "Dec 1, 2026, 19:00 CST"}, // the future is a date
	} {
		if got := tc.l.Ago(now.Add(-tc.ago)); got != tc.want {
			t.Errorf("%s Ago(now-%s) = %q, want %q", tc.l.Lang(), tc.ago, got, tc.want)
		}
	}
	at := time.Date(2026, 12, 1, 9, 58, 7, 123e6, time.UTC)
	if got, want := en.ExactTime(at), "Dec 1, 2026, 17:58:07 CST"; got != want {
		t.Errorf("ExactTime = %q, want %q", got, want)
	}
	if got, want := zh.ExactTime(at), "2026年12月1日 17:58:07 CST"; got != want {
		t.Errorf("zh ExactTime = %q, want %q", got, want)
	}
}
