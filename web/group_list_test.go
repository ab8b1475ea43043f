package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"groupdesk/agora"
	"groupdesk/views"
)

// rowIDs returns the group ids of the list rows in page order.
func rowIDs(p *page) []string {
	var ids []string
	p.find("group-row").Each(func(_ int, s *goquery.Selection) {
		id, _ := s.Attr("data-group-id")
		ids = append(ids, id)
	})
	return ids
}

// wantOnlyListAll checks that a list page cost one Agora call, list-all:
// visibility and capacity would take the detail call, which returns every
// member of every group on the page.
func wantOnlyListAll(t *testing.T, e *env, what string) {
	t.Helper()
	calls := e.upstreamCalls()
	if len(calls) != 1 || calls[0].Method != http.MethodGet || !strings.HasSuffix(calls[0].Path, "/chatgroups") {
		t.Errorf("%s made upstream calls %v, want exactly one, GET …/chatgroups", what, calls)
	}
}

// pageOfIDs is what the API itself says a page holds.
func pageOfIDs(t *testing.T, e *env, limit int, cursor string) ([]string, string) {
	t.Helper()
	gs, resp, err := e.client.Groups.List(context.Background(), &agora.ListOptions{Limit: limit, Cursor: cursor})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, g := range gs {
		ids = append(ids, g.ID)
	}
	return ids, resp.Cursor
}

