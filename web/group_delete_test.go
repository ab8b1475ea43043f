package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"groupdesk/agora"
)

func TestGroupDeleteConfirmPageWithoutJS(t *testing.T) {
	e := newEnv(t).login()
	id, req := newTestGroup(t, e)

	detail := e.get("/groups/" + id)
	del := detail.find("delete-group")
	if href := del.AttrOr("href", ""); href != "/groups/"+id+"/delete" {
		t.Fatalf("Delete link href %q", href)
	}
	if del.AttrOr("hx-get", "") != "/groups/"+id+"/delete" || del.AttrOr("hx-target", "") != "#dialog-slot" {
		t.Errorf("Delete link htmx attributes: %v", del.Nodes[0].Attr)
	}

	e.rec.reset()
	p := e.get("/groups/" + id + "/delete")
	wantStatus(t, p, http.StatusOK)
	if n := len(e.upstreamCalls()); n != 1 {
		t.Errorf("confirmation made %d calls", n)
	}
	if p.find("delete-page").Length() != 1 || p.find("delete-dialog").Length() != 0 {
		t.Fatal("no JS: want the full confirmation page, not the dialog")
	}
	if got := p.text("delete-title"); got != "Delete the group “"+req.GroupName+"”?" {
		t.Errorf("delete-title = %q", got)
	}
	if got := p.text("delete-description"); !strings.Contains(got, id) || !strings.Contains(got, " 4 members") {
		t.Errorf("delete-description = %q", got)
	}
	form := p.find("delete-confirm").Closest("form")
	if form.AttrOr("method", "") != "post" || form.AttrOr("action", "") != "/groups/"+id+"/delete" {
		t.Errorf("confirm form method=%q action=%q", form.AttrOr("method", ""), form.AttrOr("action", ""))
	}
	if form.Find(`input[name="_csrf"]`).AttrOr("value", "") == "" {
		t.Error("confirm form has no CSRF token")
	}
	if p.find("delete-cancel").AttrOr("href", "") != "/groups/"+id {
		t.Error("Cancel does not lead back to the group")
	}
	if !strings.Contains(p.find("delete-confirm").AttrOr("class", ""), "btn-danger") {
		t.Error("confirm button is not the red destructive button")
	}
}

func TestGroupDeleteDialogFragment(t *testing.T) {
	e := newEnv(t).login()
	id, req := newTestGroup(t, e)
	p := e.get("/groups/"+id+"/delete", "HX-Request", "true")
	wantStatus(t, p, http.StatusOK)
	if strings.Contains(p.body, "<html") {
		t.Fatal("htmx got a whole page")
	}
	dlg := p.find("delete-dialog")
	if dlg.Length() != 1 || goquery.NodeName(dlg) != "dialog" {
		t.Fatalf("no <dialog>: %s", p.body)
	}
	if _, ok := dlg.Attr("data-modal"); !ok {
		t.Error("dialog lacks data-modal (app.js opens it)")
	}
	if !strings.Contains(p.text("delete-title"), req.GroupName) {
		t.Errorf("dialog does not name the group: %q", p.text("delete-title"))
	}
	cancel := p.find("delete-cancel")
	if _, ok := cancel.Attr("autofocus"); !ok {
		t.Error("Cancel is not focused")
	}
	if cancel.Closest("form").AttrOr("method", "") != "dialog" {
		t.Error("Cancel does not close the dialog natively")
	}
	if p.find("delete-confirm").Closest("form").Find(`input[name="_csrf"]`).Length() != 1 {
		t.Error("dialog form has no CSRF token")
	}
}

func TestGroupDelete(t *testing.T) {
	e := newEnv(t).login()
	id, req := newTestGroup(t, e)
	e.rec.reset()
	p := e.post("/groups/"+id+"/delete", url.Values{"name": {req.GroupName}})
	wantStatus(t, p, http.StatusSeeOther)
	// One GET reads the group as it is at deletion for the audit record.
	calls := e.upstreamCalls()
	if len(calls) != 2 || calls[0].Method != http.MethodGet || calls[1].Method != http.MethodDelete {
		t.Fatalf("delete made calls %v, want a GET and a DELETE", calls)
	}
	if got := p.Header.Get("Location"); got != "/groups" {
		t.Fatalf("Location = %q", got)
	}
	list := e.get("/groups?limit=100")
	if got := list.text("flash"); got != "Group “"+req.GroupName+"” deleted" {
		t.Errorf("flash = %q", got)
	}
	if list.doc.Find(`[data-testid="group-row"][data-group-id="`+id+`"]`).Length() != 0 {
		t.Error("deleted group still listed")
	}
	if _, _, err := e.client.Groups.GetOne(context.Background(), id); !errors.Is(err, agora.ErrNotFound) {
		t.Errorf("group still in the sandbox: %v", err)
	}

	// Deleting it again (a second tab, a double click) is not an error.
	p = e.post("/groups/"+id+"/delete", url.Values{"name": {req.GroupName}})
	wantStatus(t, p, http.StatusSeeOther)
	if got := e.follow(p).text("flash"); got != "This group no longer exists." {
		t.Errorf("already-deleted flash = %q", got)
	}
	// And its confirmation page is a friendly 404.
	gone := e.get("/groups/" + id + "/delete")
	wantStatus(t, gone, http.StatusNotFound)
	if got := gone.text("error-message"); !strings.Contains(got, "may have been deleted") {
		t.Errorf("error-message = %q", got)
	}
}
