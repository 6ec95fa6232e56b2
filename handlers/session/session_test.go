package session

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/store"
)

func TestEnded(t *testing.T) {
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	user := store.Session{UserID: 1, CreatedAt: start, LastSeenAt: start, ExpiresAt: start.Add(Lifetime)}
	pre := store.Session{CreatedAt: start, LastSeenAt: start, ExpiresAt: start.Add(PreSessionLifetime)}
	for _, tt := range []struct {
		name string
		sess store.Session
		at   time.Time
		want Reason
	}{
		{"fresh", user, start, ""},
		{"just under idle", user, start.Add(IdleTimeout - time.Second), ""},
		{"idle", user, start.Add(IdleTimeout), Idle},
		{"at its end", store.Session{UserID: 1, CreatedAt: start, LastSeenAt: start.Add(Lifetime - time.Minute), ExpiresAt: start.Add(Lifetime)}, start.Add(Lifetime), Expired},
		{"from the future", user, start.Add(-2 * time.Minute), Expired},
		{"pre-session unused for long", pre, start.Add(PreSessionLifetime - time.Second), ""},
		{"pre-session at its end", pre, start.Add(PreSessionLifetime), Expired},
	} {
		if got := Ended(tt.sess, tt.at); got != tt.want {
			t.Errorf("%s: Ended = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestStoreRoundTrip goes through a session's life as gorilla/sessions
// sees it: a new session is stored only when saved, carries its flash
// messages to the next request, is renewed at sign-in and deleted with a
// negative MaxAge.
func TestStoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "cd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s := NewStore(db, Options{Secure: true, Clock: func() time.Time { return now }})
	const name = "contactdesk_session"
	request := func(cookie *http.Cookie) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("User-Agent", "Test/1")
		if cookie != nil {
			r.AddCookie(cookie)
		}
		return r
	}
	cookieOf := func(w *httptest.ResponseRecorder) *http.Cookie {
		t.Helper()
		cookies := w.Result().Cookies()
		if len(cookies) != 1 {
			t.Fatalf("cookies set: %v, want one", cookies)
		}
		return cookies[0]
	}

	r := request(nil)
	sess, err := s.Get(r, name)
	if err != nil || !sess.IsNew || CSRFToken(sess) != "" || ID(sess) != 0 {
		t.Fatalf("no cookie: %+v, %v; want a new session, not stored", sess, err)
	}
	sess.AddFlash(Flash{Kind: "success", Message: "Hello"})
	w := httptest.NewRecorder()
	if err := sess.Save(r, w); err != nil {
		t.Fatal(err)
	}
	pre := cookieOf(w)
	if pre.Name != "__Host-"+name || pre.MaxAge != int(PreSessionLifetime/time.Second) || !pre.Secure || !pre.HttpOnly {
		t.Errorf("pre-session cookie: %+v", pre)
	}
	token := CSRFToken(sess)

	r = request(pre)
	sess, err = s.Get(r, name)
	if err != nil || sess.IsNew || CSRFToken(sess) != token || UserID(sess) != 0 {
		t.Fatalf("the stored pre-session: %+v, %v", sess, err)
	}
	if flashes := sess.Flashes(); len(flashes) != 1 || flashes[0] != (Flash{Kind: "success", Message: "Hello"}) {
		t.Errorf("flashes: %v, want the one saved", flashes)
	}
	w = httptest.NewRecorder()
	if err := sess.Save(r, w); err != nil || len(w.Result().Cookies()) != 0 {
		t.Errorf("saving a stored session: %v, cookies %v; want no new cookie", err, w.Result().Cookies())
	}
	if sess.AddFlash("not a Flash"); sess.Save(r, httptest.NewRecorder()) == nil {
		t.Error("a flash message of another type was saved")
	}
	sess.Flashes()

	u, err := db.CreateUser(ctx, store.NewUser{Email: "ed@example.com", Name: "Ed", Role: store.RoleEditor},
		func(store.User) (store.AuditEvent, error) {
			return store.AuditEvent{SubmissionID: "test", Kind: store.AuditUserCreated, Summary: "test"}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	w = httptest.NewRecorder()
	if err := s.Renew(r, w, sess, u.ID); err != nil {
		t.Fatal(err)
	}
	signedIn := cookieOf(w)
	if signedIn.Value == pre.Value || CSRFToken(sess) == token || UserID(sess) != u.ID || signedIn.MaxAge != int(Lifetime/time.Second) {
		t.Errorf("after Renew: cookie %+v, user %d; want a new session of the user", signedIn, UserID(sess))
	}
	if _, err := s.Get(request(pre), name); !isEnded(err, Unknown) {
		t.Errorf("the replaced pre-session's cookie: %v, want ended: unknown", err)
	}

	// Idle: the row goes, and the reason is told.
	now = now.Add(IdleTimeout)
	if sess, err := s.Get(request(signedIn), name); !isEnded(err, Idle) || UserID(sess) != 0 {
		t.Errorf("after the idle timeout: user %d, %v; want a new session and ended: idle", UserID(sess), err)
	}
	if _, err := s.Get(request(signedIn), name); !isEnded(err, Unknown) {
		t.Errorf("the idle session's cookie again: %v, want ended: unknown", err)
	}

	// A negative MaxAge deletes.
	r = request(nil)
	sess, err = s.Get(r, name)
	if err != nil {
		t.Fatal(err)
	}
	w = httptest.NewRecorder()
	if err := sess.Save(r, w); err != nil {
		t.Fatal(err)
	}
	stored := cookieOf(w)
	sess.Options.MaxAge = -1
	w = httptest.NewRecorder()
	if err := sess.Save(r, w); err != nil {
		t.Fatal(err)
	}
	if c := cookieOf(w); c.MaxAge >= 0 || c.Value != "" || ID(sess) != 0 {
		t.Errorf("deleting: cookie %+v, id %d; want the cookie cleared", c, ID(sess))
	}
	if _, err := s.Get(request(stored), name); !isEnded(err, Unknown) {
		t.Errorf("the deleted session's cookie: %v, want ended: unknown", err)
	}
}

func isEnded(err error, reason Reason) bool {
	var ended *EndedError
	return errors.As(err, &ended) && ended.Reason == reason
}
