package views

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// verbRE matches a fmt verb.
var verbRE = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

func TestCatalogueVerbs(t *testing.T) {
	for key, m := range catalogue {
		if strings.TrimSpace(m.en) == "" || strings.TrimSpace(m.zh) == "" {
			t.Errorf("%s: missing a translation", key)
		}
		en, zh := verbRE.FindAllString(m.en, -1), verbRE.FindAllString(m.zh, -1)
		sort.Strings(en)
		sort.Strings(zh)
		if strings.Join(en, " ") != strings.Join(zh, " ") {
			t.Errorf("%s: English verbs %v, Chinese %v", key, en, zh)
		}
	}
}

// TestCatalogueCoversEveryKey finds every message key the templates and the
// handlers use and checks it is in the catalogue.
func TestCatalogueCoversEveryKey(t *testing.T) {
	keyRE := regexp.MustCompile(`"((?:nav|footer|common|group|role|login|list|pager|detail|form|delete|user|flash|error|account|accounts|audit|report)\.[a-z0-9_.]+)"`)
	var files []string
	for _, pattern := range []string{"*.templ", "../web/*.go"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
			if strings.HasSuffix(m[1], ".") {
				continue // a prefix of keys built at run time ("audit.action." + action); web tests check those
			}
			found++
			if !Has(m[1]) {
				t.Errorf("%s uses %q, which is not in the catalogue", f, m[1])
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
	if got := en.T("no.such.key"); got != "no.such.key" {
		t.Errorf("missing key = %q", got)
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

func testPage(lang Lang) Page {
	return Page{L: NewLocalizer(lang), Title: "T", User: "admin", CSRF: "tok", Mode: "sandbox",
		Assets: Assets{CSS: "/static/css/app.css", HTMX: "/static/js/htmx.min.js", App: "/static/js/app.js"}, Here: "/groups"}
}

func TestFormAccessibility(t *testing.T) {
	var b strings.Builder
	f := GroupForm{Values: GroupFormValues{MaxUsers: "200"}, Action: "/groups", CancelURL: "/groups",
		Errors: map[string]string{FieldOwner: "Enter the owner's username."}}
	if err := GroupFormPage(testPage(English), f).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(b.String()))
	owner := doc.Find("#owner")
	if owner.AttrOr("aria-invalid", "") != "true" || owner.AttrOr("aria-describedby", "") != "owner-help owner-error" {
		t.Errorf("owner input: invalid=%q describedby=%q", owner.AttrOr("aria-invalid", ""), owner.AttrOr("aria-describedby", ""))
	}
	if doc.Find("#owner-error").Text() != "Enter the owner's username." {
		t.Error("error text not next to the field")
	}
	if doc.Find("#groupname").AttrOr("aria-invalid", "") != "false" {
		t.Error("valid field marked invalid")
	}
	doc.Find("input, textarea, select").Each(func(_ int, s *goquery.Selection) {
		if s.AttrOr("type", "") == "hidden" {
			return
		}
		id := s.AttrOr("id", "")
		if id == "" || doc.Find(`label[for="`+id+`"]`).Length() == 0 {
			t.Errorf("control %q has no label", s.AttrOr("name", ""))
		}
	})
}
