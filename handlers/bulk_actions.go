package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/bulk"
	"github.com/contactdesk/contactdesk/store"
)

// startJob starts a reviewed job: its maker, or an admin; an editor only
// a job within the number of organizations editors may change at once.
func (h bulkHandlers) startJob(c echo.Context) error {
	job, err := h.visibleJob(c)
	if err != nil {
		return err
	}
	by, err := h.requester(c)
	if err != nil {
		return err
	}
	err = h.Bulk.Start(c.Request().Context(), job.ID, by)
	switch {
	case errors.Is(err, bulk.ErrNeedsAdmin), errors.Is(err, bulk.ErrNotYours):
		return echo.NewHTTPError(http.StatusForbidden)
	case errors.Is(err, bulk.ErrNothingToSend):
		return h.afterAction(c, job.ID, "warning", "Nothing was started: the change does nothing to any of these organizations.")
	case errors.Is(err, store.ErrBulkJobState):
		return h.afterAction(c, job.ID, "warning", "This change was already started.")
	case err != nil:
		return err
	}
	return h.afterAction(c, job.ID, "success", "Started: the organizations are sent one after the other.")
}

// controlJob runs one of Pause, Resume and Cancel on the job, for who made
// or started it, or an admin.
func (h bulkHandlers) controlJob(c echo.Context, act func(*bulk.Service, echo.Context, int64) error, done, refused string) error {
	job, err := h.visibleJob(c)
	if err != nil {
		return err
	}
	by, err := h.requester(c)
	if err != nil {
		return err
	}
	if err := bulk.MayControl(job, by); err != nil {
		return echo.NewHTTPError(http.StatusForbidden)
	}
	err = act(h.Bulk, c, job.ID)
	switch {
	case errors.Is(err, store.ErrBulkJobState):
		return h.afterAction(c, job.ID, "warning", refused)
	case err != nil:
		return err
	}
	return h.afterAction(c, job.ID, "success", done)
}

func (h bulkHandlers) pauseJob(c echo.Context) error {
	return h.controlJob(c, func(s *bulk.Service, c echo.Context, id int64) error { return s.Pause(c.Request().Context(), id) },
		"Paused: no further organization is started until you resume. One being sent when you paused goes on to its outcome.",
		"The change is not running, so it was not paused.")
}

func (h bulkHandlers) resumeJob(c echo.Context) error {
	return h.controlJob(c, func(s *bulk.Service, c echo.Context, id int64) error { return s.Resume(c.Request().Context(), id) },
		"Resumed.", "The change is not paused, so it was not resumed.")
}

func (h bulkHandlers) cancelJob(c echo.Context) error {
	return h.controlJob(c, func(s *bulk.Service, c echo.Context, id int64) error { return s.Cancel(c.Request().Context(), id) },
		"Cancelled: what was sent stays sent; the other organizations are not started.",
		"The change is not running or paused, so it was not cancelled.")
}

// restoreJob prepares, with a review of its own, the change that puts
// back the contacts each organization had before the job.
func (h bulkHandlers) restoreJob(c echo.Context) error {
	return h.prepareFrom(c, func(s *bulk.Service, c echo.Context, id int64, by bulk.Requester) (store.BulkJob, error) {
		return s.ReviewRestore(c.Request().Context(), id, by)
	}, bulk.ErrNothingToRestore, "The job changed no organization: there is nothing to restore.")
}

// retryJob prepares, with a review of its own, the same change for the
// organizations the job could not change or skipped.
func (h bulkHandlers) retryJob(c echo.Context) error {
	return h.prepareFrom(c, func(s *bulk.Service, c echo.Context, id int64, by bulk.Requester) (store.BulkJob, error) {
		return s.ReviewAgain(c.Request().Context(), id, by)
	}, bulk.ErrNothingToRetry, "No organization of the job failed or was skipped: there is nothing to review again.")
}

// prepareFrom makes a new job in review from a finished one, and shows
// its review.
func (h bulkHandlers) prepareFrom(c echo.Context, prepare func(*bulk.Service, echo.Context, int64, bulk.Requester) (store.BulkJob, error), nothing error, nothingMsg string) error {
	job, err := h.visibleJob(c)
	if err != nil {
		return err
	}
	by, err := h.requester(c)
	if err != nil {
		return err
	}
	if err := bulk.MayControl(job, by); err != nil {
		return echo.NewHTTPError(http.StatusForbidden)
	}
	next, err := prepare(h.Bulk, c, job.ID, by)
	switch {
	case errors.Is(err, nothing):
		return h.afterAction(c, job.ID, "warning", nothingMsg)
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, bulkJobURL(next.ID))
}
