package handlers

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/auditlog"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
)

// The audit log's signed checkpoints: the latest served as the signed
// note itself, for anyone anchoring it outside Contact Desk, and
// inclusion proofs of a submission's events in one.

// mayProve reports whether the user may read checkpoints and proofs:
// admins and auditors, as for /audit/checkpoint.
func mayProve(c echo.Context) bool {
	u := currentUser(c)
	return u != nil && (u.Role == store.RoleAdmin || u.Role == store.RoleAuditor)
}

// showCheckpoint serves the latest signed checkpoint as it was signed,
// usable as a --checkpoint file.
func (h auditHandlers) showCheckpoint(c echo.Context) error {
	status, err := h.Checkpoints.Latest(c.Request().Context())
	if errors.Is(err, store.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "No checkpoint has been signed yet: the log is empty.")
	}
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "text/plain; charset=utf-8", []byte(status.Checkpoint.Note))
}

// downloadProof serves the inclusion proof of a submission's events in
// the checkpoint the page named (?checkpoint=ID), else the latest.
func (h auditHandlers) downloadProof(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	if id == "" || len(id) > maxSubmissionIDLength {
		return notFound()
	}
	var (
		status auditlog.Status
		err    error
	)
	if n := c.QueryParam("checkpoint"); n != "" {
		cid, perr := strconv.ParseInt(n, 10, 64)
		if perr != nil || cid < 1 {
			return notFound()
		}
		status, err = h.Checkpoints.Checkpoint(ctx, cid)
	} else {
		status, err = h.Checkpoints.Latest(ctx)
	}
	if errors.Is(err, store.ErrNotFound) {
		return notFound()
	}
	if err != nil {
		return err
	}
	bundle, err := auditlog.Prove(ctx, h.Store, id, status.Checkpoint)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return notFound()
	case errors.Is(err, auditlog.ErrNotCovered):
		return echo.NewHTTPError(http.StatusConflict, "This checkpoint does not cover every event of the submission yet.")
	case err != nil:
		return err
	}
	body, err := json.MarshalIndent(bundle, "", "  ")
	if err != nil {
		return fmt.Errorf("handlers: proof of %s: %w", id, err)
	}
	c.Response().Header().Set(echo.HeaderContentDisposition,
		fmt.Sprintf(`attachment; filename="contactdesk-proof-%d-%s.json"`, status.Checkpoint.ID, safeFileName(id)))
	return c.Blob(http.StatusOK, "application/json", append(body, '\n'))
}

// safeFileName keeps letters, digits, '-' and '_' of s.
func safeFileName(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', b == '-', b == '_':
			out = append(out, b)
		}
	}
	return string(out)
}

// checkpointView describes a checkpoint for the audit page.
func checkpointView(s auditlog.Status) *views.AuditCheckpoint {
	cp := s.Checkpoint
	return &views.AuditCheckpoint{
		Number:     strconv.FormatInt(cp.ID, 10),
		Events:     formatCount(cp.TreeSize),
		RootPrefix: hex.EncodeToString(cp.Root[:8]),
		Time:       formatTime(cp.SignedAt),
		DateTime:   cp.SignedAt.UTC().Format(time.RFC3339),
		Verified:   s.SignatureVerified,
		MatchesLog: s.MatchesLog,
		URL:        "/audit/checkpoint",
	}
}

// latestCheckpoint is the audit page's checkpoint section: nil for those
// who may not read checkpoints; Signed false before the first.
func (h auditHandlers) latestCheckpoint(c echo.Context) (*views.AuditCheckpoint, error) {
	if !mayProve(c) {
		return nil, nil
	}
	status, err := h.Checkpoints.Latest(c.Request().Context())
	if errors.Is(err, store.ErrNotFound) {
		return &views.AuditCheckpoint{}, nil
	}
	if err != nil {
		return nil, err
	}
	return checkpointView(status), nil
}

// submissionInclusion says on a submission's page which checkpoint
// includes its events, with the link to the proof.
func (h auditHandlers) submissionInclusion(c echo.Context, events []store.AuditEvent) (*views.AuditInclusion, error) {
	if !mayProve(c) {
		return nil, nil
	}
	status, err := h.Checkpoints.Latest(c.Request().Context())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	newest := events[len(events)-1].ID
	if err != nil || status.Checkpoint.TreeSize < newest {
		return &views.AuditInclusion{}, nil
	}
	cp := status.Checkpoint
	return &views.AuditInclusion{
		Checkpoint: strconv.FormatInt(cp.ID, 10),
		Events:     formatCount(cp.TreeSize),
		ProofURL:   submissionURL(events[0].SubmissionID) + "/proof?checkpoint=" + strconv.FormatInt(cp.ID, 10),
	}, nil
}

// formatCount writes n with thousands separators: 1,234,567.
func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
