package agora

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// slowSummary decodes a row the way encoding/json alone would.
func slowSummary(b []byte) (groupSummaryWire, error) {
	type plain groupSummaryWire
	var r plain
	err := json.Unmarshal(b, &r)
	return groupSummaryWire(r), err
}

var summaryRows = []string{
	`{"owner":"org#app_u1","groupid":"1700000000000001","affiliations":3,"type":"group","lastModified":"1705312000000","groupname":"Group 1 群组 <1>"}`,
	`{"owner":"u","groupid":"2","affiliations":1,"type":"group","lastModified":1705312000002,"groupname":"c"}`,
	`{ "owner" : "u" , "last_modified" : "2" , "lastModified" : null }`,
	`{"groupname":"tab\there","owner":"u"}`,                // an escape: encoding/json
	`{"groupname":"\u00e9","owner":"u"}`,                   // an escape: encoding/json
	`{"GroupName":"folded","owner":"u"}`,                   // a key in another case: encoding/json
	`{"owner":"u","extra":{"nested":[1,2]},"groupid":"9"}`, // an object value: encoding/json
	`{"owner":"u","unknown":true,"other":null,"n":-1.5e3}`, // unknown keys are skipped
	`{"owner":"u","affiliations":"3"}`,                     // a quoted count: encoding/json's error
	`{"owner":"u","lastModified":"007"}`,                   // leading zeros: encoding/json
	`{"owner":"u","lastModified":"99999999999999999999"}`,  // too long: encoding/json's error
	`{"owner":"u","groupid":"1","groupid":"2"}`,            // the last one wins
	`{"owner":null}`, // null leaves a string alone
	`{}`,
}

// The fast path gives what encoding/json gives, value or error.
func TestGroupSummaryRowMatchesEncodingJSON(t *testing.T) {
	for _, row := range summaryRows {
		checkSummary(t, []byte(row))
	}
}

func checkSummary(t *testing.T, b []byte) {
	t.Helper()
	want, wantErr := slowSummary(b)
	var got groupSummaryWire
	err := got.UnmarshalJSON(b)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%s: error %v, encoding/json says %v", b, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", b, got, want)
	}
}

// A row as Agora sends it is read without encoding/json, in one allocation
// (the row's string) besides the timestamp.
func TestGroupSummaryRowAllocations(t *testing.T) {
	b := []byte(summaryRows[0])
	var r groupSummaryWire
	allocs := testing.AllocsPerRun(100, func() {
		if err := r.UnmarshalJSON(b); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 {
		t.Errorf("a plain row took %.0f allocations, want at most 2", allocs)
	}
}

func FuzzGroupSummaryRow(f *testing.F) {
	for _, row := range summaryRows {
		f.Add([]byte(row))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return // encoding/json validates the whole answer before any row
		}
		checkSummary(t, b)
	})
}

func TestMillisMatchesParsing(t *testing.T) {
	tests := []struct {
		in      string
		want    Millis
		wantErr bool
	}{
		{`1705312000000`, 1705312000000, false},
		{`"1705312000000"`, 1705312000000, false},
		{`0`, 0, false},
		{`"007"`, 7, false},
		{`null`, 0, false},
		{`""`, 0, false},
		{`-5`, -5, false},
		{`"\u0031"`, 1, false},
		{`"12a"`, 0, true},
		{`1.5`, 0, true},
		{`"99999999999999999999"`, 0, true},
	}
	for _, tt := range tests {
		var m Millis = 42
		err := m.UnmarshalJSON([]byte(tt.in))
		if (err != nil) != tt.wantErr || (err == nil && m != tt.want) {
			t.Errorf("%s: %d, %v; want %d, error %v", tt.in, m, err, tt.want, tt.wantErr)
		}
	}
	var m Millis
	quoted := []byte(`"1705312000000"`)
	if n := testing.AllocsPerRun(100, func() { _ = m.UnmarshalJSON(quoted) }); n != 0 {
		t.Errorf("a quoted timestamp took %.0f allocations, want 0", n)
	}
}

var affiliationLists = []string{
	`[{"member":"bulk.member00002"},{"member":"bulk.member00001"},{"owner":"owner00"}]`,
	`[ {"member":"a"} , {"owner":"b"} ]`,
	`[]`,
	`null`,
	`[{"member":"a}b"},{"owner":"o"}]`, // a brace in a name: the general decoder
	`[{"admin":"a"},{"member":"m","joined_time":1}]`, // other forms: the general decoder
	`[{"member":"\u00e9"}]`,
	`[{"member":"a"},{"neither":"b"}]`, // an error either way
	`[{"member":"a"}`,                  // truncated
}

// An affiliation list decodes as a slice of Affiliation would, element by
// element.
func TestAffiliationListMatchesElementDecoding(t *testing.T) {
	for _, in := range affiliationLists {
		checkAffiliations(t, []byte(in))
	}
}

func checkAffiliations(t *testing.T, b []byte) {
	t.Helper()
	var want []Affiliation
	wantErr := json.Unmarshal(b, &want)
	var got AffiliationList
	err := json.Unmarshal(b, &got)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%s: error %v, element by element %v", b, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual([]Affiliation(got), want) {
		t.Fatalf("%s:\n got %#v\nwant %#v", b, got, want)
	}
}

