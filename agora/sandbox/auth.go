package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strings"

	"groupdesk/agora"
)

// caller is who a request acts for: the app (an app token) or a user (a
// Chat user token).
type caller struct {
	user string // "" for the app
}

func (c caller) isApp() bool { return c.user == "" }

// errOAuth is the group API's answer to a token that is valid but may not
// call this endpoint; the Web SDK maps it to NO_PERMISSION.
func errOAuth() *apiError {
	e := newErr(http.StatusUnauthorized, "unauthorized", excSecurity, "Unable to authenticate (OAuth)")
	e.errorCode = codeNoPermission
	return e
}

// authenticate checks the Bearer token: a Chat app token, or a Chat user
// token of an existing user. The token itself is never logged or echoed.
func (s *Sandbox) authenticate(r *http.Request) (caller, *apiError) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	token := h
	if scheme, rest, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
		token = strings.TrimSpace(rest)
	} else if strings.EqualFold(h, "Bearer") {
		token = ""
	}
	if token == "" {
		return caller{}, newErr(http.StatusUnauthorized, "group_authorization", excGroupAuthorization, "token is blank!")
	}
	_, err := agora.VerifyAppToken(token, s.cfg.AppID, s.cfg.AppCertificate, s.now())
	switch {
	case err == nil:
		return caller{}, nil
	case errors.Is(err, agora.ErrTokenExpired):
		return caller{}, errExpiredToken()
	case errors.Is(err, agora.ErrTokenNoAppPriv):
		// Signed by us and not expired, but not an app token: a user token?
		return s.userCaller(r.Context(), token)
	case errors.Is(err, agora.ErrTokenSignature), errors.Is(err, agora.ErrTokenWrongApp):
		return caller{}, newErr(http.StatusUnauthorized, "auth_bad_access_token", excSecurity, "Unable to authenticate")
	default: // malformed, including a non-Bearer scheme
		return caller{}, newErr(http.StatusUnauthorized, "auth_bad_access_token", excSecurity, "Unable to authenticate due to corrupt access token")
	}
}

func errExpiredToken() *apiError {
	return newErr(http.StatusUnauthorized, "unauthorized", excSecurity, "Unable to authenticate due to expired access token")
}

// userCaller reads the Chat user privilege of a token whose signature has
// been checked. Its user id may be the user's UUID (Agora's token pages) or
// the username (newer pages); both are accepted.
func (s *Sandbox) userCaller(ctx context.Context, token string) (caller, *apiError) {
	t, err := agora.ParseToken(token)
	if err != nil {
		return caller{}, errOAuth()
	}
	for _, svc := range t.Services {
		exp, ok := svc.Privileges[agora.PrivilegeChatUser]
		if svc.Type != agora.ServiceChat || !ok || svc.UserID == "" {
			continue
		}
		if s.now().Unix() > int64(t.IssuedAt)+int64(exp) {
			return caller{}, errExpiredToken()
		}
		name, err := s.store.userByIDOrName(ctx, svc.UserID)
		if err != nil || name == "" {
			return caller{}, errOAuth()
		}
		return caller{user: name}, nil
	}
	return caller{}, errOAuth() // another service's token
}

// userByIDOrName returns the username of the user with this UUID or name,
// or "" when there is none.
func (st *store) userByIDOrName(ctx context.Context, id string) (string, error) {
	var name string
	err := st.r.QueryRowContext(ctx, `SELECT username FROM users WHERE uuid = ? OR username = ?`, id, normalizeUsername(id)).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return name, err
}
