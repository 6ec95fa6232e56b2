package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// PasswordParams are the argon2id cost parameters.
type PasswordParams struct {
	// Memory is in KiB.
	Memory  uint32
	Time    uint32
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// DefaultPasswordParams returns the parameters new hashes use: OWASP's
// argon2id recommendation of 19 MiB, two passes, one thread.
func DefaultPasswordParams() PasswordParams {
	return PasswordParams{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Bounds on the parameters a stored hash may carry, so that a damaged or
// planted hash cannot make one verification take all the memory.
const (
	maxHashMemory  = 1 << 20 // KiB: 1 GiB
	maxHashTime    = 64
	maxHashKeyLen  = 128
	maxHashSaltLen = 128
)

// PasswordHasher hashes and verifies passwords with argon2id. Each hash
// takes tens of MiB and milliseconds of CPU, so at most a fixed number run
// at once; callers beyond that wait their turn or give up with their
// context. It is safe for concurrent use.
type PasswordHasher struct {
	params PasswordParams
	slots  chan struct{}
	// dummy has the shape of a hash made with params (random salt, random
	// key), verified when a sign-in names no user, so that an unknown user
	// and a wrong password cost the same argon2id computation. Nothing
	// matches it: Verify reports false for it whatever the key.
	dummy string
}

// NewPasswordHasher returns a hasher using params for new hashes and
// running at most concurrency hashes at a time.
func NewPasswordHasher(params PasswordParams, concurrency int) (*PasswordHasher, error) {
	if concurrency < 1 {
		return nil, fmt.Errorf("store: password hasher: concurrency %d must be at least 1", concurrency)
	}
	if params.Memory == 0 || params.Time == 0 || params.Threads == 0 || params.SaltLen < 8 || params.KeyLen < 16 {
		return nil, fmt.Errorf("store: password hasher: parameters %+v are too weak", params)
	}
	h := &PasswordHasher{params: params, slots: make(chan struct{}, concurrency)}
	// Random bytes stand in for the key: computing a real hash here would
	// hold tens of MiB at every start for nothing.
	salt, key := make([]byte, params.SaltLen), make([]byte, params.KeyLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("store: password hasher: %w", err)
	}
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("store: password hasher: %w", err)
	}
	h.dummy = formatHash(params, salt, key)
	return h, nil
}

// Hash returns the PHC-style encoding of password's argon2id hash with a
// fresh random salt: $argon2id$v=19$m=…,t=…,p=…$salt$hash.
func (h *PasswordHasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", fmt.Errorf("store: hash password: %w", err)
	}
	defer h.release()
	encoded, err := h.encode(password)
	if err != nil {
		return "", fmt.Errorf("store: hash password: %w", err)
	}
	return encoded, nil
}

// Verify reports whether password matches the encoded hash. An empty
// encoded hash (no such user, or no password chosen yet) verifies against a
// dummy hash and reports false, taking as long as a real check. A
// malformed hash is an error.
func (h *PasswordHasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	known := encoded != ""
	if !known {
		encoded = h.dummy
	}
	p, salt, want, err := decodeHash(encoded)
	if err != nil {
		return false, fmt.Errorf("store: verify password: %w", err)
	}
	if err := h.acquire(ctx); err != nil {
		return false, fmt.Errorf("store: verify password: %w", err)
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	h.release()
	return known && subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NeedsRehash reports whether encoded was made with weaker parameters than
// the hasher's, so that it should be replaced after a successful sign-in.
func (h *PasswordHasher) NeedsRehash(encoded string) bool {
	p, _, _, err := decodeHash(encoded)
	return err != nil || p.Memory < h.params.Memory || p.Time < h.params.Time || p.KeyLen < h.params.KeyLen
}

func (h *PasswordHasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *PasswordHasher) release() { <-h.slots }

func (h *PasswordHasher) encode(password string) (string, error) {
	p := h.params
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return formatHash(p, salt, key), nil
}

// formatHash is the PHC-style encoding of an argon2id hash.
func formatHash(p PasswordParams, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

var errBadHash = errors.New("malformed argon2id hash")

// decodeHash parses a PHC-style argon2id hash, refusing other algorithms,
// versions and parameters out of bounds.
func decodeHash(encoded string) (p PasswordParams, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return PasswordParams{}, nil, nil, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return PasswordParams{}, nil, nil, errBadHash
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); err != nil {
		return PasswordParams{}, nil, nil, errBadHash
	}
	b64 := base64.RawStdEncoding
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return PasswordParams{}, nil, nil, errBadHash
	}
	if key, err = b64.DecodeString(parts[5]); err != nil {
		return PasswordParams{}, nil, nil, errBadHash
	}
	if p.Memory == 0 || p.Memory > maxHashMemory || p.Time == 0 || p.Time > maxHashTime ||
		threads == 0 || threads > 255 || len(salt) == 0 || len(salt) > maxHashSaltLen ||
		len(key) < 16 || len(key) > maxHashKeyLen {
		return PasswordParams{}, nil, nil, errBadHash
	}
	p.Threads = uint8(threads)
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}
