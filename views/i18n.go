package views

import (
	"fmt"
	"strconv"
	"time"
)

// Lang is a language the dashboard speaks.
type Lang string

// Supported languages.
const (
	English Lang = "en"
	Chinese Lang = "zh" // Simplified Chinese
)

// Langs lists the supported languages in the switcher's order.
var Langs = []Lang{English, Chinese}

// Tag is the BCP 47 tag for <html lang>.
func (l Lang) Tag() string {
	if l == Chinese {
		return "zh-Hans"
	}
	return "en"
}

// Name is the language's name in itself, for the switcher.
func (l Lang) Name() string {
	if l == Chinese {
		return "简体中文"
	}
	return "English"
}

// ParseLang returns the supported language named by s ("en", "zh").
func ParseLang(s string) (Lang, bool) {
	switch Lang(s) {
	case English, Chinese:
		return Lang(s), true
	}
	return "", false
}

// Localizer translates message keys and formats numbers and times for one
// language. The zero value speaks English.
type Localizer struct {
	lang Lang
}

// NewLocalizer returns a Localizer for lang (English if unsupported).
func NewLocalizer(lang Lang) Localizer {
	if _, ok := ParseLang(string(lang)); !ok {
		lang = English
	}
	return Localizer{lang: lang}
}

// Lang is the language l speaks.
func (l Localizer) Lang() Lang {
	if l.lang == "" {
		return English
	}
	return l.lang
}

// T returns the message for key, formatted with args (fmt verbs). An
// unknown key is returned as is, so a missing translation is visible
// instead of silently blank; TestCatalogueCoversEveryKey keeps that from
// happening.
func (l Localizer) T(key string, args ...any) string {
	m, ok := catalogue[key]
	if !ok {
		return key
	}
	s := m.en
	if l.Lang() == Chinese {
		s = m.zh
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// Has reports whether key is in the catalogue.
func Has(key string) bool {
	_, ok := catalogue[key]
	return ok
}

// Number formats n with thousands separators: 1,024.
func (l Localizer) Number(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// DateTime formats t in UTC, the only zone the server knows; the browser
// script rewrites it in the moderator's own zone.
func (l Localizer) DateTime(t time.Time) string {
	t = t.UTC()
	if l.Lang() == Chinese {
		return t.Format("2006年1月2日 15:04 UTC")
	}
	return t.Format("Jan 2, 2006, 15:04 UTC")
}
