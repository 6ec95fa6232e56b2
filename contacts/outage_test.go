package contacts

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/contactdesk/contactdesk/sandbox"
	"github.com/contactdesk/contactdesk/store"
)

// losingAnswers wraps the sandbox so that, while lose is set, a PUT is
// carried out and its answer lost: the connection closes before DigiCert's
// answer reaches the client.
func losingAnswers(lose *atomic.Bool) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPut || !lose.Load() {
				h.ServeHTTP(w, r)
				return
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				panic(http.ErrAbortHandler)
			}
			_ = conn.Close() // the answer is lost on purpose
		})
	}
}

func techJobTitle(title string) func(*Change) {
	return func(ch *Change) { ch.Technical.Action, ch.Technical.JobTitle = ActionUpdate, title }
}

func TestSendOutageNothingChanged(t *testing.T) {
	f := newFlow(t)
	before := f.current(t)
	in := f.formChange(t, techJobTitle("Lead SRE"))
	f.sb.InjectFault(sandbox.Fault{Method: http.MethodPut, Status: http.StatusServiceUnavailable, Count: 4})
	res, err := f.svc.Send(context.Background(), f.org.ID, in, f.fingerprint(t), testActor)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if res.Outcome != OutcomeUnavailable || res.Problem == "" || res.After == nil {
		t.Fatalf("result: outcome %s, problem %q, after %v; want unavailable, with a problem and the read after", res.Outcome, res.Problem, res.After)
	}
	if res.Errors != nil {
		t.Errorf("Errors = %v, want none: an outage is not a refusal", res.Errors)
	}
	if got := f.current(t); !reflect.DeepEqual(got, before) {
		t.Errorf("sandbox contacts changed: %+v", got)
	}
	events := f.events(t, res.SubmissionID)
	assertKinds(t, events, store.AuditRequested, store.AuditResponded, store.AuditReconciled)
	if got := events[2].Summary; got != verdictNotMade.summary() {
		t.Errorf("reconciled summary %q, want %q", got, verdictNotMade.summary())
	}
	if n := f.verifyChain(t); n != 3 {
		t.Errorf("audit log holds %d events, want 3", n)
	}
}

func TestSendOutageChangeMadeAnyway(t *testing.T) {
	var lose atomic.Bool
	f := newFlowWith(t, flowOptions{wrap: losingAnswers(&lose)})
	in := f.formChange(t, techJobTitle("Lead SRE"))
	lose.Store(true)
	res, err := f.svc.Send(context.Background(), f.org.ID, in, f.fingerprint(t), testActor)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if res.Outcome != OutcomeSent || !res.AfterOutage {
		t.Fatalf("result: outcome %s, after outage %v; want sent, after an outage", res.Outcome, res.AfterOutage)
	}
	events := f.events(t, res.SubmissionID)
	assertKinds(t, events, store.AuditRequested, store.AuditFailed, store.AuditReconciled)
	if got := events[2].Summary; got != verdictMade.summary() {
		t.Errorf("reconciled summary %q, want %q", got, verdictMade.summary())
	}
}

