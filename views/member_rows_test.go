package views

import (
	"context"
	"fmt"
	"html"
	"strings"
	"testing"

	"github.com/a-h/templ"
)

// TestMemberRowsMarkup pins the rows memberRows writes to the markup the
// templ loop it replaced wrote (captured from it), escaping included.
func TestMemberRowsMarkup(t *testing.T) {
	d := GroupDetail{
		MemberURL: func(u string) templ.SafeURL { return templ.SafeURL("/users/" + u + "/groups?x=1&y='2'") },
		Members:   []Member{{"boss", true}, {`a&b"c`, false}, {"<script>", false}, {"名字", false}},
	}
	want := `<tr data-testid="member-row" data-username="boss"><td data-testid="member-username"><a href="/users/boss/groups?x=1&amp;y=&#39;2&#39;">boss</a></td><td><span class="badge badge-owner" data-testid="badge-owner">Owner</span></td></tr>` +
		`<tr data-testid="member-row" data-username="a&amp;b&#34;c"><td data-testid="member-username"><a href="/users/a&amp;b&#34;c/groups?x=1&amp;y=&#39;2&#39;">a&amp;b&#34;c</a></td><td><span class="badge badge-member" data-testid="badge-member">Member</span></td></tr>` +
		`<tr data-testid="member-row" data-username="&lt;script&gt;"><td data-testid="member-username"><a href="/users/&lt;script&gt;/groups?x=1&amp;y=&#39;2&#39;">&lt;script&gt;</a></td><td><span class="badge badge-member" data-testid="badge-member">Member</span></td></tr>` +
		`<tr data-testid="member-row" data-username="名字"><td data-testid="member-username"><a href="/users/名字/groups?x=1&amp;y=&#39;2&#39;">名字</a></td><td><span class="badge badge-member" data-testid="badge-member">Member</span></td></tr>`
	var b strings.Builder
	if err := memberRows(Page{L: NewLocalizer(English)}, d).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if b.String() != want {
		t.Errorf("rows:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	if err := memberRows(Page{L: NewLocalizer(Chinese)}, d).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `data-testid="badge-owner">群主</span>`) {
		t.Errorf("Chinese rows do not use the catalogue: %s", b.String())
	}
}

// appendEscaped escapes as html.EscapeString, which templ uses.
func TestAppendEscapedMatchesHTMLEscape(t *testing.T) {
	for _, s := range []string{"", "plain", `<a href="x">&'</a>`, "名字&名字", "&&", `'"'`, "trailing<"} {
		if got, want := string(appendEscaped([]byte("pre:"), s)), "pre:"+html.EscapeString(s); got != want {
			t.Errorf("%q: %q, want %q", s, got, want)
		}
	}
}

// Many rows still arrive whole, in order, across batches.
func TestMemberRowsManyRows(t *testing.T) {
	d := GroupDetail{MemberURL: func(u string) templ.SafeURL { return templ.SafeURL("/users/" + u + "/groups") }}
	for i := range 2000 {
		d.Members = append(d.Members, Member{Username: fmt.Sprintf("m%05d", i)})
	}
	var b strings.Builder
	if err := memberRows(Page{L: NewLocalizer(English)}, d).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), `<tr data-testid="member-row"`); n != 2000 {
		t.Fatalf("%d rows", n)
	}
	if i, j := strings.Index(b.String(), `"m00000"`), strings.Index(b.String(), `"m01999"`); i < 0 || j < i {
		t.Errorf("rows out of order")
	}
}
