package whatsapp

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"

	"github.com/rs/zerolog"
	signallog "go.mau.fi/libsignal/logger"
	waLog "go.mau.fi/whatsmeow/util/log"
)

// levelTrace is below slog's debug: whatsmeow's own debug output (every node) only shows when a handler is set to
// this level.
const levelTrace = slog.LevelDebug - 4

// waLogger adapts slog to whatsmeow's logger. whatsmeow is chatty at info (every connect, every prekey upload), so
// its info becomes debug and its debug becomes trace; warnings and errors stay what they are.
type waLogger struct {
	log    *slog.Logger
	module string
}

func newWALog(l *slog.Logger, module string) waLog.Logger { return waLogger{log: l, module: module} }

func (w waLogger) Errorf(msg string, args ...any) { w.write(slog.LevelError, msg, args) }
func (w waLogger) Warnf(msg string, args ...any)  { w.write(slog.LevelWarn, msg, args) }
func (w waLogger) Infof(msg string, args ...any)  { w.write(slog.LevelDebug, msg, args) }
func (w waLogger) Debugf(msg string, args ...any) { w.write(levelTrace, msg, args) }
func (w waLogger) Sub(module string) waLog.Logger {
	return waLogger{log: w.log, module: w.module + "/" + module}
}

func (w waLogger) write(level slog.Level, msg string, args []any) {
	ctx := context.Background()
	if !w.log.Enabled(ctx, level) {
		return
	}
	w.log.Log(ctx, level, fmt.Sprintf(msg, args...), "module", w.module)
}

// zerologFor returns a zerolog logger writing into l with the same level mapping as waLogger; whatsmeow reads it
// from the client's BackgroundEventCtx.
func zerologFor(l *slog.Logger) zerolog.Logger {
	level := zerolog.WarnLevel
	switch {
	case l.Enabled(context.Background(), levelTrace):
		level = zerolog.DebugLevel
	case l.Enabled(context.Background(), slog.LevelDebug):
		level = zerolog.InfoLevel
	}
	return zerolog.New(slogWriter{l}).Level(level).With().Str("module", "whatsmeow").Logger()
}

// slogWriter turns zerolog's JSON lines into slog records.
type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	var fields map[string]any
	if err := json.Unmarshal(p, &fields); err != nil {
		w.log.Debug(string(p))
		return len(p), nil
	}
	level := levelTrace
	switch fields[zerolog.LevelFieldName] {
	case "error", "fatal", "panic":
		level = slog.LevelError
	case "warn":
		level = slog.LevelWarn
	case "info":
		level = slog.LevelDebug
	}
	msg, _ := fields[zerolog.MessageFieldName].(string)
	delete(fields, zerolog.LevelFieldName)
	delete(fields, zerolog.MessageFieldName)
	attrs := make([]slog.Attr, 0, len(fields))
	for k, v := range fields {
		attrs = append(attrs, slog.Any(k, v))
	}
	w.log.LogAttrs(context.Background(), level, msg, attrs...)
	return len(p), nil
}

// signalLogger routes libsignal's process-wide logger (which prints to stdout by default) into slog: its errors
// (a message that does not decrypt) as warnings, the rest as trace.
type signalLogger struct{ log *slog.Logger }

func (s signalLogger) Debug(caller, msg string)   { s.write(levelTrace, caller, msg) }
func (s signalLogger) Info(caller, msg string)    { s.write(levelTrace, caller, msg) }
func (s signalLogger) Warning(caller, msg string) { s.write(slog.LevelDebug, caller, msg) }
func (s signalLogger) Error(caller, msg string)   { s.write(slog.LevelWarn, caller, msg) }
func (s signalLogger) Configure(string)           {}

func (s signalLogger) write(level slog.Level, caller, msg string) {
	if s.log.Enabled(context.Background(), level) {
		s.log.Log(context.Background(), level, msg, "module", "libsignal", "caller", caller)
	}
}

// setSignalLogger points libsignal's global logger at l, once per process: the first Open's logger wins.
func setSignalLogger(l *slog.Logger) {
	signalOnce.Do(func() { signallog.Logger = signalLogger{log: l} })
}

var signalOnce sync.Once
