package views

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestGroupRowMarkup pins the rows groupRow writes (first captured from the
// templ component it replaced; since then with the bulk-delete checkbox and
// the relative time), escaping, hidden characters, a missing name and a
// missing time included.
func TestGroupRowMarkup(t *testing.T) {
	rows := []GroupRow{
		{ID: "1700000000000001", Name: "Group <1> & \"q\" 群组", Owner: "owner's", Members: 1234, LastModified: time.UnixMilli(1700000000000), URL: "/groups/1700000000000001", EditURL: "/groups/1/edit", DeleteURL: "/groups/1/delete", OwnerURL: "/users/owner%27s/groups"},
		{ID: "2", Name: "", Owner: "o", Members: 3, URL: "/groups/2", EditURL: "/e", DeleteURL: "/d", OwnerURL: "/u"},
		{ID: "3", Name: "gpj\u202eexe\x01", Owner: "o", Members: 0, LastModified: time.UnixMilli(1), URL: "/groups/3", EditURL: "/e3", DeleteURL: "/d3", OwnerURL: "/u3"},
		{ID: "4<", Name: "x&y", Owner: "<o>", Members: 1000000, LastModified: time.UnixMilli(1), URL: "/groups/4?a=1&b='2'", EditURL: "/e4", DeleteURL: "/d4\"", OwnerURL: "/u4"},
	}
	want := []string{
		"<tr data-testid=\"group-row\" data-group-id=\"1700000000000001\"><td class=\"id\" data-testid=\"group-id\">1700000000000001</td><td data-testid=\"group-name\"><a href=\"/groups/1700000000000001\" data-testid=\"group-link\">Group &lt;1&gt; &amp; &#34;q&#34; 群组</a></td><td data-testid=\"group-owner\"><a href=\"/users/owner%27s/groups\">owner&#39;s</a></td><td class=\"num\" data-testid=\"group-members\">1,234</td><td data-testid=\"group-modified\"><time datetime=\"2023-11-14T22:13:20Z\" title=\"Nov 14, 2023, 22:13:20 UTC\" data-testid=\"group-modified-time\">Nov 14, 2023, 22:13 UTC</time></td><td class=\"actions\"><input type=\"checkbox\" name=\"group\" value=\"1700000000000001\" form=\"groups-delete\" id=\"groups-delete-1700000000000001\" data-testid=\"select-group\"> <label for=\"groups-delete-1700000000000001\" class=\"visually-hidden\">Select group 1700000000000001</label><a href=\"/groups/1/edit\" class=\"btn btn-small\" data-testid=\"group-edit\">Edit<span class=\"visually-hidden\">Group &lt;1&gt; &amp; &#34;q&#34; 群组</span></a> <a href=\"/groups/1/delete\" class=\"btn btn-small btn-danger\" hx-get=\"/groups/1/delete\" hx-target=\"#dialog-slot\" hx-swap=\"innerHTML\" data-testid=\"group-delete\">Delete<span class=\"visually-hidden\">Group &lt;1&gt; &amp; &#34;q&#34; 群组</span></a></td></tr>",
		"<tr data-testid=\"group-row\" data-group-id=\"2\"><td class=\"id\" data-testid=\"group-id\">2</td><td data-testid=\"group-name\"><a href=\"/groups/2\" data-testid=\"group-link\"><span class=\"muted\">(no name)</span></a></td><td data-testid=\"group-owner\"><a href=\"/u\">o</a></td><td class=\"num\" data-testid=\"group-members\">3</td><td data-testid=\"group-modified\"><span class=\"muted\" data-testid=\"group-modified-time\">—</span></td><td class=\"actions\"><input type=\"checkbox\" name=\"group\" value=\"2\" form=\"groups-delete\" id=\"groups-delete-2\" data-testid=\"select-group\"> <label for=\"groups-delete-2\" class=\"visually-hidden\">Select group 2</label><a href=\"/e\" class=\"btn btn-small\" data-testid=\"group-edit\">Edit<span class=\"visually-hidden\"></span></a> <a href=\"/d\" class=\"btn btn-small btn-danger\" hx-get=\"/d\" hx-target=\"#dialog-slot\" hx-swap=\"innerHTML\" data-testid=\"group-delete\">Delete<span class=\"visually-hidden\"></span></a></td></tr>",
		"<tr data-testid=\"group-row\" data-group-id=\"3\"><td class=\"id\" data-testid=\"group-id\">3</td><td data-testid=\"group-name\"><a href=\"/groups/3\" data-testid=\"group-link\">gpj<span class=\"hidden-char\" title=\"U+202E\">⟨U+202E⟩</span>exe<span class=\"hidden-char\" title=\"U+0001\">␁</span></a></td><td data-testid=\"group-owner\"><a href=\"/u3\">o</a></td><td class=\"num\" data-testid=\"group-members\">0</td><td data-testid=\"group-modified\"><time datetime=\"1970-01-01T00:00:00Z\" title=\"Jan 1, 1970, 00:00:00 UTC\" data-testid=\"group-modified-time\">Jan 1, 1970, 00:00 UTC</time></td><td class=\"actions\"><input type=\"checkbox\" name=\"group\" value=\"3\" form=\"groups-delete\" id=\"groups-delete-3\" data-testid=\"select-group\"> <label for=\"groups-delete-3\" class=\"visually-hidden\">Select group 3</label><a href=\"/e3\" class=\"btn btn-small\" data-testid=\"group-edit\">Edit<span class=\"visually-hidden\">gpj⟨U+202E⟩exe␁</span></a> <a href=\"/d3\" class=\"btn btn-small btn-danger\" hx-get=\"/d3\" hx-target=\"#dialog-slot\" hx-swap=\"innerHTML\" data-testid=\"group-delete\">Delete<span class=\"visually-hidden\">gpj⟨U+202E⟩exe␁</span></a></td></tr>",
		"<tr data-testid=\"group-row\" data-group-id=\"4&lt;\"><td class=\"id\" data-testid=\"group-id\">4&lt;</td><td data-testid=\"group-name\"><a href=\"/groups/4?a=1&amp;b=&#39;2&#39;\" data-testid=\"group-link\">x&amp;y</a></td><td data-testid=\"group-owner\"><a href=\"/u4\">&lt;o&gt;</a></td><td class=\"num\" data-testid=\"group-members\">1,000,000</td><td data-testid=\"group-modified\"><time datetime=\"1970-01-01T00:00:00Z\" title=\"Jan 1, 1970, 00:00:00 UTC\" data-testid=\"group-modified-time\">Jan 1, 1970, 00:00 UTC</time></td><td class=\"actions\"><input type=\"checkbox\" name=\"group\" value=\"4&lt;\" form=\"groups-delete\" id=\"groups-delete-4&lt;\" data-testid=\"select-group\"> <label for=\"groups-delete-4&lt;\" class=\"visually-hidden\">Select group 4&lt;</label><a href=\"/e4\" class=\"btn btn-small\" data-testid=\"group-edit\">Edit<span class=\"visually-hidden\">x&amp;y</span></a> <a href=\"/d4&#34;\" class=\"btn btn-small btn-danger\" hx-get=\"/d4&#34;\" hx-target=\"#dialog-slot\" hx-swap=\"innerHTML\" data-testid=\"group-delete\">Delete<span class=\"visually-hidden\">x&amp;y</span></a></td></tr>",
	}
	p := Page{L: NewLocalizer(English), CanEdit: true}
	for i, r := range rows {
		var b strings.Builder
		if err := groupRow(p, r).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		if b.String() != want[i] {
			t.Errorf("row %d:\n%s\nwant:\n%s", i, b.String(), want[i])
		}
	}
}
