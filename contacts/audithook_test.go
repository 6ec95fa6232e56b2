package contacts

import (
	"context"
	"reflect"
	"testing"

	"github.com/contactdesk/contactdesk/store"
)

func TestOnAuditEventSeesEveryRecordedKind(t *testing.T) {
	f := newFlow(t)
	var kinds []store.AuditKind
	f.svc.OnAuditEvent(func(k store.AuditKind) { kinds = append(kinds, k) })
	in := f.formChange(t, func(ch *Change) { ch.Technical.Action, ch.Technical.JobTitle = ActionUpdate, "Lead SRE" })
	res, err := f.svc.Send(context.Background(), f.org.ID, in, f.fingerprint(t), testActor)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	want := kindsOf(f.events(t, res.SubmissionID))
	if !reflect.DeepEqual(kinds, want) || len(want) == 0 {
		t.Errorf("hook saw %v, want the recorded %v", kinds, want)
	}
}
