package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"groupdesk/agora"
	"groupdesk/web/store"
)

// lossyAgora forwards every request to the shared sandbox, but the answer
// to the calls fault picks is lost after the sandbox applied them: a 500
// in its place, a 200 cut short, or (applied false) a 500 without
// forwarding at all.
type lossyAgora struct {
	url string
	mu  sync.Mutex
	// fault is how to answer method; "" forwards as is.
	fault map[string]string
}

func newLossyAgora(t *testing.T) *lossyAgora {
	t.Helper()
	_, sbURL := sharedSandbox(t)
	target, _ := url.Parse(sbURL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	l := &lossyAgora{fault: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		fault := l.fault[r.Method]
		l.mu.Unlock()
		switch fault {
		case "":
			proxy.ServeHTTP(w, r)
			return
		case "500 not applied":
		default:
			proxy.ServeHTTP(httptest.NewRecorder(), r) // applied; the answer is dropped
		}
		switch fault {
		case "timeout":
			<-r.Context().Done() // applied; no answer until the caller gives up
		case "truncated":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "400")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`{"data":{"grou`))
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"error":"internal_error","exception":"x","timestamp":1,"duration":0,"error_description":"boom"}`))
		}
	}))
	t.Cleanup(srv.Close)
	l.url = srv.URL
	return l
}

func (l *lossyAgora) set(method, fault string) {
	l.mu.Lock()
	l.fault[method] = fault
	l.mu.Unlock()
}

// groupsNamed counts the groups of owner with that name, from the sandbox.
func groupsNamed(t *testing.T, e *env, owner, name string) []string {
	t.Helper()
	joined, _, err := e.client.Groups.ListJoined(context.Background(), owner, &agora.JoinedOptions{PageNum: 1, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, g := range joined {
		if g.Name == name {
			ids = append(ids, g.ID)
		}
	}
	return ids
}

func auditOf(t *testing.T, e *env, action string) store.AuditEntry {
	t.Helper()
	recs, err := e.srv.st.AuditPage(context.Background(), store.AuditFilter{Action: action, Limit: 1})
	if err != nil || len(recs) != 1 {
		t.Fatalf("audit: %v, %d records", err, len(recs))
	}
	return recs[0]
}

// TestCreateWithLostAnswer: Agora created the group but its answer was
// lost. Groupdesk looks before offering a retry, and shows the group.
func TestCreateWithLostAnswer(t *testing.T) {
	for _, fault := range []string{"500", "truncated", "timeout"} {
		t.Run(fault, func(t *testing.T) {
			lossy := newLossyAgora(t)
			e := newEnv(t, withAPI(lossy.url), withClientOpts(agora.WithRetries(0, 0)),
				withConfig(func(c *Config) { c.PageTimeout = 300 * time.Millisecond })).login()
			lossy.set(http.MethodPost, fault)
			name := "Lost answer " + fault + " " + t.Name()
			p := e.post("/groups", validCreateForm(name))
			lossy.set(http.MethodPost, "")
			ids := groupsNamed(t, e, "alice", name)
			if len(ids) != 1 {
				t.Fatalf("%d groups named %q", len(ids), name)
			}
			wantStatus(t, p, http.StatusSeeOther)
			if got := p.Header.Get("Location"); got != "/groups/"+ids[0] {
				t.Errorf("Location %q, want the created group %s", got, ids[0])
			}
			if got := e.follow(p).text("flash"); !strings.Contains(got, "was created") {
				t.Errorf("flash %q", got)
			}
			rec := auditOf(t, e, store.ActionGroupCreate)
			if rec.Outcome != store.OutcomeSuccess || rec.Target != ids[0] || rec.ErrorCode != "answer_lost" {
				t.Errorf("audit: outcome %q, target %q, code %q", rec.Outcome, rec.Target, rec.ErrorCode)
			}
		})
	}
}

// TestCreateLostAndNotApplied: a 5xx for a create that did not happen is
// told apart by looking, and the form offers the retry.
func TestCreateLostAndNotApplied(t *testing.T) {
	lossy := newLossyAgora(t)
	e := newEnv(t, withAPI(lossy.url), withClientOpts(agora.WithRetries(0, 0))).login()
	lossy.set(http.MethodPost, "500 not applied")
	name := "Not created " + t.Name()
	p := e.post("/groups", validCreateForm(name))
	wantStatus(t, p, http.StatusBadGateway)
	if got := p.text("form-error"); !strings.Contains(got, "not created") {
		t.Errorf("form-error %q", got)
	}
	if n := len(groupsNamed(t, e, "alice", name)); n != 0 {
		t.Errorf("%d groups", n)
	}
	if rec := auditOf(t, e, store.ActionGroupCreate); rec.Outcome != store.OutcomeFailure {
		t.Errorf("audit outcome %q", rec.Outcome)
	}
}

// TestDoubleSubmittedCreate: the same rendered form sent twice, one after
// the other and at once, creates one group; the second send goes to it.
func TestDoubleSubmittedCreate(t *testing.T) {
	e := newEnv(t).login()
	for _, together := range []bool{false, true} {
		name := fmt.Sprintf("Double %v %s", together, t.Name())
		form := validCreateForm(name)
		tok := e.get("/groups/new").doc.Find(`input[name="form_token"]`).AttrOr("value", "")
		if tok == "" {
			t.Fatal("the create form has no one-time token")
		}
		form.Set("form_token", tok)
		form.Set(csrfField, e.csrfOf(e.http))
		var pages [2]*page
		if together {
			var wg sync.WaitGroup
			for i := range pages {
				wg.Go(func() { pages[i] = e.post("/groups", form) })
			}
			wg.Wait()
		} else {
			for i := range pages {
				pages[i] = e.post("/groups", form)
			}
		}
		if !together {
			// A third send reaching another replica (which has not seen the
			// token) is caught by the session the replicas share.
			e.srv.tokens = formTokens{}
			if p := e.post("/groups", form); p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != pages[0].Header.Get("Location") {
				t.Errorf("send on another replica: %d to %q", p.StatusCode, p.Header.Get("Location"))
			}
		}
		ids := groupsNamed(t, e, "alice", name)
		if len(ids) != 1 {
			t.Fatalf("together=%v: %d groups created", together, len(ids))
		}
		for i, p := range pages {
			wantStatus(t, p, http.StatusSeeOther)
			if got := p.Header.Get("Location"); got != "/groups/"+ids[0] {
				t.Errorf("together=%v: send %d went to %q", together, i, got)
			}
		}
	}
}

// TestEditAndDeleteWithLostAnswer: the change was made but its answer was
// lost; reading the group again tells the moderator it was.
func TestEditAndDeleteWithLostAnswer(t *testing.T) {
	lossy := newLossyAgora(t)
	e := newEnv(t, withAPI(lossy.url), withClientOpts(agora.WithRetries(0, 0))).login()
	e.sb, _ = sharedSandbox(t)
	id, _ := newTestGroup(t, e)

	form := editForm(t, e.get("/groups/"+id+"/edit"))
	form.Set("groupname", "Saved despite 500")
	lossy.set(http.MethodPut, "500")
	p := e.post("/groups/"+id, form)
	wantStatus(t, p, http.StatusSeeOther)
	if got := e.follow(p).text("flash"); !strings.Contains(got, "updated") {
		t.Errorf("edit flash %q", got)
	}
	if rec := auditOf(t, e, store.ActionGroupUpdate); rec.Outcome != store.OutcomeSuccess || rec.ErrorCode != "answer_lost" {
		t.Errorf("edit audit: %q %q", rec.Outcome, rec.ErrorCode)
	}

	lossy.set(http.MethodDelete, "500")
	p = e.post("/groups/"+id+"/delete", nil)
	wantStatus(t, p, http.StatusSeeOther)
	if got := e.follow(p).text("flash"); !strings.Contains(got, "deleted") {
		t.Errorf("delete flash %q", got)
	}
	if rec := auditOf(t, e, store.ActionGroupDelete); rec.Outcome != store.OutcomeSuccess || rec.ErrorCode != "answer_lost" {
		t.Errorf("delete audit: %q %q", rec.Outcome, rec.ErrorCode)
	}
}
