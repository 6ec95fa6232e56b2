//go:build race

package store

// raceEnabled is set when tests run under the race detector, which slows
// SQLite (compiled Go) by more than an order of magnitude.
const raceEnabled = true
