package views

import (
	"context"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"
)

// groupRow writes one row of the group list (and of search results), the
// markup the templ component wrote. It is in Go for memberRows' reason:
// templ's runtime formats each expression with fmt.Sprint and boxes each
// attribute, which made these rows most of a list page's 3,000
// allocations. The row is escaped into one buffer (appendEscaped, which
// escapes as templ does) and written at once.
func groupRow(p Page, r GroupRow) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		buf := rowBuffers.Get().(*[]byte)
		defer rowBuffers.Put(buf)
		b := (*buf)[:0]
		defer func() { *buf = b[:0] }()
		txt := groupRowTextsFor(p.L)
		b = append(b, `<tr data-testid="group-row" data-group-id="`...)
		b = appendEscaped(b, r.ID)
		b = append(b, `"><td class="id" data-testid="group-id">`...)
		b = appendEscaped(b, r.ID)
		b = append(b, `</td><td data-testid="group-name"><a href="`...)
		b = appendEscaped(b, string(r.URL))
		b = append(b, `" data-testid="group-link">`...)
		switch {
		case r.Name == "":
			b = append(b, `<span class="muted">`...)
			b = appendEscaped(b, txt.unnamed)
			b = append(b, `</span>`...)
		case hasHiddenChars(r.Name, false):
			if _, err := w.Write(b); err != nil {
				return err
			}
			if err := Visible(r.Name, false).Render(ctx, w); err != nil {
				return err
			}
			b = b[:0]
		default:
			b = appendEscaped(b, r.Name)
		}
		b = append(b, `</a></td><td data-testid="group-owner"><a href="`...)
		b = appendEscaped(b, string(r.OwnerURL))
		b = append(b, `">`...)
		b = appendEscaped(b, r.Owner)
		b = append(b, `</a></td><td class="num" data-testid="group-members">`...)
		b = appendEscaped(b, p.L.Number(r.Members))
		b = append(b, `</td><td data-testid="group-modified">`...)
		if r.LastModified.IsZero() {
			b = append(b, `<span class="muted" data-testid="group-modified-time">—</span>`...)
		} else {
			// As timeTag writes it: relative, the exact time on hover.
			b = append(b, `<time datetime="`...)
			b = escapeFrom(r.LastModified.UTC().AppendFormat(b, time.RFC3339), len(b))
			b = append(b, `" title="`...)
			local := r.LastModified.In(p.L.Zone())
			b = escapeFrom(local.AppendFormat(b, txt.exactLayout), len(b))
			b = append(b, `" data-testid="group-modified-time">`...)
			if p.L.ShowsAsDate(r.LastModified) {
				b = escapeFrom(local.AppendFormat(b, txt.dateLayout), len(b))
			} else {
				b = appendEscaped(b, p.L.Ago(r.LastModified))
			}
			b = append(b, `</time>`...)
		}
		b = append(b, `</td><td class="actions">`...)
		if p.CanEdit {
			// As groupCheckbox writes it, for the bulk-delete form.
			b = append(b, `<input type="checkbox" name="group" value="`...)
			b = appendEscaped(b, r.ID)
			b = append(b, `" form="groups-delete" id="groups-delete-`...)
			b = appendEscaped(b, r.ID)
			b = append(b, `" data-testid="select-group"> <label for="groups-delete-`...)
			b = appendEscaped(b, r.ID)
			b = append(b, `" class="visually-hidden">`...)
			b = appendEscaped(b, txt.selectBefore)
			b = appendEscaped(b, r.ID)
			b = appendEscaped(b, txt.selectAfter)
			b = append(b, `</label>`...)
			name := VisibleText(r.Name)
			b = append(b, `<a href="`...)
			b = appendEscaped(b, string(r.EditURL))
			b = append(b, `" class="btn btn-small" data-testid="group-edit">`...)
			b = appendEscaped(b, txt.edit)
			b = append(b, `<span class="visually-hidden">`...)
			b = appendEscaped(b, name)
			b = append(b, `</span></a> <a href="`...)
			b = appendEscaped(b, string(r.DeleteURL))
			b = append(b, `" class="btn btn-small btn-danger" hx-get="`...)
			b = appendEscaped(b, string(r.DeleteURL))
			b = append(b, `" hx-target="#dialog-slot" hx-swap="innerHTML" data-testid="group-delete">`...)
			b = appendEscaped(b, txt.del)
			b = append(b, `<span class="visually-hidden">`...)
			b = appendEscaped(b, name)
			b = append(b, `</span></a>`...)
		}
		b = append(b, `</td></tr>`...)
		_, err := w.Write(b)
		return err
	})
}

// rowBuffers hold a row while it is escaped, so that a row costs no
// allocation of its own.
var rowBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// escapeFrom escapes what was appended to b after start (a formatted time,
// which rarely holds anything to escape).
func escapeFrom(b []byte, start int) []byte {
	for _, c := range b[start:] {
		if c == '&' || c == '\'' || c == '<' || c == '>' || c == '"' {
			return appendEscaped(b[:start], string(b[start:]))
		}
	}
	return b
}

// groupRowTexts are a row's words in one language, looked up once rather
// than 50 times a page.
type groupRowTexts struct {
	unnamed, edit, del        string
	selectBefore, selectAfter string // around the id in bulk.select_group
	exactLayout, dateLayout   string // time layouts: ExactTime's, DateTime's
}

var groupRowTextsByLang sync.Map // Lang → *groupRowTexts

func groupRowTextsFor(l Localizer) *groupRowTexts {
	if t, ok := groupRowTextsByLang.Load(l.Lang()); ok {
		return t.(*groupRowTexts)
	}
	const mark = "\x00"
	before, after, _ := strings.Cut(l.T("bulk.select_group", mark), mark)
	t := &groupRowTexts{
		unnamed: l.T("group.unnamed"), edit: l.T("common.edit"), del: l.T("common.delete"),
		selectBefore: before, selectAfter: after,
		exactLayout: l.T("lang.datetime_seconds_layout"), dateLayout: l.T("lang.datetime_layout"),
	}
	groupRowTextsByLang.Store(l.Lang(), t)
	return t
}
