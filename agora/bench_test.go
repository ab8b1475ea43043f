package agora

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// detailBody is a GET /chatgroups/{ids} answer: groups groups of members
// members each (owner included), as Agora sends it.
func detailBody(groups, members int) []byte {
	var items []map[string]any
	for g := range groups {
		aff := make([]map[string]string, 0, members)
		for i := members - 1; i >= 1; i-- {
			aff = append(aff, map[string]string{"member": fmt.Sprintf("user.%05d", i)})
		}
		aff = append(aff, map[string]string{"owner": "owner"})
		items = append(items, map[string]any{
			"id": fmt.Sprint(1700000000000000 + g), "name": fmt.Sprintf("Group %d 群组", g), "description": "a group",
			"membersonly": false, "allowinvites": true, "invite_need_confirm": true, "maxusers": 2000,
			"owner": "owner", "created": 1699000000000, "custom": "", "mute": false, "disabled": false,
			"affiliations_count": members, "affiliations": aff, "public": true,
		})
	}
	b, err := json.Marshal(map[string]any{
		"action": "get", "application": "8be024f0-e978-11e8-b697-5d598d5f8402", "applicationName": "app",
		"organization": "org", "uri": "https://a41.chat.agora.io/org/app/chatgroups/x", "entities": []any{},
		"data": items, "timestamp": 1700000000000, "duration": 0, "count": groups,
	})
	if err != nil {
		panic(err)
	}
	return b
}

// benchDecodeDetail decodes a detail answer the way GroupsService.Get
// does.
func benchDecodeDetail(b *testing.B, groups, members int) {
	body := detailBody(groups, members)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var out groupList // as GroupsService.Get decodes it
		if err := decodeEnvelope(body, &envelope{}, &out); err != nil {
			b.Fatal(err)
		}
		if len(out) != groups || len(out[0].Affiliations) != members {
			b.Fatalf("decoded %d groups", len(out))
		}
	}
}

// BenchmarkDecodeDetail2000Members is the detail page's one call.
func BenchmarkDecodeDetail2000Members(b *testing.B) { benchDecodeDetail(b, 1, 2000) }

// BenchmarkDecodeDetail50Groups is the list page's batched detail call:
// 50 groups of 20 members.
func BenchmarkDecodeDetail50Groups(b *testing.B) { benchDecodeDetail(b, 50, 20) }

// BenchmarkDecodeDetail50GroupsWithoutMembers is what the list page
// decodes of that call (GetWithoutMembers).
func BenchmarkDecodeDetail50GroupsWithoutMembers(b *testing.B) {
	body := detailBody(50, 20)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var out []*groupWithoutMembers
		if err := decodeEnvelope(body, &envelope{}, &out); err != nil {
			b.Fatal(err)
		}
		if len(out) != 50 || out[0].MaxUsers == 0 {
			b.Fatalf("decoded %d groups", len(out))
		}
	}
}

// BenchmarkBuildAppToken builds and signs one app token, what the client
// does once an hour.
func BenchmarkBuildAppToken(b *testing.B) {
	const id, cert = "970ca35de60c44645bbae8a215061b33", "5cfd2fd1755d40ecb72977518be15d3b"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := BuildAppToken(id, cert, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

// listBody is a list-all answer of n rows as Agora sends it: lastModified
// quoted, owners with the app key.
func listBody(n int) []byte {
	rows := make([]map[string]any, 0, n)
	for i := range n {
		rows = append(rows, map[string]any{
			"owner": fmt.Sprintf("org#app_owner%02d", i%17), "groupid": fmt.Sprint(1700000000000000 + i), "affiliations": 3 + i%40,
			"type": "group", "groupname": fmt.Sprintf("Group %d 群组", i), "lastModified": fmt.Sprint(1700000000000 + i*60000),
		})
	}
	b, err := json.Marshal(map[string]any{
		"action": "get", "uri": "https://a41.chat.agora.io/org/app/chatgroups", "entities": []any{},
		"data": rows, "timestamp": 1700000000000, "duration": 0, "count": n, "cursor": "Y2hhdGdyb3VwOmVhc2Vtb2ItZGVtby90ZXN0YXBwOjEw",
	})
	if err != nil {
		panic(err)
	}
	return b
}

// BenchmarkDecodeList50 is the list page's one call: list-all, 50 rows.
func BenchmarkDecodeList50(b *testing.B) {
	body := listBody(50)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var rows summaryList // as GroupsService.List decodes it
		if err := decodeEnvelope(body, &envelope{}, &rows); err != nil || len(rows) != 50 {
			b.Fatal(len(rows), err)
		}
	}
}
