package handlers

import (
	"errors"
	"fmt"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
)

// renderOutage shows the review again after DigiCert was not available,
// saying what became of the attempt, with Try again: the same reviewed
// change (the same draft and fingerprint), through the same stale check.
func (h changeHandlers) renderOutage(c echo.Context, status, id int, res contacts.SendResult, draftID, fingerprint string) error {
	p := h.reviewPage(c, id, res.Review, draftID)
	p.Fingerprint, p.RetryOf, p.HasErrors = fingerprint, res.SubmissionID, true
	p.Outage = outageProblem(res)
	p.Title = p.Outage.Title
	return render(c, status, views.Review(p))
}

// outageProblem says what an outage did to the change and what Contact
// Desk does about it. It never says DigiCert refused the change.
func outageProblem(res contacts.SendResult) *views.Problem {
	const again = "Try again sends the same reviewed change, after the same check that the contacts have not changed since the review."
	if res.Outcome == contacts.OutcomeUnavailable {
		checked := "Contact Desk read the organization again afterwards: its contacts are as they were."
		if res.After == nil {
			checked = "Nothing reached DigiCert."
		}
		return &views.Problem{
			Title:   "DigiCert is not available: nothing was changed",
			Details: []string{res.Problem, checked + " The audit log records this attempt.", again},
		}
	}
	found := "Contact Desk could not read the organization again to find out."
	if res.After != nil {
		found = "DigiCert now shows contacts that are neither those before nor those of your change: someone else may have changed them."
	}
	return &views.Problem{
		Title: "DigiCert did not answer: whether the change was made is not known",
		Details: []string{
			res.Problem,
			found,
			"Contact Desk will reconcile it: Try again first reads the organization from DigiCert and records what it finds. If the change is already there, nothing is sent again; if not, the same reviewed change is sent, after the same check that the contacts have not changed since the review.",
		},
	}
}

// refusal says why DigiCert refused a change, and what to do when the
// reason is Contact Desk's set-up rather than the change: an API key that
// may not change contacts, a base URL DigiCert does not have.
func (h changeHandlers) refusal(c echo.Context, res contacts.SendResult) *views.Problem {
	var apiErr *digicert.APIError
	if errors.As(res.Cause, &apiErr) {
		switch {
		case apiErr.MissingPermission():
			todo := "Tell an administrator: the API key needs a role in CertCentral that may edit organizations."
			if h.isAdmin(c) {
				todo = "In CertCentral, give the API key a role that may edit organizations (Orders, Domains, and Organizations, or no restriction), or set DIGICERT_API_KEY to a key that has one."
			}
			return &views.Problem{
				Title: "DigiCert refused the change: the API key may not change contacts",
				Details: []string{
					"DigiCert answered HTTP 403 with the code access_denied|missing_permission: the API key Contact Desk uses may read organizations but not change them. Nothing was changed.",
					todo,
				},
			}
		case apiErr.RouteNotFound():
			return h.wrongBaseURLProblem(c)
		}
	}
	return &views.Problem{
		Title:   "DigiCert refused the change",
		Details: []string{fmt.Sprintf("DigiCert answered HTTP %d and changed nothing. Its messages are shown below, next to what they are about. Your changes are kept in the form.", res.Status)},
	}
}

// wrongBaseURLProblem says that DigiCert has no such address: a
// configuration error, told in full to admins.
func (s *server) wrongBaseURLProblem(c echo.Context) *views.Problem {
	p := &views.Problem{Title: "Contact Desk is not set up correctly to reach DigiCert"}
	if !s.isAdmin(c) {
		p.Details = []string{"DigiCert answered that the address Contact Desk uses does not exist. Nothing was changed. Tell an administrator."}
		return p
	}
	p.Details = []string{
		"DigiCert answered HTTP 404 with the code not_found|route: there is no such address. Nothing was changed.",
		"Contact Desk uses the DigiCert base URL " + s.DigiCertBaseURL + ". Set DIGICERT_BASE_URL to one that ends in /services/v2, such as https://www.digicert.com/services/v2 (or https://certcentral.digicert.eu/services/v2 for EU accounts), and restart Contact Desk.",
	}
	return p
}

// describeUnreachable says why DigiCert's answer about an organization is
// missing, for the page that shows only that.
func (s *server) describeUnreachable(c echo.Context, err error) string {
	if isWrongBaseURL(err) {
		p := s.wrongBaseURLProblem(c)
		return p.Title + ". " + strings.Join(p.Details, " ")
	}
	return contacts.DescribeUpstreamError(err)
}

// isWrongBaseURL reports a 404 not_found|route, however it is wrapped.
func isWrongBaseURL(err error) bool {
	var apiErr *digicert.APIError
	return errors.Is(err, contacts.ErrWrongBaseURL) || errors.As(err, &apiErr) && apiErr.RouteNotFound()
}

// isAdmin reports whether the signed-in user is an admin.
func (s *server) isAdmin(c echo.Context) bool {
	u := currentUser(c)
	return u != nil && u.Role == store.RoleAdmin
}
