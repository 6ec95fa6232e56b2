package loadtest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Comparison sets a page of the portal against a bare net/http handler
// serving the same bytes, under the same number of users for the same
// time.
type Comparison struct {
	Flow   string
	Bytes  int
	Portal Summary
	Bare   Summary
}

// Ratio is the portal's throughput as a share of the bare handler's.
func (c Comparison) Ratio() float64 {
	if c.Bare.Throughput == 0 {
		return 0
	}
	return c.Portal.Throughput / c.Bare.Throughput
}

// comparablePages maps the flows that can be compared to the page each
// shows; the organization page is always the first organization's.
var comparablePages = map[string]func(Target) string{
	FlowOrganization: func(t Target) string { return organizationPath(t.Organizations[0]) },
	FlowAudit:        func(Target) string { return "/audit" },
	FlowList:         func(Target) string { return "/organizations" },
}

// Compare loads flow's page alone on the portal, always the same address
// back to back, then the bare handler serving that page's bytes.
func Compare(ctx context.Context, cfg Config, flow string) (Comparison, error) {
	pathOf, ok := comparablePages[flow]
	if !ok {
		return Comparison{}, fmt.Errorf("loadtest: no page to compare for flow %q", flow)
	}
	probe, err := NewUser(cfg.BaseURL, NewRecorder())
	if err != nil {
		return Comparison{}, err
	}
	defer probe.Close()
	if err := probe.SignIn(ctx, cfg.Accounts[0]); err != nil {
		return Comparison{}, err
	}
	target := cfg.Target
	if len(target.Organizations) == 0 && flow == FlowOrganization {
		if target, err = probe.Discover(ctx); err != nil {
			return Comparison{}, err
		}
	}
	if len(target.Organizations) > 1 {
		target.Organizations = target.Organizations[:1]
	}
	path := pathOf(target)
	page, err := probe.Get(ctx, flow, path, http.StatusOK)
	if err != nil {
		return Comparison{}, err
	}

	users, err := signIn(ctx, cfg)
	if err != nil {
		return Comparison{}, err
	}
	defer closeAll(users)
	cmp := Comparison{Flow: flow, Bytes: len(page.Body)}
	if cmp.Portal, err = loadPage(ctx, users, path, flow, cfg); err != nil {
		return Comparison{}, err
	}
	if cmp.Bare, err = bare(ctx, []byte(page.Body), flow, cfg); err != nil {
		return Comparison{}, err
	}
	return cmp, nil
}

// bare serves body from a plain net/http handler on loopback and loads it
// as cfg would load a page: cfg.Users clients, each with its own
// connections, back to back, for cfg.Duration after cfg.Warmup.
func bare(ctx context.Context, body []byte, flow string, cfg Config) (Summary, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Summary{}, fmt.Errorf("loadtest: bare handler: %w", err)
	}
	srv := &http.Server{
		Handler:           bareHandler(body),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	users := make([]*User, cfg.Users)
	for i := range users {
		if users[i], err = NewUser(base, NewRecorder()); err != nil {
			closeAll(users[:i])
			return Summary{}, err
		}
	}
	defer closeAll(users)
	cfg.Measuring = nil // the portal is not what is loaded
	return loadPage(ctx, users, "/", "bare "+flow, cfg)
}

// bareHandler answers every request with body as an HTML page, and
// nothing else. Its length spares the client decoding chunks, as the
// portal's pages do.
func bareHandler(body []byte) http.Handler {
	length := strconv.Itoa(len(body))
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", length)
		w.Write(body)
	})
}

// loadPage has every user ask for path back to back, each on connections
// of its own, for cfg.Duration after cfg.Warmup, and measures the answers
// under the name flow. The portal's page and the bare handler are loaded
// by this same code, so that the client's share of the work is the same
// on both sides.
func loadPage(ctx context.Context, users []*User, path, flow string, cfg Config) (Summary, error) {
	loop := func(rec *Recorder, d time.Duration) time.Duration {
		ctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		start := time.Now()
		var wg sync.WaitGroup
		for _, u := range users {
			u.SetRecorder(rec)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; (cfg.MaxRequests <= 0 || n < cfg.MaxRequests) && ctx.Err() == nil; n++ {
					_, _ = u.Get(ctx, flow, path, http.StatusOK)
				}
			}()
		}
		wg.Wait()
		return time.Since(start)
	}
	if cfg.Warmup > 0 {
		loop(NewRecorder(), cfg.Warmup)
	}
	rec := NewRecorder()
	d := cfg.Duration
	if d <= 0 {
		d = time.Hour
	}
	cfg.measuring(d)
	elapsed := loop(rec, d)
	s := rec.Summaries(elapsed)
	if len(s) == 0 {
		return Summary{}, fmt.Errorf("loadtest: %s answered nothing", flow)
	}
	return s[0], nil
}
