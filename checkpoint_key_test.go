package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contactdesk/contactdesk/store"
)

// TestCheckpointKeyFile: without CONTACTDESK_AUDIT_KEY_FILE the key is
// made next to the database, readable by its owner alone, with a warning
// to move it; a key file named but missing stops the start.
func TestCheckpointKeyFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := config{DB: filepath.Join(dir, "cd.db"), PublicURL: "https://desk.example.com"}
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	var logs bytes.Buffer
	cp, err := newCheckpointer(cfg, st, newLogger("text", &logs))
	if err != nil {
		t.Fatalf("newCheckpointer: %v", err)
	}
	fi, err := os.Stat(filepath.Join(dir, "audit-checkpoint.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file next to the database: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	if !strings.Contains(logs.String(), "move it to your secret store") || !strings.HasPrefix(cp.Key().PublicKey(), "desk.example.com/contactdesk-audit+") {
		t.Errorf("logs %q, public key %q; want the warning and a key named after the public URL", logs.String(), cp.Key().PublicKey())
	}
	logs.Reset()
	again, err := newCheckpointer(cfg, st, newLogger("text", &logs))
	if err != nil || again.Key().PublicKey() != cp.Key().PublicKey() || strings.Contains(logs.String(), "secret store") {
		t.Errorf("second start: %v, same key %t, logs %q", err, again.Key().PublicKey() == cp.Key().PublicKey(), logs.String())
	}

	cfg.AuditKeyFile = filepath.Join(dir, "missing.key")
	_, err = newCheckpointer(cfg, st, newLogger("text", &logs))
	var cfgErr *configError
	if !errors.As(err, &cfgErr) || cfgErr.Variable != "CONTACTDESK_AUDIT_KEY_FILE" {
		t.Errorf("a key file named but missing: %v, want a CONTACTDESK_AUDIT_KEY_FILE error", err)
	}
	if _, err := os.Stat(cfg.AuditKeyFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a key file named but missing was created: %v", err)
	}
}

func TestAuditCheckpointIntervalSetting(t *testing.T) {
	for _, v := range []string{"0s", "500ms", "soon"} {
		c := config{AuditCheckpointInterval: v}
		if _, err := c.auditCheckpointInterval(); err == nil {
			t.Errorf("%q: accepted, want an error", v)
		}
	}
	if d, err := (config{AuditCheckpointInterval: "5m"}).auditCheckpointInterval(); err != nil || d.Minutes() != 5 {
		t.Errorf("5m = %v, %v", d, err)
	}
}
