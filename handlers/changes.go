package handlers

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
)

// changeHandlers serves the review and send steps of a contact change; the
// edit step is the organization page.
type changeHandlers struct {
	*server
}

func (h changeHandlers) routes(g *echo.Group) {
	g.POST("/organizations/:id/review", h.reviewChange)
	g.POST("/organizations/:id/send", h.sendChange)
}

// reviewChange validates the submitted form or Request JSON against the
// organization as DigiCert reports it now, and shows what would be sent.
func (h changeHandlers) reviewChange(c echo.Context) error {
	id, ok := parseID(c.Param("id"))
	if !ok {
		return notFound()
	}
	if err := h.authorizeOrganization(c, id); err != nil {
		return err
	}
	in := readInput(c)
	review, err := h.Contacts.Review(c.Request().Context(), id, in)
	if err != nil {
		return h.organizationUnavailable(c, id, err)
	}
	if review.Errors != nil && !review.Errors.Empty() {
		// The change at DigiCert can be what makes the input fail: a
		// contact kept as is whose values are no longer DigiCert's. The
		// form comes back as typed, with the basis it was loaded with, so
		// that the next review rebases it again.
		problem := changedSinceLoadProblem(review.ChangedSinceLoad)
		return h.renderEdit(c, http.StatusUnprocessableEntity, id, review, in, review.Errors, problem)
	}
	// The draft holds the input as reviewed: rebased onto the contacts as
	// they are now when they changed since the form was loaded, so that
	// Send and Back to edit both work from what the review shows.
	draftID, err := h.saveDraft(c, id, review.Input)
	if err != nil {
		return err
	}
	return h.renderReview(c, http.StatusOK, id, review, draftID, nil)
}

// changedSinceLoadProblem is the notice above a form sent back with errors
// when the contacts changed at DigiCert after it was prefilled; nil when
// they did not.
func changedSinceLoadProblem(changes []string) *views.Problem {
	if len(changes) == 0 {
		return nil
	}
	details := []string{"This is what changed since:"}
	details = append(details, changes...)
	details = append(details, "The form still holds what it was loaded with and what you typed; the contacts as they are now are shown below.")
	return &views.Problem{Title: "The contacts changed in DigiCert after this form was loaded", Details: details}
}

// sendChange sends a reviewed change, unless the organization's contacts
// changed since the review. Try again after an outage comes here too,
// naming the submission it follows (retry_of), which is settled first.
func (h changeHandlers) sendChange(c echo.Context) error {
	id, ok := parseID(c.Param("id"))
	if !ok {
		return notFound()
	}
	if err := h.authorizeOrganization(c, id); err != nil {
		return err
	}
	draftID := c.FormValue("draft")
	in, ok, err := h.loadDraft(c, id, draftID)
	if err != nil {
		return err
	}
	if !ok {
		if err := h.Sessions.addFlash(c, "warning", "That review has expired or belongs to another session, so nothing was sent. Make the change again."); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, organizationURL(id))
	}
	ctx, fingerprint := c.Request().Context(), c.FormValue("fingerprint")
	var res contacts.SendResult
	if previous := c.FormValue("retry_of"); previous != "" {
		res, err = h.Contacts.Retry(ctx, id, in, fingerprint, previous, h.actor(c))
	} else {
		res, err = h.Contacts.Send(ctx, id, in, fingerprint, h.actor(c))
	}
	if err != nil && res.Outcome == "" {
		return h.organizationUnavailable(c, id, err)
	}
	if err != nil {
		// The outcome is known but could not be recorded; the submission
		// stays pending and is reconciled at the next start.
		h.requestLogger(c).Error("record send outcome", "organization_id", id, "submission_id", res.SubmissionID, "error", err.Error())
	}
	switch res.Outcome {
	case contacts.OutcomeSent:
		msg := sentMessage(res.Review)
		if res.AfterOutage {
			msg = "DigiCert did not confirm the change, but reading the organization again shows it was made. " + msg
		}
		if err := h.Sessions.addFlash(c, "success", msg); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, organizationURL(id))
	case contacts.OutcomeAlreadyMade:
		if err := h.Sessions.addFlash(c, "success", "DigiCert already shows this change: the earlier attempt reached it after all. Nothing more was sent, and the audit log records it as made."); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, organizationURL(id))
	case contacts.OutcomeStale:
		if res.Review.Errors != nil && !res.Review.Errors.Empty() {
			// Against the new contacts the input no longer holds: back to
			// the form, saying what changed.
			return h.renderEdit(c, http.StatusConflict, id, res.Review, in, res.Review.Errors, &views.Problem{
				Title:   "The contacts changed at DigiCert since you reviewed this change",
				Details: append([]string{"Nothing was sent. This is what changed meanwhile:"}, res.Changes...),
			})
		}
		// The review shown again may be planned from a rebased form: the
		// next Send must send what it shows.
		draftID, err := h.saveDraft(c, id, res.Review.Input)
		if err != nil {
			return err
		}
		return h.renderReview(c, http.StatusConflict, id, res.Review, draftID, res.Changes)
	case contacts.OutcomeRejected:
		return h.renderEdit(c, http.StatusUnprocessableEntity, id, res.Review, in, res.Errors, nil)
	case contacts.OutcomeDigiCertError:
		status := http.StatusUnprocessableEntity
		if res.Status == http.StatusForbidden || res.Status == http.StatusNotFound && isWrongBaseURL(res.Cause) {
			status = http.StatusBadGateway
		}
		return h.renderEdit(c, status, id, res.Review, in, res.Errors, h.refusal(c, res))
	case contacts.OutcomeUnavailable:
		return h.renderOutage(c, http.StatusServiceUnavailable, id, res, draftID, fingerprint)
	case contacts.OutcomeNoAnswer:
		return h.renderOutage(c, http.StatusGatewayTimeout, id, res, draftID, fingerprint)
	}
	return fmt.Errorf("handlers: send: unknown outcome %q", res.Outcome)
}

