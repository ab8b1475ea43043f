package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"groupdesk/agora"
)

// visitEverything renders every page, fragment and error page once and
// returns the responses.
func visitEverything(t *testing.T) []*page {
	t.Helper()
	e := newEnv(t)
	var pages []*page
	add := func(p *page) *page { pages = append(pages, p); return p }

	add(e.get("/login"))
	add(e.get("/groups"))                                                                    // redirect to login
	add(e.get("/groups", "HX-Request", "true"))                                              // HX-Redirect
	add(e.post("/login", url.Values{"username": {"admin"}, "password": {"wrong password"}})) // login error
	add(e.post("/login", url.Values{"username": {"admin"}, "password": {testAdminPass}}))
	id, req := newTestGroup(t, e)

	add(e.get("/"))
	list := add(e.get("/groups?limit=10"))
	add(e.get(list.find("pager-next").AttrOr("href", ""))) // page 2
	add(e.get(list.find("load-more").AttrOr("hx-get", ""), "HX-Request", "true"))
	add(e.get("/groups/jump?id=" + id))
	add(e.get("/groups/jump?id=1"))
	add(e.get("/groups/" + id))
	add(e.get("/groups/"+id+"?q=b", "HX-Request", "true"))
	add(e.get("/groups/" + id + "/members.csv"))
	add(e.get("/groups/new"))
	add(e.post("/groups", url.Values{"groupname": {""}, "owner": {"nobody.at.all"}, "maxusers": {"5"}}))
	add(e.post("/groups", validCreateForm("Security sweep")))
	add(e.get("/groups/" + id + "/edit"))
	add(e.post("/groups/"+id, url.Values{"groupname": {""}, "orig_groupname": {"x"}, "maxusers": {"1"}}))
	add(e.get("/groups/" + id + "/delete"))
	add(e.get("/groups/"+id+"/delete", "HX-Request", "true"))
	add(e.get("/users?username=alice"))
	add(e.get("/users/alice/groups"))
	add(e.get("/users/nobody.at.all/groups"))
	add(e.get("/groups/99999999999"))
	add(e.get("/no/such/page"))
	add(e.post("/groups/"+id+"/delete", url.Values{"name": {req.GroupName}, csrfField: {"forged"}}))
	add(e.post("/language", url.Values{"lang": {"zh"}, "next": {"/groups/" + id}}))
	add(e.get("/groups/" + id))
	for _, asset := range []string{string(e.srv.assets.CSS), string(e.srv.assets.HTMX), string(e.srv.assets.App)} {
		add(e.get(asset))
	}
	add(e.post("/groups/"+id+"/delete", url.Values{"name": {req.GroupName}}))
	add(e.post("/logout", nil))

	// Error pages from a failing Agora.
	bad := newEnv(t, withAPI(stubAgora(t, 429, "reach_limit", "limit")), withClientOpts(agora.WithRetries(0, time.Millisecond))).login()
	pages = append(pages, bad.get("/groups"), bad.get("/groups/1", "HX-Request", "true"))
	unauth := newEnv(t, withCert("00000000000000000000000000000000")).login()
	pages = append(pages, unauth.get("/groups"))
	for _, p := range pages {
		if p.StatusCode >= 500 && p.StatusCode != http.StatusBadGateway {
			t.Errorf("%s %s: status %d", p.Request.Method, p.Request.URL, p.StatusCode)
		}
	}
	sentTokens = append(e.rec.sentTokens(), unauth.rec.sentTokens()...)
	return pages
}

// sentTokens are the Authorization tokens the last visitEverything saw.
var sentTokens []string

