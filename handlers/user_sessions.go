package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/handlers/session"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
)

// userSessionHandlers let admins end a user's sessions, listed on the
// user's page.
type userSessionHandlers struct {
	*server
}

// routes are mounted on /users, for admins only.
func (h userSessionHandlers) routes(g *echo.Group) {
	g.POST("/:id/sessions/:session/end", h.endUserSession)
}

// endUserSession ends one session of the user and records it.
func (h userSessionHandlers) endUserSession(c echo.Context) error {
	u, err := recordParam(c, h.Store.GetUser)
	if err != nil {
		return err
	}
	id, ok := parseSessionID(c.Param("session"))
	if !ok {
		return notFound()
	}
	ended, err := h.Accounts.EndSession(c.Request().Context(), h.accountActor(c), u.ID, id)
	message := "Ended the session of " + u.Name + " on " + accounts.DescribeDevice(ended.UserAgent) + "."
	if errors.Is(err, store.ErrNotFound) {
		message = "That session had already ended."
	} else if err != nil {
		return err
	}
	if err := h.Sessions.addFlash(c, "success", message); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, userURL(u.ID))
}

// userSessionList is the list of the user's sessions on their page, each
// with a button that ends it but the viewer's own.
func (s *server) userSessionList(c echo.Context, u store.User) (views.SessionList, error) {
	base := userURL(u.ID) + "/sessions/"
	return s.sessionList(c, u.ID, views.SessionList{Heading: "Sessions", Empty: "Not signed in anywhere."},
		func(id int64) string { return base + strconv.FormatInt(id, 10) + "/end" })
}

// sessionList fills list with the user's live sessions: the viewer's own
// first and marked, then the others, the most recently seen first, each
// with the button endURL gives it.
func (s *server) sessionList(c echo.Context, userID int, list views.SessionList, endURL func(id int64) string) (views.SessionList, error) {
	current, err := s.Sessions.currentID(c)
	if err != nil {
		return views.SessionList{}, err
	}
	token, err := s.Sessions.csrfToken(c)
	if err != nil {
		return views.SessionList{}, err
	}
	now := s.now()
	rows, err := s.Store.UserSessions(c.Request().Context(), userID, now)
	if err != nil {
		return views.SessionList{}, err
	}
	list.CSRFToken = token
	for _, r := range rows {
		if session.Ended(r, now) != "" {
			continue
		}
		row := views.SessionRow{
			Device:   accounts.DescribeDevice(r.UserAgent),
			Address:  r.ClientAddr,
			Started:  formatTime(r.CreatedAt),
			LastSeen: formatTime(r.LastSeenAt),
			Current:  r.ID == current,
		}
		if row.Current {
			list.Sessions = append([]views.SessionRow{row}, list.Sessions...)
			continue
		}
		row.EndURL = endURL(r.ID)
		list.Sessions = append(list.Sessions, row)
	}
	return list, nil
}

// parseSessionID reads a session id from a path.
func parseSessionID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}
