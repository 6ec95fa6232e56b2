package handlers

import (
	"time"

	"errors"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/handlers/session"
	"github.com/contactdesk/contactdesk/store"
)

// GroupsTTL is how long the groups of a user signed in with the identity
// provider are trusted: the first request after that reads them again,
// so that someone removed from a group loses what it gave within this
// time of their next request.
const GroupsTTL = 5 * time.Minute

// recheckGroups reads the groups of the user u of a session signed in
// with the identity provider again (see sso.Client.Groups) and sets their
// role and teams from them. It returns the user as they now are, or nil
// when the session ended: the provider could not confirm the groups
// (tokens revoked or expired, provider unreachable: access is not kept on
// trust), no mapped group is left, or the role changed, which ends every
// session of the user as a change of role always does. The next page
// says why.
func (s *server) recheckGroups(c echo.Context, sess *sessions.Session, u store.User, p session.Provider) (*store.User, error) {
	ctx := c.Request().Context()
	log := s.requestLogger(c)
	if s.SSO == nil {
		log.Warn("session ended: sign-in with SSO is no longer configured", "user_id", u.ID)
		return nil, s.endSession(c, u, "Session ended: sign-in with SSO is no longer configured",
			"You have been signed out. Sign in again to continue.")
	}
	groups, grant, err := s.SSO.Groups(ctx, p.Grant, p.Subject)
	if err != nil {
		log.Warn("session ended: the identity provider did not confirm the user's groups", "user_id", u.ID, "error", err.Error())
		return nil, s.endSession(c, u, "Session ended: the identity provider did not confirm the groups",
			"You were signed out because your identity provider could not confirm your groups. Sign in again to continue.")
	}
	a := s.accountActor(c)
	a.User = &u
	changed, roleChanged, err := s.Accounts.RecheckProviderAccess(ctx, a, u.ID, groups)
	switch {
	case errors.Is(err, accounts.ErrNoMatchingGroup), errors.Is(err, accounts.ErrUserDisabled), errors.Is(err, store.ErrLastAdmin):
		log.Info("session ended: the user's groups no longer give access", "user_id", u.ID, "reason", err.Error())
		return nil, s.endSession(c, u, "Session ended: the groups from the identity provider no longer give access",
			"You were signed out because your identity provider groups no longer give you access to Contact Desk.")
	case err != nil:
		return nil, err
	case roleChanged:
		// The store ended the user's sessions with the change.
		return nil, s.endSession(c, changed, "",
			"Your role changed with your identity provider groups. Sign in again to continue as "+changed.Role.Label()+".")
	}
	p.Grant, p.GroupsCheckedAt = grant, s.now().UTC()
	session.SetProvider(sess, p)
	if err := s.Sessions.save(c, sess); err != nil {
		return nil, err
	}
	return &changed, nil
}

// endSession signs the request's session out, recording summary when it
// is not "", and queues message for the next page.
func (s *server) endSession(c echo.Context, u store.User, summary, message string) error {
	if summary != "" {
		if err := s.recordSecurityEvent(c, securityEvent{kind: store.AuditSignedOut, actor: &u, summary: summary}); err != nil {
			return err
		}
	}
	if err := s.Sessions.signOut(c); err != nil {
		return err
	}
	return s.Sessions.addFlash(c, "warning", message)
}
