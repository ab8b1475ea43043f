package web

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"groupdesk/views"
)

// FuzzGroupForm decodes and validates create and edit forms: a form that
// passes is one Agora may be sent (valid UTF-8, no hidden characters in a
// changed text, within the limits), and a form submitted unchanged sends
// nothing.
func FuzzGroupForm(f *testing.F) {
	f.Add("Team", "Line one\r\nLine two", "alice", "bob, carol", "200", `{"level":3}`, true)
	f.Add("line1\nline2", "\x00", "a", "a,a", "0", "", false)
	f.Add("\u202Egpj.exe", "\xff", "-x", "，、;", "2001", "=1+1", true)
	e := echo.New()
	f.Fuzz(func(t *testing.T, name, desc, owner, members, maxUsers, custom string, create bool) {
		form := url.Values{
			views.FieldGroupName: {name}, views.FieldDescription: {desc}, views.FieldOwner: {owner},
			views.FieldMembers: {members}, views.FieldMaxUsers: {maxUsers}, views.FieldCustom: {custom},
			"orig_" + views.FieldGroupName: {name}, "orig_" + views.FieldDescription: {desc},
			"orig_" + views.FieldMaxUsers: {maxUsers}, "orig_" + views.FieldCustom: {custom},
		}
		req := httptest.NewRequest(http.MethodPost, "/groups", strings.NewReader(form.Encode()))
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
		c := e.NewContext(req, httptest.NewRecorder())
		values := readGroupForm(c, "")
		orig := readGroupForm(c, "orig_")
		if create {
			orig = views.GroupFormValues{}
		}
		in, errs := validateGroup(values, create, 0, orig)
		if len(errs) > 0 {
			return
		}
		if !create {
			if r := in.updateRequest(orig); r != nil {
				t.Fatalf("an unchanged form sends %+v", r)
			}
		}
		for field, v := range map[string]string{views.FieldGroupName: in.GroupName, views.FieldDescription: in.Description, views.FieldCustom: in.Custom} {
			if !create {
				break // unchanged texts are not checked: they are not sent
			}
			if !utf8.ValidString(v) {
				t.Fatalf("%s %q accepted: not UTF-8", field, v)
			}
			for _, r := range v {
				if views.HiddenChar(r) && (field == views.FieldGroupName || r != '\n' && r != '\t') {
					t.Fatalf("%s %q accepted with hidden %U", field, v, r)
				}
			}
		}
		if in.MaxUsers < 1 || in.MaxUsers > maxGroupUsers {
			t.Fatalf("maxusers %d accepted", in.MaxUsers)
		}
		if create && (in.GroupName == "" || !validUsername(in.Owner) || len(in.Members) > 100) {
			t.Fatalf("create accepted: %+v", in)
		}
		for _, m := range in.Members {
			if !validUsername(m) {
				t.Fatalf("member %q accepted", m)
			}
		}
	})
}

// FuzzCSVDownload writes rows through csvDownload and reads them back: the
// file parses, has every row, and no cell can start a spreadsheet formula.
func FuzzCSVDownload(f *testing.F) {
	f.Add("=cmd|' /C calc'!A0", "a,b", "line\r\nbreak", `"quoted"`)
	f.Add("@SUM(1)", "\t-1", "+1", "")
	f.Add("\xff\x00", "\r", "\n", "naïve")
	e := echo.New()
	f.Fuzz(func(t *testing.T, a, b, c, d string) {
		rec := httptest.NewRecorder()
		ctx := e.NewContext(httptest.NewRequest(http.MethodGet, "/x.csv", nil), rec)
		out := newCSVDownload(ctx.Response(), "x.csv", "a", "b", "c", "d")
		in := [][]string{{a, b, c, d}, {d, c, b, a}}
		for _, row := range in {
			out.Row(csvCell(row[0]), csvCell(row[1]), csvCell(row[2]), csvCell(row[3]))
		}
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(rec.Header().Get(echo.HeaderContentType), "text/csv") {
			t.Fatalf("content type %q", rec.Header().Get(echo.HeaderContentType))
		}
		r := csv.NewReader(bytes.NewReader(rec.Body.Bytes()))
		got, err := r.ReadAll()
		if err != nil {
			t.Fatalf("the file does not parse: %v\n%q", err, rec.Body.String())
		}
		if len(got) != 3 {
			t.Fatalf("%d records, want 3", len(got))
		}
		for i, row := range got[1:] {
			for j, cell := range row {
				// encoding/csv reads a quoted CR LF back as LF.
				want := strings.ReplaceAll(csvCell(in[i][j]), "\r\n", "\n")
				if cell != want && !strings.Contains(in[i][j], "\r") {
					t.Fatalf("cell %d,%d = %q, want %q", i, j, cell, want)
				}
				if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
					t.Fatalf("cell %q starts a formula", cell)
				}
			}
		}
	})
}
