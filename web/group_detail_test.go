package web

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"groupdesk/agora"
)

// newTestGroup creates a group with known contents in the shared sandbox.
func newTestGroup(t *testing.T, e *env) (string, *agora.CreateGroupRequest) {
	t.Helper()
	if err := e.sb.CreateUsers(context.Background(), "-minus.user", "alice", "bob", "carol"); err != nil {
		t.Fatal(err)
	}
	req := &agora.CreateGroupRequest{
		GroupName:         "Detail <b>test</b> " + t.Name(),
		Description:       "Line one\nLine two",
		Public:            false,
		MaxUsers:          agora.Int(50),
		AllowInvites:      agora.Bool(true),
		MembersOnly:       agora.Bool(true),
		InviteNeedConfirm: agora.Bool(false),
		Owner:             "alice",
		Members:           []string{"carol", "bob", "-minus.user"},
		Custom:            agora.String(`{"level":3}`),
	}
	return e.createGroup(req), req
}

func TestGroupDetail(t *testing.T) {
	e := newEnv(t).login()
	id, _ := newTestGroup(t, e)

	e.rec.reset()
	p := e.get("/groups/" + id)
	wantStatus(t, p, http.StatusOK)
	if n := len(e.upstreamCalls()); n != 1 {
		t.Errorf("detail page made %d upstream calls, want exactly 1: %v", n, e.upstreamCalls())
	}
	for testid, want := range map[string]string{
		"group-title":                "Detail <b>test</b> TestGroupDetail",
		"detail-id":                  id,
		"detail-description":         "Line one\nLine two",
		"detail-owner":               "alice",
		"detail-public":              "Private",
		"detail-membersonly":         "Yes",
		"detail-allowinvites":        "Yes",
		"detail-invite-need-confirm": "No",
		"detail-maxusers":            "50",
		"detail-custom":              `{"level":3}`,
		"detail-mute":                "No",
		"detail-disabled":            "No",
		"member-count":               "4 / 50",
	} {
		if got := p.text(testid); got != want {
			t.Errorf("%s = %q, want %q", testid, got, want)
		}
	}
	if p.find("detail-created-time").AttrOr("datetime", "") == "" {
		t.Error("created time has no datetime")
	}
	bar := p.find("capacity-bar")
	if bar.AttrOr("max", "") != "50" || bar.AttrOr("value", "") != "4" {
		t.Errorf("capacity bar max=%q value=%q", bar.AttrOr("max", ""), bar.AttrOr("value", ""))
	}
	var members []string
	p.find("member-row").Each(func(_ int, s *goquery.Selection) {
		role := "member"
		if s.Find(`[data-testid="badge-owner"]`).Length() == 1 {
			role = "owner"
		}
		members = append(members, s.AttrOr("data-username", "")+":"+role)
	})
	want := []string{"alice:owner", "-minus.user:member", "bob:member", "carol:member"}
	if diff := cmp.Diff(want, members); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	if n := p.find("badge-member").Length(); n != 3 {
		t.Errorf("%d member badges", n)
	}
	// The filter works as a plain GET form and as an htmx swap.
	filter := p.find("member-filter")
	if filter.AttrOr("name", "") != "q" || filter.AttrOr("hx-get", "") != "/groups/"+id ||
		!strings.Contains(filter.AttrOr("hx-trigger", ""), "input changed delay:200ms") ||
		filter.AttrOr("hx-target", "") != "#member-table" {
		t.Errorf("filter input attributes: %v", filter.Nodes[0].Attr)
	}
}

