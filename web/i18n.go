package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"groupdesk/views"
)

// localizer picks the moderator's language: the one chosen with the
// switcher (kept in the session), else the best match for the browser's
// Accept-Language, else English.
func localizer(c echo.Context) views.Localizer {
	if lang, ok := views.ParseLang(session(c).get(sessLang)); ok {
		return views.NewLocalizer(lang)
	}
	return views.NewLocalizer(views.MatchLang(c.Request().Header.Get("Accept-Language")))
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
