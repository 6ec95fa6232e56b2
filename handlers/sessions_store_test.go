package handlers

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/views"
)

func TestCookieStoreRemembersDecodedCookies(t *testing.T) {
	sess := NewSessions(false, []byte(strings.Repeat("a", 64)), []byte(strings.Repeat("b", 32)))
	st := sess.store
	clock := time.Now()
	st.now = func() time.Time { return clock }

	// A cookie as the portal writes it: a signed-in user and a message.
	rec := httptest.NewRecorder()
	s, err := st.New(httptest.NewRequest(http.MethodGet, "/", nil), sessionName)
	if err != nil {
		t.Fatal(err)
	}
	s.Values[sessionUserID], s.Values[sessionVersion] = 7, 1
	s.Values[sessionCreated], s.Values[sessionSeen] = int64(100), int64(200)
	s.AddFlash(views.Flash{Kind: "success", Message: "Sent."})
	if err := s.Save(httptest.NewRequest(http.MethodGet, "/", nil), rec); err != nil {
		t.Fatal(err)
	}
	cookie := rec.Result().Cookies()[0]
	request := func(c *http.Cookie) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(c)
		return r
	}

	first, err := st.New(request(cookie), sessionName)
	if err != nil || first.IsNew || first.Values[sessionUserID] != 7 {
		t.Fatalf("first decoding: %v, new %t, values %v", err, first.IsNew, first.Values)
	}
	if _, ok := st.decoded[cookie.Value]; !ok {
		t.Fatal("a decoded cookie is not remembered")
	}
	// One request's changes to its session stay its own.
	first.Flashes()
	first.AddFlash(views.Flash{Kind: "error", Message: "changed"})
	first.Values[sessionSeen] = int64(999)
	second, err := st.New(request(cookie), sessionName)
	if err != nil || second.IsNew {
		t.Fatalf("second decoding: %v, new %t", err, second.IsNew)
	}
	if flashes := second.Flashes(); len(flashes) != 1 || flashes[0] != (views.Flash{Kind: "success", Message: "Sent."}) || second.Values[sessionSeen] != int64(200) {
		t.Errorf("the remembered session was changed by another request: flashes %v, seen %v", flashes, second.Values[sessionSeen])
	}

	// A cookie that was never signed with the keys is refused, however
	// close to a remembered one.
	forged := *cookie
	forged.Value = cookie.Value[:len(cookie.Value)-2] + "AA"
	if s, err := st.New(request(&forged), sessionName); err == nil || !s.IsNew || len(s.Values) != 0 {
		t.Errorf("a forged cookie decoded: %v, values %v", err, s.Values)
	}
	if _, ok := st.decoded[forged.Value]; ok {
		t.Error("a refused cookie is remembered")
	}

	// After decodedCookieMaxAge the cookie is decoded again, not recalled.
	clock = clock.Add(decodedCookieMaxAge)
	if _, ok := st.recall(cookie.Value); ok {
		t.Error("a decoding older than decodedCookieMaxAge is recalled")
	}
	for i := range maxDecodedCookies + 1 {
		st.remember(strings.Repeat("x", i+1), map[any]any{})
	}
	if len(st.decoded) > maxDecodedCookies {
		t.Errorf("%d decodings remembered, more than %d", len(st.decoded), maxDecodedCookies)
	}
}
