package web

import (
	"context"
	"time"

	"groupdesk/agora"
)

// moderationService is what the member and moderation pages and jobs ask
// of Agora: one group's members, admins, owner, mutes, blocks, allow list,
// incident switches and announcement. agoraModeration is the real one;
// tests may pass a fake. Batch calls answer per user (agora.MemberResult).
type moderationService interface {
	Members(ctx context.Context, groupID string, opts *agora.PageOptions) ([]agora.Affiliation, *agora.Response, error)
	MemberNames(ctx context.Context, groupID string, opts *agora.MemberCursorOptions) ([]string, *agora.Response, error)
	AddMembers(ctx context.Context, groupID string, usernames ...string) ([]string, *agora.Response, error)
	RemoveMembers(ctx context.Context, groupID string, usernames ...string) ([]agora.MemberResult, *agora.Response, error)
	Admins(ctx context.Context, groupID string) ([]string, *agora.Response, error)
	AddAdmin(ctx context.Context, groupID, username string) (*agora.Response, error)
	RemoveAdmin(ctx context.Context, groupID, username string) (*agora.Response, error)
	TransferOwner(ctx context.Context, groupID, newOwner string) (*agora.Response, error)
	Muted(ctx context.Context, groupID string) ([]agora.MutedMember, *agora.Response, error)
	Mute(ctx context.Context, groupID string, d time.Duration, usernames ...string) ([]agora.MemberResult, *agora.Response, error)
	Unmute(ctx context.Context, groupID string, usernames ...string) ([]agora.MemberResult, *agora.Response, error)
	MuteAll(ctx context.Context, groupID string) (*agora.Response, error)
	UnmuteAll(ctx context.Context, groupID string) (*agora.Response, error)
	Blocked(ctx context.Context, groupID string, opts *agora.ListBlockedOptions) ([]string, *agora.Response, error)
	Block(ctx context.Context, groupID string, usernames ...string) ([]agora.MemberResult, *agora.Response, error)
	Unblock(ctx context.Context, groupID string, usernames ...string) ([]agora.MemberResult, *agora.Response, error)
	Allowed(ctx context.Context, groupID string) ([]string, *agora.Response, error)
	Allow(ctx context.Context, groupID string, usernames ...string) ([]agora.MemberResult, *agora.Response, error)
	Disallow(ctx context.Context, groupID string, usernames ...string) ([]agora.MemberResult, *agora.Response, error)
	Disable(ctx context.Context, groupID string) (*agora.Response, error)
	Enable(ctx context.Context, groupID string) (*agora.Response, error)
	Announcement(ctx context.Context, groupID string) (string, *agora.Response, error)
	SetAnnouncement(ctx context.Context, groupID, text string) (*agora.Response, error)
}

// agoraModeration is the moderationService of an Agora client.
type agoraModeration struct{ c *agora.Client }

