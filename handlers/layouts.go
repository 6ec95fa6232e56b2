package handlers

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"html"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/views"
)

// maxLayouts bounds the layouts kept; past it, it starts over.
const maxLayouts = 1024

// layouts keeps the layout of pages whose content was rendered earlier,
// split around that content, by everything it shows but the form token:
// title, navigation, who is signed in. With the content kept too, such a
// page is put together from three strings and the viewer's token.
type layouts struct {
	// marker stands for the content while a layout is rendered, token
	// for the viewer's form token in the layout and in kept content alike.
	// Both are random for each process, so no text from DigiCert or a
	// user can hold them.
	marker, token string

	mu    sync.Mutex
	byKey map[layoutKey]layoutParts
}

// layoutKey is everything the layout shows, except the form token and the
// flash message (pages with a message are not put together from parts).
type layoutKey struct {
	title, nav      string
	hasErrors       bool
	signedIn, admin bool
	name, email     string
}

type layoutParts struct{ before, after tokenSlots }

func newLayouts(token string) *layouts {
	return &layouts{marker: "content-" + rand.Text(), token: token, byKey: make(map[layoutKey]layoutParts)}
}

// tokenSlots is a text cut at every placeholder for the viewer's form
// token. Kept text is cut once, when it is kept, so that a page put
// together from it is only copied, never searched.
type tokenSlots []string

// cut cuts text at every token placeholder.
func (l *layouts) cut(text string) tokenSlots { return strings.Split(text, l.token) }

// writeTo writes the text to buf with token in every slot.
func (t tokenSlots) writeTo(buf *bytes.Buffer, token string) {
	for i, s := range t {
		if i > 0 {
			buf.WriteString(token)
		}
		buf.WriteString(s)
	}
}

// with returns the text with token in every slot.
func (t tokenSlots) with(token string) string { return strings.Join(t, token) }

// renderPrerendered answers with content inside the layout of page, the
// viewer's form token put where content and layout hold the placeholder.
// Without a flash message the page is put together from the kept layout.
func (s *server) renderPrerendered(c echo.Context, status int, page views.Page, content tokenSlots) error {
	token := html.EscapeString(page.CSRFToken)
	if page.Flash != nil {
		return render(c, status, views.Prerendered(page, content.with(token)))
	}
	parts, err := s.layouts.parts(c.Request().Context(), page)
	if err != nil {
		return err
	}
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer putRenderBuffer(buf)
	for _, text := range [...]tokenSlots{parts.before, content, parts.after} {
		text.writeTo(buf, token)
	}
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	return c.HTMLBlob(status, buf.Bytes())
}

// parts returns the layout of page split around its content, rendering it
// the first time.
func (l *layouts) parts(ctx context.Context, page views.Page) (layoutParts, error) {
	key := layoutKey{title: page.Title, nav: page.Nav, hasErrors: page.HasErrors}
	if u := page.User; u != nil {
		key.signedIn, key.admin, key.name, key.email = true, u.IsAdmin, u.Name, u.Email
	}
	l.mu.Lock()
	parts, ok := l.byKey[key]
	l.mu.Unlock()
	if ok {
		return parts, nil
	}
	page.CSRFToken = l.token
	whole, err := renderString(ctx, views.Prerendered(page, l.marker))
	if err != nil {
		return layoutParts{}, err
	}
	before, after, found := strings.Cut(whole, l.marker)
	if !found {
		return layoutParts{}, errors.New("handlers: the layout cannot be split around its content")
	}
	parts = layoutParts{before: l.cut(before), after: l.cut(after)}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.byKey) >= maxLayouts {
		clear(l.byKey)
	}
	l.byKey[key] = parts
	return parts, nil
}
