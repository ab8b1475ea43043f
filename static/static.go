// Package static holds the stylesheet and scripts the dashboard serves under
// /static/. They are embedded so the binary is the whole deployment.
package static

import "embed"

// FS holds css/ and js/ (htmx.min.js is copied from the npm package htmx.org).
//
//go:embed css js
var FS embed.FS
