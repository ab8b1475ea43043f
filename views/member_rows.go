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
// largest part of a big group's page. Here a row costs one (its URL).
// Escaping is templ's own: html.EscapeString for text and attributes alike.
func memberRows(p Page, d GroupDetail) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		ew := errWriter{w: w}
		owner := html.EscapeString(p.L.T("role.owner"))
		member := html.EscapeString(p.L.T("role.member"))
		for _, m := range d.Members {
			name := html.EscapeString(m.Username)
			ew.write(`<tr data-testid="member-row" data-username="`, name,
				`"><td data-testid="member-username"><a href="`, html.EscapeString(string(d.MemberURL(m.Username))), `">`,
				name, `</a></td><td>`)
			if m.Owner {
				ew.write(`<span class="badge badge-owner" data-testid="badge-owner">`, owner, `</span></td></tr>`)
			} else {
				ew.write(`<span class="badge badge-member" data-testid="badge-member">`, member, `</span></td></tr>`)
			}
			if ew.err != nil {
				return ew.err
			}
		}
		return nil
	})
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
