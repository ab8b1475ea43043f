package static

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Contrast minimums of WCAG 2.x AA (success criteria 1.4.3 and 1.4.11).
const (
	textContrast = 4.5 // body-size text
	uiContrast   = 3.0 // borders of controls, focus rings, large text
)

// contrastPairs are the foreground/background token pairs the stylesheet
// puts on screen together; badges (--badge-NAME-fg on --badge-NAME-bg) are
// found by name. A new pairing in app.css gets a line here.
var contrastPairs = []struct {
	fg, bg string
	min    float64
}{
	{"--color-text", "--color-bg", textContrast},
	{"--color-text", "--color-surface", textContrast},
	{"--color-text", "--color-surface-hover", textContrast},
	{"--color-text", "--color-field-bg", textContrast},
	{"--color-text", "--color-danger-bg", textContrast},
	{"--color-text", "--color-ok-bg", textContrast},
	{"--color-text", "--color-info-bg", textContrast},
	{"--color-text-muted", "--color-bg", textContrast},
	{"--color-text-muted", "--color-surface", textContrast},
	{"--color-text-muted", "--color-info-bg", textContrast},
	{"--color-text-muted", "--color-danger-bg", textContrast},
	{"--color-link", "--color-bg", textContrast},
	{"--color-link", "--color-surface", textContrast},
	{"--color-link", "--color-info-bg", textContrast},
	{"--color-on-accent", "--color-accent", textContrast},
	{"--color-on-accent", "--color-accent-hover", textContrast},
	{"--color-on-danger", "--color-danger-strong", textContrast},
	{"--color-on-danger", "--color-danger-hover", textContrast},
	{"--color-danger", "--color-bg", textContrast},
	{"--color-danger", "--color-danger-bg", textContrast},
	{"--color-bg", "--color-text", textContrast}, // the skip link
	{"--color-header-text", "--color-header-bg", textContrast},
	{"--color-header-muted", "--color-header-bg", textContrast},
	{"--color-control-border", "--color-field-bg", uiContrast},
	{"--color-control-border", "--color-bg", uiContrast},
	{"--color-control-border", "--color-surface", uiContrast},
	{"--color-danger", "--color-field-bg", uiContrast}, // [aria-invalid] border
	{"--color-focus", "--color-bg", uiContrast},
	{"--color-focus", "--color-surface", uiContrast},
	{"--color-focus", "--color-danger-bg", uiContrast},
	{"--color-header-focus", "--color-header-bg", uiContrast},
	{"--color-loading", "--color-header-bg", uiContrast},
	{"--color-loading", "--color-bg", uiContrast},
	{"--color-ok", "--color-ok-bg", uiContrast},     // flash border
	{"--color-info", "--color-info-bg", uiContrast}, // flash border
}

func TestColourTokensMeetWCAGAAContrast(t *testing.T) {
	css := readCSS(t)
	for _, theme := range []struct {
		name   string
		tokens map[string]string
	}{
		{"light", tokenBlock(t, css, false)},
		{"dark", tokenBlock(t, css, true)},
	} {
		t.Run(theme.name, func(t *testing.T) {
			pairs := contrastPairs
			for name := range theme.tokens {
				if base, ok := strings.CutSuffix(name, "-fg"); ok && strings.HasPrefix(name, "--badge-") {
					pairs = append(pairs, struct {
						fg, bg string
						min    float64
					}{name, base + "-bg", textContrast})
				}
			}
			for _, p := range pairs {
				fg, bg := color(t, theme.tokens, p.fg), color(t, theme.tokens, p.bg)
				if fg == nil || bg == nil {
					continue
				}
				if got := contrast(fg, bg); got < p.min {
					t.Errorf("%s on %s: contrast %.2f:1, want at least %.1f:1", p.fg, p.bg, got, p.min)
				}
			}
		})
	}
}

