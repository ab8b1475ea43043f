package web

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"groupdesk/agora"
	"groupdesk/views"
)

func TestMemberOutcomes(t *testing.T) {
	l := views.NewLocalizer(views.English)
	results := []agora.MemberResult{
		{Username: "ann", OK: true},
		{Username: "bob", Reason: "users [bob] are not members of this group!"},
		{Username: "carl", Reason: "username carl doesn't exist!"},
		{Username: "dee", Reason: "something Agora never said before"},
	}
	got := memberOutcomes(l, results, agora.ReasonNotMember)
	want := []views.MemberOutcome{
		{Username: "ann", Status: views.OutcomeDone},
		{Username: "bob", Status: views.OutcomeAlready, Reason: "Not a member of this group: bob."},
		{Username: "carl", Status: views.OutcomeRefused, Reason: "No user named carl in this app."},
		{Username: "dee", Status: views.OutcomeRefused, Reason: "something Agora never said before"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
}
