package views

import (
	"context"
	"html"
	"io"

	"github.com/a-h/templ"
)

// memberRows writes the rows of the member table, the same markup the
// templ loop wrote. It is in Go because a group can have 10,000 members:
// templ's runtime formats every expression with fmt.Sprint and boxes every
// attribute value, about six allocations a row, which made these rows the
// largest part of a big group's page. Here a row costs one (its URL), and
// rows are escaped into a batch that is written rowBatch bytes at a time
// rather than a dozen writes a row. Escaping is templ's own:
// html.EscapeString's, for text and attributes alike (appendEscaped).
func memberRows(p Page, d GroupDetail) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		owner := `<span class="badge badge-owner" data-testid="badge-owner">` + html.EscapeString(p.L.T("role.owner")) + `</span></td></tr>`
		member := `<span class="badge badge-member" data-testid="badge-member">` + html.EscapeString(p.L.T("role.member")) + `</span></td></tr>`
		buf := make([]byte, 0, rowBatch+1024)
		for _, m := range d.Members {
			buf = append(buf, `<tr data-testid="member-row" data-username="`...)
			buf = appendEscaped(buf, m.Username)
			buf = append(buf, `"><td data-testid="member-username"><a href="`...)
			buf = appendEscaped(buf, string(d.MemberURL(m.Username)))
			buf = append(buf, `">`...)
			buf = appendEscaped(buf, m.Username)
			buf = append(buf, `</a></td><td>`...)
			if m.Owner {
				buf = append(buf, owner...)
			} else {
				buf = append(buf, member...)
			}
			if len(buf) >= rowBatch {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
		_, err := w.Write(buf)
		return err
	})
}

// rowBatch is how much of the member table is written at once.
const rowBatch = 8 << 10

// appendEscaped appends s escaped as html.EscapeString escapes it.
func appendEscaped(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '\'':
			esc = "&#39;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&#34;"
		default:
			continue
		}
		dst = append(append(dst, s[start:i]...), esc...)
		start = i + 1
	}
	return append(dst, s[start:]...)
}

// errWriter writes strings until the first error, which it keeps.
type errWriter struct {
	w   io.Writer
	err error
}

func (ew *errWriter) write(parts ...string) {
	for _, s := range parts {
		if ew.err != nil {
			return
		}
		_, ew.err = io.WriteString(ew.w, s)
	}
}
