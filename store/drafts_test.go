package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/store"
)

func TestDrafts(t *testing.T) {
	ctx := context.Background()
	st := store.OpenTestStore(t)
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

	old := store.Draft{ID: "old", OrganizationID: 1, UserID: 2, Payload: []byte(`{"a":1}`), CreatedAt: now.Add(-store.DraftLifetime - time.Minute)}
	if err := st.SaveDraft(ctx, old); err != nil {
		t.Fatal(err)
	}
	fresh := store.Draft{ID: "fresh", OrganizationID: 7, UserID: 3, Payload: []byte(`{"b":"<é>"}`), CreatedAt: now}
	if err := st.SaveDraft(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetDraft(ctx, "fresh", now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != fresh.ID || got.OrganizationID != 7 || got.UserID != 3 || string(got.Payload) != string(fresh.Payload) || !got.CreatedAt.Equal(now) {
		t.Errorf("GetDraft = %+v, want %+v", got, fresh)
	}
	if _, err := st.GetDraft(ctx, "old", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired draft: err = %v, want ErrNotFound", err)
	}
	if _, err := st.GetDraft(ctx, "fresh", now.Add(store.DraftLifetime+time.Second)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("draft read after its lifetime: err = %v, want ErrNotFound", err)
	}
	if _, err := st.GetDraft(ctx, "nope", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown draft: err = %v, want ErrNotFound", err)
	}
	if err := st.SaveDraft(ctx, fresh); err == nil {
		t.Error("saving a draft id twice succeeded")
	}
}
