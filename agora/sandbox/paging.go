package sandbox

import (
	"encoding/base64"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// joinedNoParamsLimit is how many groups joined_chatgroups returns without
// paging parameters (EM-OLD / AG-CN-2023: up to 500, most recent first).
const joinedNoParamsLimit = 500

// positiveParam reads a query parameter that must be a positive integer,
// or def when it is absent or empty.
func positiveParam(q url.Values, key string, def int) (int, error) {
	v := strings.TrimSpace(q.Get(key))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, errInvalidParameter("%s must be a positive integer, got %q", key, q.Get(key))
	}
	return n, nil
}

// pageParams reads 1-based pagenum and pagesize (clamped to maxSize). With
// neither present the first noParams items are returned.
func pageParams(r *http.Request, defSize, maxSize, noParams int) (limit, offset int, err error) {
	q := r.URL.Query()
	if !q.Has("pagenum") && !q.Has("pagesize") {
		return noParams, 0, nil
	}
	size, err := positiveParam(q, "pagesize", defSize)
	if err != nil {
		return 0, 0, err
	}
	size = min(size, maxSize)
	num, err := positiveParam(q, "pagenum", 1)
	if err != nil {
		return 0, 0, err
	}
	// A page far past the end is just empty; keep the offset in range.
	if num-1 > math.MaxInt32/size {
		return size, math.MaxInt32, nil
	}
	return size, (num - 1) * size, nil
}

// List-all cursors are base64 (URL alphabet, no padding) of
// "im:group:{org}#{app}:{last id}", after the cursors in Agora's examples.
// Keyset paging: the next page is the groups with a smaller id.
func (s *Sandbox) cursorPrefix() string { return "im:group:" + s.cfg.Org + "#" + s.cfg.App + ":" }

func (s *Sandbox) encodeCursor(lastID int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(s.cursorPrefix() + strconv.FormatInt(lastID, 10)))
}

// cursorAlphabet maps the standard alphabet to the URL one; a space is a
// '+' that the client forgot to escape.
var cursorAlphabet = strings.NewReplacer("+", "-", "/", "_", " ", "-")

func (s *Sandbox) decodeCursor(c string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(cursorAlphabet.Replace(strings.TrimRight(c, "=")))
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(b), s.cursorPrefix())
	if !ok {
		return 0, false
	}
	return parseGroupID(rest)
}

// Member and block-list cursors are base64 (URL alphabet, no padding) of a
// prefix and a row's seq: opaque to clients, cheap to resume from.
func encodeSeqCursor(prefix string, seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(prefix + strconv.FormatInt(seq, 10)))
}

func decodeSeqCursor(prefix, c string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(cursorAlphabet.Replace(strings.TrimRight(c, "=")))
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(b), prefix)
	if !ok {
		return 0, false
	}
	seq, err := strconv.ParseInt(rest, 10, 64)
	return seq, err == nil && seq > 0
}

// sdkCursor reads the cursor of an endpoint the Web SDK pages: its first
// request sends the JavaScript values undefined or null as text
// ("cursor=undefined"), which mean no cursor.
func sdkCursor(q url.Values) string {
	switch c := q.Get("cursor"); c {
	case "undefined", "null":
		return ""
	default:
		return c
	}
}
