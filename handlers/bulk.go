package handlers

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/bulk"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
)

// bulkRowsPerPage is how many organizations a job's page lists at once.
const bulkRowsPerPage = 100

// bulkHandlers serves bulk changes: the form, the review, the job's
// progress and outcome, its export, and the actions on it. Editors and
// admins make them; everyone sees the jobs they made or started, admins
// and auditors every job.
type bulkHandlers struct {
	*server
}

func (h bulkHandlers) routes(g *echo.Group) {
	changers := h.requireRole(store.RoleAdmin, store.RoleEditor)
	g.GET("/bulk", h.listJobs)
	g.GET("/bulk/new", h.newBulkChange, changers)
	g.POST("/bulk", h.reviewBulkChange, changers)
	g.GET("/bulk/:id", h.showJob)
	g.GET("/bulk/:id/progress", h.jobProgress)
	g.GET("/bulk/:id/export", h.exportJob)
	g.GET("/bulk/:id/items/:position/request", h.itemRequest)
	g.POST("/bulk/:id/start", h.startJob, changers)
	g.POST("/bulk/:id/pause", h.pauseJob, changers)
	g.POST("/bulk/:id/resume", h.resumeJob, changers)
	g.POST("/bulk/:id/cancel", h.cancelJob, changers)
	g.POST("/bulk/:id/restore", h.restoreJob, changers)
	g.POST("/bulk/:id/retry", h.retryJob, changers)
}

// requester is the current user as the bulk service knows them.
func (s *server) requester(c echo.Context) (bulk.Requester, error) {
	a := s.actor(c)
	by := bulk.Requester{UserID: a.UserID, Email: a.Email, ClientAddr: a.ClientAddr}
	u := currentUser(c)
	by.Admin = u != nil && u.Role == store.RoleAdmin
	scope, err := s.organizationScope(c)
	if err != nil {
		return bulk.Requester{}, err
	}
	by.Scope = scope
	return by, nil
}

// seesEveryJob reports whether the current user sees every job: admins
// and auditors.
func seesEveryJob(c echo.Context) bool {
	u := currentUser(c)
	return u != nil && (u.Role == store.RoleAdmin || u.Role == store.RoleAuditor)
}

// visibleJob returns the job the URL names, when the current user may see
// it: 404 for none, 403 for someone else's.
func (h bulkHandlers) visibleJob(c echo.Context) (store.BulkJob, error) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		return store.BulkJob{}, notFound()
	}
	job, err := h.Store.BulkJob(c.Request().Context(), int64(id))
	if errors.Is(err, store.ErrNotFound) {
		return store.BulkJob{}, notFound()
	}
	if err != nil {
		return store.BulkJob{}, err
	}
	u := currentUser(c)
	if u == nil || !bulk.Visible(job, u.ID, seesEveryJob(c)) {
		return store.BulkJob{}, echo.NewHTTPError(http.StatusForbidden)
	}
	return job, nil
}

// listJobs lists the jobs the user may see, newest first.
func (h bulkHandlers) listJobs(c echo.Context) error {
	q := store.BulkJobQuery{Limit: 200}
	if !seesEveryJob(c) {
		q.UserID = currentUser(c).ID
	}
	jobs, err := h.Store.BulkJobs(c.Request().Context(), q)
	if err != nil {
		return err
	}
	p := views.BulkJobsPage{Page: h.page(c, "Bulk changes", "bulk")}
	for _, j := range jobs {
		row := views.BulkJobRow{URL: bulkJobURL(j.ID), ID: strconv.FormatInt(j.ID, 10), Title: j.Title,
			State: jobStateLabel(j.State), StateKey: string(j.State), By: j.CreatedByEmail,
			When: formatTime(j.CreatedAt), WhenISO: j.CreatedAt.UTC().Format(time.RFC3339),
			Progress: fmt.Sprintf("%d of %d", j.Processed(), j.ToSend())}
		if j.StartedByEmail != "" {
			row.By, row.When, row.WhenISO = j.StartedByEmail, formatTime(j.StartedAt), j.StartedAt.UTC().Format(time.RFC3339)
		}
		if j.State == store.BulkReview {
			row.Progress = "not started"
		}
		p.Jobs = append(p.Jobs, row)
	}
	return render(c, http.StatusOK, views.BulkJobs(p))
}

