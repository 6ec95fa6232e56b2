package handlers

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

func TestLogHandlerAddsTheRequestID(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(LogHandler(slog.NewTextHandler(&buf, nil))).With("component", "test").WithGroup("g")
	ctx := context.WithValue(context.Background(), requestIDContextKey{}, "abc123")
	tests := []struct {
		name string
		log  func()
		want []string
		not  []string
	}{
		{"with the request's context", func() { logger.InfoContext(ctx, "sent", "n", 1) },
			[]string{"request_id=abc123", "component=test", "g.n=1"}, nil},
		{"outside a request", func() { logger.Info("started") }, []string{"msg=started"}, []string{"request_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf.Reset()
			tt.log()
			line := buf.String()
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("line %q has no %q", line, w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(line, n) {
					t.Errorf("line %q has %q", line, n)
				}
			}
		})
	}
}

func TestRequestIDReachesTheRequestContext(t *testing.T) {
	s := &server{}
	e := echo.New()
	e.Pre(s.requestIDMiddleware)
	var inContext, inEcho string
	e.GET("/", func(c echo.Context) error {
		inContext, inEcho = RequestIDFromContext(c.Request().Context()), requestID(c)
		return c.NoContent(http.StatusNoContent)
	})
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	header := rec.Header().Get(echo.HeaderXRequestID)
	if inContext == "" || inContext != inEcho || inContext != header {
		t.Errorf("request id: context %q, echo %q, header %q; want one id everywhere", inContext, inEcho, header)
	}
	if got := RequestIDFromContext(context.Background()); got != "" {
		t.Errorf("RequestIDFromContext outside a request = %q, want empty", got)
	}
}
