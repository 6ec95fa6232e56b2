package digicert

import (
	"context"
	"errors"
	"testing"
)

func TestOnCallReportsEachCallOnce(t *testing.T) {
	tests := []struct {
		name         string
		steps        []step
		wantStatus   int
		wantAttempts int
		wantErr      bool
	}{
		{name: "success", wantStatus: 204, wantAttempts: 1},
		{name: "503 then success", steps: []step{{status: 503}}, wantStatus: 204, wantAttempts: 2},
		{name: "400", steps: []step{{status: 400, body: `{"errors":[{"code":"invalid_email","message":"bad"}]}`}}, wantStatus: 400, wantAttempts: 1, wantErr: true},
		{name: "no answer", steps: []step{{drop: true}, {drop: true}, {drop: true}, {drop: true}}, wantStatus: 0, wantAttempts: 4, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []CallResult
			c, _, _ := scripted(t, Config{OnCall: func(r CallResult) { got = append(got, r) }}, tt.steps...)
			_, err := c.UpdateContacts(context.Background(), 12, []Contact{{ContactType: TechnicalContact}})
			if len(got) != 1 {
				t.Fatalf("OnCall called %d times, want 1", len(got))
			}
			r := got[0]
			if r.Method != "PUT" || r.Status != tt.wantStatus || r.Attempts != tt.wantAttempts {
				t.Errorf("got method %s status %d attempts %d, want PUT %d %d", r.Method, r.Status, r.Attempts, tt.wantStatus, tt.wantAttempts)
			}
			if !errors.Is(r.Err, err) || (r.Err != nil) != tt.wantErr {
				t.Errorf("reported error %v, call returned %v, want an error: %v", r.Err, err, tt.wantErr)
			}
			if r.Duration <= 0 {
				t.Errorf("duration %s, want it measured", r.Duration)
			}
		})
	}
}