func (m agoraModeration) Members(ctx context.Context, groupID string, opts *agora.PageOptions) ([]agora.Affiliation, *agora.Response, error) {
	return m.c.Members.List(ctx, groupID, opts)
}
func (m agoraModeration) MemberNames(ctx context.Context, groupID string, opts *agora.MemberCursorOptions) ([]string, *agora.Response, error) {
	return m.c.Members.ListUsernames(ctx, groupID, opts)
}
func (m agoraModeration) AddMembers(ctx context.Context, groupID string, usernames ...string) ([]string, *agora.Response, error) {
	return m.c.Members.Add(ctx, groupID, usernames...)
}
func (m agoraModeration) RemoveMembers(ctx context.Context, groupID string, usernames ...string) ([]agora.MemberResult, *agora.Response, error) {
	return m.c.Members.Remove(ctx, groupID, usernames...)
}
func (m agoraModeration) Admins(ctx context.Context, groupID string) ([]string, *agora.Response, error) {
	return m.c.Members.ListAdmins(ctx, groupID)
}
func (m agoraModeration) AddAdmin(ctx context.Context, groupID, username string) (*agora.Response, error) {
	return m.c.Members.AddAdmin(ctx, groupID, username)
}
func (m agoraModeration) RemoveAdmin(ctx context.Context, groupID, username string) (*agora.Response, error) {
	return m.c.Members.RemoveAdmin(ctx, groupID, username)
}
func (m agoraModeration) TransferOwner(ctx context.Context, groupID, newOwner string) (*agora.Response, error) {
	return m.c.Groups.TransferOwner(ctx, groupID, newOwner)
}
func (m agoraModeration) Muted(ctx context.Context, groupID string) ([]agora.MutedMember, *agora.Response, error) {
	return m.c.Members.ListMuted(ctx, groupID)
}
func (m agoraModeration) Mute(ctx context.Context, groupID string, d time.Duration, usernames ...string) ([]agora.MemberResult, *agora.Response, error) {
	return m.c.Members.Mute(ctx, groupID, d, usernames...)
}
func (m agoraModeration) Unmute(ctx context.Context, groupID string, usernames ...string) ([]agora.MemberResult, *agora.Response, error) {
	return m.c.Members.Unmute(ctx, groupID, usernames...)
}
func (m agoraModeration) MuteAll(ctx context.Context, groupID string) (*agora.Response, error) {
	return m.c.Groups.MuteAll(ctx, groupID)
}
func (m agoraModeration) UnmuteAll(ctx context.Context, groupID string) (*agora.Response, error) {
	return m.c.Groups.UnmuteAll(ctx, groupID)
}
func (m agoraModeration) Blocked(ctx context.Context, groupID string, opts *agora.ListBlockedOptions) ([]string, *agora.Response, error) {
	return m.c.Members.ListBlocked(ctx, groupID, opts)
}
func (m agoraModeration) Block(ctx context.Context, groupID string, usernames ...string) ([]agora.MemberResult, *agora.Response, error) {
	return m.c.Members.Block(ctx, groupID, usernames...)
}
func (m agoraModeration) Unblock(ctx context.Context, groupID string, usernames ...string) ([]agora.MemberResult, *agora.Response, error) {
	return m.c.Members.Unblock(ctx, groupID, usernames...)
}
func (m agoraModeration) Allowed(ctx context.Context, groupID string) ([]string, *agora.Response, error) {
	return m.c.Members.ListAllowed(ctx, groupID)
}
func (m agoraModeration) Allow(ctx context.Context, groupID string, usernames ...string) ([]agora.MemberResult, *agora.Response, error) {
	return m.c.Members.Allow(ctx, groupID, usernames...)
}
func (m agoraModeration) Disallow(ctx context.Context, groupID string, usernames ...string) ([]agora.MemberResult, *agora.Response, error) {
	return m.c.Members.Disallow(ctx, groupID, usernames...)
}
func (m agoraModeration) Disable(ctx context.Context, groupID string) (*agora.Response, error) {
	return m.c.Groups.Disable(ctx, groupID)
}
func (m agoraModeration) Enable(ctx context.Context, groupID string) (*agora.Response, error) {
	return m.c.Groups.Enable(ctx, groupID)
}
func (m agoraModeration) Announcement(ctx context.Context, groupID string) (string, *agora.Response, error) {
	return m.c.Groups.GetAnnouncement(ctx, groupID)
}
func (m agoraModeration) SetAnnouncement(ctx context.Context, groupID, text string) (*agora.Response, error) {
	return m.c.Groups.SetAnnouncement(ctx, groupID, text)
}

// breakerModeration is a moderationService whose calls go through an
// agoraBreaker (see breakerGroups).
type breakerModeration struct {
	next moderationService
	b    *agoraBreaker
}

func (g breakerModeration) Members(ctx context.Context, groupID string, opts *agora.PageOptions) ([]agora.Affiliation, *agora.Response, error) {
	return guard(ctx, g.b, func(ctx context.Context) ([]agora.Affiliation, *agora.Response, error) {
		return g.next.Members(ctx, groupID, opts)
	})
}

func (g breakerModeration) MemberNames(ctx context.Context, groupID string, opts *agora.MemberCursorOptions) ([]string, *agora.Response, error) {
	return guard(ctx, g.b, func(ctx context.Context) ([]string, *agora.Response, error) {
		return g.next.MemberNames(ctx, groupID, opts)
	})
}

func (g breakerModeration) AddMembers(ctx context.Context, groupID string, usernames ...string) ([]string, *agora.Response, error) {
	return guard(ctx, g.b, func(ctx context.Context) ([]string, *agora.Response, error) {
		return g.next.AddMembers(ctx, groupID, usernames...)
	})
}

func (g breakerModeration) RemoveMembers(ctx context.Context, groupID string, usernames ...string) ([]agora.MemberResult, *agora.Response, error) {
	return guard(ctx, g.b, func(ctx context.Context) ([]agora.MemberResult, *agora.Response, error) {
		return g.next.RemoveMembers(ctx, groupID, usernames...)
	})
}

func (g breakerModeration) Admins(ctx context.Context, groupID string) ([]string, *agora.Response, error) {
	return guard(ctx, g.b, func(ctx context.Context) ([]string, *agora.Response, error) { return g.next.Admins(ctx, groupID) })
}

func (g breakerModeration) AddAdmin(ctx context.Context, groupID, username string) (*agora.Response, error) {
	return guardNone(ctx, g.b, func(ctx context.Context) (*agora.Response, error) { return g.next.AddAdmin(ctx, groupID, username) })
}

func (g breakerModeration) RemoveAdmin(ctx context.Context, groupID, username string) (*agora.Response, error) {
	return guardNone(ctx, g.b, func(ctx context.Context) (*agora.Response, error) { return g.next.RemoveAdmin(ctx, groupID, username) })
}

func (g breakerModeration) TransferOwner(ctx context.Context, groupID, newOwner string) (*agora.Response, error) {
	return guardNone(ctx, g.b, func(ctx context.Context) (*agora.Response, error) {
		return g.next.TransferOwner(ctx, groupID, newOwner)
	})
}

