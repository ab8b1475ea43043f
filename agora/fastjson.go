package agora

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// The fast paths here read the forms Agora sends on the hot paths (list
// rows, timestamps) without encoding/json's reflection and without a
// string per field. Anything they do not recognise, they leave to
// encoding/json, so the answer is always the one encoding/json would give;
// FuzzGroupSummaryRow and FuzzMillis check that.

// flatObject walks a JSON object whose values are plain strings (no
// escapes, valid UTF-8), numbers, true, false or null, calling field with
// each key and the value's bounds in b (for a string, inside the quotes).
// It reports false for anything else, or when field does.
func flatObject(b []byte, field func(key []byte, start, end int, quoted bool) bool) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipSpace(b, i+1) == len(b)
	}
	for {
		ks, ke, ok := plainString(b, i)
		if !ok {
			return false
		}
		i = skipSpace(b, ke+1)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipSpace(b, i+1)
		if i >= len(b) {
			return false
		}
		var start, end int
		quoted := b[i] == '"'
		if quoted {
			if start, end, ok = plainString(b, i); !ok {
				return false
			}
			i = end + 1
		} else {
			start, end = i, i
			for end < len(b) && literalByte(b[end]) {
				end++
			}
			if start == end {
				return false // an object or array
			}
			i = end
		}
		if !field(b[ks:ke], start, end, quoted) {
			return false
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return skipSpace(b, i+1) == len(b)
		default:
			return false
		}
	}
}

// plainString finds the string starting at b[i]: its content is b[start:end]
// and its closing quote at b[end]. Escapes, control characters and invalid
// UTF-8 (which encoding/json would replace) are not plain.
func plainString(b []byte, i int) (start, end int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, 0, false
	}
	ascii := true
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			if !ascii && !utf8.Valid(b[i+1:j]) {
				return 0, 0, false
			}
			return i + 1, j, true
		case c == '\\' || c < 0x20:
			return 0, 0, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return 0, 0, false
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
	var out groupSummaryWire
	row := string(b)
	ok := flatObject(b, func(key []byte, start, end int, quoted bool) bool {
		val := b[start:end]
		str := func(dst *string) bool {
			*dst = row[start:end]
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
			return ok
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
			return ok && !quoted
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
		return true
	})
	if ok {
		*r = out
		return nil
	}
	type plain groupSummaryWire // without this method
	return json.Unmarshal(b, (*plain)(r))
}

var summaryKeys = []string{"owner", "groupid", "type", "groupname", "affiliations", "lastModified", "last_modified"}
