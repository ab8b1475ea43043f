package views

import (
	"context"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

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
