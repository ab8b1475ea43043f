package views

import (
	"context"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// The membership report's owner-only groups carry checkboxes of a
// bulk-delete form for moderators, and none for viewers.
func TestReportOwnerOnlyCheckboxes(t *testing.T) {
	d := ReportPage{Result: &ReportResult{
		OwnerOnly:      []ReportGroup{{ID: "1001", Name: "a", Owner: "x", Members: 1}, {ID: "1002", Owner: "y", Members: 1}},
		OwnerOnlyCount: 2,
		Largest:        []ReportGroup{{ID: "1003", Owner: "z", Members: 9}},
	}}
	for _, canEdit := range []bool{true, false} {
		p := testPage(English)
		p.CanEdit = canEdit
		var b strings.Builder
		if err := ReportBody(p, d).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		doc, _ := goquery.NewDocumentFromReader(strings.NewReader(b.String()))
		form := doc.Find(`form[data-testid="owner-only-delete"]`)
		boxes := doc.Find(`[data-testid="report-owner-only"] input[type="checkbox"][form="owner-only-delete"][name="group"]`)
		largest := doc.Find(`[data-testid="report-largest"] input[type="checkbox"]`)
		if !canEdit {
			if form.Length() != 0 || boxes.Length() != 0 {
				t.Errorf("viewer: %d forms, %d checkboxes", form.Length(), boxes.Length())
			}
			continue
		}
		if form.AttrOr("action", "") != "/groups/bulk-delete" || form.AttrOr("method", "") != "post" || form.Find(`input[name="_csrf"]`).Length() != 1 {
			t.Errorf("moderator: bulk-delete form %q", b.String())
		}
		if boxes.Length() != 2 || boxes.First().AttrOr("value", "") != "1001" || largest.Length() != 0 {
			t.Errorf("moderator: %d owner-only checkboxes, %d on the largest list", boxes.Length(), largest.Length())
		}
	}
}
