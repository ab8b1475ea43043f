package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"groupdesk/agora"
)

// TestNamesThatLieAreRefused: characters that hide or reorder text, and
// bytes that are not UTF-8, are refused next to their field instead of
// being sent (or silently replaced).
func TestNamesThatLieAreRefused(t *testing.T) {
	e := newEnv(t).login()
	base := url.Values{"owner": {"alice"}, "maxusers": {"200"}, "groupname": {"Fine name"}, "description": {"Line one\r\nLine two\tand a tab"}}
	tests := []struct {
		field, value string
	}{
		{"groupname", "NUL\x00name"},
		{"groupname", "line1\nline2"},
		{"groupname", "bell\x07"},
		{"groupname", "C1\u0085x"},
		{"groupname", "invoice_\u202Egpj.exe"}, // right-to-left override
		{"groupname", "isolate\u2066x\u2069"},
		{"groupname", "bad \xff\xfe utf-8"},
		{"description", "NUL\x00"},
		{"description", "escape \x1b[31m red"},
		{"description", "embed \u202A x \u202C"},
		{"description", "bad \xc3\x28"},
	}
	for _, tt := range tests {
		t.Run(tt.field+" "+url.QueryEscape(tt.value), func(t *testing.T) {
			form := url.Values{}
			for k, v := range base {
				form[k] = v
			}
			form.Set(tt.field, tt.value)
			e.rec.reset()
			p := e.post("/groups", form)
			wantStatus(t, p, http.StatusUnprocessableEntity)
			if calls := e.upstreamCalls(); len(calls) != 0 {
				t.Errorf("sent to Agora: %v", calls)
			}
			if p.text("error-"+tt.field) == "" {
				t.Errorf("no message next to %s", tt.field)
			}
		})
	}
	// What a description may hold: line breaks and tabs.
	e.rec.reset()
	wantStatus(t, e.post("/groups", base), http.StatusSeeOther)
}

// TestNamesFromAgoraShownWithMarkers: a name Agora holds with hidden
// characters is shown with a visible marker for each.
func TestNamesFromAgoraShownWithMarkers(t *testing.T) {
	e := newEnv(t).login()
	id := e.createGroup(&agora.CreateGroupRequest{GroupName: "line1\nline2 \u202Efdp.exe", Description: "a\x00b\nc", Owner: "alice", MaxUsers: agora.Int(10)})
	p := e.get("/groups/" + id)
	wantStatus(t, p, http.StatusOK)
	name := p.find("detail-name")
	if got := name.Text(); got != "line1␊line2 ⟨U+202E⟩fdp.exe" {
		t.Errorf("detail-name text %q", got)
	}
	if n := name.Find(".hidden-char").Length(); n != 2 {
		t.Errorf("detail-name has %d marked characters, want 2", n)
	}
	if strings.ContainsRune(p.body, '\u202E') {
		t.Error("the page carries the raw override character")
	}
	desc := p.find("detail-description")
	if got := desc.Text(); got != "a␀b\nc" {
		t.Errorf("detail-description %q", got)
	}
}

// TestUnrelatedEditKeepsHiddenCharacters: editing one field sends that
// field only, even when another holds characters a form field cannot carry
// (a one-line input drops line breaks, HTML turns NUL into U+FFFD).
func TestUnrelatedEditKeepsHiddenCharacters(t *testing.T) {
	e := newEnv(t).login()
	id := e.createGroup(&agora.CreateGroupRequest{GroupName: "line1\nline2", Description: "\nstarts with a newline \x00 and NUL", Owner: "alice", MaxUsers: agora.Int(10), Custom: agora.String("c\rr")})
	edit := e.get("/groups/" + id + "/edit")
	if got := edit.find("hidden-chars-groupname").Find(".hidden-char").Text(); got != "␊" {
		t.Errorf("the edit form does not show the name's hidden line break: %q", got)
	}
	form := editForm(t, edit)
	form.Set("maxusers", "11")
	e.rec.reset()
	p := e.post("/groups/"+id, form)
	wantStatus(t, p, http.StatusSeeOther)
	var puts []map[string]any
	for _, c := range e.upstreamCalls() {
		if c.Method == http.MethodPut {
			var sent map[string]any
			_ = json.Unmarshal([]byte(c.Body), &sent)
			puts = append(puts, sent)
		}
	}
	if diff := cmp.Diff([]map[string]any{{"maxusers": 11.0}}, puts); diff != "" {
		t.Errorf("PUT bodies (-want +got):\n%s", diff)
	}
	g, _, err := e.client.Groups.GetOne(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != "line1\nline2" || g.Description != "\nstarts with a newline \x00 and NUL" {
		t.Errorf("name %q, description %q after an unrelated edit", g.Name, g.Description)
	}
}
