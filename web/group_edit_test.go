package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"
)

// editForm reads the edit form as a browser would submit it unchanged.
func editForm(t *testing.T, p *page) url.Values {
	t.Helper()
	v := url.Values{}
	p.find("group-form").Find("input, textarea").Each(func(_ int, s *goquery.Selection) {
		name := s.AttrOr("name", "")
		if name == "" {
			return
		}
		switch s.AttrOr("type", "") {
		case "checkbox", "radio":
			if _, ok := s.Attr("checked"); ok {
				v.Add(name, s.AttrOr("value", "on"))
			}
		default:
			if goquery.NodeName(s) == "textarea" {
				v.Add(name, strings.ReplaceAll(s.Text(), "\n", "\r\n"))
			} else if s.AttrOr("type", "") == "text" {
				// A one-line input cannot hold a line break: browsers drop them.
				v.Add(name, strings.NewReplacer("\r", "", "\n", "").Replace(s.AttrOr("value", "")))
			} else {
				v.Add(name, s.AttrOr("value", ""))
			}
		}
	})
	return v
}

func TestGroupEditSendsOnlyChangedFields(t *testing.T) {
	e := newEnv(t).login()
	id, _ := newTestGroup(t, e)

	e.rec.reset()
	p := e.get("/groups/" + id + "/edit")
	wantStatus(t, p, http.StatusOK)
	if n := len(e.upstreamCalls()); n != 1 {
		t.Errorf("edit form made %d calls", n)
	}
	if got := p.find("input-groupname").AttrOr("value", ""); got != "Detail <b>test</b> TestGroupEditSendsOnlyChangedFields" {
		t.Errorf("groupname value %q", got)
	}
	if got := p.find("input-description").Text(); got != "Line one\nLine two" {
		t.Errorf("description %q", got)
	}
	form := editForm(t, p)
	form.Set("groupname", "Renamed")
	form.Set("maxusers", "60")
	form.Del("membersonly") // unchecked

	e.rec.reset()
	res := e.post("/groups/"+id, form)
	wantStatus(t, res, http.StatusSeeOther)
	// One read of the current values (see TestGroupEditConflict), one PUT.
	calls := e.upstreamCalls()
	if len(calls) != 2 || calls[0].Method != http.MethodGet || calls[1].Method != http.MethodPut {
		t.Fatalf("update made calls %v, want a GET and a PUT", calls)
	}
	var sent map[string]any
	if err := json.Unmarshal([]byte(calls[1].Body), &sent); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"groupname": "Renamed", "maxusers": 60.0, "membersonly": false}
	if diff := cmp.Diff(want, sent); diff != "" {
		t.Errorf("PUT body (-want +got):\n%s", diff)
	}
	if got := res.Header.Get("Location"); got != "/groups/"+id {
		t.Errorf("Location = %q", got)
	}
	detail := e.follow(res)
	if got := detail.text("flash"); got != "Group “Renamed” updated" {
		t.Errorf("flash = %q", got)
	}
	if got := detail.text("detail-maxusers"); got != "60" {
		t.Errorf("maxusers after edit %q", got)
	}
	if got := detail.text("detail-membersonly"); got != "No" {
		t.Errorf("membersonly after edit %q", got)
	}
	if got := detail.text("detail-description"); got != "Line one\nLine two" {
		t.Errorf("description changed: %q", got)
	}
}

func TestGroupEditEachField(t *testing.T) {
	e := newEnv(t).login()
	id, _ := newTestGroup(t, e)
	p := e.get("/groups/" + id + "/edit")
	base := editForm(t, p)
	for _, tc := range []struct {
		field, value string
		want         any
	}{
		{"description", "New\r\ndescription", "New\ndescription"},
		{"custom", "", ""},
		{"public", "true", true},
		{"allowinvites", "", false},
		{"invite_need_confirm", "true", true},
	} {
		form := url.Values{}
		for k, v := range base {
			form[k] = append([]string(nil), v...)
		}
		if tc.value == "" {
			form.Del(tc.field)
			if tc.field == "custom" {
				form.Set("custom", "")
			}
		} else {
			form.Set(tc.field, tc.value)
		}
		e.rec.reset()
		wantStatus(t, e.post("/groups/"+id, form), http.StatusSeeOther)
		calls := e.upstreamCalls()
		if len(calls) != 2 {
			t.Fatalf("%s: calls %v", tc.field, calls)
		}
		var sent map[string]any
		_ = json.Unmarshal([]byte(calls[1].Body), &sent)
		if diff := cmp.Diff(map[string]any{tc.field: tc.want}, sent); diff != "" {
			t.Errorf("%s: PUT body (-want +got):\n%s", tc.field, diff)
		}
		// Put it back as the base for the next case.
		base = editForm(t, e.get("/groups/"+id+"/edit"))
	}
}

