package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"groupdesk/agora"
)

// fuzzSandbox opens a sandbox with a few users and one group.
func fuzzSandbox(f *testing.F) (http.Handler, string, string) {
	sb, err := Open(testConfig(f.TempDir()))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { sb.Close() })
	ctx := context.Background()
	if err := sb.CreateUsers(ctx, "owner", "m1", "m2"); err != nil {
		f.Fatal(err)
	}
	if err := sb.BulkCreateGroups(ctx, 3, "owner", 1); err != nil {
		f.Fatal(err)
	}
	groups, _, err := sb.store.listGroups(ctx, 1<<62, 1, false)
	if err != nil {
		f.Fatal(err)
	}
	token, err := agora.BuildAppToken(testAppID, testCert, time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	return sb.Handler(), token, formatGroupID(groups[0].ID)
}

// checkAgoraShape: any answer is a 2xx envelope or an Agora error body,
// never a 500.
func checkAgoraShape(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("status %d: body is not a JSON object: %v\n%s", rec.Code, err, rec.Body)
	}
	if rec.Code >= 500 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if rec.Code >= 200 && rec.Code < 300 {
		if _, ok := body["action"].(string); !ok {
			t.Fatalf("2xx without an envelope: %s", rec.Body)
		}
		return
	}
	e, ok1 := body["error"].(string)
	d, ok2 := body["error_description"].(string)
	if !ok1 || !ok2 || e == "" || d == "" {
		t.Fatalf("status %d without an Agora error body: %s", rec.Code, rec.Body)
	}
}

func serve(h http.Handler, token, method, target string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func FuzzCreateBody(f *testing.F) {
	for _, s := range []string{
		seedCreateBody, "", "{", "}", "[]", "null", "0", `"str"`, `{"public":true}`,
		`{"public":true,"owner":"owner","members":["m1","M2","owner"],"maxusers":"3"}`,
		`{"public":1e400,"owner":"owner"}`, `{"public":true,"owner":"owner","maxusers":1e10}`,
		`{"public":true,"owner":"owner","groupname":"\u0000\ud800"}`, "{\"a\":\"\xff\"}",
		`{"public":true,"owner":["x"]}`, `{"public":true,"owner":"owner","members":[null,1]}`,
		"{\n  \"groupname\" = 1\n}", `{"public":true,"owner":"owner"} trailing`,
	} {
		f.Add([]byte(s))
	}
	h, token, _ := fuzzSandbox(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		checkAgoraShape(t, serve(h, token, "POST", "/acme/desk/chatgroups", body))
	})
}

func FuzzPutBody(f *testing.F) {
	for _, s := range []string{
		seedPutBody, "", "{}", `{"desc":"x"}`, `{"newowner":"m1"}`, `{"newowner":"nobody"}`,
		`{"maxusers":0}`, `{"maxusers":"12"}`, `{"groupname":null}`, `{"custom":5}`, "[", `{"public":false,"avatar":"a"}`,
	} {
		f.Add([]byte(s))
	}
	h, token, gid := fuzzSandbox(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		checkAgoraShape(t, serve(h, token, "PUT", "/acme/desk/chatgroups/"+gid, body))
	})
}

func FuzzCursor(f *testing.F) {
	sb := &Sandbox{cfg: testConfig("")}
	for _, s := range []string{
		"", "!!!", "====", "Zm9v", sb.encodeCursor(1), sb.encodeCursor(1 << 62), sb.encodeCursor(-5),
		"aW06Z3JvdXA6YWNtZSNkZXNrOjA", "aW06Z3JvdXA6YWNtZSNkZXNrOjk5OTk5OTk5OTk5OTk5OTk5OTk5OQ",
		"Y2hhdGdyb3VwczplYXNlbW9iLWRlbW8vY2hhdGRlbW91aV8z", "a b+c/d",
	} {
		f.Add(s)
	}
	h, token, _ := fuzzSandbox(f)
	f.Fuzz(func(t *testing.T, cursor string) {
		rec := serve(h, token, "GET", "/acme/desk/chatgroups?limit=2&cursor="+url.QueryEscape(cursor), nil)
		checkAgoraShape(t, rec)
		if rec.Code != 200 && rec.Code != 400 {
			t.Fatalf("cursor %q: status %d", cursor, rec.Code)
		}
	})
}
