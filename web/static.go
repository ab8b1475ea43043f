package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"groupdesk/static"
	"groupdesk/views"
)

// prepareStatic hashes the embedded files for cache-busting URLs.
func (s *Server) prepareStatic() error {
	s.hashes = map[string]string{}
	err := fs.WalkDir(static.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static.FS, path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		s.hashes[path] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return fmt.Errorf("web: read embedded static files: %w", err)
	}
	asset := func(path string) templ.SafeURL {
		return templ.SafeURL("/static/" + path + "?v=" + s.hashes[path])
	}
	s.assets = views.Assets{
		CSS:  asset("css/app.css"),
		HTMX: asset("js/htmx.min.js"),
		App:  asset("js/app.js"),
	}
	s.static = http.StripPrefix("/static/", http.FileServer(http.FS(static.FS)))
	return nil
}

// serveStatic is GET /static/*. A URL with the current content hash may be
// cached for a year; anything else must be revalidated.
func (s *Server) serveStatic(c echo.Context) error {
	name := strings.TrimPrefix(c.Request().URL.Path, "/static/")
	hash, ok := s.hashes[name]
	if !ok {
		return echo.ErrNotFound // also refuses directory listings
	}
	h := c.Response().Header()
	if c.QueryParam("v") == hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("ETag", `"`+hash+`"`)
	s.static.ServeHTTP(c.Response(), c.Request())
	return nil
}
