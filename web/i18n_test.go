package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

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
	if got := list.text("pager-page"); got != "第 1–25 个群组" {
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
	if got := out.text("flash"); !strings.Contains(got, "你已退出登录") {
		t.Errorf("signed-out message after logout: %q", got)
	}
	if !strings.Contains(out.doc.Find("html").AttrOr("lang", ""), "zh") {
		t.Error("html lang after logout")
	}
}

// TestCountsSayOneMember follows a group of one (the owner) through the
// pages that count its members, in both languages, and on to its deletion
// in the audit log.
func TestCountsSayOneMember(t *testing.T) {
	e := newEnv(t).login()
	if err := e.sb.CreateUsers(context.Background(), "alice"); err != nil {
		t.Fatal(err)
	}
	form := validCreateForm("Solo")
	form.Set("members", "")
	res := e.post("/groups", form)
	wantStatus(t, res, http.StatusSeeOther)
	id := strings.TrimPrefix(res.Header.Get("Location"), "/groups/")

	for _, tc := range []struct {
		path, testid, en, zh string
	}{
		{"/groups/" + id, "member-summary", "1 member.", "共 1 名成员。"},
		{"/groups/" + id + "/edit", "maxusers-help", "A whole number up to 2000, counting the owner; not lower than the current 1 member.", "不超过 2000 的整数，包括群主；不能低于当前的 1 名成员。"},
		{"/groups/" + id + "/delete", "delete-description", "Group " + id + " and the membership of its 1 member will be deleted for good. This cannot be undone.", "群组 " + id + " 及其 1 名成员的群成员关系将被永久删除，且无法恢复。"},
		{"/audit?target=" + id, "audit-summary", "“Solo”, owner alice, 1 member, maximum 300", "“Solo”，群主 alice，1 名成员，上限 300"},
	} {
		for lang, want := range map[string]string{"en": tc.en, "zh-CN": tc.zh} {
			p := e.get(tc.path, "Accept-Language", lang)
			wantStatus(t, p, http.StatusOK)
			sel := p.find(tc.testid).First()
			sel.Find("a").Remove() // the member summary ends with the CSV link
			if got := strings.TrimSpace(sel.Text()); got != want {
				t.Errorf("%s in %s: %s = %q, want %q", tc.path, lang, tc.testid, got, want)
			}
		}
	}

	wantStatus(t, e.post("/groups/"+id+"/delete", url.Values{"name": {"Solo"}}), http.StatusSeeOther)
	p := e.get("/audit?target="+id, "Accept-Language", "en")
	del := p.doc.Find(`[data-testid="audit-row"][data-action="delete_group"] [data-testid="audit-summary"]`)
	if got := strings.TrimSpace(del.Text()); got != "“Solo”, owner alice, 1 member at deletion" {
		t.Errorf("delete summary %q", got)
	}
}
