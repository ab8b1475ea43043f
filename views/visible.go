package views

import (
	"context"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/a-h/templ"
)

// HiddenChar reports whether r can make text look different from what it
// is: control characters (which a page drops or renders as nothing) and the
// bidirectional embeddings, overrides and isolates (which reorder what
// follows them, so "gpj.exe" with U+202E in front reads "exe.jpg").
func HiddenChar(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7F && r <= 0x9F:
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// hiddenCharMarker is how a hidden character is shown: a C0 control as its
// Control Pictures symbol (␀, ␊…), anything else as ⟨U+XXXX⟩.
func hiddenCharMarker(r rune) string {
	switch {
	case r < 0x20:
		return string(0x2400 + r)
	case r == 0x7F:
		return "␡"
	}
	return fmt.Sprintf("⟨U+%04X⟩", r)
}

// hasHiddenChars reports whether Visible would mark anything in s.
func hasHiddenChars(s string, multiline bool) bool {
	for _, r := range s {
		if HiddenChar(r) && !(multiline && (r == '\n' || r == '\t')) {
			return true
		}
	}
	return false
}

// Visible renders text from Agora with a marker in a span of class
// hidden-char for each hidden character, so a name cannot pass for
// another. multiline keeps line breaks and tabs as they are (descriptions).
func Visible(s string, multiline bool) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		if !hasHiddenChars(s, multiline) {
			// Nearly every name: one escape, no builder.
			_, err := io.WriteString(w, html.EscapeString(s))
			return err
		}
		var b strings.Builder
		start := 0
		for i, r := range s {
			if !hasHiddenChars(string(r), multiline) {
				continue
			}
			b.WriteString(html.EscapeString(s[start:i]))
			fmt.Fprintf(&b, `<span class="hidden-char" title="U+%04X">%s</span>`, r, hiddenCharMarker(r))
			start = i + len(string(r))
		}
		b.WriteString(html.EscapeString(s[start:]))
		_, err := io.WriteString(w, b.String())
		return err
	})
}

// VisibleText is Visible for plain-text places (titles, flashes).
func VisibleText(s string) string {
	if !hasHiddenChars(s, false) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if HiddenChar(r) {
			b.WriteString(hiddenCharMarker(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
