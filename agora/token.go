package agora

import (
	"bytes"
	"compress/zlib"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sort"
	"time"
)

// AccessToken2 ("007") tokens, as built by Agora's token tools (AgoraIO/Tools,
// DynamicKey/AgoraDynamicKey/go/src/accesstoken2). Agora Chat REST calls need
// an app token: one Chat service (type 5) with the app privilege (2).
// Layout and algorithm: shared/reference/agora-chat-facts.md §6.2.

const (
	tokenVersion = "007"

	// ServiceChat is the AccessToken2 service type of Agora Chat.
	ServiceChat uint16 = 5
	// PrivilegeChatUser lets a user log in with a Chat SDK.
	PrivilegeChatUser uint16 = 1
	// PrivilegeChatApp lets a server call the Chat REST API.
	PrivilegeChatApp uint16 = 2

	// MaxTokenExpire is the longest validity Agora Chat accepts for a token.
	MaxTokenExpire = 24 * time.Hour

	maxSalt = 99999999
)

// Token errors. Verification wraps one of these, so callers can tell a
// corrupt token from one that is merely expired or signed for another app.
var (
	ErrTokenMalformed = errors.New("agora: token is malformed")
	ErrTokenSignature = errors.New("agora: token signature does not match")
	ErrTokenWrongApp  = errors.New("agora: token was issued for another app")
	ErrTokenExpired   = errors.New("agora: token has expired")
	ErrTokenNoAppPriv = errors.New("agora: token carries no Chat app privilege")
)

// TokenService is one service section of an AccessToken2.
type TokenService struct {
	Type       uint16
	Privileges map[uint16]uint32 // privilege → expiry, seconds after IssuedAt
	UserID     string            // Chat service only
}

// AccessToken2 is a parsed or to-be-built Agora token. The certificate is
// never stored in it.
type AccessToken2 struct {
	AppID    string
	IssuedAt uint32 // Unix seconds
	Expire   uint32 // seconds after IssuedAt
	Salt     uint32
	Services []TokenService

	signature []byte
	signing   []byte // signing_info, as parsed
}

// NewAppToken returns an unsigned Chat app token valid for expire, issued now.
func NewAppToken(appID string, expire time.Duration, now time.Time) (*AccessToken2, error) {
	if expire <= 0 || expire > MaxTokenExpire {
		return nil, fmt.Errorf("agora: token expiry must be between 1s and %s, got %s", MaxTokenExpire, expire)
	}
	salt, err := randomSalt()
	if err != nil {
		return nil, err
	}
	secs := uint32(expire / time.Second)
	return &AccessToken2{
		AppID:    appID,
		IssuedAt: uint32(now.Unix()),
		Expire:   secs,
		Salt:     salt,
		Services: []TokenService{{
			Type:       ServiceChat,
			Privileges: map[uint16]uint32{PrivilegeChatApp: secs},
		}},
	}, nil
}

// BuildAppToken builds a signed Chat app token for the given credentials,
// valid for expire (at most 24 hours) from now.
func BuildAppToken(appID, appCertificate string, expire time.Duration) (string, error) {
	t, err := NewAppToken(appID, expire, time.Now())
	if err != nil {
		return "", err
	}
	return t.Build(appCertificate)
}

// ExpiresAt is when the token as a whole stops being valid.
func (t *AccessToken2) ExpiresAt() time.Time {
	return time.Unix(int64(t.IssuedAt)+int64(t.Expire), 0)
}

// Build signs the token with appCertificate and encodes it as a "007" string.
func (t *AccessToken2) Build(appCertificate string) (string, error) {
	if err := checkCredential("app ID", t.AppID); err != nil {
		return "", err
	}
	if err := checkCredential("app certificate", appCertificate); err != nil {
		return "", err
	}
	info := t.signingInfo()
	sig := sign(appCertificate, t.IssuedAt, t.Salt, info)

	var content bytes.Buffer
	putString(&content, sig)
	content.Write(info)

	var packed bytes.Buffer
	zw := zlib.NewWriter(&packed)
	if _, err := zw.Write(content.Bytes()); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return tokenVersion + base64.StdEncoding.EncodeToString(packed.Bytes()), nil
}

// String describes the token without its signature; safe to log.
func (t *AccessToken2) String() string {
	return fmt.Sprintf("AccessToken2{app=%s issued=%d expire=%ds services=%d}", t.AppID, t.IssuedAt, t.Expire, len(t.Services))
}

func (t *AccessToken2) signingInfo() []byte {
	var b bytes.Buffer
	putString(&b, []byte(t.AppID))
	putUint32(&b, t.IssuedAt)
	putUint32(&b, t.Expire)
	putUint32(&b, t.Salt)

	services := append([]TokenService(nil), t.Services...)
	sort.Slice(services, func(i, j int) bool { return services[i].Type < services[j].Type })
	putUint16(&b, uint16(len(services)))
	for _, s := range services {
		putUint16(&b, s.Type)
		keys := make([]int, 0, len(s.Privileges))
		for k := range s.Privileges {
			keys = append(keys, int(k))
		}
		sort.Ints(keys)
		putUint16(&b, uint16(len(keys)))
		for _, k := range keys {
			putUint16(&b, uint16(k))
			putUint32(&b, s.Privileges[uint16(k)])
		}
		if s.Type == ServiceChat {
			putString(&b, []byte(s.UserID))
		}
	}
	return b.Bytes()
}

