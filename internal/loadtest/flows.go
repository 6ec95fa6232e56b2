package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Flow names, as given to Config.Mix and shown in the report. A flow may
// record several steps, each under its own name (review and send under
// FlowReview and FlowSend, the next audit page under FlowAuditOlder).
const (
	FlowList         = "list"
	FlowSearch       = "search"
	FlowOrganization = "organization"
	FlowReview       = "review"
	FlowSend         = "send"
	FlowAudit        = "audit"
	FlowAuditOlder   = "audit-older"
	FlowAuditFilter  = "audit-filter"
	FlowExport       = "export"
	FlowSubmission   = "submission"
	// FlowPeople searches the People page and opens a person found; it is
	// not in the default mix.
	FlowPeople = "people"
)

// ReadsDigiCert lists the flows whose pages read DigiCert at every
// request: a review reads the organization's contacts live, a send reads
// them before and after its change. (An organization's page reads
// DigiCert only when its cached read is older than the cache's TTL.)
func ReadsDigiCert() []string { return []string{FlowReview, FlowSend} }

// DefaultMix returns a working day's mix: mostly reading, a change now
// and then.
func DefaultMix() map[string]int {
	return map[string]int{
		FlowList:         10,
		FlowSearch:       10,
		FlowOrganization: 30,
		FlowSend:         5,
		FlowAudit:        20,
		FlowAuditFilter:  10,
		FlowExport:       5,
		FlowSubmission:   10,
	}
}

// ParseMix reads a mix such as "organization=3,audit=1" or a single flow
// name, which then runs alone.
func ParseMix(s string) (map[string]int, error) {
	mix, known := map[string]int{}, DefaultMix()
	known[FlowPeople] = 0
	known[FlowReview] = 0
	for _, part := range strings.Split(s, ",") {
		name, weight, found := strings.Cut(strings.TrimSpace(part), "=")
		w := 1
		if found {
			n, err := strconv.Atoi(weight)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("loadtest: mix %q: weight %q is not a whole number", s, weight)
			}
			w = n
		}
		if _, ok := known[name]; !ok {
			return nil, fmt.Errorf("loadtest: mix %q: unknown flow %q", s, name)
		}
		mix[name] = w
	}
	return mix, nil
}

// Target is what the flows need to know of the portal's data: the
// organizations to open, search and change, and some audit filters.
type Target struct {
	// Organizations are ids to open; each user changes its own one of them
	// (by user number), so that concurrent sends do not make each other
	// stale.
	Organizations []int
	// SearchTerms are typed into the organization search.
	SearchTerms []string
	// AuditOrganizations are organization ids to filter the audit log and
	// its exports by; empty means Organizations.
	AuditOrganizations []int
}

var organizationLink = regexp.MustCompile(`^/organizations/(\d+)$`)

// Discover reads the first page of the organization list to find what to
// drive.
func (u *User) Discover(ctx context.Context) (Target, error) {
	r, err := u.Get(ctx, FlowList, "/organizations", http.StatusOK)
	if err != nil {
		return Target{}, err
	}
	var t Target
	for _, href := range Links(r.Body, "/organizations/") {
		if m := organizationLink.FindStringSubmatch(href); m != nil {
			id, err := strconv.Atoi(m[1])
			if err == nil && !slices.Contains(t.Organizations, id) {
				t.Organizations = append(t.Organizations, id)
			}
		}
	}
	if len(t.Organizations) == 0 {
		return Target{}, errors.New("loadtest: the organization list shows no organizations")
	}
	t.SearchTerms = []string{"inc", "ltd", "gmbh", "acme", "zz-nothing"}
	return t, nil
}

// flowRun is one user's state while running flows.
type flowRun struct {
	u      *User
	t      Target
	rng    *rand.Rand
	number int
	sends  int
	// sendOutcomes lists the statuses of a send that are an expected
	// outcome rather than an error.
	sendOutcomes []int
}

// run plays one flow.
func (f *flowRun) run(ctx context.Context, flow string) error {
	switch flow {
	case FlowList:
		_, err := f.u.Get(ctx, FlowList, "/organizations?page="+strconv.Itoa(1+f.rng.IntN(2)), http.StatusOK)
		return err
	case FlowSearch:
		_, err := f.u.Get(ctx, FlowSearch, "/organizations?q="+url.QueryEscape(pick(f.rng, f.t.SearchTerms)), http.StatusOK)
		return err
	case FlowOrganization:
		_, err := f.u.Get(ctx, FlowOrganization, organizationPath(pick(f.rng, f.t.Organizations)), http.StatusOK)
		return err
	case FlowReview:
		return f.review(ctx)
	case FlowSend:
		return f.send(ctx)
	case FlowAudit:
		return f.audit(ctx)
	case FlowAuditFilter:
		q := url.Values{"organization": {strconv.Itoa(pick(f.rng, f.auditOrganizations()))}}
		if f.rng.IntN(2) == 0 {
			q.Set("outcome", "succeeded")
		}
		_, err := f.u.Get(ctx, FlowAuditFilter, "/audit?"+q.Encode(), http.StatusOK)
		return err
	case FlowExport:
		format := pick(f.rng, []string{"csv", "json"})
		q := url.Values{"format": {format}, "organization": {strconv.Itoa(pick(f.rng, f.auditOrganizations()))}}
		_, err := f.u.Get(ctx, FlowExport, "/audit/export?"+q.Encode(), http.StatusOK)
		return err
	case FlowSubmission:
		return f.submission(ctx)
	case FlowPeople:
		return f.people(ctx)
	}
	return fmt.Errorf("loadtest: unknown flow %q", flow)
}

