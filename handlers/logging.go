package handlers

import (
	"context"
	"log/slog"
)

// requestIDContextKey carries the request id in the request's context, so
// that lines logged below the handlers (the contacts service, the DigiCert
// client) name their request too.
type requestIDContextKey struct{}

// RequestIDFromContext returns the id of the request ctx belongs to, or ""
// outside a request.
func RequestIDFromContext(ctx context.Context) string {
	id, _ := ctx.Value(requestIDContextKey{}).(string) // absent outside a request
	return id
}

// LogHandler wraps h so that every record logged with a request's context
// (logger.InfoContext(ctx, …), logger.LogAttrs(ctx, …)) carries the
// request's request_id, whichever package writes it.
func LogHandler(h slog.Handler) slog.Handler { return requestIDHandler{h} }

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestIDFromContext(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