// renderEdit shows the organization page with the form as typed and its
// errors.
func (h changeHandlers) renderEdit(c echo.Context, status, id int, review contacts.Review, in contacts.Input, errs *contacts.ValidationErrors, problem *views.Problem) error {
	if review.Organization == nil {
		view, err := h.Contacts.RefreshOrganizationView(c.Request().Context(), id)
		if err != nil {
			return h.organizationUnavailable(c, id, err)
		}
		review.Organization, review.ReadAt = view.Organization, view.ReadAt
		review.Current = contacts.CurrentFrom(*view.Organization)
	}
	p, err := h.organizationPage(c, contacts.View{Organization: review.Organization, ReadAt: review.ReadAt})
	if err != nil {
		return err
	}
	sent, err := h.lastSentFor(c, review.Organization)
	if err != nil {
		return err
	}
	noteLastSent(&p, sent)
	p.Problem = problem
	p.Errors = errorLinks(errs)
	p.HasErrors = len(p.Errors) > 0 || problem != nil
	p.Form = buildEditForm(reviewURL(id), p.CSRFToken, in, review.Current, sent, h.Contacts.Locales(), errs)
	return render(c, status, views.Organization(p))
}

// renderReview shows the planned change with the Send button.
func (h changeHandlers) renderReview(c echo.Context, status, id int, review contacts.Review, draftID string, stale []string) error {
	p := h.reviewPage(c, id, review, draftID)
	p.Stale = stale
	p.HasErrors = len(stale) > 0
	return render(c, status, views.Review(p))
}

// reviewPage is the review of a change, its decision first.
func (h changeHandlers) reviewPage(c echo.Context, id int, review contacts.Review, draftID string) views.ReviewPage {
	p := views.ReviewPage{
		Page:             h.page(c, "Review the change to "+review.Organization.Name, "organizations"),
		OrganizationName: review.Organization.Name,
		ChangedSinceLoad: review.ChangedSinceLoad,
		Rebased:          review.Rebased,
		Conflicts:        conflictSentences(review.Conflicts),
		Contacts:         reviewContacts(review.Plan, h.Contacts.Locales()),
		PrettyBody:       indentJSON(review.Plan.Body),
		Curl:             curlCommand(h.DigiCertBaseURL, id, review.Plan.Body),
		SendURL:          "/organizations/" + strconv.Itoa(id) + "/send",
		BackURL:          organizationURL(id) + "?draft=" + draftID,
		DraftID:          draftID,
		Fingerprint:      review.Fingerprint,
	}
	p.SendLabel, p.SendWarning = sendLabel(review.Plan)
	return p
}

