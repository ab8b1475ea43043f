package views

import (
	"context"
	"html"
	"io"

	"github.com/a-h/templ"
)

// groupRow writes one row of the group list (and of search results), the
// markup the templ component wrote. It is in Go for memberRows' reason:
// templ's runtime formats each expression with fmt.Sprint and boxes each
// attribute, which made these rows most of a list page's 3,000
// allocations. Escaping is templ's own: html.EscapeString.
func groupRow(p Page, r GroupRow) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		ew := errWriter{w: w}
		id := html.EscapeString(r.ID)
		ew.write(`<tr data-testid="group-row" data-group-id="`, id, `"><td class="id" data-testid="group-id">`, id,
			`</td><td data-testid="group-name"><a href="`, html.EscapeString(string(r.URL)), `" data-testid="group-link">`)
		if r.Name != "" {
			if ew.err == nil {
				ew.err = Visible(r.Name, false).Render(ctx, w)
			}
		} else {
			ew.write(`<span class="muted">`, html.EscapeString(p.L.T("group.unnamed")), `</span>`)
		}
		ew.write(`</a></td><td data-testid="group-owner"><a href="`, html.EscapeString(string(r.OwnerURL)), `">`, html.EscapeString(r.Owner),
			`</a></td><td class="num" data-testid="group-members">`, html.EscapeString(p.L.Number(r.Members)), `</td><td data-testid="group-modified">`)
		if r.LastModified.IsZero() {
			ew.write(`<span class="muted" data-testid="group-modified-time">—</span>`)
		} else {
			ew.write(`<time datetime="`, html.EscapeString(isoTime(r.LastModified)), `" data-local data-testid="group-modified-time">`,
				html.EscapeString(p.L.DateTime(r.LastModified)), `</time>`)
		}
		ew.write(`</td><td class="actions">`)
		if p.CanEdit {
			name := html.EscapeString(VisibleText(r.Name))
			del := html.EscapeString(string(r.DeleteURL))
			ew.write(`<a href="`, html.EscapeString(string(r.EditURL)), `" class="btn btn-small" data-testid="group-edit">`,
				html.EscapeString(p.L.T("common.edit")), `<span class="visually-hidden">`, name, `</span></a> <a href="`, del,
				`" class="btn btn-small btn-danger" hx-get="`, del, `" hx-target="#dialog-slot" hx-swap="innerHTML" data-testid="group-delete">`,
				html.EscapeString(p.L.T("common.delete")), `<span class="visually-hidden">`, name, `</span></a>`)
		}
		ew.write(`</td></tr>`)
		return ew.err
	})
}