func FuzzAffiliationList(f *testing.F) {
	for _, in := range affiliationLists {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkAffiliations(t, b) })
}

// 2,000 members in Agora's form: one slice and one string.
func TestAffiliationListAllocations(t *testing.T) {
	var b []byte
	b = append(b, '[')
	for i := range 2000 {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `{"member":"bulk.member%05d"}`, i)
	}
	b = append(b, ']')
	var l AffiliationList
	allocs := testing.AllocsPerRun(20, func() {
		if err := l.UnmarshalJSON(b); err != nil || len(l) != 2000 {
			t.Fatal(len(l), err)
		}
	})
	if allocs > 2 {
		t.Errorf("2,000 members took %.0f allocations, want 2", allocs)
	}
}

var listEnvelopes = []string{
	string(listBody(3)),
	`{"data":[],"count":0}`,
	`{"data":null,"cursor":"abc"}`,
	`{"entities":[{"a":[1,{"b":"]}"}]}],"data":[{"owner":"u","groupid":"1"}],"timestamp":"1700000000000","duration":12,"uri":"x\"y"}`,
	`{"Data":[{"owner":"u"}]}`,                     // a key in another case: encoding/json
	`{"data":[{"owner":"u","extra":{"x":1}}]}`,     // a nested row value: encoding/json
	`{"data":[{"owner":"u"}],"cursor":"a\u0062c"}`, // an escaped cursor: encoding/json
	`{"data":[{"owner":"u"},{"owner":5}]}`,         // a row encoding/json refuses
	`{"count":"3","data":[]}`,                      // a quoted count: encoding/json's error
	`{}`,
	` { "data" : [ { "groupid" : "1" } , { "groupid" : "2" } ] } `,
}

// The one-pass envelope reader gives what encoding/json gives.
func TestListEnvelopeMatchesEncodingJSON(t *testing.T) {
	for _, in := range listEnvelopes {
		checkListEnvelope(t, []byte(in))
	}
}

func checkListEnvelope(t *testing.T, b []byte) {
	t.Helper()
	var wantEnv envelope
	var want []*groupSummaryWire
	wantErr := json.Unmarshal(b, &envelopeWithData{envelope: &wantEnv, Data: &want})
	var gotEnv envelope
	var got summaryList
	err := decodeEnvelope(b, &gotEnv, &got)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%s: error %v, encoding/json says %v", b, err, wantErr)
	}
	if err != nil {
		return
	}
	if !reflect.DeepEqual(gotEnv, wantEnv) || !reflect.DeepEqual([]*groupSummaryWire(got), want) {
		t.Fatalf("%s:\n got %+v %+v\nwant %+v %+v", b, gotEnv, got, wantEnv, want)
	}
}

func FuzzListEnvelope(f *testing.F) {
	for _, in := range listEnvelopes {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return // Agora answers JSON; the fast path checks nested values only for balance
		}
		checkListEnvelope(t, b)
	})
}

var detailEnvelopes = []string{
	string(detailBody(1, 5)),
	string(detailBody(3, 2)),
	`{"data":[{"id":"1","name":"a\u003cb","affiliations":[{"owner":"o"},{"member":"m"}],"created":"17","maxusers":200,"public":true,"custom":null,"extra":{"x":[1]}}]}`,
	`{"data":[{"id":"1","affiliations":[{"admin":"a"},{"owner":"o"}]}]}`,    // an admin: the general decoder
	`{"data":[{"id":"1","affiliations":[{"member":"m","joined_time":1}]}]}`, // another key: the general decoder
	`{"data":[{"ID":"1"}]}`,                 // a key in another case
	`{"data":[{"id":"1","public":"true"}]}`, // a quoted bool: encoding/json's error
	`{"data":[{"id":"1","maxusers":-1}]}`,   // a negative number: encoding/json
	`{"data":[{"id":"1","created":1.5}]}`,   // an error either way
	`{"data":[]}`,
	`{"data":[{}]}`,
}

// The one-pass reader of the detail answer gives what encoding/json gives.
func TestDetailEnvelopeMatchesEncodingJSON(t *testing.T) {
	for _, in := range detailEnvelopes {
		checkDetailEnvelope(t, []byte(in))
	}
}

func checkDetailEnvelope(t *testing.T, b []byte) {
	t.Helper()
	var wantEnv envelope
	var want []*Group
	wantErr := json.Unmarshal(b, &envelopeWithData{envelope: &wantEnv, Data: &want})
	var gotEnv envelope
	var got groupList
	err := decodeEnvelope(b, &gotEnv, &got)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%s: error %v, encoding/json says %v", b, err, wantErr)
	}
	if err != nil {
		return
	}
	if !reflect.DeepEqual(gotEnv, wantEnv) || !reflect.DeepEqual([]*Group(got), want) {
		t.Fatalf("%s:\n got %+v %+v\nwant %+v %+v", b, gotEnv, got, wantEnv, want)
	}
}

func FuzzDetailEnvelope(f *testing.F) {
	for _, in := range detailEnvelopes {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return // Agora answers JSON; the fast path checks nested values only for balance
		}
		checkDetailEnvelope(t, b)
	})
}
