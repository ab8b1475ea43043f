package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestCSRF(t *testing.T) {
	e := newEnv(t).login()
	id, req := newTestGroup(t, e)
	token := e.csrfOf(e.http)
	form := func(extra ...string) url.Values {
		v := url.Values{"name": {req.GroupName}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	tests := []struct {
		name    string
		values  url.Values
		headers []string
		want    int
	}{
		{"missing token", form(csrfField, ""), nil, http.StatusForbidden},
		{"wrong token", form(csrfField, token+"x"), nil, http.StatusForbidden},
		{"token of another session", form(csrfField, e.csrfOf(e.newBrowser())), nil, http.StatusForbidden},
		{"cross-origin", form(), []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"cross-site fetch", form(), []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"null origin", form(), []string{"Origin", "null"}, http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.rec.reset()
			p := e.post("/groups/"+id+"/delete", tc.values, tc.headers...)
			wantStatus(t, p, tc.want)
			if len(e.upstreamCalls()) != 0 {
				t.Fatal("a refused request reached Agora")
			}
			if p.find("error-page").Length() != 1 || p.find("error-heading").Text() != "Not allowed" {
				t.Errorf("not the friendly 403 page:\n%s", p.body)
			}
		})
	}

	// The header htmx sends works as well as the form field.
	v := url.Values{"name": {req.GroupName}, csrfField: {""}}
	p := e.post("/groups/"+id+"/delete", v, "X-CSRF-Token", token, "Origin", e.web.URL, "Sec-Fetch-Site", "same-origin")
	wantStatus(t, p, http.StatusSeeOther)
}

func TestCSRFOnLoginAndLanguage(t *testing.T) {
	e := newEnv(t)
	p := e.post("/login", url.Values{"username": {"admin"}, "password": {testAdminPass}, csrfField: {""}})
	wantStatus(t, p, http.StatusForbidden)
	p = e.post("/language", url.Values{"lang": {"zh"}, csrfField: {"nope"}})
	wantStatus(t, p, http.StatusForbidden)
	p = e.post("/logout", url.Values{csrfField: {"nope"}})
	wantStatus(t, p, http.StatusForbidden)
}

func TestBodyCarriesCSRFHeaderForHTMX(t *testing.T) {
	e := newEnv(t).login()
	p := e.get("/groups/new")
	hx := p.doc.Find("body").AttrOr("hx-headers", "")
	token := p.doc.Find(`input[name="_csrf"]`).First().AttrOr("value", "")
	if token == "" || !strings.Contains(hx, `"X-CSRF-Token":"`+token+`"`) {
		t.Fatalf("body hx-headers = %q, token %q", hx, token)
	}
}
