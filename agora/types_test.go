package agora

import (
	"encoding/json"
	"testing"
)

// TestAffiliationUnmarshal covers the fast path for Agora's own form and
// the general decoder behind it.
func TestAffiliationUnmarshal(t *testing.T) {
	tests := []struct {
		in      string
		want    Affiliation
		wantErr bool
	}{
		{in: `{"member":"user_1"}`, want: Affiliation{"user_1", RoleMember}},
		{in: `{"owner":"boss"}`, want: Affiliation{"boss", RoleOwner}},
		{in: `{ "member" : "spaced" }`, want: Affiliation{"spaced", RoleMember}},
		{in: `{"member":"a\u0062c"}`, want: Affiliation{"abc", RoleMember}},
		{in: `{"member":"名字"}`, want: Affiliation{"名字", RoleMember}},
		{in: `{"member":"a","owner":"b"}`, want: Affiliation{"b", RoleOwner}},
		{in: `{"member":""}`, want: Affiliation{"", RoleMember}},
		{in: `{"admin":"x"}`, want: Affiliation{"x", RoleAdmin}},
		{in: `{"member":"m","joined_time":1732524850107}`, want: Affiliation{"m", RoleMember}},
		{in: `{"owner":"o","joined_time":"1732524850107"}`, want: Affiliation{"o", RoleOwner}},
		{in: `{"guest":"x"}`, wantErr: true},
		{in: `{"member":1}`, wantErr: true},
	}
	for _, tt := range tests {
		var got []Affiliation
		err := json.Unmarshal([]byte("["+tt.in+"]"), &got)
		if tt.wantErr {
			if err == nil {
				t.Errorf("%s: no error, got %+v", tt.in, got)
			}
			continue
		}
		if err != nil || len(got) != 1 || got[0] != tt.want {
			t.Errorf("%s: got %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}
