package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
)

// userHandlers serve the admins' users pages.
type userHandlers struct {
	*server
}

// routes are mounted on /users, for admins only.
func (h userHandlers) routes(g *echo.Group) {
	g.GET("", h.listUsers)
	g.GET("/new", h.newUser)
	g.POST("", h.createUser)
	g.GET("/:id", h.showUser)
	g.POST("/:id/role", h.changeRole)
	g.GET("/:id/disable", h.confirmDisable)
	g.POST("/:id/disable", h.disableUser)
	g.POST("/:id/enable", h.enableUser)
	g.GET("/:id/reset-password", h.confirmResetPassword)
	g.POST("/:id/reset-password", h.resetPassword)
	g.POST("/:id/sign-out", h.endSessions)
	g.POST("/:id/allow-sso-link", h.allowSSOLink)
}

// userActivityLimit is how many security events a user's page lists.
const userActivityLimit = 20

func userURL(id int) string { return "/users/" + strconv.Itoa(id) }

// userStatus says in a word or two whether the user can sign in.
func userStatus(u store.User) string {
	switch {
	case u.Disabled:
		return "Disabled"
	case !u.HasPassword():
		return "Waiting for password"
	}
	return "Active"
}

func (h userHandlers) listUsers(c echo.Context) error {
	ctx := c.Request().Context()
	users, err := h.Store.ListUsers(ctx)
	if err != nil {
		return err
	}
	teams, err := h.Store.TeamNamesByUser(ctx)
	if err != nil {
		return err
	}
	p := views.UsersPage{Page: h.page(c, "Users", "users")}
	for _, u := range users {
		p.Users = append(p.Users, views.UserRow{
			URL: userURL(u.ID), Name: u.Name, Email: u.Email, Role: u.Role.Label(),
			Status: userStatus(u), Teams: strings.Join(teams[u.ID], ", "),
		})
	}
	return render(c, http.StatusOK, views.Users(p))
}

func teamNames(teams []store.Team) []string {
	names := make([]string, len(teams))
	for i, t := range teams {
		names[i] = t.Name
	}
	return names
}

// userParam finds the user named by the :id parameter, or answers 404.
func (h userHandlers) userParam(c echo.Context) (store.User, error) {
	return recordParam(c, h.Store.GetUser)
}

// recordParam loads the record the :id parameter names with get, or
// answers 404 for an id that is malformed or names nothing.
func recordParam[T any](c echo.Context, get func(context.Context, int) (T, error)) (T, error) {
	var none T
	id, ok := parseID(c.Param("id"))
	if !ok {
		return none, notFound()
	}
	v, err := get(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return none, notFound()
	}
	return v, err
}

