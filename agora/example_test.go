package agora_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"groupdesk/agora"
)

// Page through all groups of an app. The httptest server stands in for
// Agora and serves two pages; the second has no cursor.
func ExampleGroupsService_List() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Query().Get("cursor") {
		case "":
			fmt.Fprint(w, `{"action":"get","data":[
				{"owner":"org#app_alice","groupid":"100743775617286960","affiliations":3,"type":"group","lastModified":"1441021038124","groupname":"Book club"},
				{"owner":"org#app_bob_2","groupid":"100973270123152176","affiliations":1,"type":"group","lastModified":"1441074471486","groupname":"Runners"}],
				"timestamp":1441094193812,"duration":14,"cursor":"Y2hhdGdyb3Vwczox","count":2}`)
		default:
			fmt.Fprint(w, `{"action":"get","data":[
				{"owner":"org#app_carol","groupid":"100973270123152999","affiliations":12,"type":"group","lastModified":"1441074471999","groupname":"Chess"}],
				"timestamp":1441094193999,"duration":9,"count":1}`)
		}
	}))
	defer srv.Close()

	client, err := agora.NewClient(agora.Config{
		Host:           srv.URL,
		OrgName:        "org",
		AppName:        "app",
		AppID:          "970CA35de60c44645bbae8a215061b33", // AgoraIO/Tools test credentials
		AppCertificate: "5CFd2fd1755d40ecb72977518be15d3b",
	})
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	opts := &agora.ListOptions{Limit: 2}
	for page := 1; ; page++ {
		groups, resp, err := client.Groups.List(ctx, opts)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("page %d: %d groups\n", page, resp.Count)
		for _, g := range groups {
			fmt.Printf("  %s %-9s owner=%s members=%d\n", g.ID, g.Name, g.Owner, g.MemberCount)
		}
		if resp.Cursor == "" {
			break
		}
		opts.Cursor = resp.Cursor
	}
	// Output:
	// page 1: 2 groups
	//   100743775617286960 Book club owner=alice members=3
	//   100973270123152176 Runners   owner=bob_2 members=1
	// page 2: 1 groups
	//   100973270123152999 Chess     owner=carol members=12
}

// Tell what kind of refusal an answer is without reading Agora's text: the
// client has read it. The stand-in server refuses to remove the owner.
func ExampleReasonOf() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"error":"forbidden_op","exception":"EasemobForbiddenOpException","timestamp":1,"duration":0,
			"error_description":"forbidden operation on group owner!"}`)
	}))
	defer srv.Close()
	client, err := agora.NewClient(agora.Config{Host: srv.URL, OrgName: "org", AppName: "app",
		AppID: "970CA35de60c44645bbae8a215061b33", AppCertificate: "5CFd2fd1755d40ecb72977518be15d3b"})
	if err != nil {
		log.Fatal(err)
	}

	_, _, err = client.Members.Remove(context.Background(), "66021836783617", "boss")
	switch agora.ReasonOf(err) {
	case agora.ReasonOwnerForbidden:
		fmt.Println("the owner cannot be removed: transfer ownership first")
	case agora.ReasonNotMember:
		fmt.Println("not a member")
	default:
		fmt.Println(err)
	}
	// Output:
	// the owner cannot be removed: transfer ownership first
}
