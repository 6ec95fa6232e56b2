package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
	"github.com/contactdesk/contactdesk/views/components"
)

// accountHandlers serve the signed-in user's own account.
type accountHandlers struct {
	*server
}

func (h accountHandlers) routes(g *echo.Group) {
	g.GET("/account", h.showAccount)
	g.POST("/account/password", h.changePassword)
	g.POST("/account/sign-out-everywhere", h.signOutEverywhere)
	g.POST("/account/sessions/:session/end", h.endSession)
	g.POST("/account/sessions/end-others", h.endOtherSessions)
}

func (h accountHandlers) showAccount(c echo.Context) error {
	return h.renderAccount(c, http.StatusOK, nil)
}

// changePassword checks the current password, then stores the new one and
// ends every session of the user, this one included, which starts again
// at once with a new cookie: other devices are signed out, this one is
// not.
func (h accountHandlers) changePassword(c echo.Context) error {
	ctx := c.Request().Context()
	user := *currentUser(c)
	form := readAccountForm(c)
	current := c.FormValue("current")
	errs := map[string]string{}
	now := h.now()
	switch {
	case current == "":
		errs["current"] = "Enter your current password"
	case len(current) > accounts.MaxPasswordBytes:
		errs["current"] = "Your current password is not correct"
	default:
		ok, err := h.checkCurrentPassword(c, user, current, now)
		if err != nil {
			return err
		}
		if !ok {
			errs["current"] = "Your current password is not correct, or it was mistyped too often: wait 15 minutes, then try again."
		}
	}
	h.checkNewPassword(errs, user, form.Password, form.Confirm)
	if len(errs) > 0 {
		return h.renderAccount(c, http.StatusUnprocessableEntity, errs)
	}
	hash, err := h.Passwords.Hash(ctx, form.Password)
	if err != nil {
		return err
	}
	change := newSecurityChange(h.server, c, func(store.User) securityEvent {
		return securityEvent{kind: store.AuditPasswordChanged, summary: "Changed their password; other sessions ended"}
	})
	updated, err := h.Store.SetUserPassword(ctx, user.ID, hash, change.event)
	change.finish(err)
	if err != nil {
		return err
	}
	if err := h.Sessions.signIn(c, updated); err != nil {
		return err
	}
	if err := h.Sessions.addFlash(c, "success", "Your password is changed. Any other sessions of your account have ended."); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account")
}

// checkCurrentPassword verifies the password of the signed-in user,
// throttled like sign-ins: a stolen session must not become a way to guess
// the password.
func (h accountHandlers) checkCurrentPassword(c echo.Context, user store.User, password string, now time.Time) (bool, error) {
	if wait, _ := h.throttle.take(now, user.Email, c.RealIP()); wait > 0 {
		return false, nil
	}
	ok, err := h.Passwords.Verify(c.Request().Context(), user.PasswordHash, password)
	switch {
	case err != nil:
	case ok:
		h.throttle.succeed(user.Email, c.RealIP())
	default:
		h.requestLogger(c).Warn("wrong current password on the account page", "user_id", user.ID)
	}
	return ok, err
}

// signOutEverywhere ends every session of the user.
func (h accountHandlers) signOutEverywhere(c echo.Context) error {
	user := currentUser(c)
	change := newSecurityChange(h.server, c, func(store.User) securityEvent {
		return securityEvent{kind: store.AuditSignedOut, summary: "Signed out everywhere"}
	})
	_, err := h.Store.EndUserSessions(c.Request().Context(), user.ID, change.event)
	change.finish(err)
	if err != nil {
		return err
	}
	if err := h.Sessions.signOut(c); err != nil {
		return err
	}
	if err := h.Sessions.addFlash(c, "success", "You have signed out everywhere."); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, signInPath)
}

// endSession ends one of the user's other sessions: a device they no
// longer use, or one they do not know. This session ends with Sign out.
func (h accountHandlers) endSession(c echo.Context) error {
	id, ok := parseSessionID(c.Param("session"))
	if !ok {
		return notFound()
	}
	current, err := h.Sessions.currentID(c)
	if err != nil {
		return err
	}
	if id == current {
		return notFound()
	}
	ended, err := h.Accounts.EndSession(c.Request().Context(), h.accountActor(c), currentUser(c).ID, id)
	message := "Ended the session on " + accounts.DescribeDevice(ended.UserAgent) + "."
	if errors.Is(err, store.ErrNotFound) {
		message = "That session had already ended."
	} else if err != nil {
		return err
	}
	if err := h.Sessions.addFlash(c, "success", message); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account")
}

// endOtherSessions ends every session of the user but this one.
func (h accountHandlers) endOtherSessions(c echo.Context) error {
	current, err := h.Sessions.currentID(c)
	if err != nil {
		return err
	}
	n, err := h.Accounts.EndOtherSessions(c.Request().Context(), h.accountActor(c), current)
	if err != nil {
		return err
	}
	message := "Ended " + plural(n, "other session", "other sessions") + "."
	if n == 0 {
		message = "No other session was open."
	}
	if err := h.Sessions.addFlash(c, "success", message); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account")
}

func (h accountHandlers) renderAccount(c echo.Context, status int, errs map[string]string) error {
	user := currentUser(c)
	teams, err := h.Store.UserTeams(c.Request().Context(), user.ID)
	if err != nil {
		return err
	}
	p := views.AccountPage{
		Page:     h.page(c, "Your account", "account"),
		Name:     user.Name,
		Email:    user.Email,
		Role:     user.Role.Label(),
		Current:  components.Input{ID: "current", Label: "Current password", Type: "password", Autocomplete: "current-password", Error: errs["current"]},
		Password: newPasswordInput("password", "New password", errs["password"]),
		Confirm:  components.Input{ID: "confirm", Label: "Confirm new password", Type: "password", Autocomplete: "new-password", Error: errs["confirm"]},
		Errors:   fieldErrorLinks(errs, "current", "password", "confirm"),
	}
	for _, t := range teams {
		p.Teams = append(p.Teams, t.Name)
	}
	maintained, err := h.Store.MaintainedTeams(c.Request().Context(), user.ID)
	if err != nil {
		return err
	}
	for _, t := range maintained {
		p.Maintains = append(p.Maintains, views.TeamRow{URL: teamURL(t.ID), Name: t.Name})
	}
	p.Sessions, err = h.sessionList(c, user.ID, views.SessionList{Heading: "Your sessions", Empty: "No session is open.", EndOthersURL: "/account/sessions/end-others"},
		func(id int64) string { return "/account/sessions/" + strconv.FormatInt(id, 10) + "/end" })
	if err != nil {
		return err
	}
	p.HasErrors = len(p.Errors) > 0
	return render(c, status, views.Account(p))
}
