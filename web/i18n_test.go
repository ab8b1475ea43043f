package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"groupdesk/views"
)

func TestNegotiateLang(t *testing.T) {
	for header, want := range map[string]views.Lang{
		"":                        views.English,
		"zh-CN,zh;q=0.9,en;q=0.8": views.Chinese,
		"en-US,en;q=0.9,zh;q=0.8": views.English,
		"fr-FR, zh-Hans;q=0.5":    views.Chinese,
		"de":                      views.English,
		"en;q=0.2, zh-TW;q=0.7":   views.Chinese,
		"zh;q=0, en":              views.English,
		"ZH-cn":                   views.Chinese,
	} {
		if got := negotiateLang(header); got != want {
			t.Errorf("negotiateLang(%q) = %q, want %q", header, got, want)
		}
	}
}

func TestAcceptLanguageChinese(t *testing.T) {
	e := newEnv(t)
	p := e.get("/login", "Accept-Language", "zh-CN,zh;q=0.9")
	if lang := p.doc.Find("html").AttrOr("lang", ""); lang != "zh-Hans" {
		t.Errorf("html lang = %q", lang)
	}
	if got := p.find("login-submit").Text(); got != "登录" {
		t.Errorf("login button %q", got)
	}
	e.login()
	list := e.get("/groups", "Accept-Language", "zh-CN")
	if got := list.find("nav-groups").Text(); got != "群组" {
		t.Errorf("nav = %q", got)
	}
	if got := list.text("pager-page"); got != "第 1 页" {
		t.Errorf("pager = %q", got)
	}
	missing := e.get("/users/nobody.at.all/groups", "Accept-Language", "zh-CN")
	if got := missing.text("error-message"); got != "此应用中没有名为 nobody.at.all 的用户。" {
		t.Errorf("error = %q", got)
	}
}

func TestLanguageSwitcher(t *testing.T) {
	e := newEnv(t).login()
	id, req := newTestGroup(t, e)
	p := e.post("/language", url.Values{"lang": {"zh"}, "next": {"/groups/" + id}})
	wantStatus(t, p, http.StatusSeeOther)
	if got := p.Header.Get("Location"); got != "/groups/"+id {
		t.Fatalf("Location = %q", got)
	}
	// The choice beats the browser's Accept-Language and sticks.
	d := e.get("/groups/"+id, "Accept-Language", "en-US")
	if got := d.find("edit-group").Text(); got != "编辑群组" {
		t.Errorf("edit button = %q", got)
	}
	if sel := d.find("language-select").Find("option[selected]").AttrOr("value", ""); sel != "zh" {
		t.Errorf("switcher shows %q", sel)
	}
	// Flashes are translated too.
	res := e.post("/groups/"+id+"/delete", url.Values{"name": {req.GroupName}})
	if got := e.follow(res).text("flash"); got != "群组“"+req.GroupName+"”已删除" {
		t.Errorf("flash = %q", got)
	}
	// Validation messages.
	form := validCreateForm("")
	f := e.post("/groups", form)
	if got := f.text("error-groupname"); got != "请输入群组名称。" {
		t.Errorf("validation = %q", got)
	}
	// Open redirects are refused here as well.
	p = e.post("/language", url.Values{"lang": {"en"}, "next": {"//evil.example"}})
	if got := p.Header.Get("Location"); got != "/groups" {
		t.Errorf("Location = %q", got)
	}
	wantStatus(t, e.post("/language", url.Values{"lang": {"fr"}}), http.StatusBadRequest)
	// The language survives signing out.
	e.post("/language", url.Values{"lang": {"zh"}})
	out := e.follow(e.post("/logout", nil))
	if got := out.find("login-submit").Text(); got != "登录" {
		t.Errorf("after logout: %q", got)
	}
	if !strings.Contains(out.doc.Find("html").AttrOr("lang", ""), "zh") {
		t.Error("html lang after logout")
	}
}
