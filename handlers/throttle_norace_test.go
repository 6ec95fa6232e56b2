//go:build !race

package handlers_test

// throttledAttempts is how many sign-ins the throttle test sends once an
// account is throttled: ten thousand, an attack's worth in a minute.
const throttledAttempts = 10_000
