package web

import (
	"os"
	"testing"
)

func TestSmoke(t *testing.T) {
	e := newEnv(t).login()
	p := e.get("/groups")
	wantStatus(t, p, 200)
	os.WriteFile("/tmp/gd-list.html", []byte(p.body), 0o644)
	id, _ := p.find("group-row").First().Attr("data-group-id")
	d := e.get("/groups/" + id)
	wantStatus(t, d, 200)
	os.WriteFile("/tmp/gd-detail.html", []byte(d.body), 0o644)
	t.Log(e.logs.String())
}
