package web

import (
	"context"

	"groupdesk/web/store"
)

// DemoBlock is a block in the demo data, for RecordDemoBlocks.
type DemoBlock struct {
	GroupID  string
	Username string
}

// demoBlockReason is the reason recorded for the demo's blocked users.
const demoBlockReason = "Demo data: posted spam links"

// RecordDemoBlocks gives the demo data's blocks a Groupdesk record (a
// reason, blocked by the system, no expiry), so the Moderation tab shows
// what a block made through Groupdesk looks like. Call it once, right
// after the sandbox was seeded.
func (s *Server) RecordDemoBlocks(ctx context.Context, blocks []DemoBlock) error {
	now := s.now()
	for _, b := range blocks {
		rec := store.BlockRecord{GroupID: b.GroupID, Username: b.Username, Reason: demoBlockReason, BlockedBy: store.SystemActor.Name, BlockedAt: now}
		if err := s.st.PutBlockRecord(ctx, rec); err != nil {
			return err
		}
	}
	return nil
}
