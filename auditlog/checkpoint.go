package auditlog

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Checkpoint is a tree head as a signed checkpoint states it.
type Checkpoint struct {
	// Origin names the log: the signing key's name.
	Origin string
	Size   int64
	Root   tlog.Hash
	// Time is when it was signed, to the second, UTC.
	Time time.Time
}

// timePrefix starts the checkpoint's one extension line, which carries
// the time it was signed: the C2SP format has no field for it, and
// readers that do not know the line ignore it.
const timePrefix = "time "

// Sign makes the signed note of c with k: the C2SP checkpoint body
// (origin, size, base64 root), a line with the time, and k's signature.
func Sign(k Key, c Checkpoint) (string, error) {
	if c.Size < 0 {
		return "", fmt.Errorf("auditlog: checkpoint of size %d", c.Size)
	}
	body := string(log.Checkpoint{Origin: k.Origin(), Size: uint64(c.Size), Hash: c.Root[:]}.Marshal()) +
		timePrefix + c.Time.UTC().Format(time.RFC3339) + "\n"
	signed, err := note.Sign(&note.Note{Text: body}, k.signer)
	if err != nil {
		return "", fmt.Errorf("auditlog: sign checkpoint: %w", err)
	}
	return string(signed), nil
}

// SignatureError reports a checkpoint that the public key does not
// verify: forged, edited, or signed by another key.
type SignatureError struct {
	Reason string
}

// Error implements error.
func (e *SignatureError) Error() string {
	return "auditlog: checkpoint signature: " + e.Reason
}

// Open checks the signature of a signed checkpoint with v and reads it.
// A signature that does not verify is a *SignatureError.
func Open(signed []byte, v note.Verifier) (Checkpoint, error) {
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &invalid):
			return Checkpoint{}, &SignatureError{Reason: "the signature of " + invalid.Name + " does not verify: the checkpoint was changed or forged"}
		case errors.As(err, &unverified):
			return Checkpoint{}, &SignatureError{Reason: "no signature by the key " + v.Name() + " (another log's checkpoint, or a forged one)"}
		}
		return Checkpoint{}, fmt.Errorf("auditlog: not a signed checkpoint: %w", err)
	}
	var body log.Checkpoint
	rest, err := body.Unmarshal([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("auditlog: %w", err)
	}
	if body.Origin != v.Name() {
		return Checkpoint{}, fmt.Errorf("auditlog: checkpoint of log %q, want %q", body.Origin, v.Name())
	}
	if len(body.Hash) != tlog.HashSize || body.Size > 1<<62 {
		return Checkpoint{}, errors.New("auditlog: checkpoint with a malformed size or root")
	}
	c := Checkpoint{Origin: body.Origin, Size: int64(body.Size), Root: tlog.Hash(body.Hash)}
	for line := range strings.SplitSeq(strings.TrimSuffix(string(rest), "\n"), "\n") {
		if at, ok := strings.CutPrefix(line, timePrefix); ok {
			if c.Time, err = time.Parse(time.RFC3339, at); err != nil {
				return Checkpoint{}, fmt.Errorf("auditlog: checkpoint time: %w", err)
			}
		}
	}
	return c, nil
}
