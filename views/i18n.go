// Package views renders Groupdesk's pages and fragments with templ.
//
// # Translations
//
// Every string a page shows is a message in locales/<lang>.json, one file
// per language in go-i18n's message file format, keyed by the same flat
// keys ("detail.member_total"). Adding a language is adding a file: the
// switcher and Accept-Language matching take their list from the files.
// English (en.json) is the source language; TestLocaleFiles fails when
// another file lacks a key or a placeholder of it.
//
// Placeholders are fmt verbs (%s, %d, and %[2]s to reorder), applied after
// the lookup, so call sites pass arguments positionally as before; the
// text/template syntax go-i18n also offers is never evaluated.
//
// A message that counts something has plural forms ({"one": …, "other": …}
// in English, only "other" in Chinese; CLDR decides which a language
// needs). Look it up with N, which picks the form for the count and puts
// the count, formatted, first (%[1]s). Sentences that mention a count of
// something ("… and the membership of its %s …") embed a count.* message:
// p.L.T(key, p.L.N("count.members", n)), or Plural{…} where the text is
// translated later (form errors).
//
// To add a message: add the key to locales/en.json and to every other file
// in locales/ (TestLocaleFiles lists what is missing), then call p.L.T(key,
// args...) in a template or l.T(key, args...) in a handler (l from
// localizer(c)); for a count, give en.json {"one", "other"} and zh.json
// {"other"}, and call N.
package views

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/nicksnyder/go-i18n/v2/i18n/template"
	"golang.org/x/text/language"
)

// Lang is a language the dashboard speaks, named as its file in locales/
// ("en", "zh"); it is also the switcher's and the session's value.
type Lang string

// English is the source language and the fallback; Chinese is named for
// tests. Which languages exist is decided by the files in locales/.
const (
	English Lang = "en"
	Chinese Lang = "zh" // Simplified Chinese
)

//go:embed locales/*.json
var localeFiles embed.FS

// catalogue holds every language's messages; it is built once at start-up
// from the embedded files, and a broken file stops the program there.
var catalogue = mustLoadCatalogue(localeFiles)

// Langs lists the supported languages in the switcher's order: English,
// then the others by name of file.
var Langs = catalogue.langs

type messageCatalogue struct {
	langs      []Lang
	messages   map[Lang]map[string]*i18n.Message // for T, see lookup
	localizers map[Lang]*i18n.Localizer          // for N
	matcher    language.Matcher                  // over langs, English first so it is the default
}

func mustLoadCatalogue(files fs.FS) *messageCatalogue {
	c, err := loadCatalogue(files)
	if err != nil {
		panic(err)
	}
	return c
}

func loadCatalogue(files fs.FS) (*messageCatalogue, error) {
	names, err := fs.Glob(files, "locales/*.json")
	if err != nil {
		return nil, err
	}
	bundle := i18n.NewBundle(language.English)
	c := &messageCatalogue{messages: map[Lang]map[string]*i18n.Message{}, localizers: map[Lang]*i18n.Localizer{}}
	for _, name := range names {
		f, err := bundle.LoadMessageFileFS(files, name)
		if err != nil {
			return nil, fmt.Errorf("locale file %s: %w", name, err)
		}
		lang := Lang(strings.TrimSuffix(path.Base(name), ".json"))
		c.langs = append(c.langs, lang)
		c.messages[lang] = make(map[string]*i18n.Message, len(f.Messages))
		for _, m := range f.Messages {
			c.messages[lang][m.ID] = m
		}
	}
	slices.SortStableFunc(c.langs, func(a, b Lang) int {
		return strings.Compare(sortKey(a), sortKey(b))
	})
	if len(c.langs) == 0 || c.langs[0] != English {
		return nil, fmt.Errorf("locales/%s.json is missing", English)
	}
	tags := make([]language.Tag, len(c.langs))
	for i, l := range c.langs {
		tags[i] = language.Make(string(l))
		c.localizers[l] = i18n.NewLocalizer(bundle, string(l))
	}
	c.matcher = language.NewMatcher(tags)
	return c, nil
}

// sortKey puts English first.
func sortKey(l Lang) string {
	if l == English {
		return ""
	}
	return string(l)
}

// Tag is the BCP 47 tag for <html lang> ("zh-Hans"), from the language's
// own file.
func (l Lang) Tag() string { return NewLocalizer(l).T("lang.tag") }

// Name is the language's name in itself, for the switcher.
func (l Lang) Name() string { return NewLocalizer(l).T("lang.name") }

// ParseLang returns the supported language named by s ("en", "zh"), as the
// switcher and the session spell it.
func ParseLang(s string) (Lang, bool) {
	_, ok := catalogue.localizers[Lang(s)]
	return Lang(s), ok
}

// MatchLang returns the supported language that best fits an
// Accept-Language header, English if none does. The browser's preferences
// are tried in its order, each against every language we have, so a
// Chinese reader asking for zh-TW before en gets the Chinese we have
// (a weaker match than en's exact one, which the matcher alone would
// prefer).
func MatchLang(acceptLanguage string) Lang { return catalogue.match(acceptLanguage) }