func TestRetry(t *testing.T) {
	// unknown sends a change whose answer is lost and whose read after
	// fails too, so that its outcome is not known; it returns the input,
	// the fingerprint reviewed and the submission.
	unknown := func(t *testing.T, f *flow, lose *atomic.Bool) (Input, string, string) {
		in := f.formChange(t, techJobTitle("Lead SRE"))
		fp := f.fingerprint(t)
		lose.Store(true)
		f.sb.InjectFault(sandbox.Fault{}) // the send's own read
		f.sb.InjectFault(sandbox.Fault{Method: http.MethodGet, Status: http.StatusBadGateway, Count: 4})
		res, err := f.svc.Send(context.Background(), f.org.ID, in, fp, testActor)
		lose.Store(false)
		if err != nil || res.Outcome != OutcomeNoAnswer {
			t.Fatalf("first send: outcome %s, err %v; want no_answer", res.Outcome, err)
		}
		return in, fp, res.SubmissionID
	}

	t.Run("the earlier send made the change: recorded, nothing sent again", func(t *testing.T) {
		var lose atomic.Bool
		f := newFlowWith(t, flowOptions{wrap: losingAnswers(&lose)})
		in, fp, first := unknown(t, f, &lose)
		puts := len(f.puts())
		res, err := f.svc.Retry(context.Background(), f.org.ID, in, fp, first, testActor)
		if err != nil || res.Outcome != OutcomeAlreadyMade || res.SubmissionID != first {
			t.Fatalf("Retry: outcome %s, submission %s, err %v; want already_made for %s", res.Outcome, res.SubmissionID, err, first)
		}
		if n := len(f.puts()); n != puts {
			t.Errorf("Retry sent %d PUTs, want none", n-puts)
		}
		events := f.events(t, first)
		if last := events[len(events)-1]; last.Kind != store.AuditReconciled || last.Summary != verdictMade.summary() {
			t.Errorf("the earlier submission ends with %s %q, want reconciled %q", last.Kind, last.Summary, verdictMade.summary())
		}
	})

	t.Run("the earlier send did not make it: recorded, then sent", func(t *testing.T) {
		var lose atomic.Bool
		f := newFlowWith(t, flowOptions{wrap: losingAnswers(&lose)})
		in, fp, first := unknown(t, f, &lose)
		// DigiCert undid nothing: put the contacts back as reviewed, as if
		// the lost PUT had never arrived.
		f.sb.AddOrganization(f.org)
		res, err := f.svc.Retry(context.Background(), f.org.ID, in, fp, first, testActor)
		if err != nil || res.Outcome != OutcomeSent || res.SubmissionID == first {
			t.Fatalf("Retry: outcome %s, submission %s, err %v; want a new submission sent", res.Outcome, res.SubmissionID, err)
		}
		events := f.events(t, first)
		if last := events[len(events)-1]; last.Kind != store.AuditReconciled || last.Summary != verdictNotMade.summary() {
			t.Errorf("the earlier submission ends with %s %q, want reconciled %q", last.Kind, last.Summary, verdictNotMade.summary())
		}
		if got := f.current(t).Technical.JobTitle; got != "Lead SRE" {
			t.Errorf("job title %q, want Lead SRE", got)
		}
	})

	t.Run("a submission of another organization settles nothing", func(t *testing.T) {
		var lose atomic.Bool
		f := newFlowWith(t, flowOptions{wrap: losingAnswers(&lose)})
		_, _, first := unknown(t, f, &lose)
		other := f.sb.AddOrganization(flowOrganization())
		otherIn := Input{Mode: ModeForm, Change: ChangeFrom(currentOfSandbox(other))}
		otherIn.Change.Technical.Action, otherIn.Change.Technical.JobTitle = ActionUpdate, "Ops"
		res, err := f.svc.Retry(context.Background(), other.ID, otherIn, Fingerprint(currentOfSandbox(other)), first, testActor)
		if err != nil || res.Outcome != OutcomeSent {
			t.Fatalf("Retry on another organization: outcome %s, err %v; want sent", res.Outcome, err)
		}
		for _, e := range f.events(t, first) {
			if e.Kind == store.AuditReconciled {
				t.Errorf("a retry on another organization reconciled submission %s", first)
			}
		}
	})
}

func TestDescribeAPIErrorMeanings(t *testing.T) {
	f := newFlow(t)
	tests := []struct {
		name  string
		fault sandbox.Fault
		want  string
	}{
		{"wrong base URL", sandbox.Fault{Method: http.MethodPut, Status: 404, Body: `{"errors":[{"code":"not_found|route","message":"Route not found"}]}`}, "DIGICERT_BASE_URL"},
		{"read-only key", sandbox.Fault{Method: http.MethodPut, Status: 403, Body: `{"errors":[{"code":"access_denied|missing_permission","message":"No"}]}`}, "may read organizations but not change"},
		{"server error", sandbox.Fault{Method: http.MethodPut, Status: 502, Count: 4}, "DigiCert answered with a server error (HTTP 502)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.sb.InjectFault(tt.fault)
			_, err := f.client.UpdateContacts(context.Background(), f.org.ID, nil)
			if got := DescribeUpstreamError(err); !strings.Contains(got, tt.want) {
				t.Errorf("DescribeUpstreamError = %q, want it to say %q", got, tt.want)
			}
		})
	}
}