// ParseToken decodes a "007" token without checking its signature.
func ParseToken(token string) (*AccessToken2, error) {
	if len(token) <= len(tokenVersion) || token[:len(tokenVersion)] != tokenVersion {
		return nil, fmt.Errorf("%w: not an AccessToken2 (want prefix %q)", ErrTokenMalformed, tokenVersion)
	}
	packed, err := base64.StdEncoding.DecodeString(token[len(tokenVersion):])
	if err != nil {
		return nil, fmt.Errorf("%w: base64: %v", ErrTokenMalformed, err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(packed))
	if err != nil {
		return nil, fmt.Errorf("%w: zlib: %v", ErrTokenMalformed, err)
	}
	// A real token inflates to about 100 bytes; cap what a hostile one can cost.
	content, err := io.ReadAll(io.LimitReader(zr, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("%w: zlib: %v", ErrTokenMalformed, err)
	}

	r := &reader{b: content}
	t := &AccessToken2{}
	t.signature = r.str()
	t.signing = r.rest()
	r = &reader{b: t.signing}
	t.AppID = string(r.str())
	t.IssuedAt = r.u32()
	t.Expire = r.u32()
	t.Salt = r.u32()
	n := r.u16()
	for i := 0; i < int(n) && r.err == nil; i++ {
		s := TokenService{Type: r.u16(), Privileges: map[uint16]uint32{}}
		np := r.u16()
		for j := 0; j < int(np) && r.err == nil; j++ {
			k := r.u16()
			s.Privileges[k] = r.u32()
		}
		switch s.Type {
		case ServiceChat, 2 /* RTM */, 6 /* FCDN */, 8 /* RTM2 */ :
			s.UserID = string(r.str())
		case 1 /* RTC */ :
			s.UserID = string(r.str()) // channel name
			_ = r.str()                // uid
		case 3 /* streaming */ :
			_ = r.str() // channel
			_ = r.str() // uid
		case 7 /* APaaS */ :
			_ = r.str()
		default:
			// Unknown service: like Agora's own parser, stop here. The
			// signature still covers every byte.
			t.Services = append(t.Services, s)
			return finishParse(t, r)
		}
		t.Services = append(t.Services, s)
	}
	return finishParse(t, r)
}

func finishParse(t *AccessToken2, r *reader) (*AccessToken2, error) {
	if r.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTokenMalformed, r.err)
	}
	if len(t.signature) != sha256.Size {
		return nil, fmt.Errorf("%w: signature is %d bytes, want %d", ErrTokenMalformed, len(t.signature), sha256.Size)
	}
	return t, nil
}

// VerifyAppToken checks that token is a Chat app token for appID, signed with
// appCertificate and valid at now. The error wraps one of the ErrToken* values.
func VerifyAppToken(token, appID, appCertificate string, now time.Time) (*AccessToken2, error) {
	t, err := ParseToken(token)
	if err != nil {
		return nil, err
	}
	want := sign(appCertificate, t.IssuedAt, t.Salt, t.signing)
	if !hmac.Equal(want, t.signature) {
		return nil, ErrTokenSignature
	}
	if t.AppID != appID {
		return nil, ErrTokenWrongApp
	}
	unix := now.Unix()
	if unix > int64(t.IssuedAt)+int64(t.Expire) {
		return nil, ErrTokenExpired
	}
	for _, s := range t.Services {
		if s.Type != ServiceChat {
			continue
		}
		if exp, ok := s.Privileges[PrivilegeChatApp]; ok {
			if unix > int64(t.IssuedAt)+int64(exp) {
				return nil, ErrTokenExpired
			}
			return t, nil
		}
	}
	return nil, ErrTokenNoAppPriv
}

func sign(appCertificate string, issuedAt, salt uint32, info []byte) []byte {
	k1 := hmacSHA256(le32(issuedAt), []byte(appCertificate))
	key := hmacSHA256(le32(salt), k1)
	return hmacSHA256(key, info)
}

func hmacSHA256(key, msg []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(msg)
	return h.Sum(nil)
}

func checkCredential(name, v string) error {
	if len(v) != 32 {
		return fmt.Errorf("agora: the %s must be 32 hexadecimal characters, got %d characters", name, len(v))
	}
	for _, c := range v {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return fmt.Errorf("agora: the %s must be 32 hexadecimal characters", name)
		}
	}
	return nil
}

// ValidateAppID reports whether id has the shape of an Agora App ID.
func ValidateAppID(id string) error { return checkCredential("app ID", id) }

// ValidateAppCertificate reports whether cert has the shape of an App Certificate.
// The error never contains the certificate.
func ValidateAppCertificate(cert string) error { return checkCredential("app certificate", cert) }

func randomSalt() (uint32, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(maxSalt))
	if err != nil {
		return 0, fmt.Errorf("agora: token salt: %w", err)
	}
	return uint32(n.Int64()) + 1, nil
}

func le32(v uint32) []byte {
	b := make([]byte, 4)
	binary.LittleEndian.PutUint32(b, v)
	return b
}

func putUint16(b *bytes.Buffer, v uint16) {
	_ = binary.Write(b, binary.LittleEndian, v)
}

func putUint32(b *bytes.Buffer, v uint32) {
	_ = binary.Write(b, binary.LittleEndian, v)
}

func putString(b *bytes.Buffer, s []byte) {
	putUint16(b, uint16(len(s)))
	b.Write(s)
}

// reader reads the little-endian fields of a token; the first short read
// sets err and every later read returns zero values.
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.b) < n {
		r.err = io.ErrUnexpectedEOF
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) u16() uint16 {
	if b := r.take(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *reader) str() []byte { return r.take(int(r.u16())) }

func (r *reader) rest() []byte {
	v := r.b
	r.b = nil
	return v
}