func TestGroupDetailFilter(t *testing.T) {
	e := newEnv(t).login()
	id, _ := newTestGroup(t, e)

	p := e.get("/groups/" + id + "?q=CA")
	wantStatus(t, p, http.StatusOK)
	if got := p.find("member-row").Length(); got != 1 || p.find("member-row").AttrOr("data-username", "") != "carol" {
		t.Fatalf("q=CA rows: %d", got)
	}
	if v := p.find("member-filter").AttrOr("value", ""); v != "CA" {
		t.Errorf("filter box lost the query: %q", v)
	}
	if got := p.text("member-count"); got != "4 / 50" {
		t.Errorf("count changed by the filter: %q", got)
	}

	e.rec.reset()
	frag := e.get("/groups/"+id+"?q=o", "HX-Request", "true")
	wantStatus(t, frag, http.StatusOK)
	if n := len(e.upstreamCalls()); n != 1 {
		t.Errorf("filter fragment made %d calls", n)
	}
	if strings.Contains(frag.body, "<html") || frag.find("group-facts").Length() != 0 {
		t.Fatal("filter returned more than the member table")
	}
	if frag.find("member-table").Length() != 1 {
		t.Fatal("fragment is not the member table")
	}
	var names []string
	frag.find("member-row").Each(func(_ int, s *goquery.Selection) { names = append(names, s.AttrOr("data-username", "")) })
	if diff := cmp.Diff([]string{"bob", "carol"}, names); diff != "" {
		t.Errorf("q=o (-want +got):\n%s", diff)
	}
	if href := frag.find("members-csv").AttrOr("href", ""); href != "/groups/"+id+"/members.csv?q=o" {
		t.Errorf("CSV link %q does not carry the filter", href)
	}
	// The count is announced through the live region that stays on the page
	// (outside the swapped table), updated out of band.
	oob := frag.doc.Find(`#member-filter-status[hx-swap-oob="innerHTML"]`)
	if oob.Length() != 1 || !strings.Contains(oob.Text(), "2") {
		t.Errorf("fragment lacks the out-of-band live-region update: %q", oob.Text())
	}
	if frag.doc.Find(`#member-table [role="status"]`).Length() != 0 {
		t.Error("a live region inside the swapped table would be replaced, not announced")
	}
	full := e.get("/groups/" + id)
	if live := full.doc.Find(`#member-filter-status[role="status"]`); live.Length() != 1 || live.ParentsFiltered("#member-table").Length() != 0 {
		t.Error("the page has no persistent live region outside the member table")
	}

	none := e.get("/groups/" + id + "?q=zzz")
	if none.find("members-empty").Length() != 1 {
		t.Error("no empty-state row")
	}
}

func TestGroupDetailLargeGroup(t *testing.T) {
	e := newEnv(t).login()
	gs, _, err := e.client.Groups.List(context.Background(), &agora.ListOptions{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var big *agora.GroupSummary
	for _, g := range gs {
		if big == nil || g.MemberCount > big.MemberCount {
			big = g
		}
	}
	if big.MemberCount < 1000 {
		t.Skipf("largest seeded group has only %d members", big.MemberCount)
	}
	p := e.get("/groups/" + big.ID)
	wantStatus(t, p, http.StatusOK)
	if got := p.find("member-row").Length(); got != big.MemberCount {
		t.Fatalf("%d member rows, want %d", got, big.MemberCount)
	}
	if got := p.text("member-count"); !strings.HasPrefix(got, formatThousands(big.MemberCount)+" / ") {
		t.Errorf("member-count = %q", got)
	}
}

func formatThousands(n int) string {
	str := strconv.Itoa(n)
	var out []byte
	for i := range len(str) {
		if i > 0 && (len(str)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, str[i])
	}
	return string(out)
}

func TestGroupDetailNotFound(t *testing.T) {
	e := newEnv(t).login()
	p := e.get("/groups/99999999999")
	wantStatus(t, p, http.StatusNotFound)
	if got := p.text("error-message"); got != "There is no group with ID 99999999999. It may have been deleted." {
		t.Errorf("error-message = %q", got)
	}
	e.rec.reset()
	p = e.get("/groups/not%20an%20id")
	wantStatus(t, p, http.StatusNotFound)
	if n := len(e.upstreamCalls()); n != 0 {
		t.Errorf("a malformed id was sent to Agora")
	}
}

func TestGroupMembersCSV(t *testing.T) {
	e := newEnv(t).login()
	id, _ := newTestGroup(t, e)

	e.rec.reset()
	p := e.get("/groups/" + id + "/members.csv")
	wantStatus(t, p, http.StatusOK)
	if n := len(e.upstreamCalls()); n != 1 {
		t.Errorf("CSV made %d calls", n)
	}
	if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type = %q", ct)
	}
	if cd := p.Header.Get("Content-Disposition"); cd != `attachment; filename="group-`+id+`-members.csv"` {
		t.Errorf("Content-Disposition = %q", cd)
	}
	rows, err := csv.NewReader(strings.NewReader(p.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"group_id", "username", "role"},
		{id, "alice", "owner"},
		{id, "'-minus.user", "member"},
		{id, "bob", "member"},
		{id, "carol", "member"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("CSV (-want +got):\n%s", diff)
	}

	filtered := e.get("/groups/" + id + "/members.csv?q=bo")
	rows, _ = csv.NewReader(strings.NewReader(filtered.body)).ReadAll()
	if len(rows) != 2 || rows[1][1] != "bob" {
		t.Errorf("filtered CSV = %v", rows)
	}
}

func TestCSVCellEscapesFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"=SUM(A1)": "'=SUM(A1)",
		"+1":       "'+1",
		"-1":       "'-1",
		"@cmd":     "'@cmd",
		"\tx":      "'\tx",
		"alice":    "alice",
		"":         "",
		"a=b":      "a=b",
	} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}
