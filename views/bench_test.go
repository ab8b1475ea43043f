package views

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/a-h/templ"
)

func benchPage() Page {
	return Page{
		L: NewLocalizer(English), Title: "Groups", Nav: NavGroups, User: "admin",
		CSRF: "x8Zb2mE4v1yqjHcQeTn0aLpK7sRwD3fUoGiM5NtY9Ck", Mode: "agora",
		Assets: Assets{CSS: "/static/css/app.css?v=1", HTMX: "/static/js/htmx.min.js?v=1", App: "/static/js/app.js?v=1"},
		Here:   "/groups",
	}
}

// benchRender renders c over and over into one reused buffer, as the
// server's render helper does with templ's buffer pool.
func benchRender(b *testing.B, c templ.Component) {
	var buf bytes.Buffer
	ctx := context.Background()
	if err := c.Render(ctx, &buf); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := c.Render(ctx, &buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGroupDetailPage2000 renders the detail page of a group of 2,000.
func BenchmarkGroupDetailPage2000(b *testing.B) {
	d := GroupDetail{
		ID: "1700000000999999", Name: "Big group 大群", Description: "two thousand members", Owner: "owner",
		OwnerURL: "/users/owner/groups", Created: time.Unix(1_699_000_000, 0), MaxUsers: 2000, MemberCount: 2000,
		URL: "/groups/1700000000999999", EditURL: "/groups/1700000000999999/edit",
		DeleteURL: "/groups/1700000000999999/delete", CSVURL: "/groups/1700000000999999/members.csv",
	}
	d.MemberURL = func(u string) templ.SafeURL { return templ.SafeURL("/users/" + u + "/groups") }
	d.Members = append(d.Members, Member{Username: "owner", Owner: true})
	for i := 1; i < 2000; i++ {
		d.Members = append(d.Members, Member{Username: fmt.Sprintf("bulk.member%05d", i)})
	}
	benchRender(b, GroupDetailPage(benchPage(), d))
}

// BenchmarkGroupListPage50 renders the list page with 50 rows.
func BenchmarkGroupListPage50(b *testing.B) {
	d := GroupList{Limit: 50, PageSizes: []int{10, 25, 50, 100}, FirstRow: 1, LastRow: 50,
		NextURL: "/groups?cursor=abc&limit=50"}
	for i := range 50 {
		id := fmt.Sprint(1700000000000000 + i)
		d.Rows = append(d.Rows, GroupRow{
			ID: id, Name: fmt.Sprintf("Group %d 群组 <%d>", i, i%7), Owner: "owner", Members: 3 + i,
			URL: templ.SafeURL("/groups/" + id), LastModified: time.Unix(1_700_000_000+int64(i)*60, 0),
			EditURL: templ.SafeURL("/groups/" + id + "/edit"), DeleteURL: templ.SafeURL("/groups/" + id + "/delete"),
			OwnerURL: "/users/owner/groups",
		})
	}
	benchRender(b, GroupListPage(benchPage(), d))
}

// BenchmarkT is one message lookup, which pages do hundreds of times.
func BenchmarkT(b *testing.B) {
	l := NewLocalizer(Chinese)
	b.ReportAllocs()
	for b.Loop() {
		_ = l.T("common.edit")
	}
}

// BenchmarkN is one counted message.
func BenchmarkN(b *testing.B) {
	l := NewLocalizer(English)
	b.ReportAllocs()
	for b.Loop() {
		_ = l.N("count.members", 3)
	}
}
