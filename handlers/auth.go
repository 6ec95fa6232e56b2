package handlers

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
	"github.com/contactdesk/contactdesk/views/components"
)

const signInPath = "/login"

// authHandlers serves signing in and out.
type authHandlers struct {
	*server
}

// publicRoutes are reachable without signing in.
func (h authHandlers) publicRoutes(g *echo.Group) {
	g.GET(signInPath, h.showSignIn)
	g.POST(signInPath, h.signIn)
}

// routes need a signed-in user.
func (h authHandlers) routes(g *echo.Group) {
	g.POST("/logout", h.signOut)
}

// signInForm is what the sign-in form posts.
type signInForm struct {
	Email    string
	Password string
	Next     string
	// typedEmail is the email as typed, before NormalizeEmail (whose
	// change of case turns invalid UTF-8 into U+FFFD), for validation.
	typedEmail string
}

func readSignInForm(c echo.Context) signInForm {
	return signInForm{
		typedEmail: c.FormValue("email"),
		Email:      store.NormalizeEmail(c.FormValue("email")),
		Password:   c.FormValue("password"),
		Next:       safeNext(c.FormValue("next")),
	}
}

// validate checks that both fields are filled in, that the email is plain
// text (no account has an email with a NUL, a control character or invalid
// UTF-8 in it) and that the password is not longer than any password can
// be, so that an oversized value is refused before it costs a hash.
func (f signInForm) validate() map[string]string {
	errs := map[string]string{}
	switch {
	case f.Email == "":
		errs["email"] = "Enter your email address"
	case len(f.Email) > 4*accounts.MaxEmailLength:
		errs["email"] = "Enter a correct email address and password"
	default:
		for field, msg := range fieldErrors(accounts.CheckSignInEmail(f.typedEmail)) {
			errs[field] = msg
		}
	}
	switch {
	case f.Password == "":
		errs["password"] = "Enter your password"
	case len(f.Password) > accounts.MaxPasswordBytes:
		errs["password"] = fmt.Sprintf("Password must be %d characters or fewer", accounts.MaxPasswordLength)
	}
	return errs
}

// refuseForm shows the form again with errs. An email refused for its
// characters is a probe rather than a typo, so it is also recorded as a
// failed sign-in; the accounts service escapes the characters in the
// recorded value.
func (h authHandlers) refuseForm(c echo.Context, form signInForm, errs map[string]string) error {
	if accounts.CheckSignInEmail(form.typedEmail) != nil {
		err := h.recordSecurityEvent(c, securityEvent{
			kind: store.AuditSignInFailed, actorEmail: form.typedEmail, summary: "Sign-in refused: the email is not plain text",
		})
		if err != nil {
			return err
		}
	}
	return h.renderSignIn(c, http.StatusUnprocessableEntity, form, errs, nil)
}

// showSignIn shows the sign-in form; a signed-in user goes on to where
// next points.
func (h authHandlers) showSignIn(c echo.Context) error {
	next := c.QueryParam("next")
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, afterSignIn(next))
	}
	return h.renderSignIn(c, http.StatusOK, signInForm{Next: safeNext(next)}, nil, nil)
}

// signIn checks an email and password. Every refusal looks the same
// whatever the reason (unknown email, wrong password, disabled account,
// no password chosen yet), and takes as long: a password hash is checked
// in every case, against a dummy hash when there is no real one.
func (h authHandlers) signIn(c echo.Context) error {
	form := readSignInForm(c)
	if h.PasswordSignIn == PasswordSignInNone {
		return h.renderSignIn(c, http.StatusForbidden, form, nil, &components.ErrorLink{
			Message: "Signing in with a password is turned off. Use " + h.SSOButton + ".",
		})
	}
	if errs := form.validate(); len(errs) > 0 {
		return h.refuseForm(c, form, errs)
	}
	now := h.now()
	wait, delayed := h.throttle.take(now, form.Email, c.RealIP())
	if wait > 0 {
		return h.refuseThrottled(c, form, wait)
	}
	ctx := c.Request().Context()
	user, err := h.Store.UserByEmail(ctx, form.Email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	ok, err := h.Passwords.Verify(ctx, user.PasswordHash, form.Password)
	if err != nil {
		return err
	}
	if !ok || user.Disabled {
		return h.refuseSignIn(c, form, user, delayed)
	}
	h.throttle.succeed(form.Email, c.RealIP())
	if h.PasswordSignIn == PasswordSignInAdmins && user.Role != store.RoleAdmin {
		// The password was right: saying so reveals nothing.
		err := h.recordSecurityEvent(c, securityEvent{
			kind: store.AuditSignInFailed, actor: &user, summary: "Sign-in refused: passwords are for administrators only",
		})
		if err != nil {
			return err
		}
		return h.renderSignIn(c, http.StatusForbidden, form, nil, &components.ErrorLink{
			Message: "Only administrators sign in with a password here. Use " + h.SSOButton + ".",
		})
	}
	h.upgradeHash(c, user, form.Password)
	if err := h.recordSecurityEvent(c, securityEvent{kind: store.AuditSignedIn, actor: &user, summary: "Signed in"}); err != nil {
		return err
	}
	if err := h.Sessions.signIn(c, user); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, afterSignIn(form.Next))
}

