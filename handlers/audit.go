package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/auditlog"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
	"github.com/contactdesk/contactdesk/views/components"
)

// auditPerPage is the number of submissions on a page of the audit log.
const auditPerPage = 50

// auditHandlers serves the audit log, its exports and submission pages.
type auditHandlers struct {
	*server
}

func (h auditHandlers) routes(g *echo.Group) {
	g.GET("/audit", h.listSubmissions)
	g.GET("/audit/export", h.exportEvents)
	g.GET("/audit/submissions/:id", h.showSubmission)
	g.GET("/audit/security", h.listSecurityEvents, h.requireRole(store.RoleAdmin, store.RoleAuditor))
	g.GET("/audit/checkpoint", h.showCheckpoint, h.requireRole(store.RoleAdmin, store.RoleAuditor))
	g.GET("/audit/submissions/:id/proof", h.downloadProof, h.requireRole(store.RoleAdmin, store.RoleAuditor))
}

// allowedOrganizations returns the organizations whose history the user
// may read, or nil when they may read all of it: admins and auditors read
// everything, editors their teams' organizations.
func (h auditHandlers) allowedOrganizations(c echo.Context) ([]int, error) {
	return h.organizationScope(c)
}

// auditFilterParams are the query parameters of the filters, in the order
// the form shows them.
var auditFilterParams = []string{"organization", "user", "outcome", "from", "to", "job"}

func auditFilterInput(c echo.Context) store.AuditFilterInput {
	return store.AuditFilterInput{
		Organization: c.QueryParam("organization"),
		User:         c.QueryParam("user"),
		Outcome:      c.QueryParam("outcome"),
		From:         c.QueryParam("from"),
		To:           c.QueryParam("to"),
		Job:          c.QueryParam("job"),
	}
}

// auditURL is path with the filters as typed and extra parameters; empty
// filters are left out so that links stay short.
func auditURL(path string, in store.AuditFilterInput, extra ...string) string {
	v := url.Values{}
	for i, value := range []string{in.Organization, in.User, in.Outcome, in.From, in.To, in.Job} {
		if value != "" {
			v.Set(auditFilterParams[i], value)
		}
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// listSubmissions shows one page of the audit log. Filters that cannot be
// read are reported on the page with a 400, never run.
func (h auditHandlers) listSubmissions(c echo.Context) error {
	allowed, err := h.allowedOrganizations(c)
	if err != nil {
		return err
	}
	p, status, err := h.auditLog(c, allowed)
	if err != nil {
		return err
	}
	return render(c, status, views.AuditLog(p))
}

// auditLog reads the page of the log that the request asks for, with the
// status to answer: 400 when its filters or page link cannot be read.
func (h auditHandlers) auditLog(c echo.Context, allowed []int) (views.AuditLogPage, int, error) {
	ctx := c.Request().Context()
	in := auditFilterInput(c)
	p := h.auditLogPage(c, in)
	var err error
	if p.Chart, err = h.auditChart(ctx, time.Now(), allowed); err != nil {
		return p, 0, err
	}
	if u := currentUser(c); u != nil && (u.Role == store.RoleAdmin || u.Role == store.RoleAuditor) {
		p.SecurityURL = "/audit/security"
	}
	if p.Checkpoint, err = h.latestCheckpoint(c); err != nil {
		return p, 0, err
	}
	filter, errs := in.Parse()
	if len(errs) > 0 {
		setFilterErrors(&p, errs)
		return p, http.StatusBadRequest, nil
	}
	filter.OrganizationIDs = allowed
	q := store.AuditPageQuery{Filter: filter, Limit: auditPerPage}
	status := http.StatusOK
	if q.Before, q.After, err = pageCursors(c); err != nil {
		status = http.StatusBadRequest
		p.HasErrors = true
		p.Errors = append(p.Errors, components.ErrorLink{
			Message: "The page link is broken or was changed by hand, so the newest submissions are shown instead",
		})
	}
	page, err := h.Store.AuditSubmissions(ctx, q)
	if err != nil {
		return p, 0, err
	}
	p.ShowResults = true
	for _, s := range page.Submissions {
		p.Rows = append(p.Rows, auditRow(s))
	}
	if err := h.addSubmissionDetails(ctx, p.Rows, page.Submissions); err != nil {
		return p, 0, err
	}
	if n := len(page.Submissions); n > 0 {
		if page.HasNewer {
			p.NewerURL = auditURL("/audit", in, "after", page.Submissions[0].Cursor().String())
		}
		if page.HasOlder {
			p.OlderURL = auditURL("/audit", in, "before", page.Submissions[n-1].Cursor().String())
		}
	}
	return p, status, nil
}

// pageCursors reads the before and after parameters; at most one may be
// set.
func pageCursors(c echo.Context) (before, after *store.AuditCursor, err error) {
	b, a := c.QueryParam("before"), c.QueryParam("after")
	if b != "" && a != "" {
		return nil, nil, store.ErrBadCursor
	}
	parse := func(s string) (*store.AuditCursor, error) {
		if s == "" {
			return nil, nil
		}
		cur, err := store.ParseAuditCursor(s)
		if err != nil {
			return nil, err
		}
		return &cur, nil
	}
	if before, err = parse(b); err != nil {
		return nil, nil, err
	}
	if after, err = parse(a); err != nil {
		return nil, nil, err
	}
	return before, after, nil
}

// auditLogPage fills the filter form with the values as typed.
func (h auditHandlers) auditLogPage(c echo.Context, in store.AuditFilterInput) views.AuditLogPage {
	p := views.AuditLogPage{
		Page: h.page(c, "Audit log", "audit"),
		Organization: components.Input{ID: "organization", Label: "Organization", Type: "text", Value: in.Organization,
			Hint: "ID or part of the name", MaxLength: 200},
		UserInput: components.Input{ID: "user", Label: "User", Type: "text", Value: in.User,
			Hint: "Part of the email", MaxLength: 200},
		Outcome:       components.Select{ID: "outcome", Label: "Outcome"},
		From:          components.Input{ID: "from", Label: "From", Type: "text", Value: in.From, Hint: "YYYY-MM-DD, UTC", Width: "short"},
		To:            components.Input{ID: "to", Label: "To", Type: "text", Value: in.To, Hint: "YYYY-MM-DD, included", Width: "short"},
		Job:           components.Input{ID: "job", Label: "Job", Type: "text", Value: in.Job, Hint: "Bulk change number", Width: "short", InputMode: "numeric"},
		ClearURL:      "/audit",
		ExportCSVURL:  auditURL("/audit/export", in, "format", "csv"),
		ExportJSONURL: auditURL("/audit/export", in, "format", "json"),
	}
	p.Outcome.Options = append(p.Outcome.Options, components.Option{Value: "", Label: "Any outcome", Selected: in.Outcome == ""})
	for _, o := range store.AuditOutcomes() {
		p.Outcome.Options = append(p.Outcome.Options, components.Option{
			Value: string(o), Label: outcomeLabel(o), Selected: in.Outcome == string(o),
		})
	}
	p.Filtered = in != (store.AuditFilterInput{})
	return p
}

// setFilterErrors shows each problem next to its field and in the summary.
func setFilterErrors(p *views.AuditLogPage, errs []store.AuditFilterError) {
	p.HasErrors = true
	for _, e := range errs {
		p.Errors = append(p.Errors, components.ErrorLink{FieldID: e.Field, Message: e.Message})
		switch e.Field {
		case "organization":
			p.Organization.Error = e.Message
		case "user":
			p.UserInput.Error = e.Message
		case "outcome":
			p.Outcome.Error = e.Message
		case "from":
			p.From.Error = e.Message
		case "to":
			p.To.Error = e.Message
		case "job":
			p.Job.Error = e.Message
		}
	}
}

func auditRow(s store.AuditSubmission) views.AuditRow {
	r := views.AuditRow{
		URL:          submissionURL(s.SubmissionID),
		Time:         formatTime(s.OccurredAt),
		DateTime:     s.OccurredAt.UTC().Format(time.RFC3339),
		User:         actorLabel(s.ActorEmail, s.Outcome == store.OutcomeChangedOutside),
		Organization: s.OrganizationName,
		Summary:      s.Summary,
		Outcome:      outcomeLabel(s.Outcome),
		OutcomeKey:   string(s.Outcome),
		Duration:     formatDuration(s.Duration),
	}
	if s.OrganizationID != 0 {
		r.OrganizationID = strconv.Itoa(s.OrganizationID)
		r.OrganizationURL = organizationURL(s.OrganizationID)
	}
	if s.JobID != 0 {
		r.Job, r.JobURL = "Bulk change "+strconv.FormatInt(s.JobID, 10), bulkJobURL(s.JobID)
	}
	return r
}

func submissionURL(id string) string { return "/audit/submissions/" + url.PathEscape(id) }

// outcomeLabel names an outcome in a few words: whether the change was
// made, refused, never sent or is not known.
func outcomeLabel(o store.AuditOutcome) string {
	switch o {
	case store.OutcomeSucceeded:
		return "Succeeded"
	case store.OutcomeDigiCertError:
		return "DigiCert error"
	case store.OutcomeNoAnswer:
		return "Outcome unknown"
	case store.OutcomeReconciled:
		return "Reconciled"
	case store.OutcomeRejected:
		return "Not sent"
	case store.OutcomePending:
		return "Pending"
	case store.OutcomeChangedOutside:
		return "Changed outside"
	}
	return string(o)
}

// formatDuration shows milliseconds below a second and seconds with one
// decimal above; "—" when not measured.
func formatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
	default:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
	}
}