func TestNoSecretsInPages(t *testing.T) {
	pages := visitEverything(t)
	token, err := agora.BuildAppToken(testAppID, testAppCert, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(sentTokens) == 0 {
		t.Fatal("the recorder saw no Authorization header")
	}
	secrets := map[string]string{
		"app certificate": testAppCert,
		"built app token": token,
		"token prefix":    "007eJ", // every AccessToken2: "007" + base64 of a zlib stream
		"session key":     testSessionKey,
		"admin password":  testAdminPass,
		"wrong cert":      "00000000000000000000000000000000",
	}
	for i, tok := range sentTokens {
		secrets["token sent to Agora #"+string(rune('0'+i))] = tok
	}
	for _, p := range pages {
		var where strings.Builder
		where.WriteString(p.body)
		for k, vs := range p.Header {
			where.WriteString(k + ": " + strings.Join(vs, "; ") + "\n")
		}
		for _, c := range p.Cookies() {
			where.WriteString(c.Name + "=" + c.Value + "\n")
		}
		all := where.String()
		for what, secret := range secrets {
			if strings.Contains(all, secret) {
				t.Errorf("%s %s: response contains the %s", p.Request.Method, p.Request.URL, what)
			}
		}
	}
}

func TestSecurityHeadersAndNoInlineCode(t *testing.T) {
	pages := visitEverything(t)
	want := map[string]string{
		"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
		"X-Frame-Options":         "DENY",
	}
	htmlPages := 0
	for _, p := range pages {
		name := p.Request.Method + " " + p.Request.URL.RequestURI()
		for h, v := range want {
			if got := p.Header.Get(h); got != v {
				t.Errorf("%s: %s = %q", name, h, got)
			}
		}
		if !strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") || p.body == "" {
			continue
		}
		htmlPages++
		if !strings.HasPrefix(p.Request.URL.Path, "/static/") && p.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control = %q", name, p.Header.Get("Cache-Control"))
		}
		p.doc.Find("script").Each(func(_ int, s *goquery.Selection) {
			if s.AttrOr("src", "") == "" || strings.TrimSpace(s.Text()) != "" {
				t.Errorf("%s: inline <script>", name)
			}
			if src := s.AttrOr("src", ""); !strings.HasPrefix(src, "/static/") {
				t.Errorf("%s: script from %q", name, src)
			}
		})
		if p.doc.Find("style").Length() > 0 {
			t.Errorf("%s: <style> element", name)
		}
		p.doc.Find("*").Each(func(_ int, s *goquery.Selection) {
			for _, a := range s.Nodes[0].Attr {
				if a.Key == "style" || strings.HasPrefix(a.Key, "on") || strings.HasPrefix(a.Key, "hx-on") {
					t.Errorf("%s: <%s %s=%q>", name, goquery.NodeName(s), a.Key, a.Val)
				}
				if (a.Key == "href" || a.Key == "src" || a.Key == "action") && strings.HasPrefix(strings.ToLower(a.Val), "javascript:") {
					t.Errorf("%s: javascript: URL", name)
				}
			}
		})
		if p.doc.Find("html").Length() > 0 && strings.Contains(p.body, "<html") {
			cfg := p.doc.Find(`meta[name="htmx-config"]`).AttrOr("content", "")
			if !strings.Contains(cfg, `"includeIndicatorStyles":false`) || !strings.Contains(cfg, `"allowEval":false`) {
				t.Errorf("%s: htmx-config = %q", name, cfg)
			}
		}
	}
	if htmlPages < 20 {
		t.Errorf("only %d HTML responses checked", htmlPages)
	}
}

func TestStaticFiles(t *testing.T) {
	e := newEnv(t)
	for _, asset := range []string{string(e.srv.assets.CSS), string(e.srv.assets.HTMX), string(e.srv.assets.App)} {
		p := e.get(asset)
		wantStatus(t, p, http.StatusOK)
		if got := p.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", asset, got)
		}
		if !strings.Contains(asset, "?v=") {
			t.Errorf("%s has no version", asset)
		}
	}
	if ct := e.get(string(e.srv.assets.CSS)).Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("CSS Content-Type %q", ct)
	}
	if ct := e.get(string(e.srv.assets.App)).Header.Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("JS Content-Type %q", ct)
	}
	if got := e.get("/static/css/app.css?v=old").Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("stale version cached: %q", got)
	}
	wantStatus(t, e.get("/static/css/"), http.StatusNotFound)
	wantStatus(t, e.get("/static/static.go"), http.StatusNotFound)
	wantStatus(t, e.get("/static/../web/server.go"), http.StatusNotFound)
}
