package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"time"
)

// contentTypeJSON is what the real service sends on every response.
const contentTypeJSON = "application/json;charset=UTF-8"

// reply is what a handler returns on success; writeReply wraps it in the
// envelope.
type reply struct {
	data     any
	entities []any       // user endpoints; group endpoints leave it empty
	path     string      // "path" key (user endpoints only)
	count    *int        // "count" on list/detail endpoints
	cursor   string      // list-all: set only when there is a next page
	file     *sharedFile // a shared file's download, written instead of the envelope
}

func withCount(data any, n int) *reply { return &reply{data: data, count: &n} }

type envelope struct {
	Action          string              `json:"action"`
	Application     string              `json:"application"`
	ApplicationName string              `json:"applicationName"`
	Organization    string              `json:"organization"`
	Path            string              `json:"path,omitempty"`
	URI             string              `json:"uri"`
	Params          map[string][]string `json:"params,omitempty"`
	Entities        []any               `json:"entities"`
	Data            any                 `json:"data"`
	Count           *int                `json:"count,omitempty"`
	Cursor          string              `json:"cursor,omitempty"`
	Timestamp       int64               `json:"timestamp"`
	Duration        int64               `json:"duration"`
}

// reqInfo is what the outer handler records before routing: the request's
// start and its URL as the client sent it (the router sees a shorter path).
type reqInfo struct {
	start time.Time
	uri   string
}

type reqInfoKey struct{}

func requestDuration(r *http.Request) int64 {
	if ri, ok := r.Context().Value(reqInfoKey{}).(*reqInfo); ok {
		return time.Since(ri.start).Milliseconds()
	}
	return 0
}

func (s *Sandbox) writeReply(w http.ResponseWriter, r *http.Request, rep *reply) {
	if rep.file != nil { // a download: the bytes, no envelope
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": rep.file.name}))
		w.WriteHeader(http.StatusOK)
		w.Write(rep.file.content)
		return
	}
	env := envelope{
		Action:          strings.ToLower(r.Method),
		Application:     s.store.appUUID,
		ApplicationName: s.cfg.App,
		Organization:    s.cfg.Org,
		Path:            rep.path,
		Entities:        rep.entities,
		Data:            rep.data,
		Count:           rep.count,
		Cursor:          rep.cursor,
		Timestamp:       s.nowMs(),
		Duration:        requestDuration(r),
	}
	if env.Entities == nil {
		env.Entities = []any{}
	}
	if ri, ok := r.Context().Value(reqInfoKey{}).(*reqInfo); ok {
		env.URI = ri.uri
	}
	if r.URL.RawQuery != "" {
		env.Params = r.URL.Query()
	}
	writeJSON(w, http.StatusOK, env)
}

// requestURI is the URL the client asked for, without the query string.
func requestURI(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.EscapedPath()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // group names like "R&D <core>" stay readable
	if err := enc.Encode(v); err != nil {
		// Only unsupported values fail to encode; that is a bug here.
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":"internal_server_error","exception":"java.lang.RuntimeException","timestamp":0,"duration":0,"error_description":"response encoding failed"}`)
	}
	w.Header().Set("Content-Type", contentTypeJSON)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func withReqInfo(ctx context.Context, ri *reqInfo) context.Context {
	return context.WithValue(ctx, reqInfoKey{}, ri)
}
