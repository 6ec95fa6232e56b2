package contacts

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/sandbox"
)

func TestOrganizationViewSharesConcurrentReads(t *testing.T) {
	f := newFlow(t)
	gets := func() int {
		n := 0
		for _, r := range f.sb.Requests() {
			if r.Method == http.MethodGet && r.Path == "/services/v2/organization/"+strconv.Itoa(f.org.ID) {
				n++
			}
		}
		return n
	}
	before := gets()
	// The first read is slow, so that the other views arrive while it is
	// under way.
	f.sb.InjectFault(sandbox.Fault{Method: http.MethodGet, Latency: 200 * time.Millisecond})
	const viewers = 10
	var wg sync.WaitGroup
	names := make([]string, viewers)
	errs := make([]error, viewers)
	view := func(i int) {
		org, err := f.svc.OrganizationView(context.Background(), f.org.ID)
		errs[i] = err
		if err == nil {
			names[i] = org.Name
		}
	}
	wg.Go(func() { view(0) })
	waitForRead(t, gets, before+1)
	for i := 1; i < viewers; i++ {
		wg.Go(func() { view(i) })
	}
	wg.Wait()
	for i := range viewers {
		if errs[i] != nil || names[i] != f.org.Name {
			t.Fatalf("viewer %d: name %q, err %v", i, names[i], errs[i])
		}
	}
	if got := gets() - before; got != 1 {
		t.Errorf("%d concurrent views made %d reads, want 1", viewers, got)
	}

	// Nothing is kept: a view after the read has ended reads again.
	if _, err := f.svc.OrganizationView(context.Background(), f.org.ID); err != nil {
		t.Fatal(err)
	}
	if got := gets() - before; got != 2 {
		t.Errorf("a later view made %d reads in all, want 2", got)
	}
}

func TestOrganizationViewViewerLeaving(t *testing.T) {
	f := newFlow(t)
	f.sb.InjectFault(sandbox.Fault{Method: http.MethodGet, Latency: 200 * time.Millisecond})
	leaving, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := f.svc.OrganizationView(leaving, f.org.ID)
		done <- err
	}()
	waitForRead(t, func() int { return len(f.sb.Requests()) }, 1)
	staying := make(chan error, 1)
	go func() {
		_, err := f.svc.OrganizationView(context.Background(), f.org.ID)
		staying <- err
	}()
	cancel()
	if err := <-done; err == nil {
		t.Error("the viewer who left got no error")
	}
	if err := <-staying; err != nil {
		t.Errorf("the viewer who stayed failed with the one who left: %v", err)
	}
}

// waitForRead waits until count reports at least n: the sandbox records a
// request as it arrives, before any injected latency.
func waitForRead(t *testing.T, count func() int, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for count() < n {
		if time.Now().After(deadline) {
			t.Fatal("the read never reached the sandbox")
		}
		time.Sleep(time.Millisecond)
	}
}
