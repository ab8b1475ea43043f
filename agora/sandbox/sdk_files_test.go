package sandbox

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"
)

// The Web SDK endpoints beyond the server API that sdk_node_test.go drives
// through the SDK itself, checked here without Node.

func TestSDKAllowListCheckAndCursorUndefined(t *testing.T) {
	e := newEnv(t)
	e.createUsers("owner", "admin", "m", "n")
	id := e.createGroup("g", "owner", "admin", "m", "n")
	base := "/chatgroups/" + id
	e.ok("POST", base+"/admin", `{"newadmin":"admin"}`)
	e.ok("POST", base+"/white/users/m", nil)

	wantData(t, e.as("m", "GET", base+"/white/users/m", nil), `{"member":"m","white":true}`)
	wantData(t, e.as("admin", "GET", base+"/white/users/n", nil), `{"member":"n","white":false}`)
	wantData(t, e.ok("GET", base+"/white/users/owner", nil), `{"member":"owner","white":true}`)
	res := e.as("n", "GET", base+"/white/users/m", nil) // a member asking about another
	wantError(t, res, 403, "forbidden_op", "you have no permission to do this, group admin permission is required")

	// The SDK's first page sends the JavaScript undefined as the cursor.
	for _, c := range []string{"undefined", "null"} {
		if n := len(dataList(t, e.ok("GET", base+"/users?limit=2&cursor="+c, nil))); n != 2 {
			t.Errorf("cursor=%s: %d members, want the first page of 2", c, n)
		}
		e.ok("GET", "/publicchatgroups?limit=1&cursor="+c, nil)
	}
	wantError(t, e.do("GET", base+"/users?limit=2&cursor=bogus", nil), 400, "invalid_parameter", "")
}

func TestSDKMemberAttributes(t *testing.T) {
	e := newEnv(t)
	e.createUsers("owner", "m", "n", "out")
	id := e.createGroup("g", "owner", "m", "n")
	set := "/sdk/metadata/chatgroup/" + id + "/user/"
	get := "/sdk/metadata/chatgroup/" + id + "/get"

	e.as("m", "PUT", set+"m", `{"metaData":{"nick":"M","color":"red"}}`)
	e.as("owner", "PUT", set+"n", `{"metaData":{"nick":"N"}}`)
	wantData(t, e.as("n", "POST", get, `{"targets":["m","n","owner"],"properties":[]}`),
		`{"m":{"color":"red","nick":"M"},"n":{"nick":"N"},"owner":{}}`)
	e.as("m", "PUT", set+"m", `{"metaData":{"color":""}}`) // empty deletes
	wantData(t, e.ok("POST", get, `{"targets":["m"],"properties":["nick","color"]}`), `{"m":{"nick":"M"}}`)

	tests := []struct {
		name, user, path, body string
		status                 int
		code                   float64
	}{
		{"a member sets another's", "m", set + "n", `{"metaData":{"nick":"x"}}`, 400, codeMemberAttrs},
		{"value over 512 bytes", "m", set + "m", `{"metaData":{"nick":"` + string(bytes.Repeat([]byte("x"), 513)) + `"}}`, 400, codeMemberAttrs},
		{"key over 16 bytes", "m", set + "m", `{"metaData":{"abcdefghijklmnopq":"x"}}`, 400, codeMemberAttrs},
		{"not an object of strings", "m", set + "m", `{"metaData":{"n":1}}`, 400, 0},
		{"target not a member", "owner", set + "out", `{"metaData":{"nick":"x"}}`, 404, codeNotJoined},
		{"caller not a member", "out", get, `{"targets":["m"]}`, 404, codeNotJoined},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := "PUT"
			if tt.path == get {
				method = "POST"
			}
			res := e.as(tt.user, method, tt.path, tt.body)
			if res.status != tt.status || res.body["error_code"] != nilIfZero(tt.code) {
				t.Errorf("status %d, error_code %v; want %d, %v\n%s", res.status, res.body["error_code"], tt.status, tt.code, res.raw)
			}
		})
	}
	// Leaving drops the attributes.
	e.ok("DELETE", "/chatgroups/"+id+"/users/m", nil)
	wantData(t, e.ok("POST", get, `{"targets":["m"]}`), `{"m":{}}`)
}

func nilIfZero(code float64) any {
	if code == 0 {
		return nil
	}
	return code
}

func TestSDKSharedFiles(t *testing.T) {
	e := newEnv(t)
	e.createUsers("owner", "m", "n", "out")
	id := e.createGroup("g", "owner", "m", "n")
	base := "/chatgroups/" + id + "/share_files"
	upload := func(user, name, content string) response {
		t.Helper()
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", name)
		io.WriteString(fw, content)
		mw.Close()
		req, _ := http.NewRequest("POST", e.url(base), &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+userToken(t, user, 3600, time.Now()))
		return e.sendRequest(req)
	}
	res := upload("m", "notes.txt", "hello")
	if res.status != 200 {
		t.Fatalf("upload: %d %s", res.status, res.raw)
	}
	up := dataObject(t, res)
	fileID, _ := up["file_id"].(string)
	if up["file_name"] != "notes.txt" || up["file_size"] != 5.0 || up["group_id"] != id || up["file_url"] != e.url(base+"/"+fileID) {
		t.Errorf("upload data %v", up)
	}
	upload("n", "other.txt", "bye")
	list := dataList(t, e.as("n", "GET", base+"?pagenum=1&pagesize=10", nil))
	if len(list) != 2 || list[0].(map[string]any)["file_name"] != "other.txt" || list[1].(map[string]any)["file_owner"] != "m" {
		t.Errorf("list: %v", list)
	}

	// The download is the bytes, without an envelope.
	req, _ := http.NewRequest("GET", e.url(base+"/"+fileID), nil)
	req.Header.Set("Authorization", "Bearer "+userToken(t, "n", 3600, time.Now()))
	dl, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(dl.Body)
	dl.Body.Close()
	if dl.StatusCode != 200 || string(got) != "hello" || dl.Header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("download: %d %q %s", dl.StatusCode, got, dl.Header.Get("Content-Type"))
	}

	wantError(t, upload("out", "x.txt", "x"), 403, "forbidden_op", "users [out] are not members of this group!")
	wantError(t, e.as("n", "DELETE", base+"/"+fileID, nil), 403, "forbidden_op", "") // not the uploader
	wantError(t, e.as("m", "GET", base+"/nope", nil), 404, "resource_not_found", "shared file nope not found in group "+id)
	wantData(t, e.as("m", "DELETE", base+"/"+fileID, nil), `{"group_id":"`+id+`","file_id":"`+fileID+`","result":true}`)
	if n := len(dataList(t, e.ok("GET", base, nil))); n != 1 {
		t.Errorf("after delete: %d files", n)
	}
}
