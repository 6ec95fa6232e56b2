package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/handlers/session"
	"github.com/contactdesk/contactdesk/handlers/sso"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
	"github.com/contactdesk/contactdesk/views/components"
)

// The paths of the sign-in with the identity provider: the button posts
// to ssoStartPath; the provider sends the browser back to
// SSOCallbackPath, which must be registered with it.
const (
	ssoStartPath = "/login/sso"
	// SSOCallbackPath is where the identity provider sends browsers back:
	// the redirect URL to register is the public URL followed by it.
	SSOCallbackPath = "/login/sso/callback"
)

// ssoHandlers serve the sign-in with the company's identity provider.
type ssoHandlers struct {
	*server
}

// routes are public: they sign people in.
func (h ssoHandlers) routes(g *echo.Group) {
	g.POST(ssoStartPath, h.startSSO)
	g.GET(SSOCallbackPath, h.finishSSO)
}

// startSSO sends the browser to the identity provider, keeping the
// sign-in's state, nonce and PKCE verifier in its pre-session, whose CSRF
// token the button's form carried.
func (h ssoHandlers) startSSO(c echo.Context) error {
	if h.SSO == nil {
		return notFound()
	}
	next := safeNext(c.FormValue("next"))
	flow, target, err := h.SSO.Start(c.Request().Context(), next)
	if err != nil {
		h.requestLogger(c).Error("sign-in with SSO not available: the identity provider cannot be reached", "issuer", h.SSO.Issuer(), "error", err.Error())
		return authHandlers(h).renderSignIn(c, http.StatusServiceUnavailable, signInForm{Next: next}, nil, &components.ErrorLink{
			Message: "Signing in with SSO is not available now: Contact Desk cannot reach the identity provider. Try again in a few minutes.",
		})
	}
	sess, _, err := h.Sessions.session(c)
	if err != nil {
		return err
	}
	session.SetFlow(sess, flow)
	if err := h.Sessions.save(c, sess); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// finishSSO takes the identity provider's answer: it checks it against
// the sign-in the pre-session started (once: the sign-in is forgotten
// whatever the outcome), then lets the accounts service decide who the
// person is and what they may do, and signs them in.
func (h ssoHandlers) finishSSO(c echo.Context) error {
	if h.SSO == nil {
		return notFound()
	}
	sess, _, err := h.Sessions.session(c)
	if err != nil {
		return err
	}
	flow, ok := session.TakeFlow(sess)
	if ok {
		if err := h.Sessions.save(c, sess); err != nil {
			return err
		}
	}
	if !ok {
		return h.refuse(c, http.StatusBadRequest, "sign-in with SSO not started in this browser, or answered already", "", views.SignInRefusedPage{
			Heading:  "This sign-in cannot be completed",
			Messages: []string{"It was not started in this browser, or it was completed already. Start again from the sign-in page."},
		})
	}
	ctx := c.Request().Context()
	id, grant, err := h.SSO.Finish(ctx, flow, c.QueryParams())
	if err != nil {
		return h.refuseProviderAnswer(c, err)
	}
	actor := h.accountActor(c)
	actor.Email = id.Email
	user, err := h.Accounts.SignInWithProvider(ctx, actor, id)
	if err != nil {
		return h.refuseIdentity(c, id, err)
	}
	if err := h.recordSecurityEvent(c, securityEvent{kind: store.AuditSignedIn, actor: &user, summary: "Signed in with SSO"}); err != nil {
		return err
	}
	if err := h.Sessions.signIn(c, user); err != nil {
		return err
	}
	sess, _, err = h.Sessions.session(c)
	if err != nil {
		return err
	}
	session.SetProvider(sess, session.Provider{Subject: id.Subject, Grant: grant, GroupsCheckedAt: h.now().UTC()})
	if err := h.Sessions.save(c, sess); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, afterSignIn(flow.Next))
}