func (h userHandlers) showUser(c echo.Context) error {
	u, err := h.userParam(c)
	if err != nil {
		return err
	}
	teams, err := h.Store.UserTeams(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	events, err := h.Store.SecurityEvents(c.Request().Context(), u.Email, userActivityLimit)
	if err != nil {
		return err
	}
	sessions, err := h.userSessionList(c, u)
	if err != nil {
		return err
	}
	base := userURL(u.ID)
	p := views.UserPage{
		Page:       h.page(c, u.Name, "users"),
		Name:       u.Name,
		Email:      u.Email,
		Role:       u.Role.Label(),
		Status:     userStatus(u),
		Teams:      teamNames(teams),
		Created:    formatTime(u.CreatedAt),
		Disabled:   u.Disabled,
		IsSelf:     u.ID == currentUser(c).ID,
		RoleForm:   roleRadios(u.Role, ""),
		RoleURL:    base + "/role",
		DisableURL: base + "/disable",
		EnableURL:  base + "/enable",
		ResetURL:   base + "/reset-password",
		SignOutURL: base + "/sign-out",
		UsersURL:   "/users",
		AccountURL: "/account",
		Sessions:   sessions,
	}
	for _, e := range events {
		p.Activity = append(p.Activity, views.ActivityRow{When: formatTime(e.OccurredAt), What: e.Summary, Address: e.ClientAddr})
	}
	if h.SSO != nil {
		switch {
		case u.FromProvider():
			p.SSO = "Signs in with SSO: the identity provider knows them as " + strconv.Quote(u.Subject) + ". Their role and mapped teams follow their groups."
		case u.LinkAllowed:
			p.SSO = "Their next sign-in with SSO as " + u.Email + " links this account to the identity provider."
		default:
			p.SSO = "Signs in with a password. Allowing linking lets their next sign-in with SSO as " + u.Email +
				" (verified by the identity provider) take over this account, which then follows their groups."
			p.LinkURL = base + "/allow-sso-link"
		}
	}
	return render(c, http.StatusOK, views.UserDetail(p))
}

// refused explains the service's refusal of a change to u on u's page,
// and reports whether err was one it explains.
func (h userHandlers) refused(c echo.Context, u store.User, err error, what string) (bool, error) {
	var msg string
	switch {
	case errors.Is(err, accounts.ErrOwnAccount):
		h.requestLogger(c).Warn("admin change to own account refused", "user_id", u.ID, "change", what)
		msg = "You cannot " + what + " your own account. Ask another administrator."
	case errors.Is(err, store.ErrLastAdmin):
		h.requestLogger(c).Warn("change to the last admin refused", "user_id", u.ID)
		msg = "Nothing was changed: Contact Desk needs at least one enabled administrator."
	case errors.Is(err, store.ErrRoleChanged):
		h.requestLogger(c).Warn("role change refused: changed meanwhile", "user_id", u.ID)
		msg = "Nothing was changed: the role of " + u.Name + " was changed by someone else at the same moment. Check it and choose again."
	default:
		return false, nil
	}
	if err := h.Sessions.addFlash(c, "error", msg); err != nil {
		return true, err
	}
	return true, c.Redirect(http.StatusSeeOther, userURL(u.ID))
}

func (h userHandlers) changeRole(c echo.Context) error {
	u, err := h.userParam(c)
	if err != nil {
		return err
	}
	role := store.Role(c.FormValue("role"))
	changed, err := h.Accounts.ChangeRole(c.Request().Context(), h.accountActor(c), u.ID, u.Role, role)
	if ok, err := h.refused(c, u, err, "change the role of"); ok {
		return err
	}
	var invalid *accounts.ValidationError
	if errors.As(err, &invalid) {
		// The form offers only the roles.
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	if err != nil {
		return err
	}
	if role == u.Role {
		return h.done(c, changed, "The role of "+changed.Name+" is already "+role.Label()+".")
	}
	return h.done(c, changed, changed.Name+" is now "+articleRole(role)+". Their sessions have ended.")
}

// articleRole is "an admin", "an editor" or "an auditor".
func articleRole(r store.Role) string { return "an " + strings.ToLower(r.Label()) }

func (h userHandlers) disableUser(c echo.Context) error {
	u, err := h.userParam(c)
	if err != nil {
		return err
	}
	changed, err := h.Accounts.Disable(c.Request().Context(), h.accountActor(c), u.ID)
	if ok, err := h.refused(c, u, err, "disable"); ok {
		return err
	}
	if err != nil {
		return err
	}
	return h.done(c, changed, changed.Name+" is disabled and signed out everywhere.")
}

func (h userHandlers) enableUser(c echo.Context) error {
	u, err := h.userParam(c)
	if err != nil {
		return err
	}
	changed, err := h.Accounts.Enable(c.Request().Context(), h.accountActor(c), u.ID)
	if err != nil {
		return err
	}
	return h.done(c, changed, changed.Name+" can sign in again.")
}

func (h userHandlers) resetPassword(c echo.Context) error {
	u, err := h.userParam(c)
	if err != nil {
		return err
	}
	changed, link, err := h.Accounts.ResetPassword(c.Request().Context(), h.accountActor(c), u.ID)
	if ok, err := h.refused(c, u, err, "reset the password of"); ok {
		return err
	}
	if err != nil {
		return err
	}
	return h.doneWithLink(c, changed, "The password of "+changed.Name+" is removed and their sessions have ended. "+
		"Send them the one-time link below to choose a new one; it works once, within 24 hours.", link)
}

func (h userHandlers) endSessions(c echo.Context) error {
	u, err := h.userParam(c)
	if err != nil {
		return err
	}
	changed, err := h.Accounts.EndSessions(c.Request().Context(), h.accountActor(c), u.ID)
	if err != nil {
		return err
	}
	return h.done(c, changed, changed.Name+" is signed out everywhere.")
}

// done goes back to the user's page with a success message.
func (h userHandlers) done(c echo.Context, u store.User, message string) error {
	if err := h.Sessions.addFlash(c, "success", message); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, userURL(u.ID))
}

// doneWithLink goes back to the user's page with a success message about
// a one-time link, which the page shows in a field of its own.
func (h userHandlers) doneWithLink(c echo.Context, u store.User, message, link string) error {
	if err := h.Sessions.addLinkFlash(c, message, link); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, userURL(u.ID))
}

// allowSSOLink lets the next sign-in with SSO with the user's email link
// their local account to the identity provider.
func (h userHandlers) allowSSOLink(c echo.Context) error {
	u, err := h.userParam(c)
	if err != nil {
		return err
	}
	if _, err := h.Accounts.AllowLink(c.Request().Context(), h.accountActor(c), u.ID); errors.Is(err, store.ErrLinkNotAllowed) {
		return h.doneWith(c, u.ID, u.Name+" signs in with SSO already; nothing changed.")
	} else if err != nil {
		return err
	}
	return h.doneWith(c, u.ID, "The next sign-in with SSO as "+u.Email+" will link it to "+u.Name+"'s account.")
}

// doneWith goes back to the user's page with a success message.
func (h userHandlers) doneWith(c echo.Context, id int, message string) error {
	if err := h.Sessions.addFlash(c, "success", message); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, userURL(id))
}
