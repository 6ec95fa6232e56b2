//go:build race

package handlers_test

// throttledAttempts is smaller under the race detector, which makes each
// request several times slower; the full count runs without it.
const throttledAttempts = 2_000