// refuseSignIn records a failed sign-in (saying why, for the log's readers
// only), and the delays it began if any, and shows the form again with one
// message for every reason.
func (h authHandlers) refuseSignIn(c echo.Context, form signInForm, user store.User, delayed []throttleStart) error {
	reason := "wrong password"
	switch {
	case user.ID == 0:
		reason = "unknown email"
	case user.Disabled:
		reason = "account disabled"
	case !user.HasPassword():
		reason = "no password chosen yet"
	}
	ev := securityEvent{kind: store.AuditSignInFailed, actorEmail: form.Email, summary: "Sign-in refused: " + reason}
	if user.ID != 0 {
		ev.actor = &user
	}
	if err := h.recordSecurityEvent(c, ev); err != nil {
		return err
	}
	for _, d := range delayed {
		err := h.recordSecurityEvent(c, securityEvent{
			kind: store.AuditSignInThrottled, actorEmail: form.Email, summary: d.summary(),
		})
		if err != nil {
			return err
		}
	}
	return h.renderSignIn(c, http.StatusUnprocessableEntity, form, map[string]string{
		"email": "Enter a correct email address and password",
	}, nil)
}

// refuseThrottled answers 429 without checking the password, saying how
// long to wait.
func (h authHandlers) refuseThrottled(c echo.Context, form signInForm, wait time.Duration) error {
	h.requestLogger(c).Warn("sign-in throttled", "retry_after", wait)
	c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	message := fmt.Sprintf("Too many failed sign-in attempts. Wait %s, then try again.", formatWait(wait))
	return h.renderSignIn(c, http.StatusTooManyRequests, form, nil, &components.ErrorLink{Message: message})
}

// upgradeHash replaces a hash made with weaker parameters than today's,
// now that the password is known. A failure is only logged: the sign-in
// itself succeeded.
func (h authHandlers) upgradeHash(c echo.Context, user store.User, password string) {
	if !h.Passwords.NeedsRehash(user.PasswordHash) {
		return
	}
	hash, err := h.Passwords.Hash(c.Request().Context(), password)
	if err == nil {
		err = h.Store.UpgradePasswordHash(c.Request().Context(), user.ID, user.PasswordHash, hash)
	}
	if err != nil {
		h.requestLogger(c).Warn("password hash not upgraded", "user_id", user.ID, "error", err.Error())
	}
}

func (h authHandlers) renderSignIn(c echo.Context, status int, form signInForm, errs map[string]string, formErr *components.ErrorLink) error {
	p := views.SignInPage{
		Page:         h.page(c, "Sign in", ""),
		Next:         form.Next,
		PasswordForm: h.PasswordSignIn != PasswordSignInNone,
		Email:        components.Input{ID: "email", Label: "Email", Type: "email", Value: form.Email, Autocomplete: "username", Error: errs["email"]},
		Password:     components.Input{ID: "password", Label: "Password", Type: "password", Autocomplete: "current-password", Error: errs["password"]},
	}
	if h.SSO != nil {
		p.SSOButton = h.SSOButton
		c.Response().Header().Set("Content-Security-Policy", signInContentSecurityPolicy(h.SSO.Issuer()))
	}
	if h.PasswordSignIn == PasswordSignInAdmins {
		p.PasswordNote = "Only administrators sign in with a password."
	}
	if formErr != nil {
		p.Errors = append(p.Errors, *formErr)
	}
	p.Errors = append(p.Errors, fieldErrorLinks(errs, "email", "password")...)
	p.HasErrors = len(p.Errors) > 0
	return render(c, status, views.SignIn(p))
}

// signOut ends this session.
func (h authHandlers) signOut(c echo.Context) error {
	if err := h.recordSecurityEvent(c, securityEvent{kind: store.AuditSignedOut, summary: "Signed out"}); err != nil {
		return err
	}
	if err := h.Sessions.signOut(c); err != nil {
		return err
	}
	if err := h.Sessions.addFlash(c, "success", "You have signed out."); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, signInPath)
}

// fieldErrorLinks turns field errors into summary entries, in the order of the
// form's fields.
func fieldErrorLinks(errs map[string]string, order ...string) []components.ErrorLink {
	var links []components.ErrorLink
	for _, field := range order {
		if msg, ok := errs[field]; ok {
			links = append(links, components.ErrorLink{FieldID: field, Message: msg})
		}
	}
	return links
}