// refuseProviderAnswer refuses an answer of the provider that does not
// hold: a wrong state, an ID token that is not for Contact Desk, expired
// or for another sign-in, or the provider's own refusal.
func (h ssoHandlers) refuseProviderAnswer(c echo.Context, err error) error {
	var perr *sso.ProviderError
	switch {
	case errors.As(err, &perr):
		return h.refuse(c, http.StatusForbidden, "the identity provider refused: "+perr.Code, "", views.SignInRefusedPage{
			Heading:  "The identity provider did not sign you in",
			Messages: []string{"It answered: " + perr.Code + ". Try again, or ask your identity provider's administrators."},
		})
	case errors.Is(err, sso.ErrState), errors.Is(err, sso.ErrFlowExpired):
		return h.refuse(c, http.StatusBadRequest, err.Error(), "", views.SignInRefusedPage{
			Heading:  "This sign-in cannot be completed",
			Messages: []string{"It took too long, or it does not belong to this browser. Start again from the sign-in page."},
		})
	}
	return h.refuse(c, http.StatusBadGateway, err.Error(), "", views.SignInRefusedPage{
		Heading: "Signing in with SSO failed",
		Messages: []string{"The identity provider's answer could not be trusted or was not understood, so you are not signed in. " +
			"Try again; if it keeps failing, tell an administrator of Contact Desk the reference below."},
	})
}

// refuseIdentity explains why the accounts service refused the person
// the provider signed in.
func (h ssoHandlers) refuseIdentity(c echo.Context, id accounts.Identity, err error) error {
	admins, aerr := h.adminNames(c)
	if aerr != nil {
		return aerr
	}
	p := views.SignInRefusedPage{Admins: admins}
	switch {
	case errors.Is(err, accounts.ErrEmailNotVerified):
		p.Heading = "Your identity provider did not confirm your email address"
		p.Messages = []string{"Contact Desk needs a verified email address from your identity provider to know who you are. " +
			"Ask your identity provider's administrators to verify it, or an administrator of Contact Desk."}
		p.Admins = nil
		return h.refuse(c, http.StatusForbidden, "no verified email", id.Email, p)
	case errors.Is(err, accounts.ErrNoMatchingGroup):
		p.Heading = "You are not in a group that may use Contact Desk"
		p.Messages = []string{"Your identity provider signed you in, but none of your groups is mapped to a role in Contact Desk. " +
			"Ask an administrator of Contact Desk to map one of your groups, or to add you to a mapped group."}
		p.Groups = id.Groups
		return h.refuse(c, http.StatusForbidden, "no mapped group (groups: "+strings.Join(id.Groups, ", ")+")", id.Email, p)
	case errors.Is(err, accounts.ErrEmailInUse):
		p.Heading = "An account with your email address already exists"
		p.Messages = []string{"An administrator must allow linking that account to your identity provider's sign-in (on the account's page) before you sign in with SSO. Until then, sign in as before."}
		return h.refuse(c, http.StatusForbidden, "the email belongs to an account not linked to the identity provider", id.Email, p)
	case errors.Is(err, accounts.ErrUserDisabled):
		p.Heading = "Your account is disabled"
		p.Messages = []string{"An administrator of Contact Desk disabled it."}
		return h.refuse(c, http.StatusForbidden, "account disabled", id.Email, p)
	case errors.Is(err, store.ErrLastAdmin):
		p.Heading = "Your groups would leave Contact Desk without an administrator"
		p.Messages = []string{"You are its last administrator, and your groups no longer make you one. Ask another administrator, or map one of your groups to the Admin role."}
		return h.refuse(c, http.StatusForbidden, "the groups would take the last administrator's role", id.Email, p)
	}
	return err
}

// refuse records a refused sign-in with the reason, for the log's
// readers, and shows the page.
func (h ssoHandlers) refuse(c echo.Context, status int, reason, email string, p views.SignInRefusedPage) error {
	h.requestLogger(c).Warn("sign-in with SSO refused", "reason", reason)
	if email == "" {
		email = "unknown (SSO)"
	}
	err := h.recordSecurityEvent(c, securityEvent{kind: store.AuditSignInFailed, actorEmail: email, summary: "Sign-in with SSO refused: " + reason})
	if err != nil {
		return err
	}
	p.Page = h.page(c, p.Heading, "")
	p.Messages = append(p.Messages, "Reference: "+requestID(c))
	return render(c, status, views.SignInRefused(p))
}

// adminNames lists the enabled administrators, whom a refused person
// asks.
func (h ssoHandlers) adminNames(c echo.Context) ([]string, error) {
	users, err := h.Store.ListUsers(c.Request().Context())
	if err != nil {
		return nil, err
	}
	var names []string
	for _, u := range users {
		if u.Role == store.RoleAdmin && !u.Disabled {
			names = append(names, u.Name+" ("+u.Email+")")
		}
	}
	return names, nil
}
