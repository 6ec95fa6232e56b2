package auditlog

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// KeyFileName is the name of the key file Contact Desk creates next to
// the database when no key file is configured.
const KeyFileName = "audit-checkpoint.key"

// DefaultKeyFile is the key file next to the database at dbPath.
func DefaultKeyFile(dbPath string) string {
	return filepath.Join(filepath.Dir(dbPath), KeyFileName)
}

// Key signs checkpoints. Its file holds two lines: the note signer key
// ("PRIVATE+KEY+name+hash+key") and its verifier key ("name+hash+key").
// The key's name is the log's origin, the first line of every checkpoint.
type Key struct {
	signer   note.Signer
	verifier note.Verifier
	public   string
}

// PublicKey is the verifier key ("name+hash+key") that checks the
// checkpoints this key signs.
func (k Key) PublicKey() string { return k.public }

// Verifier checks the checkpoints this key signs.
func (k Key) Verifier() note.Verifier { return k.verifier }

// Origin names the log in its checkpoints.
func (k Key) Origin() string { return k.signer.Name() }

// parseKey reads the two lines of a key file and checks that the
// verifier key verifies what the signer key signs.
func parseKey(text string) (Key, error) {
	lines := strings.Fields(text)
	if len(lines) != 2 {
		return Key{}, errors.New("want two lines: the signer key and its verifier key")
	}
	signer, err := note.NewSigner(lines[0])
	if err != nil {
		return Key{}, fmt.Errorf("signer key: %w", err)
	}
	verifier, err := note.NewVerifier(lines[1])
	if err != nil {
		return Key{}, fmt.Errorf("verifier key: %w", err)
	}
	probe := []byte("contactdesk audit key check\n")
	sig, err := signer.Sign(probe)
	if err != nil || verifier.Name() != signer.Name() || verifier.KeyHash() != signer.KeyHash() || !verifier.Verify(probe, sig) {
		return Key{}, errors.New("the verifier key does not go with the signer key")
	}
	return Key{signer: signer, verifier: verifier, public: lines[1]}, nil
}

// LoadKey reads the key file at path.
func LoadKey(path string) (Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Key{}, fmt.Errorf("auditlog: read key: %w", err)
	}
	k, err := parseKey(string(data))
	if err != nil {
		return Key{}, fmt.Errorf("auditlog: key file %s: %w", path, err)
	}
	return k, nil
}

// LoadOrCreateKey reads the key file at path, or, when there is none,
// creates one readable by its owner alone (0600) with a new key named
// origin. created reports a new key.
func LoadOrCreateKey(path, origin string) (k Key, created bool, err error) {
	k, err = LoadKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, false, err
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return Key{}, false, fmt.Errorf("auditlog: new key named %q: %w", origin, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Key{}, false, fmt.Errorf("auditlog: create key file: %w", err)
	}
	_, werr := f.WriteString(skey + "\n" + vkey + "\n")
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		return Key{}, false, fmt.Errorf("auditlog: write key file %s: %w", path, err)
	}
	k, err = parseKey(skey + "\n" + vkey)
	return k, true, err
}

// ParseVerifier reads a public key given as the key itself
// ("name+hash+key") or as the name of a file holding it.
func ParseVerifier(s string) (note.Verifier, error) {
	s = strings.TrimSpace(s)
	if v, err := note.NewVerifier(s); err == nil {
		return v, nil
	}
	data, err := os.ReadFile(s)
	if err != nil {
		return nil, fmt.Errorf("auditlog: %q is neither a public key (name+hash+key) nor a file holding one", s)
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, fmt.Errorf("auditlog: %s does not hold a public key: %w", s, err)
	}
	return v, nil
}
