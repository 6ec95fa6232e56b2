// Package metrics holds Contact Desk's Prometheus collectors: HTTP
// requests and their latency by route, DigiCert calls by outcome, retries,
// rate limiter waits and the budget each class of requests holds, audit
// events by kind, the directory's reads and coverage, whether the portal
// runs in sandbox mode and whether it leads the instances sharing its
// database. Each Metrics has a registry of its own, so that several
// can live in one process (tests) without clashing.
//
// Every method is safe on a nil *Metrics and then does nothing, so that
// code built without metrics needs no checks.
package metrics

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/contactdesk/contactdesk/digicert"
)

const namespace = "contactdesk"

// Metrics records what the portal does for Prometheus.
type Metrics struct {
	// registry registers the collectors, each series labelled with the
	// instance's name when it has one; gatherer serves them.
	registry prometheus.Registerer
	gatherer prometheus.Gatherer

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	inFlight        prometheus.Gauge

	digicertCalls    *prometheus.CounterVec
	digicertDuration *prometheus.HistogramVec
	digicertRetries  prometheus.Counter
	limiterWaits     prometheus.Counter
	limiterWaitTime  prometheus.Counter

	auditEvents *prometheus.CounterVec

	directoryReads *prometheus.CounterVec
}

// Options describe the running portal.
type Options struct {
	// Version is the release version, reported in contactdesk_build_info.
	Version string
	// Sandbox reports that the portal runs against the built-in DigiCert
	// emulator, not DigiCert.
	Sandbox bool
	// Instance names this portal process among several sharing a
	// database: every series carries it as the label instance_name, so
	// that the series of two instances behind one address stay apart
	// (Prometheus's own instance label names the address scraped). Empty:
	// no such label.
	Instance string
	// Leading, when set, reports whether this process leads the
	// instances sharing the database (contactdesk_leader).
	Leading func() bool
}

// New builds the collectors and registers them, with Go runtime and
// process metrics, in a registry of their own.
func New(opts Options) *Metrics {
	registry := prometheus.NewRegistry()
	var registerer prometheus.Registerer = registry
	if opts.Instance != "" {
		registerer = prometheus.WrapRegistererWith(prometheus.Labels{"instance_name": opts.Instance}, registry)
	}
	m := &Metrics{
		registry: registerer,
		gatherer: registry,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests answered, by method, route and status code.",
		}, []string{"method", "route", "code"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time to answer HTTP requests, by method and route.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: "http", Name: "requests_in_flight",
			Help: "HTTP requests being answered now.",
		}),
		digicertCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "digicert", Name: "calls_total",
			Help: "Calls to the DigiCert API, retries included in one call, by HTTP method and outcome " +
				"(success, client_error, rate_limited, server_error, no_answer, throttled, canceled, invalid_answer).",
		}, []string{"method", "outcome"}),
		digicertDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "digicert", Name: "call_duration_seconds",
			Help:    "Time of calls to the DigiCert API, retries and waits included, by HTTP method.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 20, 30},
		}, []string{"method"}),
		digicertRetries: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "digicert", Name: "retries_total",
			Help: "Attempts at the DigiCert API made again after a failed one.",
		}),
		limiterWaits: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "digicert", Name: "limiter_waits_total",
			Help: "Requests the client-side rate limiter made wait.",
		}),
		limiterWaitTime: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "digicert", Name: "limiter_wait_seconds_total",
			Help: "Time requests spent waiting for the client-side rate limiter.",
		}),
		auditEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "audit", Name: "events_total",
			Help: "Events appended to the audit log since start, by kind.",
		}, []string{"kind"}),
		directoryReads: newDirectoryReads(),
	}
	sandbox := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "sandbox_mode",
		Help: "1 when the portal runs against the built-in DigiCert emulator instead of DigiCert.",
	})
	if opts.Sandbox {
		sandbox.Set(1)
	}
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "build_info",
		Help:        "Always 1; its labels name the running release.",
		ConstLabels: prometheus.Labels{"version": opts.Version, "goversion": runtime.Version()},
	})
	info.Set(1)
	if opts.Leading != nil {
		m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace, Name: "leader",
			Help: "1 while this instance leads those sharing the database: it runs the directory's worker, " +
				"checkpoint signing and reconciliation. Across the instances the sum is 1.",
		}, func() float64 {
			if opts.Leading() {
				return 1
			}
			return 0
		}))
	}
	m.registry.MustRegister(
		m.requests, m.requestDuration, m.inFlight,
		m.digicertCalls, m.digicertDuration, m.digicertRetries, m.limiterWaits, m.limiterWaitTime,
		m.auditEvents, m.directoryReads, sandbox, info,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.gatherer, promhttp.HandlerOpts{Registry: m.registry})
}