func (g breakerModeration) Muted(ctx context.Context, groupID string) ([]agora.MutedMember, *agora.Response, error) {
	return guard(ctx, g.b, func(ctx context.Context) ([]agora.MutedMember, *agora.Response, error) {
		return g.next.Muted(ctx, groupID)
	})
}

func (g breakerModeration) Mute(ctx context.Context, groupID string, d time.Duration, usernames ...string) ([]agora.MemberResult, *agora.Response, error) {
	return guard(ctx, g.b, func(ctx context.Context) ([]agora.MemberResult, *agora.Response, error) {
		return g.next.Mute(ctx, groupID, d, usernames...)
	})
}

func (g breakerModeration) Unmute(ctx context.Context, groupID string, usernames ...string) ([]agora.MemberResult, *agora.Response, error) {
	return guard(ctx, g.b, func(ctx context.Context) ([]agora.MemberResult, *agora.Response, error) {
		return g.next.Unmute(ctx, groupID, usernames...)
	})
}

func (g breakerModeration) MuteAll(ctx context.Context, groupID string) (*agora.Response, error) {
	return guardNone(ctx, g.b, func(ctx context.Context) (*agora.Response, error) { return g.next.MuteAll(ctx, groupID) })
}

func (g breakerModeration) UnmuteAll(ctx context.Context, groupID string) (*agora.Response, error) {
	return guardNone(ctx, g.b, func(ctx context.Context) (*agora.Response, error) { return g.next.UnmuteAll(ctx, groupID) })
}

func (g breakerModeration) Blocked(ctx context.Context, groupID string, opts *agora.ListBlockedOptions) ([]string, *agora.Response, error) {
	return guard(ctx, g.b, func(ctx context.Context) ([]string, *agora.Response, error) {
		return g.next.Blocked(ctx, groupID, opts)
	})
}

func (g breakerModeration) Block(ctx context.Context, groupID string, usernames ...string) ([]agora.MemberResult, *agora.Response, error) {
	return guard(ctx, g.b, func(ctx context.Context) ([]agora.MemberResult, *agora.Response, error) {
		return g.next.Block(ctx, groupID, usernames...)
	})
}

func (g breakerModeration) Unblock(ctx context.Context, groupID string, usernames ...string) ([]agora.MemberResult, *agora.Response, error) {
	return guard(ctx, g.b, func(ctx context.Context) ([]agora.MemberResult, *agora.Response, error) {
		return g.next.Unblock(ctx, groupID, usernames...)
	})
}

func (g breakerModeration) Allowed(ctx context.Context, groupID string) ([]string, *agora.Response, error) {
	return guard(ctx, g.b, func(ctx context.Context) ([]string, *agora.Response, error) { return g.next.Allowed(ctx, groupID) })
}

func (g breakerModeration) Allow(ctx context.Context, groupID string, usernames ...string) ([]agora.MemberResult, *agora.Response, error) {
	return guard(ctx, g.b, func(ctx context.Context) ([]agora.MemberResult, *agora.Response, error) {
		return g.next.Allow(ctx, groupID, usernames...)
	})
}

func (g breakerModeration) Disallow(ctx context.Context, groupID string, usernames ...string) ([]agora.MemberResult, *agora.Response, error) {
	return guard(ctx, g.b, func(ctx context.Context) ([]agora.MemberResult, *agora.Response, error) {
		return g.next.Disallow(ctx, groupID, usernames...)
	})
}

func (g breakerModeration) Disable(ctx context.Context, groupID string) (*agora.Response, error) {
	return guardNone(ctx, g.b, func(ctx context.Context) (*agora.Response, error) { return g.next.Disable(ctx, groupID) })
}

func (g breakerModeration) Enable(ctx context.Context, groupID string) (*agora.Response, error) {
	return guardNone(ctx, g.b, func(ctx context.Context) (*agora.Response, error) { return g.next.Enable(ctx, groupID) })
}

func (g breakerModeration) Announcement(ctx context.Context, groupID string) (string, *agora.Response, error) {
	return guard(ctx, g.b, func(ctx context.Context) (string, *agora.Response, error) { return g.next.Announcement(ctx, groupID) })
}

func (g breakerModeration) SetAnnouncement(ctx context.Context, groupID, text string) (*agora.Response, error) {
	return guardNone(ctx, g.b, func(ctx context.Context) (*agora.Response, error) { return g.next.SetAnnouncement(ctx, groupID, text) })
}

// guardNone is guard for a call that returns no value.
func guardNone(ctx context.Context, b *agoraBreaker, call func(context.Context) (*agora.Response, error)) (*agora.Response, error) {
	_, resp, err := guard(ctx, b, func(ctx context.Context) (struct{}, *agora.Response, error) {
		resp, err := call(ctx)
		return struct{}{}, resp, err
	})
	return resp, err
}
