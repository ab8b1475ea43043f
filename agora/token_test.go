package agora

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"io"
	"testing"
	"time"
)

// Test vector from AgoraIO/Tools accesstoken2 Test_AccessToken_Build_ServiceChatApp
// (shared/reference/agora-chat-facts.md §6.2).
const (
	vectorAppID = "970CA35de60c44645bbae8a215061b33"
	vectorCert  = "5CFd2fd1755d40ecb72977518be15d3b"
	vectorToken = "007eJxSYNDNaz3snC8huEfHWdz6s98qltq4zqy9fl99Uh0FDvy6F6DAYGlu4OxobJqSamaQbGJiZmKalJSYapFoZGhqYGaYZGzs/kWAIYKJgYGRAYRZGRgZmMB8BgZAAAAA//+t8hhr"
)

func inflate(t *testing.T, token string) []byte {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(token[3:])
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func vectorAppToken() *AccessToken2 {
	return &AccessToken2{
		AppID: vectorAppID, IssuedAt: 1111111, Expire: 600, Salt: 1,
		Services: []TokenService{{Type: ServiceChat, Privileges: map[uint16]uint32{PrivilegeChatApp: 600}}},
	}
}

func TestAppTokenMatchesReferenceVector(t *testing.T) {
	got, err := vectorAppToken().Build(vectorCert)
	if err != nil {
		t.Fatal(err)
	}
	want := inflate(t, vectorToken)
	if len(want) != 94 {
		t.Fatalf("reference vector inflates to %d bytes, want 94", len(want))
	}
	if !bytes.Equal(inflate(t, got), want) {
		t.Errorf("inflated token differs from the reference vector\n got %x\nwant %x", inflate(t, got), want)
	}
	if got != vectorToken {
		t.Logf("compressed bytes differ from the reference string (allowed): %s", got)
	}
}

func TestVerifyAppToken(t *testing.T) {
	issued := time.Unix(1111111, 0)
	tests := []struct {
		name    string
		token   func() string
		appID   string
		cert    string
		now     time.Time
		wantErr error
	}{
		{"valid", func() string { return vectorToken }, vectorAppID, vectorCert, issued.Add(time.Minute), nil},
		{"valid at the last second", func() string { return vectorToken }, vectorAppID, vectorCert, issued.Add(600 * time.Second), nil},
		{"expired", func() string { return vectorToken }, vectorAppID, vectorCert, issued.Add(601 * time.Second), ErrTokenExpired},
		{"wrong certificate", func() string { return vectorToken }, vectorAppID, "00000000000000000000000000000000", issued, ErrTokenSignature},
		{"wrong app", func() string { return vectorToken }, "11111111111111111111111111111111", vectorCert, issued, ErrTokenWrongApp},
		{"not a token", func() string { return "YWMtabc" }, vectorAppID, vectorCert, issued, ErrTokenMalformed},
		{"bad base64", func() string { return "007!!!" }, vectorAppID, vectorCert, issued, ErrTokenMalformed},
		{"tampered signature", func() string {
			content := inflate(t, vectorToken)
			content[5] ^= 0xff
			return deflateToken(t, content)
		}, vectorAppID, vectorCert, issued, ErrTokenSignature},
		{"tampered expiry", func() string {
			content := inflate(t, vectorToken)
			content[len(content)-12] ^= 0x01
			return deflateToken(t, content)
		}, vectorAppID, vectorCert, issued, ErrTokenSignature},
		{"truncated", func() string {
			return deflateToken(t, inflate(t, vectorToken)[:60])
		}, vectorAppID, vectorCert, issued, ErrTokenMalformed},
		{"user token is not an app token", func() string {
			tok := vectorAppToken()
			tok.Services[0] = TokenService{Type: ServiceChat, UserID: "2882341273", Privileges: map[uint16]uint32{PrivilegeChatUser: 600}}
			s, err := tok.Build(vectorCert)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}, vectorAppID, vectorCert, issued, ErrTokenNoAppPriv},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := VerifyAppToken(tt.token(), tt.appID, tt.cert, tt.now)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("VerifyAppToken() error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestBuildAppTokenRoundTrip(t *testing.T) {
	tok, err := BuildAppToken(vectorAppID, vectorCert, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := VerifyAppToken(tok, vectorAppID, vectorCert, time.Now())
	if err != nil {
		t.Fatalf("fresh token does not verify: %v", err)
	}
	if parsed.Expire != 3600 || parsed.Salt < 1 || parsed.Salt > 99999999 {
		t.Errorf("parsed = %+v", parsed)
	}
	if _, err := VerifyAppToken(tok, vectorAppID, vectorCert, time.Now().Add(2*time.Hour)); !errors.Is(err, ErrTokenExpired) {
		t.Errorf("after expiry: %v, want ErrTokenExpired", err)
	}
}

func TestBuildAppTokenRejectsBadInput(t *testing.T) {
	for _, tt := range []struct {
		name, id, cert string
		expire         time.Duration
	}{
		{"short app id", "abc", vectorCert, time.Hour},
		{"non-hex certificate", vectorAppID, "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", time.Hour},
		{"zero expiry", vectorAppID, vectorCert, 0},
		{"over 24h", vectorAppID, vectorCert, 25 * time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := BuildAppToken(tt.id, tt.cert, tt.expire)
			if err == nil {
				t.Fatal("want an error")
			}
			if bytes.Contains([]byte(err.Error()), []byte(tt.cert)) {
				t.Errorf("error leaks the certificate: %v", err)
			}
		})
	}
}

func deflateToken(t *testing.T, content []byte) string {
	t.Helper()
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	zw.Write(content)
	zw.Close()
	return "007" + base64.StdEncoding.EncodeToString(b.Bytes())
}

func FuzzParseToken(f *testing.F) {
	f.Add(vectorToken)
	f.Add("007")
	f.Add("007eJw=")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := ParseToken(s)
		if err == nil && tok == nil {
			t.Fatal("nil token without error")
		}
		_, _ = VerifyAppToken(s, vectorAppID, vectorCert, time.Unix(1111111, 0))
	})
}