// exportEvents streams the events of the filtered submissions as CSV or
// JSON Lines, read against a checkpoint signed for the log as it is (or
// the latest, when nothing was appended since), which ends the file. Bad
// filters get the audit page with the problems; an error after the first
// byte aborts the response, so that a client never takes a cut file for
// a whole one.
func (h auditHandlers) exportEvents(c echo.Context) error {
	ctx := c.Request().Context()
	in := auditFilterInput(c)
	allowed, err := h.allowedOrganizations(c)
	if err != nil {
		return err
	}
	filter, errs := in.Parse()
	format, ferr := store.ParseAuditExportFormat(c.QueryParam("format"))
	if ferr != nil {
		errs = append(errs, store.AuditFilterError{Message: "The export format must be CSV or JSON"})
	}
	if len(errs) > 0 {
		p := h.auditLogPage(c, in)
		if p.Chart, err = h.auditChart(ctx, time.Now(), allowed); err != nil {
			return err
		}
		setFilterErrors(&p, errs)
		return render(c, http.StatusBadRequest, views.AuditLog(p))
	}
	filter.OrganizationIDs = allowed
	cp, err := h.Checkpoints.Sign(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}

	res := c.Response()
	res.Header().Set(echo.HeaderContentType, format.ContentType())
	res.Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="contactdesk-audit-%s.%s"`,
		time.Now().UTC().Format("20060102-150405"), format.Extension()))
	res.WriteHeader(http.StatusOK)
	n, err := auditlog.Export(ctx, h.Store, filter, format, cp, res)
	if err != nil {
		if !errors.Is(err, ctx.Err()) {
			h.requestLogger(c).Error("audit export", "events", n, "error", err.Error())
		}
		panic(http.ErrAbortHandler)
	}
	return nil
}
