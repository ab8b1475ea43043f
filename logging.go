package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// newLogger builds the process logger from GROUPDESK_LOG_FORMAT ("text",
// the default, or "json") and GROUPDESK_LOG_LEVEL ("debug", "info" (the
// default), "warn" or "error"). A value it does not know is an error, so a
// typo does not silently change what gets logged.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if level != "" {
		if err := lvl.UnmarshalText([]byte(level)); err != nil {
			return nil, fmt.Errorf("GROUPDESK_LOG_LEVEL %q is not a level: use debug, info, warn or error", level)
		}
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch strings.ToLower(format) {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("GROUPDESK_LOG_FORMAT %q is not known: use text or json", format)
	}
}