// The dark theme overrides every colour, so no light colour is left on a
// dark background; rules use tokens only, and only tokens that exist.
func TestStylesheetUsesDeclaredColourTokensOnly(t *testing.T) {
	css := readCSS(t)
	light, dark := tokenBlock(t, css, false), tokenBlock(t, css, true)
	for name, v := range light {
		if isColour(v) {
			if _, ok := dark[name]; !ok {
				t.Errorf("%s has no dark value", name)
			}
		}
	}
	for name := range dark {
		if _, ok := light[name]; !ok {
			t.Errorf("%s is set in the dark theme only", name)
		}
	}
	rules := css
	for _, dk := range []bool{false, true} {
		start, end := tokenBlockSpan(t, css, dk)
		rules = strings.Replace(rules, css[start:end], "", 1)
	}
	for _, lit := range regexp.MustCompile(`#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?)\(`).FindAllString(rules, -1) {
		t.Errorf("colour literal %q outside the token blocks: use a --color-* token", lit)
	}
	for _, m := range regexp.MustCompile(`var\((--[a-z0-9-]+)`).FindAllStringSubmatch(css, -1) {
		if _, ok := light[m[1]]; !ok {
			t.Errorf("var(%s) is not declared in :root", m[1])
		}
	}
}

func TestContrastFormula(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21},
		{"#ffffff", "#ffffff", 1},
		{"#777777", "#ffffff", 4.48}, // the classic just-fails grey
		{"#767676", "#ffffff", 4.54},
	}
	for _, tt := range tests {
		a, _ := parseHex(tt.a)
		b, _ := parseHex(tt.b)
		if got := contrast(a, b); math.Abs(got-tt.want) > 0.01 {
			t.Errorf("contrast(%s, %s) = %.3f, want %.2f", tt.a, tt.b, got, tt.want)
		}
	}
}

func readCSS(t *testing.T) string {
	t.Helper()
	b, err := FS.ReadFile("css/app.css")
	if err != nil {
		t.Fatal(err)
	}
	return regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(string(b), "")
}

// tokenBlockSpan finds the body of the top-level `:root { … }` (light) or of
// the `:root { … }` inside `@media (prefers-color-scheme: dark)`.
func tokenBlockSpan(t *testing.T, css string, dark bool) (int, int) {
	t.Helper()
	from := 0
	if dark {
		i := strings.Index(css, "@media (prefers-color-scheme: dark)")
		if i < 0 {
			t.Fatal("app.css has no @media (prefers-color-scheme: dark) block")
		}
		from = i
	}
	i := strings.Index(css[from:], ":root {")
	if i < 0 {
		t.Fatalf("app.css has no :root block (dark=%v)", dark)
	}
	start := from + i + len(":root {")
	end := strings.Index(css[start:], "}")
	if end < 0 {
		t.Fatal("unclosed :root block")
	}
	return start, start + end
}

func tokenBlock(t *testing.T, css string, dark bool) map[string]string {
	t.Helper()
	start, end := tokenBlockSpan(t, css, dark)
	tokens := map[string]string{}
	for _, decl := range strings.Split(css[start:end], ";") {
		name, value, ok := strings.Cut(strings.TrimSpace(decl), ":")
		if ok && strings.HasPrefix(name, "--") {
			tokens[strings.TrimSpace(name)] = strings.TrimSpace(value)
		}
	}
	if len(tokens) == 0 {
		t.Fatalf("no custom properties in the :root block (dark=%v)", dark)
	}
	return tokens
}

func isColour(v string) bool { return strings.HasPrefix(v, "#") }

func color(t *testing.T, tokens map[string]string, name string) []float64 {
	t.Helper()
	v, ok := tokens[name]
	if !ok {
		t.Errorf("%s is not declared", name)
		return nil
	}
	rgb, err := parseHex(v)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return nil
	}
	return rgb
}

// parseHex reads #rgb, #rrggbb or #rrggbbaa (alpha ignored) into 0..1 channels.
func parseHex(v string) ([]float64, error) {
	h := strings.TrimPrefix(v, "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	if len(h) != 6 && len(h) != 8 {
		return nil, fmt.Errorf("%q is not a hex colour", v)
	}
	rgb := make([]float64, 3)
	for i := range rgb {
		n, err := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, fmt.Errorf("%q is not a hex colour", v)
		}
		rgb[i] = float64(n) / 255
	}
	return rgb, nil
}

// contrast is the WCAG contrast ratio of two sRGB colours.
func contrast(a, b []float64) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(rgb []float64) float64 {
	lin := func(c float64) float64 {
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(rgb[0]) + 0.7152*lin(rgb[1]) + 0.0722*lin(rgb[2])
}
