package main

import (
	"fmt"
	"io"
	"log/slog"
	"math"
)

// Logging: log/slog, in text (key=value) or JSON lines, with redis-server's
// level names. verbose sits between debug and notice, as in Redis, and is
// printed as VERBOSE; notice is slog's INFO and warning its WARN.

const levelVerbose = slog.LevelDebug + 2

var logLevels = map[string]slog.Level{
	"debug":   slog.LevelDebug,
	"verbose": levelVerbose,
	"notice":  slog.LevelInfo,
	"warning": slog.LevelWarn,
	"nothing": math.MaxInt32, // Redis 7's "nothing": no log at all
}

// newLogger returns the logger serve writes to w.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	lv, ok := logLevels[level]
	if !ok {
		return nil, fmt.Errorf("invalid loglevel %q (debug, verbose, notice, warning or nothing)", level)
	}
	opts := &slog.HandlerOptions{Level: lv, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.LevelKey && a.Value.Any() == levelVerbose {
			a.Value = slog.StringValue("VERBOSE")
		}
		return a
	}}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("invalid log-format %q (text or json)", format)
}
