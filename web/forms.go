package web

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"groupdesk/agora"
	"groupdesk/views"
)

// Limits the forms check before anything is sent to Agora (facts §4.2).
const (
	maxGroupUsers = 2000 // the seed API's cap on maxusers
)

// usernameRE is an Agora username: letters, digits, '_', '.', '-'.
var usernameRE = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,64}$`)

// groupIDRE accepts Agora group ids (numeric strings) with room for other
// id schemes, but nothing that needs escaping.
var groupIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func validUsername(s string) bool { return usernameRE.MatchString(s) }
func validGroupID(s string) bool  { return groupIDRE.MatchString(s) }

// message is a translatable text: a catalogue key and its arguments.
type message struct {
	key  string
	args []any
}

// fieldErrors maps a form field to what is wrong with it.
type fieldErrors map[string]message

func (fe fieldErrors) add(field, key string, args ...any) {
	if _, ok := fe[field]; !ok {
		fe[field] = message{key, args}
	}
}

func (fe fieldErrors) translate(l views.Localizer) map[string]string {
	out := make(map[string]string, len(fe))
	for f, m := range fe {
		out[f] = l.T(m.key, m.args...)
	}
	return out
}

// groupInput is a validated group form.
type groupInput struct {
	GroupName         string
	Description       string
	Owner             string
	Members           []string
	MaxUsers          int
	Public            bool
	MembersOnly       bool
	AllowInvites      bool
	InviteNeedConfirm bool
	Custom            string
}

// readGroupForm returns the form fields as typed, with line breaks
// normalized (browsers send CRLF).
func readGroupForm(c echo.Context, prefix string) views.GroupFormValues {
	get := func(name string) string { return normalizeNewlines(c.FormValue(prefix + name)) }
	return views.GroupFormValues{
		GroupName:         get(views.FieldGroupName),
		Description:       get(views.FieldDescription),
		Owner:             get(views.FieldOwner),
		Members:           get(views.FieldMembers),
		MaxUsers:          get(views.FieldMaxUsers),
		Public:            checked(get(views.FieldPublic)),
		MembersOnly:       checked(get(views.FieldMembersOnly)),
		AllowInvites:      checked(get(views.FieldAllowInvites)),
		InviteNeedConfirm: checked(get(views.FieldInviteNeedConfirm)),
		Custom:            get(views.FieldCustom),
	}
}

func normalizeNewlines(s string) string {
	return strings.ReplaceAll(s, "\r\n", "\n")
}

// checked reads a checkbox or a true/false radio.
func checked(v string) bool {
	switch strings.ToLower(v) {
	case "true", "on", "1", "yes":
		return true
	}
	return false
}

// splitUsernames splits a member list typed with commas (also the
// full-width "，" and "、" of Chinese keyboards), spaces or new lines.
func splitUsernames(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ';' || unicode.IsSpace(r)
	})
}

// validateGroup checks a create form (create true) or an edit form. For an
// edit, memberCount is the group's current size and orig the values the
// form was rendered from: a text the moderator left as it was is not
// checked for hidden characters (it came from Agora, and is not sent).
func validateGroup(v views.GroupFormValues, create bool, memberCount int, orig views.GroupFormValues) (groupInput, fieldErrors) {
	errs := fieldErrors{}
	in := groupInput{
		GroupName:         strings.TrimSpace(v.GroupName),
		Description:       v.Description,
		Owner:             strings.TrimSpace(v.Owner),
		Public:            v.Public,
		MembersOnly:       v.MembersOnly,
		AllowInvites:      v.AllowInvites,
		InviteNeedConfirm: v.InviteNeedConfirm,
		Custom:            v.Custom,
	}

	// A group created through the API may have no name; the form does not
	// force one on it, but does not let a name be erased either.
	if in.GroupName == "" && (create || strings.TrimSpace(orig.GroupName) != "") {
		errs.add(views.FieldGroupName, "form.err_name_required")
	}
	if create || textChanged(in.GroupName, strings.TrimSpace(orig.GroupName), false) {
		checkText(errs, views.FieldGroupName, in.GroupName, false)
	}
	if create || textChanged(in.Description, orig.Description, true) {
		checkText(errs, views.FieldDescription, in.Description, true)
	}
	if create || textChanged(in.Custom, orig.Custom, true) {
		checkText(errs, views.FieldCustom, in.Custom, true)
	}
	checkLen(errs, views.FieldGroupName, in.GroupName, agora.MaxGroupNameLen)
	checkLen(errs, views.FieldDescription, in.Description, agora.MaxDescriptionLen)
	checkLen(errs, views.FieldCustom, in.Custom, agora.MaxCustomLen)

	if create {
		switch {
		case in.Owner == "":
			errs.add(views.FieldOwner, "form.err_owner_required")
		case !validUsername(in.Owner):
			errs.add(views.FieldOwner, "form.err_username_invalid", in.Owner)
		}
		in.Members = splitUsernames(v.Members)
		var bad, dups []string
		seen := map[string]bool{}
		for _, m := range in.Members {
			key := strings.ToLower(m)
			switch {
			case !validUsername(m):
				bad = append(bad, m)
			case seen[key]:
				if !slices.Contains(dups, m) {
					dups = append(dups, m)
				}
			case in.Owner != "" && strings.EqualFold(m, in.Owner):
				errs.add(views.FieldMembers, "form.err_members_owner", in.Owner)
			}
			seen[key] = true
		}
		switch {
		case len(bad) > 0:
			errs.add(views.FieldMembers, "form.err_members_invalid", strings.Join(bad, ", "))
		case len(in.Members) > agora.MaxMembersOnCreate:
			errs.add(views.FieldMembers, "form.err_members_too_many", agora.MaxMembersOnCreate, len(in.Members))
		case len(dups) > 0:
			errs.add(views.FieldMembers, "form.err_members_duplicate", strings.Join(dups, ", "))
		}
	}

	n, err := strconv.Atoi(strings.TrimSpace(v.MaxUsers))
	switch {
	case err != nil || n < 1 || n > maxGroupUsers:
		errs.add(views.FieldMaxUsers, "form.err_maxusers_invalid", maxGroupUsers)
	case create && n < len(in.Members)+1:
		errs.add(views.FieldMaxUsers, "form.err_maxusers_members", len(in.Members)+1, views.Plural{Key: "count.members", Count: len(in.Members)})
	case !create && n < memberCount:
		errs.add(views.FieldMaxUsers, "form.err_maxusers_below_count", views.Plural{Key: "count.members", Count: memberCount})
	}
	in.MaxUsers = n
	return in, errs
}

func checkLen(errs fieldErrors, field, value string, limit int) {
	if n := utf8.RuneCountInString(value); n > limit {
		errs.add(field, "form.err_too_long", limit, n)
	}
}

// checkText refuses text that is not UTF-8 (JSON encoding would silently
// replace the bytes) or that holds a hidden character (views.HiddenChar):
// a name with a right-to-left override or a NUL lies about what it is.
// multiline allows line breaks and tabs.
func checkText(errs fieldErrors, field, value string, multiline bool) {
	if !utf8.ValidString(value) {
		errs.add(field, "form.err_invalid_utf8")
		return
	}
	for _, r := range value {
		if views.HiddenChar(r) && !(multiline && (r == '\n' || r == '\t')) {
			errs.add(field, "form.err_hidden_char", fmt.Sprintf("U+%04X", r))
			return
		}
	}
}

// asSubmitted is what a browser sends back for a text it was given and
// left alone: HTML parsing turns NUL and bytes that are not UTF-8 into
// U+FFFD and every CR into LF, a textarea drops one leading line break,
// and a one-line input drops them all.
func asSubmitted(s string, multiline bool) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.NewReplacer("\x00", "\uFFFD", "\r\n", "\n", "\r", "\n").Replace(s)
	if multiline {
		return strings.TrimPrefix(s, "\n")
	}
	return strings.ReplaceAll(s, "\n", "")
}

// textChanged reports whether the moderator changed a text field whose
// raw value was orig: comparing the raw values would take a name with a
// line break, which no one-line input can carry, for an edit.
func textChanged(submitted, orig string, multiline bool) bool {
	return asSubmitted(submitted, multiline) != asSubmitted(orig, multiline)
}

// createRequest is the API request for a validated create form. Every
// option is sent explicitly, so what the moderator saw is what Agora gets.
func (in groupInput) createRequest() *agora.CreateGroupRequest {
	req := &agora.CreateGroupRequest{
		GroupName:         in.GroupName,
		Description:       in.Description,
		Public:            in.Public,
		MaxUsers:          agora.Int(in.MaxUsers),
		AllowInvites:      agora.Bool(in.AllowInvites),
		MembersOnly:       agora.Bool(in.MembersOnly),
		InviteNeedConfirm: agora.Bool(in.InviteNeedConfirm),
		Owner:             in.Owner,
		Members:           in.Members,
	}
	if in.Custom != "" {
		req.Custom = agora.String(in.Custom)
	}
	return req
}

// updateRequest holds only the fields that differ from orig (the values
// the edit form was rendered from); nil if nothing changed.
func (in groupInput) updateRequest(orig views.GroupFormValues) *agora.UpdateGroupRequest {
	origMax, err := strconv.Atoi(strings.TrimSpace(orig.MaxUsers))
	if err != nil {
		origMax = -1 // unreadable: send the new value
	}
	text := func(v, orig string, multiline bool) *string {
		if !textChanged(v, orig, multiline) {
			return nil
		}
		return &v
	}
	req := agora.UpdateGroupRequest{
		GroupName:         text(in.GroupName, strings.TrimSpace(orig.GroupName), false),
		Description:       text(in.Description, orig.Description, true),
		MaxUsers:          changed(in.MaxUsers, origMax),
		Public:            changed(in.Public, orig.Public),
		MembersOnly:       changed(in.MembersOnly, orig.MembersOnly),
		AllowInvites:      changed(in.AllowInvites, orig.AllowInvites),
		InviteNeedConfirm: changed(in.InviteNeedConfirm, orig.InviteNeedConfirm),
		Custom:            text(in.Custom, orig.Custom, true),
	}
	if req == (agora.UpdateGroupRequest{}) {
		return nil
	}
	return &req
}

// changed returns &v if it differs from orig, else nil (not sent).
func changed[T comparable](v, orig T) *T {
	if v == orig {
		return nil
	}
	return &v
}

// formValuesOf fills the edit form from a group.
func formValuesOf(g *agora.Group) views.GroupFormValues {
	return views.GroupFormValues{
		GroupName:         g.Name,
		Description:       normalizeNewlines(g.Description),
		Owner:             g.Owner,
		MaxUsers:          strconv.Itoa(g.MaxUsers),
		Public:            g.Public,
		MembersOnly:       g.MembersOnly,
		AllowInvites:      g.AllowInvites,
		InviteNeedConfirm: g.InviteNeedConfirm,
		Custom:            normalizeNewlines(g.Custom),
	}
}

// renderGroupForm renders the create form (form.Edit false) or the edit
// form with field errors and a message at the top.
func (s *Server) renderGroupForm(c echo.Context, status int, form views.GroupForm, errs fieldErrors, top *message) error {
	var p views.Page
	if form.Edit {
		name := strings.TrimSpace(form.Orig.GroupName)
		if name == "" {
			name = form.ID
		}
		p = s.page(c, views.NavGroups, "form.edit_title", views.VisibleText(name))
		form.Action = groupURL(form.ID)
		form.CancelURL = groupURL(form.ID)
	} else {
		p = s.page(c, views.NavNewGroup, "form.create_title")
		form.Token = newFormToken() // each rendering is a new chance to create
		form.Action = "/groups"
		form.CancelURL = "/groups"
	}
	form.Errors = errs.translate(p.L)
	if top != nil {
		form.FormError = p.L.T(top.key, top.args...)
	}
	return render(c, status, views.GroupFormPage(p, form))
}