func (c *messageCatalogue) match(acceptLanguage string) Lang {
	prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil {
		return English
	}
	for _, pref := range prefs {
		if _, i, conf := c.matcher.Match(pref); conf != language.No {
			return c.langs[i]
		}
	}
	return English
}

// Localizer translates message keys and formats numbers and times for one
// language, times in the moderator's zone. The zero value speaks English
// and shows times in UTC.
type Localizer struct {
	lang Lang
	zone *time.Location // nil: UTC
	now  time.Time      // what relative times count from; zero: time.Now()
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

// Plural is a count with its noun, as an argument to T or N that is
// translated with the rest of the message: Plural{"count.members", 3}
// reads "3 members". It lets code that builds a message before the
// language is known (form errors) still say "1 member".
type Plural struct {
	Key   string
	Count int
}

// T returns the message for key, formatted with args (fmt verbs). An
// unknown key is returned as is, so a missing translation is visible
// instead of silently blank; TestLocaleFiles and TestEveryKeyUsedExists
// keep that from happening.
func (l Localizer) T(key string, args ...any) string {
	s, _ := l.lookup(key, nil)
	return l.format(s, args)
}

// N returns the plural form of the message for key that fits count,
// formatted with the count (thousands separated) first and then args.
func (l Localizer) N(key string, count int, args ...any) string {
	s, _ := l.lookup(key, &count)
	return l.format(s, append([]any{l.Number(count)}, args...))
}

// lookup returns the message text for key in l's language (or English, if
// the language lacks it), the key itself if no language has it, and what
// went wrong: a missing key or plural form.
//
// Without a count it reads the parsed message: go-i18n's Localize matches
// the language anew on every call (about 0.8µs), and a page looks up
// hundreds of messages. Counts go through Localize for the plural rules.
func (l Localizer) lookup(key string, count *int) (string, error) {
	if count == nil {
		for _, lang := range []Lang{l.Lang(), English} {
			if m := catalogue.messages[lang][key]; m != nil && m.Other != "" {
				return m.Other, nil
			}
		}
		return key, fmt.Errorf("no message %q", key)
	}
	cfg := &i18n.LocalizeConfig{MessageID: key, PluralCount: *count, TemplateParser: template.IdentityParser{}}
	s, err := catalogue.localizers[l.Lang()].Localize(cfg)
	if s == "" {
		return key, err
	}
	return s, err
}

func (l Localizer) format(s string, args []any) string {
	if len(args) == 0 {
		return s
	}
	if i := slices.IndexFunc(args, isPlural); i >= 0 {
		args = slices.Clone(args) // the caller's slice may be translated again
		for ; i < len(args); i++ {
			if p, ok := args[i].(Plural); ok {
				args[i] = l.N(p.Key, p.Count)
			}
		}
	}
	return fmt.Sprintf(s, args...)
}

func isPlural(a any) bool { _, ok := a.(Plural); return ok }

// Has reports whether key is in the English catalogue.
func Has(key string) bool {
	_, err := NewLocalizer(English).lookup(key, nil)
	return err == nil
}

// Number formats n with thousands separators: 1,024.
func (l Localizer) Number(n int) string {
	if n > -1000 && n < 1000 {
		return strconv.Itoa(n) // no separator; small numbers are not allocated
	}
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

// In returns l showing times in zone, relative to now (zero: the clock).
func (l Localizer) In(zone *time.Location, now time.Time) Localizer {
	l.zone, l.now = zone, now
	return l
}

// Zone is where l shows times.
func (l Localizer) Zone() *time.Location {
	if l.zone == nil {
		return time.UTC
	}
	return l.zone
}

// DateTime formats t in the moderator's zone to the minute, with the
// language's layout (lang.datetime_layout, a Go time layout) and the zone's
// abbreviation.
func (l Localizer) DateTime(t time.Time) string {
	return t.In(l.Zone()).Format(l.T("lang.datetime_layout"))
}

// ExactTime is DateTime to the second: the hover text of a relative time,
// and the audit log's, which is compared with server logs.
func (l Localizer) ExactTime(t time.Time) string {
	return t.In(l.Zone()).Format(l.T("lang.datetime_seconds_layout"))
}

// Clock is t's time of day in the moderator's zone, to the second.
func (l Localizer) Clock(t time.Time) string {
	return t.In(l.Zone()).Format(time.TimeOnly)
}

// Ago says how long before now t was ("3 minutes ago"); a time more than
// a month back, or in the future, is shown as DateTime.
func (l Localizer) Ago(t time.Time) string {
	if l.ShowsAsDate(t) {
		return l.DateTime(t)
	}
	now := l.now
	if now.IsZero() {
		now = time.Now()
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return l.T("time.just_now")
	case d < time.Hour:
		return l.N("time.minutes_ago", int(d/time.Minute))
	case d < 24*time.Hour:
		return l.N("time.hours_ago", int(d/time.Hour))
	}
	return l.N("time.days_ago", int(d/(24*time.Hour)))
}

// ShowsAsDate reports whether Ago shows t as a date (DateTime) rather
// than as a time ago.
func (l Localizer) ShowsAsDate(t time.Time) bool {
	now := l.now
	if now.IsZero() {
		now = time.Now()
	}
	d := now.Sub(t)
	return d < -time.Minute || d >= 30*24*time.Hour
}
