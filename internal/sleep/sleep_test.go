package sleep

import (
	"context"
	"testing"
	"time"
)

func TestFor(t *testing.T) {
	ctx := context.Background()
	if !For(ctx, time.Millisecond) {
		t.Error("For with a live context did not wait the whole time")
	}
	if !For(ctx, 0) {
		t.Error("For of zero with a live context reported a cancellation")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if For(cancelled, time.Hour) {
		t.Error("For with a cancelled context reported waiting the whole hour")
	}
	if For(cancelled, 0) {
		t.Error("For of zero with a cancelled context reported it live")
	}
}