// UnmatchedRoute is the route label of requests no route matched.
const UnmatchedRoute = "unmatched"

// OtherMethod is the method label of every method outside the standard
// ones a browser or a tool sends.
const OtherMethod = "other"

// RequestStarted counts a request in flight; the returned func, called
// when it is answered, records its route, status and duration.
//
// Every label value comes from a fixed set, so that no client can make
// the series, and the memory they hold, grow: route must be the matched
// route's pattern ("/organizations/:id"), never the raw path ("" for no
// route), and a method outside GET, HEAD, POST, PUT, DELETE, PATCH and
// OPTIONS is counted as "other" (a client may send any token as a
// method).
func (m *Metrics) RequestStarted() func(method, route string, status int) {
	if m == nil {
		return func(string, string, int) {}
	}
	start := time.Now()
	m.inFlight.Inc()
	return func(method, route string, status int) {
		m.inFlight.Dec()
		method = methodLabel(method)
		if route == "" {
			route = UnmatchedRoute
		}
		m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
		m.requestDuration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
	}
}

// methodLabel is method when it is a standard one, else OtherMethod.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodDelete, http.MethodPatch, http.MethodOptions:
		return method
	}
	return OtherMethod
}

// DigiCertCall records one finished call to the DigiCert API; its
// signature is digicert.Config.OnCall's.
func (m *Metrics) DigiCertCall(r digicert.CallResult) {
	if m == nil {
		return
	}
	m.digicertCalls.WithLabelValues(r.Method, Outcome(r)).Inc()
	m.digicertDuration.WithLabelValues(r.Method).Observe(r.Duration.Seconds())
}

// Outcome names how a call ended: success, client_error (4xx but 429),
// rate_limited (429), server_error (5xx), invalid_answer (a 2xx that could
// not be used), throttled (the client-side limiter left no room), canceled
// (the user went away) or no_answer (timeouts, refused or dropped
// connections).
func Outcome(r digicert.CallResult) string {
	switch {
	case r.Err == nil:
		return "success"
	case r.Status == http.StatusTooManyRequests:
		return "rate_limited"
	case r.Status >= 500:
		return "server_error"
	case r.Status >= 400:
		return "client_error"
	case r.Status != 0:
		return "invalid_answer"
	case errors.Is(r.Err, digicert.ErrThrottled):
		return "throttled"
	case errors.Is(r.Err, context.Canceled):
		return "canceled"
	}
	return "no_answer"
}

// DigiCertRetry counts a retry; its signature is digicert.Config.OnRetry's.
func (m *Metrics) DigiCertRetry(int, error) {
	if m == nil {
		return
	}
	m.digicertRetries.Inc()
}

// LimiterWait records a wait imposed by the client-side rate limiter; its
// signature is digicert.Config.OnLimiterWait's.
func (m *Metrics) LimiterWait(d time.Duration) {
	if m == nil {
		return
	}
	m.limiterWaits.Inc()
	m.limiterWaitTime.Add(d.Seconds())
}

// AuditEvent counts an event appended to the audit log.
func (m *Metrics) AuditEvent(kind string) {
	if m == nil {
		return
	}
	m.auditEvents.WithLabelValues(kind).Inc()
}
