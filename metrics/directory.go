package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/directory"
)

// directoryScrapeTimeout bounds the store reads of one scrape.
const directoryScrapeTimeout = 5 * time.Second

// DirectoryRead counts one read the directory recorded; its signature
// suits directory.Options.OnRead.
func (m *Metrics) DirectoryRead(r directory.Read) {
	if m == nil {
		return
	}
	by := "worker"
	if r.ByPage {
		by = "page"
	}
	m.directoryReads.WithLabelValues(string(r.Result), by).Inc()
}

func newDirectoryReads() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Subsystem: "directory", Name: "reads_total",
		Help: "Reads of organizations the directory recorded, by result (first, unchanged, changed, " +
			"changed_outside, stale, gone, failed) and by whom (worker or page).",
	}, []string{"result", "by"})
}

// WatchDirectory makes every scrape report the directory's state and
// DigiCert's budget from status: organizations known and listed, the
// oldest read, the pass under way, whether the worker is paused or
// stopped, and the requests each class holds of each rate window. Call it
// once, before serving.
func (m *Metrics) WatchDirectory(status func(context.Context) (directory.Status, error)) {
	if m == nil {
		return
	}
	m.registry.MustRegister(&directoryCollector{status: status})
}

// directoryCollector reads the directory's status at each scrape.
type directoryCollector struct {
	status func(context.Context) (directory.Status, error)
}

var (
	dirOrganizations = prometheus.NewDesc(namespace+"_directory_organizations",
		"Organizations of the list by what the directory knows of them: known (read, still in DigiCert), "+
			"gone (DigiCert said it knows them no more), unread, due (read, and to be read again now).",
		[]string{"state"}, nil)
	dirListed = prometheus.NewDesc(namespace+"_directory_organizations_listed",
		"Organizations in the cached organization list.", nil, nil)
	dirOldest = prometheus.NewDesc(namespace+"_directory_oldest_read_age_seconds",
		"Age of the oldest read of a known organization; above the TTL the directory is not current.", nil, nil)
	dirTTL = prometheus.NewDesc(namespace+"_directory_ttl_seconds",
		"How old a read may grow before the organization is read again.", nil, nil)
	dirPassDone = prometheus.NewDesc(namespace+"_directory_pass_done",
		"Organizations read in the current or last pass.", nil, nil)
	dirPassRemaining = prometheus.NewDesc(namespace+"_directory_pass_remaining",
		"Organizations still unread or due in the current pass.", nil, nil)
	dirPassEstimate = prometheus.NewDesc(namespace+"_directory_pass_estimate_seconds",
		"Estimated time to the end of the current pass; 0 when unknown or done.", nil, nil)
	dirPaused = prometheus.NewDesc(namespace+"_directory_paused",
		"1 while an admin has paused the directory's worker.", nil, nil)
	dirStopped = prometheus.NewDesc(namespace+"_directory_stopped",
		"1 while the worker is stopped because DigiCert refused the API key or the base URL; an admin must resume it.", nil, nil)
	dirBackingOff = prometheus.NewDesc(namespace+"_directory_backing_off",
		"1 while the worker waits after DigiCert could not be reached.", nil, nil)
	budgetUsed = prometheus.NewDesc(namespace+"_digicert_budget_used",
		"Requests each class holds now of each client-side rate window (in flight or ended within it).",
		[]string{"class", "window"}, nil)
	budgetCap = prometheus.NewDesc(namespace+"_digicert_budget_cap",
		"Requests each class may hold of each client-side rate window.", []string{"class", "window"}, nil)
	budgetAdmitted = prometheus.NewDesc(namespace+"_digicert_admitted_total",
		"Requests the client-side rate limiter let through since start, by class, every attempt counted.",
		[]string{"class"}, nil)
)

// Describe implements prometheus.Collector.
func (c *directoryCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{dirOrganizations, dirListed, dirOldest, dirTTL, dirPassDone,
		dirPassRemaining, dirPassEstimate, dirPaused, dirStopped, dirBackingOff, budgetUsed, budgetCap, budgetAdmitted} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. When the status cannot be read
// the scrape goes on without these metrics.
func (c *directoryCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), directoryScrapeTimeout)
	defer cancel()
	s, err := c.status(ctx)
	if err != nil {
		return
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	gauge(dirOrganizations, float64(s.Counts.Known), "known")
	gauge(dirOrganizations, float64(s.Counts.Gone), "gone")
	gauge(dirOrganizations, float64(s.Counts.Unread), "unread")
	gauge(dirOrganizations, float64(s.Counts.Due), "due")
	gauge(dirListed, float64(s.Counts.Total))
	gauge(dirOldest, s.OldestAge().Seconds())
	gauge(dirTTL, s.TTL.Seconds())
	gauge(dirPassDone, float64(s.Pass.Done))
	gauge(dirPassRemaining, float64(s.Pass.Remaining))
	gauge(dirPassEstimate, s.Pass.Estimate.Seconds())
	gauge(dirPaused, boolValue(s.Paused))
	gauge(dirStopped, boolValue(s.Stopped != ""))
	gauge(dirBackingOff, boolValue(!s.RetryAt.IsZero()))
	for _, w := range s.Budget.Windows {
		window := w.Per.String()
		for _, class := range digicert.Classes() {
			gauge(budgetUsed, float64(w.Used[class]), class.String(), window)
			gauge(budgetCap, float64(w.Caps[class]), class.String(), window)
		}
	}
	for _, class := range digicert.Classes() {
		ch <- prometheus.MustNewConstMetric(budgetAdmitted, prometheus.CounterValue, float64(s.Budget.Admitted[class]), class.String())
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
