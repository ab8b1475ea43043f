package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"groupdesk/web/store"
)

// Disable asks first: the row's button is a link to a confirmation page
// (an htmx dialog with JavaScript); only the confirmation's form disables
// the account.
func TestDisableAccountAsksFirst(t *testing.T) {
	e := newEnv(t).login()
	e.addAccount("d.target", store.RoleViewer)

	row := e.get("/accounts").find("account-row").FilterFunction(func(_ int, s *goquery.Selection) bool {
		return s.AttrOr("data-username", "") == "d.target"
	})
	button := row.Find(`[data-testid="account-disable"]`)
	if goquery.NodeName(button) != "a" {
		t.Fatalf("Disable is a <%s>, want a link to the question", goquery.NodeName(button))
	}
	href := button.AttrOr("href", "")
	if href != "/accounts/d.target/disable" || button.AttrOr("hx-get", "") != href || button.AttrOr("hx-target", "") != "#dialog-slot" {
		t.Errorf("Disable link href=%q hx-get=%q hx-target=%q", href, button.AttrOr("hx-get", ""), button.AttrOr("hx-target", ""))
	}

	for _, tc := range []struct {
		name    string
		headers []string
		testid  string
		cancel  string // the Cancel element
	}{
		{"page without JavaScript", nil, "disable-page", "a"},
		{"dialog for htmx", []string{"HX-Request", "true"}, "disable-dialog", "button"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := e.get(href, tc.headers...)
			wantStatus(t, p, http.StatusOK)
			if p.find(tc.testid).Length() != 1 {
				t.Fatalf("no %s", tc.testid)
			}
			if got := p.text("disable-title"); !strings.Contains(got, "d.target") {
				t.Errorf("title %q does not name the account", got)
			}
			form := p.find("disable-confirm").Closest("form")
			if form.AttrOr("method", "") != "post" || form.AttrOr("action", "") != href || form.Find(`input[name="_csrf"]`).Length() != 1 {
				t.Errorf("confirmation form method=%q action=%q", form.AttrOr("method", ""), form.AttrOr("action", ""))
			}
			if !p.find("disable-confirm").HasClass("btn-danger") {
				t.Errorf("the confirm button does not look destructive")
			}
			if goquery.NodeName(p.find("disable-cancel")) != tc.cancel {
				t.Errorf("cancel is a <%s>", goquery.NodeName(p.find("disable-cancel")))
			}
			if p.find("disable-self").Length() != 0 {
				t.Errorf("warns about one's own account for another's")
			}
		})
	}
	if acc, _ := e.srv.st.Account(t.Context(), "d.target"); acc == nil || acc.Disabled {
		t.Fatalf("asking disabled the account")
	}

	wantStatus(t, e.post(href, nil), http.StatusSeeOther)
	if acc, _ := e.srv.st.Account(t.Context(), "d.target"); acc == nil || !acc.Disabled {
		t.Fatalf("confirming did not disable the account")
	}

	if p := e.get("/accounts/admin/disable"); p.find("disable-self").Length() != 1 {
		t.Errorf("disabling one's own account does not warn")
	}
	wantStatus(t, e.get("/accounts/no.such/disable"), http.StatusNotFound)
}
