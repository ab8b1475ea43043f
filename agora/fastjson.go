package agora

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The fast paths here read the forms Agora sends on the hot paths (list
// rows, timestamps) without encoding/json's reflection and without a
// string per field. Anything they do not recognise, they leave to
// encoding/json, so the answer is always the one encoding/json would give;
// FuzzGroupSummaryRow and FuzzMillis check that.

// flatObject walks a JSON object whose values are strings (valid UTF-8),
// numbers, true, false or null, calling field with each key and the
// value's bounds in b (for a string, inside the quotes; escaped says
// whether it holds escapes). It reports false for anything else, or when
// field does.
func flatObject(b []byte, field func(key []byte, start, end int, quoted, escaped bool) bool) bool {
	end, ok := flatObjectAt(b, skipSpace(b, 0), field)
	return ok && skipSpace(b, end) == len(b)
}

// flatObjectAt is flatObject for the object starting at b[i]; it returns
// the index just after the object.
func flatObjectAt(b []byte, i int, field func(key []byte, start, end int, quoted, escaped bool) bool) (int, bool) {
	if i >= len(b) || b[i] != '{' {
		return 0, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, true
	}
	for {
		ks, ke, esc, ok := scanString(b, i)
		if !ok || esc {
			return 0, false // an escaped key: encoding/json
		}
		i = skipSpace(b, ke+1)
		if i >= len(b) || b[i] != ':' {
			return 0, false
		}
		i = skipSpace(b, i+1)
		if i >= len(b) {
			return 0, false
		}
		var start, end int
		quoted, escaped := b[i] == '"', false
		if quoted {
			if start, end, escaped, ok = scanString(b, i); !ok {
				return 0, false
			}
			i = end + 1
		} else {
			start, end = i, i
			for end < len(b) && literalByte(b[end]) {
				end++
			}
			if start == end {
				return 0, false // an object or array
			}
			i = end
		}
		if !field(b[ks:ke], start, end, quoted, escaped) {
			return 0, false
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return 0, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// scanString finds the string starting at b[i]: its content is
// b[start:end] and its closing quote at b[end]; escaped says whether it
// holds backslash escapes. Control characters and invalid UTF-8 (which
// encoding/json would replace) are refused.
func scanString(b []byte, i int) (start, end int, escaped, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, 0, false, false
	}
	ascii := true
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			if !ascii && !utf8.Valid(b[i+1:j]) {
				return 0, 0, false, false
			}
			return i + 1, j, escaped, true
		case c == '\\':
			escaped = true
			j++ // the escaped byte cannot end the string
		case c < 0x20:
			return 0, 0, false, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return 0, 0, false, false
}

// unescape decodes a JSON string's content as encoding/json does, lone
// surrogates becoming U+FFFD.
func unescape(b []byte) (string, bool) {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(b) {
			return "", false
		}
		switch b[i] {
		case '"', '\\', '/':
			out = append(out, b[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(b[i+1:])
			if !ok {
				return "", false
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if i+2 < len(b) && b[i+1] == '\\' && b[i+2] == 'u' {
					r2, ok = hex4(b[i+3:])
				}
				if pair := utf16.DecodeRune(r, r2); ok && pair != utf8.RuneError {
					r = pair
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", false
		}
	}
	return string(out), true
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// literalByte is a byte of a number, true, false or null.
func literalByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '-' || c == '+' || c == '.' || c == 'E'
}

// digits parses a non-negative integer of at most 18 digits, which cannot
// overflow an int64.
func digits(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 || (b[0] == '0' && len(b) > 1) {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// UnmarshalJSON reads a list-all row. A row as Agora sends it costs one
// string (the fields are slices of it) instead of one per field plus
// encoding/json's reflection on each.
func (r *groupSummaryWire) UnmarshalJSON(b []byte) error {
	if end, ok := r.decodeAt(b, string(b), skipSpace(b, 0)); ok && skipSpace(b, end) == len(b) {
		return nil
	}
	type plain groupSummaryWire // without this method
	*r = groupSummaryWire{}
	return json.Unmarshal(b, (*plain)(r))
}

// decodeAt reads the row starting at b[i], its strings sliced from all
// (string(b), made once by the caller), and returns the index after it.
// It reports false, leaving r in any state, for anything but the plain
// forms.
func (r *groupSummaryWire) decodeAt(b []byte, all string, i int) (int, bool) {
	var out groupSummaryWire
	end, ok := flatObjectAt(b, i, func(key []byte, start, end int, quoted, escaped bool) bool {
		val := b[start:end]
		str := func(dst *string) bool {
			if escaped {
				s, ok := unescape(val)
				*dst = s
				return ok && quoted
			}
			*dst = all[start:end]
			return quoted
		}
		millis := func(dst **Millis) bool {
			if !quoted && string(val) == "null" {
				*dst = nil
				return true
			}
			n, ok := digits(val)
			m := Millis(n)
			*dst = &m
			return ok && !escaped
		}
		switch string(key) {
		case "owner":
			return str(&out.Owner)
		case "groupid":
			return str(&out.GroupID)
		case "type":
			return str(&out.Type)
		case "groupname":
			return str(&out.GroupName)
		case "affiliations":
			n, ok := digits(val)
			out.Affiliations = int(n)
			return ok && !quoted && !escaped
		case "lastModified":
			return millis(&out.LastModified)
		case "last_modified":
			return millis(&out.LastModifiedOld)
		}
		// encoding/json matches keys ignoring case.
		for _, k := range summaryKeys {
			if bytes.EqualFold(key, []byte(k)) {
				return false
			}
		}
		return validLiteral(quoted, val)
	})
	if ok {
		*r = out
	}
	return end, ok
}

// summaryList is list-all's data: decodeEnvelope reads it in one pass with
// one string for every row's fields (decodeFast); encoding/json reads any
// other form.
type summaryList []*groupSummaryWire

func (l *summaryList) decodeFast(b []byte) bool {
	if string(b) == "null" {
		*l = nil
		return true
	}
	if len(b) == 0 || b[0] != '[' {
		return false
	}
	all := string(b)
	rows := make([]groupSummaryWire, 0, bytes.Count(b, []byte("},"))+1)
	i := skipSpace(b, 1)
	if i < len(b) && b[i] == ']' {
		*l = summaryList{}
		return skipSpace(b, i+1) == len(b)
	}
	for {
		var r groupSummaryWire
		end, ok := r.decodeAt(b, all, i)
		if !ok {
			return false
		}
		rows = append(rows, r)
		i = skipSpace(b, end)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
			continue
		case ']':
			if skipSpace(b, i+1) != len(b) {
				return false
			}
		default:
			return false
		}
		break
	}
	out := make(summaryList, len(rows))
	for k := range rows {
		out[k] = &rows[k]
	}
	*l = out
	return true
}

var summaryKeys = []string{"owner", "groupid", "type", "groupname", "affiliations", "lastModified", "last_modified"}

// validLiteral reports whether a value flatObject passed is valid JSON: a
// string is; a literal must be true, false, null or a number.
func validLiteral(quoted bool, v []byte) bool {
	if quoted {
		return true
	}
	switch string(v) {
	case "true", "false", "null":
		return true
	}
	i := 0
	if i < len(v) && v[i] == '-' {
		i++
	}
	switch {
	case i < len(v) && v[i] == '0':
		i++
	case i < len(v) && v[i] >= '1' && v[i] <= '9':
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(v) && v[i] == '.' {
		i++
		if i >= len(v) || v[i] < '0' || v[i] > '9' {
			return false
		}
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '+' || v[i] == '-') {
			i++
		}
		if i >= len(v) || v[i] < '0' || v[i] > '9' {
			return false
		}
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
	}
	return i == len(v)
}

// skipValue returns the index just after the JSON value starting at b[i]
// (nested arrays and objects included), or false if it is not one.
func skipValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		_, end, _, ok := scanString(b, i)
		return end + 1, ok
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				_, end, _, ok := scanString(b, j)
				if !ok {
					return 0, false
				}
				j = end
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return 0, false
	}
	end := i
	for end < len(b) && literalByte(b[end]) {
		end++
	}
	return end, end > i && validLiteral(false, b[i:end])
}

// fastData is envelope data that can be read without encoding/json.
type fastData interface{ decodeFast(b []byte) bool }

// decodeEnvelopeFast reads an envelope whose data is d in one pass. It
// reports false for anything unusual, and decodeEnvelope then uses
// encoding/json. Nested values other than data are only checked for
// balance, so it is meant for answers from Agora, not arbitrary input.
func decodeEnvelopeFast(b []byte, env *envelope, d fastData) bool {
	var out envelope
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		*env = out
		return skipSpace(b, i+1) == len(b) && d.decodeFast([]byte("null"))
	}
	sawData := false
	for {
		ks, ke, esc, ok := scanString(b, i)
		if !ok || esc {
			return false
		}
		key := b[ks:ke]
		i = skipSpace(b, ke+1)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		vs := skipSpace(b, i+1)
		ve, ok := skipValue(b, vs)
		if !ok {
			return false
		}
		val := b[vs:ve]
		switch string(key) {
		case "data":
			if !d.decodeFast(val) {
				return false
			}
			sawData = true
		case "entities":
			out.Entities = append(json.RawMessage(nil), val...)
		case "count":
			n, ok := digits(val)
			if !ok {
				return false
			}
			out.Count = int(n)
		case "duration":
			n, ok := digits(val)
			if !ok {
				return false
			}
			out.Duration = n
		case "timestamp":
			if out.Timestamp.UnmarshalJSON(val) != nil {
				return false
			}
		case "cursor":
			s, e, esc, ok := scanString(val, 0)
			if !ok || esc || e+1 != len(val) {
				return false
			}
			out.Cursor = string(val[s:e])
		default:
			for _, k := range envelopeKeys {
				if bytes.EqualFold(key, []byte(k)) {
					return false
				}
			}
		}
		i = skipSpace(b, ve)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
			continue
		case '}':
			if skipSpace(b, i+1) != len(b) {
				return false
			}
		default:
			return false
		}
		break
	}
	if !sawData && !d.decodeFast([]byte("null")) {
		return false
	}
	*env = out
	return true
}

var envelopeKeys = []string{"data", "entities", "count", "duration", "timestamp", "cursor"}

// groupList is the detail call's data: decodeEnvelope reads it in one pass
// (decodeFast), the members with affiliationsFrom and every string sliced
// from one copy of the answer; encoding/json reads any other form.
type groupList []*Group

func (l *groupList) decodeFast(b []byte) bool {
	if string(b) == "null" {
		*l = nil
		return true
	}
	if len(b) == 0 || b[0] != '[' {
		return false
	}
	all := string(b)
	var out groupList
	i := skipSpace(b, 1)
	if i < len(b) && b[i] == ']' {
		*l = groupList{}
		return skipSpace(b, i+1) == len(b)
	}
	for {
		g := new(Group)
		end, ok := g.decodeAt(b, all, i)
		if !ok {
			return false
		}
		out = append(out, g)
		i = skipSpace(b, end)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
			continue
		case ']':
			if skipSpace(b, i+1) != len(b) {
				return false
			}
		default:
			return false
		}
		break
	}
	*l = out
	return true
}

// decodeAt reads the group object starting at b[i] into g and returns the
// index after it; false for anything but the forms Agora sends.
func (g *Group) decodeAt(b []byte, all string, i int) (int, bool) {
	if i >= len(b) || b[i] != '{' {
		return 0, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, true
	}
	for {
		ks, ke, esc, ok := scanString(b, i)
		if !ok || esc {
			return 0, false
		}
		i = skipSpace(b, ke+1)
		if i >= len(b) || b[i] != ':' {
			return 0, false
		}
		vs := skipSpace(b, i+1)
		ve, ok := skipValue(b, vs)
		if !ok || !g.field(string(b[ks:ke]), b[vs:ve], all[vs:ve]) {
			return 0, false
		}
		i = skipSpace(b, ve)
		if i >= len(b) {
			return 0, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// field sets one field of g from its JSON value (val, and the same bytes
// as a string); null leaves a field as it is, as encoding/json does.
func (g *Group) field(key string, val []byte, sval string) bool {
	if string(val) == "null" {
		return true
	}
	str := func(dst *string) bool {
		s, e, esc, ok := scanString(val, 0)
		if !ok || e+1 != len(val) {
			return false
		}
		if esc {
			*dst, ok = unescape(val[s:e])
			return ok
		}
		*dst = sval[s:e]
		return true
	}
	boolean := func(dst *bool) bool {
		switch string(val) {
		case "true":
			*dst = true
		case "false":
			*dst = false
		default:
			return false
		}
		return true
	}
	number := func(dst *int) bool {
		n, ok := digits(val)
		*dst = int(n)
		return ok
	}
	switch key {
	case "id":
		return str(&g.ID)
	case "name":
		return str(&g.Name)
	case "description":
		return str(&g.Description)
	case "owner":
		return str(&g.Owner)
	case "custom":
		return str(&g.Custom)
	case "avatar":
		return str(&g.Avatar)
	case "public":
		return boolean(&g.Public)
	case "membersonly":
		return boolean(&g.MembersOnly)
	case "allowinvites":
		return boolean(&g.AllowInvites)
	case "invite_need_confirm":
		return boolean(&g.InviteNeedConfirm)
	case "mute":
		return boolean(&g.Mute)
	case "disabled":
		return boolean(&g.Disabled)
	case "maxusers":
		return number(&g.MaxUsers)
	case "affiliations_count":
		return number(&g.AffiliationsCount)
	case "created":
		return g.Created.UnmarshalJSON(val) == nil
	case "affiliations":
		aff, ok := affiliationsFrom(val, sval)
		g.Affiliations = aff
		return ok
	}
	for _, k := range groupKeys {
		if strings.EqualFold(key, k) {
			return false // encoding/json matches keys ignoring case
		}
	}
	return true
}

var groupKeys = []string{"id", "name", "description", "owner", "custom", "avatar", "public", "membersonly", "allowinvites",
	"invite_need_confirm", "mute", "disabled", "maxusers", "affiliations_count", "created", "affiliations"}
