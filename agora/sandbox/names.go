package sandbox

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Usernames: [a-zA-Z0-9_.-], at most 64, case-insensitive (seed). The
// sandbox stores them lower-cased, which also satisfies the current advice
// not to use upper case at all.
const maxUsernameLen = 64

var usernameRE = regexp.MustCompile(`^[a-z0-9_.-]{1,64}$`)

func normalizeUsername(s string) string { return strings.ToLower(s) }

func validUsername(s string) bool { return usernameRE.MatchString(s) }

// parseGroupID reads a numeric group id; anything else names no group.
func parseGroupID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

func formatGroupID(id int64) string { return strconv.FormatInt(id, 10) }

// runeLen counts characters, as the documented limits do.
func runeLen(s string) int { return utf8.RuneCountInString(s) }