func TestGroupListPaging(t *testing.T) {
	e := newEnv(t).login()
	page1, cursor2 := pageOfIDs(t, e, 10, "")
	page2, cursor3 := pageOfIDs(t, e, 10, cursor2)
	page3, _ := pageOfIDs(t, e, 10, cursor3)

	e.rec.reset()
	p := e.get("/groups?limit=10")
	wantStatus(t, p, http.StatusOK)
	wantOnlyListAll(t, e, "list page")
	if diff := cmp.Diff(page1, rowIDs(p)); diff != "" {
		t.Fatalf("page 1 rows (-api +page):\n%s", diff)
	}
	if p.find("pager-prev").Length() != 0 {
		t.Error("first page has a Previous link")
	}
	if got := p.text("pager-page"); got != "Groups 1–10" {
		t.Errorf("pager-page = %q", got)
	}
	if sel, _ := p.find("page-size").Find("option[selected]").Attr("value"); sel != "10" {
		t.Errorf("selected page size = %q", sel)
	}
	// Columns: what list-all gives, id, name, owner, member count and last
	// modified; visibility and capacity are on the detail page only.
	gs, _, err := e.client.Groups.List(context.Background(), &agora.ListOptions{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	want := gs[0]
	row := p.find("group-row").First()
	cell := func(testid string) string {
		return strings.TrimSpace(row.Find(`[data-testid="` + testid + `"]`).Text())
	}
	if got := cell("group-id"); got != want.ID {
		t.Errorf("group-id cell %q, want %q", got, want.ID)
	}
	if got := cell("group-name"); want.Name != "" && got != want.Name {
		t.Errorf("group-name cell %q, want %q", got, want.Name)
	}
	if got := cell("group-owner"); got != want.Owner {
		t.Errorf("group-owner cell %q, want %q", got, want.Owner)
	}
	if got, wantMembers := cell("group-members"), views.NewLocalizer(views.English).Number(want.MemberCount); got != wantMembers {
		t.Errorf("group-members cell %q, want the member count %q and no maximum", got, wantMembers)
	}
	if dt, _ := row.Find("time").Attr("datetime"); dt == "" {
		t.Error("no <time datetime>")
	}
	if n := p.find("groups-table").Find("thead th").Length(); n != 6 {
		t.Errorf("the table has %d columns, want 6 (id, name, owner, members, last modified, actions)", n)
	}
	if n := p.find("groups-table").Find(`[data-testid="badge-public"], [data-testid="badge-private"]`).Length(); n != 0 {
		t.Errorf("the list shows %d visibility badges; visibility is on the detail page only", n)
	}

	// Next carries the cursor.
	next, _ := p.find("pager-next").Attr("href")
	u, _ := url.Parse(next)
	if u.Query().Get("cursor") != cursor2 {
		t.Fatalf("Next link %q does not carry cursor %q", next, cursor2)
	}
	p2 := e.get(next)
	wantStatus(t, p2, http.StatusOK)
	if diff := cmp.Diff(page2, rowIDs(p2)); diff != "" {
		t.Fatalf("page 2 rows (-api +page):\n%s", diff)
	}
	if got := p2.text("pager-page"); got != "Groups 11–20" {
		t.Errorf("pager-page = %q", got)
	}
	next3, _ := p2.find("pager-next").Attr("href")
	p3 := e.get(next3)
	if diff := cmp.Diff(page3, rowIDs(p3)); diff != "" {
		t.Fatalf("page 3 rows (-api +page):\n%s", diff)
	}
	// Previous walks back through the stack of cursors.
	prev2, _ := p3.find("pager-prev").Attr("href")
	back2 := e.get(prev2)
	if diff := cmp.Diff(page2, rowIDs(back2)); diff != "" {
		t.Fatalf("Previous from page 3 (-page 2 +got):\n%s", diff)
	}
	prev1, _ := back2.find("pager-prev").Attr("href")
	back1 := e.get(prev1)
	if diff := cmp.Diff(page1, rowIDs(back1)); diff != "" {
		t.Fatalf("Previous from page 2 (-page 1 +got):\n%s", diff)
	}
	if back1.find("pager-prev").Length() != 0 {
		t.Error("page 1 reached by Previous still has Previous")
	}
}

func TestGroupListPageSize(t *testing.T) {
	e := newEnv(t).login()
	want, _ := pageOfIDs(t, e, 25, "")
	for _, q := range []string{"", "?limit=25", "?limit=7", "?limit=abc"} {
		p := e.get("/groups" + q)
		if got := rowIDs(p); len(got) != len(want) {
			t.Errorf("%q: %d rows, want the default %d", q, len(got), len(want))
		}
	}
	p := e.get("/groups?limit=50")
	all, _ := pageOfIDs(t, e, 50, "")
	if got := rowIDs(p); len(got) != len(all) {
		t.Fatalf("limit=50: %d rows, want %d", len(got), len(all))
	}
}

func TestGroupListLoadMoreFragment(t *testing.T) {
	e := newEnv(t).login()
	page1, cursor2 := pageOfIDs(t, e, 10, "")
	page2, cursor3 := pageOfIDs(t, e, 10, cursor2)
	page3, _ := pageOfIDs(t, e, 10, cursor3)

	p := e.get("/groups?limit=10")
	more := p.find("load-more")
	if more.Length() != 1 {
		t.Fatal("no load-more button")
	}
	href, _ := more.Attr("href")
	hxGet, _ := more.Attr("hx-get")
	push, _ := more.Attr("hx-push-url")
	if hxGet == "" || href == "" || push == "" {
		t.Fatalf("load-more href=%q hx-get=%q hx-push-url=%q", href, hxGet, push)
	}
	if tgt, _ := more.Attr("hx-target"); tgt != "#load-more-row" {
		t.Errorf("hx-target = %q", tgt)
	}
	if sw, _ := more.Attr("hx-swap"); sw != "outerHTML" {
		t.Errorf("hx-swap = %q", sw)
	}
	e.rec.reset()
	frag := e.get(hxGet, "HX-Request", "true")
	wantStatus(t, frag, http.StatusOK)
	wantOnlyListAll(t, e, "load-more")
	if n := len(e.upstreamCalls()); n != 1 {
		t.Errorf("load-more made %d calls, want 1 (the next page only)", n)
	}
	if strings.Contains(frag.body, "<html") || strings.Contains(frag.body, "<header") {
		t.Fatal("load-more returned a whole page")
	}
	if diff := cmp.Diff(page2, rowIDs(frag)); diff != "" {
		t.Fatalf("fragment rows (-page 2 +got):\n%s", diff)
	}
	if frag.find("load-more-row").Length() != 1 {
		t.Error("fragment has no next load-more row")
	}
	// The fragment's rows have the page's columns.
	if n := frag.find("group-row").First().Children().Length(); n != 6 {
		t.Errorf("a fragment row has %d cells, want the page's 6", n)
	}
	if got, _ := frag.find("load-more-row").Find("td").Attr("colspan"); got != "6" {
		t.Errorf("load-more row spans %q columns, want 6", got)
	}
	// The pager is replaced out of band, wrapped in a template for the
	// parser, and names the rows now shown.
	if !strings.Contains(frag.body, `<template><nav class="pager" id="pager"`) || !strings.Contains(frag.body, `hx-swap-oob="true"`) {
		t.Error("fragment lacks the out-of-band pager")
	}
	if got := frag.text("pager-page"); got != "Groups 1–20" {
		t.Errorf("after Load more the pager says %q, want Groups 1–20", got)
	}
	if frag.find("pager-prev").Length() != 0 {
		t.Error("the grown list starts at the first page but offers Previous")
	}

	// The pushed address shows the same rows on reload (or Back).
	reload := e.get(push)
	if diff := cmp.Diff(append(slices.Clone(page1), page2...), rowIDs(reload)); diff != "" {
		t.Fatalf("reloading %s (-pages 1 and 2 +got):\n%s", push, diff)
	}
	if got := reload.text("pager-page"); got != "Groups 1–20" {
		t.Errorf("reloaded pager says %q", got)
	}
	// And Load more again from the fragment: three pages, in the address.
	more2 := frag.find("load-more")
	frag2 := e.get(more2.AttrOr("hx-get", ""), "HX-Request", "true")
	if diff := cmp.Diff(page3, rowIDs(frag2)); diff != "" {
		t.Fatalf("second load-more rows (-page 3 +got):\n%s", diff)
	}
	if got := frag2.text("pager-page"); got != "Groups 1–30" {
		t.Errorf("after two Load mores the pager says %q", got)
	}
	reload3 := e.get(more2.AttrOr("hx-push-url", ""))
	if diff := cmp.Diff(append(append(slices.Clone(page1), page2...), page3...), rowIDs(reload3)); diff != "" {
		t.Fatalf("reloading three pages (-want +got):\n%s", diff)
	}
	// Next after the grown list is page 4, numbered so.
	p4 := e.get(reload3.find("pager-next").AttrOr("href", ""))
	if got := p4.text("pager-page"); got != "Groups 31–40" {
		t.Errorf("the page after three pages says %q", got)
	}
	if back := e.get(p4.find("pager-prev").AttrOr("href", "")); !slices.Equal(rowIDs(back), page3) {
		t.Errorf("Previous from page 4 is not page 3")
	}

	// Without JavaScript the same link is a plain page.
	plain := e.get(href)
	if diff := cmp.Diff(page2, rowIDs(plain)); diff != "" {
		t.Fatalf("plain load-more link (-page 2 +got):\n%s", diff)
	}
	if plain.find("groups-table").Length() != 1 {
		t.Fatal("plain link did not render the page")
	}
}

// The toolbar is one row of small forms; rows-per-page applies on change
// with JavaScript (data-autosubmit, app.js) and keeps its button for pages
// without.
func TestGroupListToolbar(t *testing.T) {
	e := newEnv(t).login()
	p := e.get("/groups")
	bar := p.find("list-toolbar")
	if n := bar.Find("form").Length(); n != 3 {
		t.Fatalf("the toolbar has %d forms, want 3 (jump, user, rows per page)", n)
	}
	if _, ok := bar.Find(`[data-testid="page-size"]`).Attr("data-autosubmit"); !ok {
		t.Error("rows per page does not apply on change")
	}
	if !bar.Find(`[data-testid="page-size-submit"]`).HasClass("js-hidden") {
		t.Error("the rows-per-page button shows with JavaScript too")
	}
	if p.doc.Find(".toolbar").Length() != 0 {
		t.Error("boxed toolbar forms are still on the list")
	}
}

func TestGroupListLastPage(t *testing.T) {
	e := newEnv(t).login()
	// The demo has a few hundred groups: follow Next to the last page.
	p := e.get("/groups?limit=100")
	for i := 0; p.find("pager-next").Length() != 0; i++ {
		if i == 20 {
			t.Fatal("more than 20 pages of 100 demo groups: the pager never ends")
		}
		p = e.get(p.find("pager-next").AttrOr("href", ""))
		wantStatus(t, p, http.StatusOK)
	}
	if p.find("load-more").Length() != 0 {
		t.Fatal("the last page offers more")
	}
	if p.find("group-row").Length() == 0 {
		t.Fatal("the last page is empty")
	}
}

func TestGroupJump(t *testing.T) {
	e := newEnv(t).login()
	ids, _ := pageOfIDs(t, e, 1, "")

	p := e.get("/groups/jump?id=" + url.QueryEscape(" "+ids[0]+" "))
	wantStatus(t, p, http.StatusSeeOther)
	if got := p.Header.Get("Location"); got != "/groups/"+ids[0] {
		t.Fatalf("found: Location = %q", got)
	}

	p = e.get("/groups/jump?id=99999999999")
	wantStatus(t, p, http.StatusSeeOther)
	if got := p.Header.Get("Location"); got != "/groups" {
		t.Fatalf("unknown: Location = %q", got)
	}
	list := e.follow(p)
	if got := list.text("flash"); got != "There is no group with ID 99999999999." {
		t.Fatalf("unknown id flash = %q", got)
	}

	p = e.get("/groups/jump?id=")
	if got := e.follow(p).text("flash"); got != "Enter a group ID to go to." {
		t.Fatalf("empty id flash = %q", got)
	}

	p = e.get("/groups/jump?id=" + url.QueryEscape("../etc"))
	wantStatus(t, p, http.StatusSeeOther)
	if got := e.follow(p).text("flash"); !strings.Contains(got, "is not a group ID") {
		t.Fatalf("invalid id flash = %q", got)
	}
}
