package web

import (
	"encoding/json"

	"groupdesk/agora"
	"groupdesk/views"
)

// setFlashOutcomes is setFlash for an action about several users: the
// next page shows text and, under it, what happened to each user.
func setFlashOutcomes(rs *requestSession, kind, text string, outcomes []views.MemberOutcome) {
	b, _ := json.Marshal(views.Flash{Kind: kind, Text: text, Outcomes: outcomes})
	rs.set(sessFlash, string(b))
}

// memberOutcomes turns a batch call's per-user results into what the
// moderator reads. A refusal whose reason is one of already (for example
// agora.ReasonNotMember when removing) means there was nothing to do: it
// counts as done, shown as "already so".
func memberOutcomes(l views.Localizer, results []agora.MemberResult, already ...agora.Reason) []views.MemberOutcome {
	out := make([]views.MemberOutcome, 0, len(results))
	for _, r := range results {
		o := views.MemberOutcome{Username: r.Username, Status: views.OutcomeDone}
		if !r.OK {
			o.Status = views.OutcomeRefused
			kind := r.Kind()
			for _, a := range already {
				if kind == a {
					o.Status = views.OutcomeAlready
				}
			}
			o.Reason = reasonText(l, kind, r.Username, r.Reason)
		}
		out = append(out, o)
	}
	return out
}

// reasonText is the moderator's words for a per-user refusal, through the
// same mapping as a page's Agora error (upstreamError).
func reasonText(l views.Localizer, kind agora.Reason, user, agoraText string) string {
	pe := upstreamError(&agora.Error{Reason: kind, User: user, Description: agoraText})
	if pe == nil || kind == agora.ReasonUnknown {
		if agoraText != "" {
			return agoraText
		}
		return l.T("error.internal")
	}
	return l.T(pe.key, pe.args...)
}
