package web

import (
	"encoding/json"

	"groupdesk/views"
)

// setFlash keeps a message for the next page the moderator sees (after the
// 303 that follows every POST). The text is translated when set.
func setFlash(rs *requestSession, kind, text string) {
	b, _ := json.Marshal(views.Flash{Kind: kind, Text: text})
	rs.set(sessFlash, string(b))
}

// popFlash returns the pending message and forgets it.
func popFlash(rs *requestSession) *views.Flash {
	raw := rs.get(sessFlash)
	if raw == "" {
		return nil
	}
	rs.del(sessFlash)
	var f views.Flash
	if err := json.Unmarshal([]byte(raw), &f); err != nil {
		return nil
	}
	return &f
}
