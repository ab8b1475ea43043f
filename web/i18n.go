package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"groupdesk/views"
)

// localizer picks the moderator's language: the one chosen with the
// switcher (kept in the session), else the best match for the browser's
// Accept-Language, else English. It shows times in the moderator's zone
// (see timeZone).
func localizer(c echo.Context) views.Localizer {
	zone, _ := timeZone(c)
	lang, ok := views.ParseLang(session(c).get(sessLang))
	if !ok {
		lang = views.MatchLang(c.Request().Header.Get("Accept-Language"))
	}
	return views.NewLocalizer(lang).In(zone, time.Time{})
}

// setLanguage is POST /language, the switcher in the header. It works
// before sign-in too.
func (s *Server) setLanguage(c echo.Context) error {
	lang, ok := views.ParseLang(c.FormValue("lang"))
	if !ok {
		return newPageError(http.StatusBadRequest, "error.bad_language")
	}
	session(c).set(sessLang, string(lang))
	next := localPath(c.FormValue("next"))
	if next == "" {
		next = "/groups"
	}
	return c.Redirect(http.StatusSeeOther, next)
}
