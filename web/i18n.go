package web

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"groupdesk/views"
)

// localizer picks the moderator's language: the one chosen with the
// switcher (kept in the session), else the browser's Accept-Language, else
// English.
func localizer(c echo.Context) views.Localizer {
	if lang, ok := views.ParseLang(session(c).get(sessLang)); ok {
		return views.NewLocalizer(lang)
	}
	return views.NewLocalizer(negotiateLang(c.Request().Header.Get("Accept-Language")))
}

// negotiateLang returns the best supported language of an Accept-Language
// header. Any Chinese tag (zh, zh-CN, zh-Hans, zh-TW…) gets Simplified
// Chinese, the only Chinese the catalogue has.
func negotiateLang(header string) views.Lang {
	type choice struct {
		lang views.Lang
		q    float64
		pos  int
	}
	var choices []choice
	for i, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.TrimSpace(k) == "q" {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		var lang views.Lang
		switch primary {
		case "zh":
			lang = views.Chinese
		case "en":
			lang = views.English
		default:
			continue
		}
		if q > 0 {
			choices = append(choices, choice{lang, q, i})
		}
	}
	if len(choices) == 0 {
		return views.English
	}
	sort.SliceStable(choices, func(i, j int) bool { return choices[i].q > choices[j].q })
	return choices[0].lang
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
