package sandbox

import (
	"errors"
	"net/http"
	"strings"

	"groupdesk/agora"
)

// authenticate checks the Bearer app token. The token itself is never
// logged or echoed.
func (s *Sandbox) authenticate(r *http.Request) *apiError {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	token := h
	if scheme, rest, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
		token = strings.TrimSpace(rest)
	} else if strings.EqualFold(h, "Bearer") {
		token = ""
	}
	if token == "" {
		return newErr(http.StatusUnauthorized, "group_authorization", excGroupAuthorization, "token is blank!")
	}
	_, err := agora.VerifyAppToken(token, s.cfg.AppID, s.cfg.AppCertificate, s.now())
	switch {
	case err == nil:
		return nil
	case errors.Is(err, agora.ErrTokenExpired):
		return newErr(http.StatusUnauthorized, "unauthorized", excSecurity, "Unable to authenticate due to expired access token")
	case errors.Is(err, agora.ErrTokenNoAppPriv):
		// A user token, or one for another service: valid, but not for REST.
		return newErr(http.StatusUnauthorized, "unauthorized", excSecurity, "Unable to authenticate (OAuth)")
	case errors.Is(err, agora.ErrTokenSignature), errors.Is(err, agora.ErrTokenWrongApp):
		return newErr(http.StatusUnauthorized, "auth_bad_access_token", excSecurity, "Unable to authenticate")
	default: // malformed, including a non-Bearer scheme
		return newErr(http.StatusUnauthorized, "auth_bad_access_token", excSecurity, "Unable to authenticate due to corrupt access token")
	}
}
