package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
	"github.com/contactdesk/contactdesk/views/components"
)

const securityEventsPerPage = 50

// securityEventWords names each kind of security event for people.
var securityEventWords = map[store.AuditKind]string{
	store.AuditSignedIn:            "Signed in",
	store.AuditSignInFailed:        "Sign-in failed",
	store.AuditSignInThrottled:     "Sign-in throttled",
	store.AuditSignedOut:           "Signed out",
	store.AuditUserCreated:         "User created",
	store.AuditUserChanged:         "User changed",
	store.AuditUserDisabled:        "User disabled",
	store.AuditPasswordChanged:     "Password changed",
	store.AuditTeamChanged:         "Team changed",
	store.AuditGroupMappingChanged: "Group mapping changed",
}

// listSecurityEvents shows the security events, for admins and auditors.
func (h auditHandlers) listSecurityEvents(c echo.Context) error {
	user := strings.TrimSpace(c.QueryParam("user"))
	kind := store.AuditKind(c.QueryParam("kind"))
	p := views.SecurityEventsPage{
		Page:      h.page(c, "Security events", "audit"),
		UserInput: components.Input{ID: "user", Label: "User", Type: "search", Value: user, Hint: "Part of an email address"},
		Kind:      components.Select{ID: "kind", Label: "Event"},
	}
	p.Kind.Options = append(p.Kind.Options, components.Option{Value: "", Label: "All events", Selected: kind == ""})
	for _, k := range store.SecurityKinds() {
		p.Kind.Options = append(p.Kind.Options, components.Option{Value: string(k), Label: securityEventWords[k], Selected: k == kind})
	}
	if len([]rune(user)) > maxSearchLength {
		p.UserInput.Error = "Enter at most " + strconv.Itoa(maxSearchLength) + " characters"
	}
	if kind != "" && !kind.Security() {
		p.Kind.Error = "Choose an event from the list"
	}
	before, err := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	if c.QueryParam("before") != "" && (err != nil || before < 1) {
		p.Errors = append(p.Errors, components.ErrorLink{Message: "The page link is not valid. Start again from the newest events."})
		before = 0
	}
	for _, in := range []struct{ id, msg string }{{"user", p.UserInput.Error}, {"kind", p.Kind.Error}} {
		if in.msg != "" {
			p.Errors = append(p.Errors, components.ErrorLink{FieldID: in.id, Message: in.msg})
		}
	}
	if len(p.Errors) > 0 {
		p.HasErrors = true
		return render(c, http.StatusBadRequest, views.SecurityEvents(p))
	}
	page, err := h.Store.ListSecurityEvents(c.Request().Context(), store.SecurityEventQuery{
		Kind: kind, User: user, Before: before, Limit: securityEventsPerPage,
	})
	if err != nil {
		return err
	}
	for _, e := range page.Events {
		details := e.Summary
		if e.ErrorMessage != "" {
			details = joinNonEmpty(": ", details, e.ErrorMessage)
		}
		p.Rows = append(p.Rows, views.SecurityEventRow{
			Time:       formatTime(e.OccurredAt),
			DateTime:   e.OccurredAt.UTC().Format(time.RFC3339),
			Event:      securityEventWords[e.Kind],
			User:       e.ActorEmail,
			ClientAddr: e.ClientAddr,
			Details:    details,
		})
	}
	query := url.Values{}
	if user != "" {
		query.Set("user", user)
	}
	if kind != "" {
		query.Set("kind", string(kind))
	}
	if before > 0 {
		p.NewestURL = securityEventsURL(query)
	}
	if page.HasOlder {
		older := url.Values{}
		for k, v := range query {
			older[k] = v
		}
		older.Set("before", strconv.FormatInt(page.Events[len(page.Events)-1].ID, 10))
		p.OlderURL = securityEventsURL(older)
	}
	return render(c, http.StatusOK, views.SecurityEvents(p))
}

func securityEventsURL(q url.Values) string {
	if len(q) == 0 {
		return "/audit/security"
	}
	return "/audit/security?" + q.Encode()
}