// showJob shows a job: its review before it starts, its progress, its
// outcome.
func (h bulkHandlers) showJob(c echo.Context) error {
	job, err := h.visibleJob(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	prog, err := h.Bulk.Progress(ctx, job.ID)
	if err != nil {
		return err
	}
	job = prog.Job
	p := views.BulkJobPage{
		Page:      h.page(c, jobPageTitle(job), "bulk"),
		ID:        strconv.FormatInt(job.ID, 10),
		Title:     job.Title,
		State:     jobStateLabel(job.State),
		StateKey:  string(job.State),
		InReview:  job.State == store.BulkReview,
		Active:    job.State.Active(),
		Note:      job.Note,
		Done:      job.Processed(),
		Total:     job.ToSend(),
		Current:   prog.Current,
		Elapsed:   formatElapsed(prog.Elapsed),
		ExportURL: bulkJobURL(job.ID) + "/export",
		AuditURL:  auditURL("/audit", store.AuditFilterInput{Job: strconv.FormatInt(job.ID, 10)}),
	}
	if prog.Remaining > 0 {
		p.Remaining = "about " + formatElapsed(prog.Remaining)
	}
	p.Facts = jobFacts(job)
	p.Effects = effectCounts(job)
	p.Items = itemCounts(job)
	if p.Active {
		p.ProgressURL = bulkJobURL(job.ID) + "/progress"
		p.Scripts = append(p.Scripts, h.Assets.URL("js/progress.js"))
	}
	if job.SourceJobID != 0 {
		if source, err := h.Store.BulkJob(ctx, job.SourceJobID); err == nil {
			p.SourceURL, p.SourceTitle = bulkJobURL(source.ID), fmt.Sprintf("job %d: %s", source.ID, source.Title)
		}
	}
	if err := h.jobActions(c, job, &p); err != nil {
		return err
	}
	if err := h.jobRows(c, job, &p); err != nil {
		return err
	}
	return render(c, http.StatusOK, views.BulkJob(p))
}

// jobActions offers the actions the user may take on the job now.
func (h bulkHandlers) jobActions(c echo.Context, job store.BulkJob, p *views.BulkJobPage) error {
	u := currentUser(c)
	if u == nil || u.Role == store.RoleAuditor {
		if job.State == store.BulkReview {
			p.StartProblem = "Only its maker or an admin can start this change."
		}
		return nil
	}
	by, err := h.requester(c)
	if err != nil {
		return err
	}
	base := bulkJobURL(job.ID)
	mayControl := bulk.MayControl(job, by) == nil
	switch job.State {
	case store.BulkReview:
		switch err := h.Bulk.MayStart(job, by); {
		case job.ToSend() == 0:
			p.StartProblem = "Nothing to send: the change does nothing to any of these organizations."
		case errors.Is(err, bulk.ErrNeedsAdmin):
			p.StartProblem = fmt.Sprintf("This change sends to %s: a change of more than %d needs an admin to start it. Ask an admin to open this page and start it, or change fewer organizations at a time.",
				plural(job.ToSend(), "organization", "organizations"), h.Bulk.AdminOver())
		case err != nil:
			p.StartProblem = "Only its maker or an admin can start this change."
		default:
			p.StartURL = base + "/start"
		}
	case store.BulkRunning:
		if mayControl {
			p.PauseURL, p.CancelURL = base+"/pause", base+"/cancel"
		}
	case store.BulkPaused:
		if mayControl {
			p.ResumeURL, p.CancelURL = base+"/resume", base+"/cancel"
		}
	case store.BulkFinished, store.BulkCancelled:
		if !mayControl || job.FinishedAt.IsZero() {
			return nil
		}
		left := 0
		for _, st := range bulk.RetryStates() {
			left += job.Items[st]
		}
		if left > 0 {
			p.RetryURL = base + "/retry"
		}
		if job.Items[store.ItemSucceeded] > 0 {
			p.RestoreURL = base + "/restore"
		}
	}
	return nil
}

// jobRows lists a page of the job's organizations.
func (h bulkHandlers) jobRows(c echo.Context, job store.BulkJob, p *views.BulkJobPage) error {
	total := 0
	for _, n := range job.Items {
		total += n
	}
	page := positiveIntParam(c.QueryParam("page"), 1)
	items, err := h.Store.BulkItems(c.Request().Context(), job.ID, store.BulkItemQuery{Limit: bulkRowsPerPage, Offset: (page - 1) * bulkRowsPerPage})
	if err != nil {
		return err
	}
	p.RowCount = total
	for _, it := range items {
		row := views.BulkRow{
			Organization: it.OrganizationName, OrganizationURL: organizationURL(it.OrganizationID),
			Plan: it.Plan, Effect: effectLabel(it.Effect), State: itemStateLabel(it.State), StateKey: itemStateKey(it.State),
			Note: it.Note,
		}
		if it.RequestBody != "" {
			row.RequestURL = fmt.Sprintf("%s/items/%d/request", bulkJobURL(job.ID), it.Position)
		}
		if it.SubmissionID != "" {
			row.SubmissionURL = submissionURL(it.SubmissionID)
		}
		p.Rows = append(p.Rows, row)
	}
	if len(items) > 0 {
		p.First = (page-1)*bulkRowsPerPage + 1
		p.Last = p.First + len(items) - 1
	}
	if page > 1 {
		p.PrevURL = fmt.Sprintf("%s?page=%d", bulkJobURL(job.ID), page-1)
	}
	if p.Last < total && len(items) > 0 {
		p.NextURL = fmt.Sprintf("%s?page=%d", bulkJobURL(job.ID), page+1)
	}
	return nil
}

// jobProgressAnswer is what the progress script reads.
type jobProgressAnswer struct {
	State      string         `json:"state"`
	StateLabel string         `json:"state_label"`
	Done       int            `json:"done"`
	Total      int            `json:"total"`
	Current    string         `json:"current"`
	Elapsed    string         `json:"elapsed"`
	Remaining  string         `json:"remaining"`
	Counts     map[string]int `json:"counts"`
}

// jobProgress answers a job's progress as JSON, for the script of its
// page.
func (h bulkHandlers) jobProgress(c echo.Context) error {
	job, err := h.visibleJob(c)
	if err != nil {
		return err
	}
	prog, err := h.Bulk.Progress(c.Request().Context(), job.ID)
	if err != nil {
		return err
	}
	job = prog.Job
	a := jobProgressAnswer{State: string(job.State), StateLabel: jobStateLabel(job.State), Done: job.Processed(),
		Total: job.ToSend(), Current: prog.Current, Elapsed: formatElapsed(prog.Elapsed), Counts: map[string]int{}}
	if a.Current == "" {
		a.Current = "—"
	}
	a.Remaining = "—"
	if prog.Remaining > 0 {
		a.Remaining = "about " + formatElapsed(prog.Remaining)
	}
	for _, st := range store.BulkItemStates() {
		a.Counts[string(st)] = job.Items[st]
	}
	return c.JSON(http.StatusOK, a)
}

// exportColumns of a job's CSV: one row per organization.
var bulkExportColumns = []string{"position", "organization_id", "organization", "effect", "plan", "state", "note",
	"submission_id", "attempts", "updated_at", "request_body"}

// exportJob streams a job's organizations and their outcomes as CSV.
func (h bulkHandlers) exportJob(c echo.Context) error {
	job, err := h.visibleJob(c)
	if err != nil {
		return err
	}
	items, err := h.Store.BulkItems(c.Request().Context(), job.ID, store.BulkItemQuery{})
	if err != nil {
		return err
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="contactdesk-bulk-%d.csv"`, job.ID))
	res.WriteHeader(http.StatusOK)
	w := csv.NewWriter(res)
	if err := w.Write(bulkExportColumns); err != nil {
		return nil // the client went away; nothing more to say
	}
	for _, it := range items {
		row := []string{strconv.Itoa(it.Position), strconv.Itoa(it.OrganizationID), it.OrganizationName, string(it.Effect),
			it.Plan, string(it.State), it.Note, it.SubmissionID, strconv.Itoa(it.Attempts),
			it.UpdatedAt.UTC().Format(time.RFC3339), it.RequestBody}
		for i := range row {
			row[i] = store.NeutralizeCSVCell(row[i])
		}
		if err := w.Write(row); err != nil {
			return nil
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		h.requestLogger(c).Info("bulk export cut short", "job_id", job.ID, "error", err.Error())
	}
	return nil
}

// itemRequest answers the exact request body the review planned for one
// organization of a job.
func (h bulkHandlers) itemRequest(c echo.Context) error {
	job, err := h.visibleJob(c)
	if err != nil {
		return err
	}
	pos, ok := parseID(c.Param("position"))
	if !ok {
		return notFound()
	}
	it, err := h.Store.BulkItem(c.Request().Context(), job.ID, pos)
	if errors.Is(err, store.ErrNotFound) || (err == nil && it.RequestBody == "") {
		return notFound()
	}
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "application/json; charset=utf-8", []byte(it.RequestBody))
}

func bulkJobURL(id int64) string { return "/bulk/" + strconv.FormatInt(id, 10) }

// jobPageTitle is a job page's title: its review, or the job.
func jobPageTitle(job store.BulkJob) string {
	if job.State == store.BulkReview {
		return "Review bulk change: " + job.Title
	}
	return fmt.Sprintf("Bulk change %d: %s", job.ID, job.Title)
}

// jobFacts lists who made and started the job, and when.
func jobFacts(job store.BulkJob) []views.BulkFact {
	facts := []views.BulkFact{{Label: "Made by", Value: job.CreatedByEmail + ", " + formatTime(job.CreatedAt)}}
	if !job.StartedAt.IsZero() {
		facts = append(facts, views.BulkFact{Label: "Started by", Value: job.StartedByEmail + ", " + formatTime(job.StartedAt)})
	}
	if !job.FinishedAt.IsZero() {
		facts = append(facts, views.BulkFact{Label: "Ended", Value: formatTime(job.FinishedAt)})
	}
	facts = append(facts, views.BulkFact{Label: "Organizations to change", Value: strconv.Itoa(job.ToSend())})
	return facts
}

// effectCounts are the review's counts, by verdict.
func effectCounts(job store.BulkJob) []views.BulkCount {
	var out []views.BulkCount
	for _, e := range store.BulkEffects() {
		out = append(out, views.BulkCount{Key: string(e), Label: effectLabel(e), N: job.Effects[e]})
	}
	return out
}

// itemCounts are the counts of the organizations sent, by state.
func itemCounts(job store.BulkJob) []views.BulkCount {
	var out []views.BulkCount
	for _, st := range store.BulkItemStates() {
		out = append(out, views.BulkCount{Key: string(st), Label: itemStateLabel(st), N: job.Items[st]})
	}
	return out
}

func jobStateLabel(s store.BulkJobState) string {
	switch s {
	case store.BulkReview:
		return "In review: not started"
	case store.BulkRunning:
		return "Running"
	case store.BulkPaused:
		return "Paused"
	case store.BulkCancelled:
		return "Cancelled"
	case store.BulkFinished:
		return "Finished"
	}
	return string(s)
}

func effectLabel(e store.BulkEffect) string {
	switch e {
	case store.BulkUpdated:
		return "Updated in place"
	case store.BulkReplaced:
		return "Replaced"
	case store.BulkRemoved:
		return "Removed"
	case store.BulkNothing:
		return "Nothing to do"
	case store.BulkNotAllowed:
		return "Not allowed"
	}
	return string(e)
}

func itemStateLabel(s store.BulkItemState) string {
	switch s {
	case store.ItemExcluded:
		return "Not sent"
	case store.ItemPending:
		return "Waiting"
	case store.ItemSending:
		return "Sending"
	case store.ItemSucceeded:
		return "Succeeded"
	case store.ItemFailed:
		return "Failed"
	case store.ItemStale:
		return "Changed since review: skipped"
	case store.ItemCancelled:
		return "Cancelled: not started"
	}
	return string(s)
}

// itemStateKey picks the audit log's mark for an item's state.
func itemStateKey(s store.BulkItemState) string {
	switch s {
	case store.ItemSucceeded:
		return string(store.OutcomeSucceeded)
	case store.ItemFailed:
		return string(store.OutcomeDigiCertError)
	case store.ItemPending, store.ItemSending:
		return string(store.OutcomePending)
	}
	return string(store.OutcomeRejected)
}

// formatElapsed shows a duration in whole seconds, minutes and hours.
func formatElapsed(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return plural(int(d/time.Second), "second", "seconds")
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute", "minutes") + " " + plural(int(d%time.Minute/time.Second), "second", "seconds")
	}
	return plural(int(d/time.Hour), "hour", "hours") + " " + plural(int(d%time.Hour/time.Minute), "minute", "minutes")
}

// jobNotices are the viewer's jobs under way, for the notice on every
// page.
func (s *server) jobNotices(c echo.Context, userID int) []views.JobNotice {
	jobs, err := s.Store.BulkJobs(c.Request().Context(), store.BulkJobQuery{UserID: userID,
		States: []store.BulkJobState{store.BulkRunning, store.BulkPaused}, Limit: 3})
	if err != nil {
		s.requestLogger(c).Warn("bulk jobs not noticed", "error", err.Error())
		return nil
	}
	var out []views.JobNotice
	for _, j := range jobs {
		out = append(out, views.JobNotice{Title: j.Title, URL: bulkJobURL(j.ID), Done: j.Processed(), Total: j.ToSend(),
			Paused: j.State == store.BulkPaused})
	}
	return out
}

// afterAction says on the job's page what an action did.
func (h bulkHandlers) afterAction(c echo.Context, id int64, kind, msg string) error {
	if err := h.Sessions.addFlash(c, kind, msg); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, bulkJobURL(id))
}
