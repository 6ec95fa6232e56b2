package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestAuditCheckpointPages makes a change, waits for the checkpoint the
// portal signs in the background, and reads it where an auditor would:
// the audit log shows it with its signature verified, the submission's
// page says which checkpoint includes it and hands out the inclusion
// proof, which the command line verifies offline; the signed checkpoint
// downloaded from the page proves the log consistent with it.
func TestAuditCheckpointPages(t *testing.T) {
	requireSuite(t)
	t.Parallel()
	up := newUpstream(t)
	s := newAdminSession(t, up)

	acme := organization(t, up, "Acme Widgets, Inc.")
	s.open("/organizations/" + strconv.Itoa(acme.ID))
	s.click(radio("Update"), techContact)
	s.fill("Job title", "Head of Certificates", techContact)
	s.follow(button("Review changes"))
	s.follow(button("Send to DigiCert"))
	s.expectStatus("DigiCert accepted the change")

	checkpoint := name{"region", "Latest checkpoint"}
	deadline := time.Now().Add(15 * time.Second)
	for {
		s.open("/audit")
		if strings.Contains(s.text(checkpoint), "Signature verified") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no verified checkpoint on the audit log within 15 s:\n%s", s.text(checkpoint))
		}
		time.Sleep(500 * time.Millisecond)
	}
	text := strings.Join(strings.Fields(s.text(checkpoint)), " ")
	for _, want := range []string{"Checkpoint", "Events", "Root hash", "Signed", "Signature verified"} {
		if !strings.Contains(text, want) {
			t.Errorf("the checkpoint section does not say %q:\n%s", want, text)
		}
	}
	s.check("audit log, latest checkpoint")
	signed := s.download(link("Download the signed checkpoint"), checkpoint)
	dir := t.TempDir()
	checkpointFile := filepath.Join(dir, "checkpoint.txt")
	if err := os.WriteFile(checkpointFile, signed, 0o600); err != nil {
		t.Fatal(err)
	}
	if out := s.app.run("", nil, "audit", "verify", "--checkpoint", checkpointFile); !strings.Contains(out, "Consistent with the checkpoint given") {
		t.Errorf("audit verify --checkpoint with the downloaded checkpoint:\n%s", out)
	}

	s.follow(name{"link", ""}, auditTable)
	if body := strings.Join(strings.Fields(s.mainText()), " "); !strings.Contains(body, "Included in checkpoint") {
		t.Errorf("the submission's page does not say which checkpoint includes it:\n%s", body)
	}
	s.check("audit submission, included in a checkpoint")
	proof := s.download(link("Download the inclusion proof"))
	if out := s.app.run(string(proof), nil, "audit", "verify-proof"); !strings.Contains(out, "Proof holds: the 2 events") {
		t.Errorf("audit verify-proof of the downloaded proof:\n%s", out)
	}
}