// conflictSentences says each conflict of a rebased form in a sentence.
func conflictSentences(conflicts []contacts.Conflict) []string {
	var out []string
	for _, c := range conflicts {
		out = append(out, c.Sentence())
	}
	return out
}

// draftIDBytes is the size of a draft id's randomness.
const draftIDBytes = 16

// saveDraft keeps the reviewed input so Send and Back to edit both work
// from it.
func (h changeHandlers) saveDraft(c echo.Context, orgID int, in contacts.Input) (string, error) {
	var b [draftIDBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("handlers: draft id: %w", err)
	}
	payload, err := json.Marshal(in)
	if err != nil {
		return "", fmt.Errorf("handlers: encode draft: %w", err)
	}
	d := store.Draft{ID: hex.EncodeToString(b[:]), OrganizationID: orgID, UserID: h.actor(c).UserID, Payload: payload, CreatedAt: time.Now()}
	if err := h.Store.SaveDraft(c.Request().Context(), d); err != nil {
		return "", err
	}
	return d.ID, nil
}

// loadDraft returns the reviewed input of draft id, if it exists, is fresh,
// and belongs to this organization and user.
func (h *server) loadDraft(c echo.Context, orgID int, id string) (contacts.Input, bool, error) {
	if len(id) != 2*draftIDBytes {
		return contacts.Input{}, false, nil
	}
	d, err := h.Store.GetDraft(c.Request().Context(), id, time.Now())
	if errors.Is(err, store.ErrNotFound) {
		return contacts.Input{}, false, nil
	}
	if err != nil {
		return contacts.Input{}, false, err
	}
	if d.OrganizationID != orgID || d.UserID != h.actor(c).UserID {
		return contacts.Input{}, false, nil
	}
	var in contacts.Input
	if err := json.Unmarshal(d.Payload, &in); err != nil {
		return contacts.Input{}, false, fmt.Errorf("handlers: decode draft: %w", err)
	}
	return in, true, nil
}

func reviewURL(id int) string { return "/organizations/" + strconv.Itoa(id) + "/review" }

// sentMessage says what DigiCert accepted, contact by contact.
func sentMessage(review contacts.Review) string {
	var parts []string
	for _, cp := range review.Plan.Contacts {
		if cp.Effect == contacts.EffectUnchanged {
			continue
		}
		parts = append(parts, lowerFirst(contactHeading(cp.ContactType))+" "+strings.ToLower(effectText(cp.Effect)))
	}
	msg := "DigiCert accepted the change"
	if review.Organization != nil {
		msg += " to " + review.Organization.Name
	}
	if len(parts) == 0 {
		return msg + "."
	}
	return msg + ": " + strings.Join(parts, "; ") + "."
}

func contactHeading(contactType string) string {
	for _, t := range contactTypes {
		if t.id == contactType {
			return t.legend
		}
	}
	return contactType
}

func effectText(e contacts.Effect) string {
	switch e {
	case contacts.EffectUnchanged:
		return "Unchanged"
	case contacts.EffectUpdated:
		return "Updated in place"
	case contacts.EffectReplaced:
		return "Replaced by a new contact"
	case contacts.EffectRemoved:
		return "Removed"
	case contacts.EffectCreated:
		return "Added"
	case contacts.EffectNothing:
		return "Removed, if there is one"
	case contacts.EffectSet:
		return "Set"
	}
	return string(e)
}

// curlCommand is the request as a curl command line, the key masked.
func curlCommand(baseURL string, id int, body []byte) string {
	url := strings.TrimRight(baseURL, "/") + "/organization/" + strconv.Itoa(id) + "/contact"
	return "curl --request PUT " + shellQuote(url) + " \\\n" +
		"  --header 'X-DC-DEVKEY: ••••••••' \\\n" +
		"  --header 'Content-Type: application/json' \\\n" +
		"  --data-raw " + shellQuote(string(body))
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// indentJSON formats a JSON body for reading; invalid JSON is returned as is.
func indentJSON(body []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, body, "", "  "); err != nil {
		return string(body)
	}
	return buf.String()
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-0x20) + s[1:]
}