func (f *flowRun) auditOrganizations() []int {
	if len(f.t.AuditOrganizations) > 0 {
		return f.t.AuditOrganizations
	}
	return f.t.Organizations
}

// audit opens the first page of the audit log, then the next older page
// by its keyset link.
func (f *flowRun) audit(ctx context.Context) error {
	r, err := f.u.Get(ctx, FlowAudit, "/audit", http.StatusOK)
	if err != nil {
		return err
	}
	for _, href := range Links(r.Body, "/audit?") {
		if strings.Contains(href, "before=") {
			_, err := f.u.Get(ctx, FlowAuditOlder, href, http.StatusOK)
			return err
		}
	}
	return nil
}

// submission opens one submission linked from the audit log's first page.
func (f *flowRun) submission(ctx context.Context) error {
	r, err := f.u.Get(ctx, FlowAudit, "/audit", http.StatusOK)
	if err != nil {
		return err
	}
	links := Links(r.Body, "/audit/submissions/")
	if len(links) == 0 {
		return nil
	}
	_, err = f.u.Get(ctx, FlowSubmission, pick(f.rng, links), http.StatusOK)
	return err
}

// peopleSearches are typed into Search people.
var peopleSearches = []string{"grace", "raj pat", "chen", "hopper", "m", ""}

// people searches the People page and opens the first person listed.
func (f *flowRun) people(ctx context.Context) error {
	r, err := f.u.Get(ctx, FlowPeople, "/people?q="+url.QueryEscape(pick(f.rng, peopleSearches)), http.StatusOK)
	if err != nil {
		return err
	}
	if links := Links(r.Body, "/people/"); len(links) > 0 {
		_, err = f.u.Get(ctx, FlowPeople, links[0], http.StatusOK)
	}
	return err
}

// review reviews a change of the job title of an organization's contact
// and leaves it unsent, as a person who changes their mind does.
func (f *flowRun) review(ctx context.Context) error {
	_, err := f.u.ReviewChange(ctx, pick(f.rng, f.t.Organizations), fmt.Sprintf("Reviewed %d", f.number))
	return err
}

// send changes the job title of the user's own organization's contact.
func (f *flowRun) send(ctx context.Context) error {
	f.sends++
	id := f.t.Organizations[f.number%len(f.t.Organizations)]
	_, err := f.u.SendChange(ctx, id, fmt.Sprintf("Load %d-%d", f.number, f.sends), f.sendOutcomes...)
	return err
}

// SendChange sets the job title of organization id's organization contact
// the way a person does: open the page, review the form as shown with the
// one field changed, send it. It returns the status the send answered; a
// status not in outcomes (303, sent, when none are given) is an error.
func (u *User) SendChange(ctx context.Context, id int, jobTitle string, outcomes ...int) (int, error) {
	if len(outcomes) == 0 {
		outcomes = []int{http.StatusSeeOther}
	}
	r, err := u.ReviewChange(ctx, id, jobTitle)
	if err != nil {
		return 0, err
	}
	sent, err := u.Post(ctx, FlowSend, organizationPath(id)+"/send", url.Values{"draft": {r.Draft}, "fingerprint": {r.Fingerprint}}, outcomes...)
	return sent.Status, err
}

// Reviewed is a change reviewed and ready to send: what the review's Send
// form posts.
type Reviewed struct {
	Draft, Fingerprint string
}

// ReviewChange reviews a change of the job title of organization id's
// organization contact the way a person does: open the page, review the
// form as shown with the one field changed. The organization's page is
// recorded under FlowOrganization, the review under FlowReview.
func (u *User) ReviewChange(ctx context.Context, id int, jobTitle string) (Reviewed, error) {
	page, err := u.Get(ctx, FlowOrganization, organizationPath(id), http.StatusOK)
	if err != nil {
		return Reviewed{}, err
	}
	form, err := FormValues(page.Body, "/review")
	if err != nil {
		return Reviewed{}, err
	}
	form.Set("organization_contact.action", "update")
	form.Set("organization_contact.job_title", jobTitle)
	form.Set("mode", "form")
	review, err := u.Post(ctx, FlowReview, organizationPath(id)+"/review", form, http.StatusOK)
	if err != nil {
		return Reviewed{}, err
	}
	draft, ok1 := HiddenValue(review.Body, "draft")
	fingerprint, ok2 := HiddenValue(review.Body, "fingerprint")
	if !ok1 || !ok2 {
		return Reviewed{}, fmt.Errorf("loadtest: review of organization %d shows no Send form", id)
	}
	return Reviewed{Draft: draft, Fingerprint: fingerprint}, nil
}

func organizationPath(id int) string { return "/organizations/" + strconv.Itoa(id) }

func pick[T any](rng *rand.Rand, from []T) T {
	return from[rng.IntN(len(from))]
}