func TestGroupEditNoChanges(t *testing.T) {
	e := newEnv(t).login()
	id, _ := newTestGroup(t, e)
	form := editForm(t, e.get("/groups/"+id+"/edit"))
	e.rec.reset()
	p := e.post("/groups/"+id, form)
	wantStatus(t, p, http.StatusSeeOther)
	if calls := e.upstreamCalls(); len(calls) != 0 {
		t.Fatalf("no-change edit made calls %v", calls)
	}
	if got := e.follow(p).text("flash"); got != "No changes to save." {
		t.Errorf("flash = %q", got)
	}
}

func TestGroupEditValidation(t *testing.T) {
	e := newEnv(t).login()
	id, _ := newTestGroup(t, e)
	base := editForm(t, e.get("/groups/"+id+"/edit"))
	for _, tc := range []struct {
		field, value, want string
	}{
		{"maxusers", "3", "The group already has 4 members; the maximum cannot be lower than that."},
		{"maxusers", "x", "Enter a whole number from 1 to 2000."},
		{"groupname", "", "Enter a name for the group."},
		{"description", strings.Repeat("d", 513), "Use at most 512 characters (this has 513)."},
	} {
		form := url.Values{}
		for k, v := range base {
			form[k] = v
		}
		form.Set(tc.field, tc.value)
		e.rec.reset()
		p := e.post("/groups/"+id, form)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if len(e.upstreamCalls()) != 0 {
			t.Errorf("%s=%q was sent", tc.field, tc.value)
		}
		if got := p.text("error-" + tc.field); got != tc.want {
			t.Errorf("error-%s = %q, want %q", tc.field, got, tc.want)
		}
		if tc.field != "description" {
			if got := p.find("input-"+tc.field).AttrOr("value", ""); got != tc.value {
				t.Errorf("%s not kept: %q", tc.field, got)
			}
		}
		// The originals survive the round trip, so a fixed form still diffs right.
		if got := p.doc.Find(`input[name="orig_maxusers"]`).AttrOr("value", ""); got != "50" {
			t.Errorf("orig_maxusers = %q", got)
		}
	}
}

func TestGroupEditMaxUsersBelowCountFromAgora(t *testing.T) {
	// The hidden member count is stale (members joined since the form was
	// rendered): Agora's own refusal lands next to the field.
	e := newEnv(t).login()
	id, _ := newTestGroup(t, e)
	form := editForm(t, e.get("/groups/"+id+"/edit"))
	form.Set("member_count", "1")
	form.Set("maxusers", "2")
	p := e.post("/groups/"+id, form)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if got, want := p.text("error-maxusers"), "The group has more members than this maximum; choose a larger number."; got != want {
		t.Fatalf("error-maxusers = %q, want %q", got, want)
	}
	if v := p.find("input-maxusers").AttrOr("value", ""); v != "2" {
		t.Errorf("maxusers not kept: %q", v)
	}
}

func TestGroupEditGone(t *testing.T) {
	e := newEnv(t).login()
	id, _ := newTestGroup(t, e)
	form := editForm(t, e.get("/groups/"+id+"/edit"))
	if _, err := e.client.Groups.Delete(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	form.Set("groupname", "Too late")
	p := e.post("/groups/"+id, form)
	wantStatus(t, p, http.StatusNotFound)
	if got := p.text("form-error"); got != "This group no longer exists." {
		t.Errorf("form-error = %q", got)
	}
	wantStatus(t, e.get("/groups/"+id+"/edit"), http.StatusNotFound)
}
