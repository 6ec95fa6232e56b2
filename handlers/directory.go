package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/directory"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
)

// directoryHandlers serves the admins' Directory section: coverage, the
// pass under way, DigiCert's budget by class, pause and resume.
type directoryHandlers struct {
	*server
}

func (h directoryHandlers) routes(g *echo.Group) {
	g.GET("", h.showDirectory)
	g.POST("/pause", h.pauseDirectory)
	g.POST("/resume", h.resumeDirectory)
}

// showDirectory shows the directory's state.
func (h directoryHandlers) showDirectory(c echo.Context) error {
	s, err := h.Directory.Status(c.Request().Context())
	if err != nil {
		return err
	}
	p := views.DirectoryAdminPage{
		Page:      h.page(c, "Directory", "directory"),
		Known:     s.Counts.Known,
		Total:     s.Counts.Total,
		Gone:      s.Counts.Gone,
		Stale:     s.Stale(),
		TTL:       formatAge(s.TTL),
		PassDone:  s.Pass.Done,
		PassTotal: s.Pass.Done + s.Pass.Remaining,
		Paused:    s.Paused,
		Stopped:   s.Stopped,
		LastError: s.LastError,
		PauseURL:  "/directory/pause",
		ResumeURL: "/directory/resume",
	}
	if !s.Counts.OldestRead.IsZero() {
		p.OldestRead, p.OldestAge = formatTime(s.Counts.OldestRead), formatAge(s.OldestAge())
	}
	if !s.RetryAt.IsZero() {
		p.RetryAt = formatTime(s.RetryAt)
	}
	p.Pass = passSentence(s.Pass)
	if s.Pass.Estimate > 0 {
		p.Estimate = formatAge(s.Pass.Estimate)
	}
	p.Budget = budgetRows(s.Budget)
	return render(c, http.StatusOK, views.DirectoryAdmin(p))
}

// passSentence says where the current or last pass stands.
func passSentence(p directory.Pass) string {
	switch {
	case p.StartedAt.IsZero():
		return "No pass has begun yet: the directory starts once the organization list is loaded."
	case p.UnderWay:
		return "A pass over the organizations began at " + formatTime(p.StartedAt) + "."
	}
	return "The last pass began at " + formatTime(p.StartedAt) + " and ended at " + formatTime(p.FinishedAt) +
		". The next begins when an organization's read is older than the TTL, or one is added or changed."
}

// budgetRows lists each window's use by class.
func budgetRows(b digicert.Budget) []views.BudgetRow {
	var rows []views.BudgetRow
	for _, w := range b.Windows {
		window := fmt.Sprintf("%d per %s", w.Limit, formatAge(w.Per))
		for _, class := range digicert.Classes() {
			rows = append(rows, views.BudgetRow{Window: window, Class: classLabel(class),
				Used: w.Used[class], Cap: w.Caps[class]})
		}
	}
	return rows
}

func classLabel(c digicert.Class) string {
	switch c {
	case digicert.Interactive:
		return "People (interactive)"
	case digicert.Bulk:
		return "Bulk jobs"
	case digicert.Background:
		return "Directory (background)"
	}
	return c.String()
}

func (h directoryHandlers) pauseDirectory(c echo.Context) error {
	if err := h.Directory.Pause(c.Request().Context()); err != nil {
		return err
	}
	if err := h.Sessions.addFlash(c, "success", "The directory is paused."); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/directory")
}

func (h directoryHandlers) resumeDirectory(c echo.Context) error {
	if err := h.Directory.Resume(c.Request().Context()); err != nil {
		return err
	}
	if err := h.Sessions.addFlash(c, "success", "The directory is reading organizations again."); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/directory")
}

// directoryFreshness is how current the directory is, for the pages built
// on it.
type directoryFreshness struct {
	view views.DirectoryFreshness
	now  time.Time
	ttl  time.Duration
}

func (s *server) freshness(c echo.Context) (directoryFreshness, error) {
	st, err := s.Directory.Freshness(c.Request().Context())
	if err != nil {
		return directoryFreshness{}, err
	}
	f := directoryFreshness{now: st.Now, ttl: st.TTL, view: views.DirectoryFreshness{
		Known: st.Counts.Known, Total: st.Counts.Total, Stale: st.Stale(), TTL: formatAge(st.TTL),
	}}
	if f.view.Stale {
		f.view.OldestAge = formatAge(st.OldestAge())
	}
	return f, nil
}

// organization is a person's place in one organization, with the age of
// its read.
func (f directoryFreshness) organization(pc store.PersonContact) views.PersonOrganization {
	age := f.now.Sub(pc.ReadAt)
	return views.PersonOrganization{
		URL:       organizationURL(pc.OrganizationID),
		Name:      pc.OrganizationName,
		Role:      contactRole(pc.Type),
		JobTitle:  pc.JobTitle,
		Telephone: joinNonEmpty(" ext. ", pc.Telephone, pc.TelephoneExtension),
		Gone:      pc.Gone,
		ReadAtISO: pc.ReadAt.UTC().Format(time.RFC3339),
		ReadAge:   formatAge(age) + " ago",
		Stale:     age > f.ttl,
	}
}

func contactRole(contactType string) string {
	if contactType == store.TechnicalContactType {
		return "Technical contact"
	}
	return "Organization contact"
}

// formatAge says a duration in the largest whole unit: "3 days", "1 hour",
// "45 seconds".
func formatAge(d time.Duration) string {
	units := []struct {
		size      time.Duration
		one, many string
	}{
		{24 * time.Hour, "day", "days"},
		{time.Hour, "hour", "hours"},
		{time.Minute, "minute", "minutes"},
		{time.Second, "second", "seconds"},
	}
	for _, u := range units {
		if d >= u.size {
			return plural(int(d/u.size), u.one, u.many)
		}
	}
	if d <= 0 {
		return "0 seconds"
	}
	return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
}
