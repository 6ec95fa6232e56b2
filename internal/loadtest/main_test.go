package loadtest

import (
	"os"
	"testing"
)

// TestMain lets the tests' binary serve as a bare handler's process, as
// the load tool does (see ServeBareIfAsked).
func TestMain(m *testing.M) {
	ServeBareIfAsked()
	os.Exit(m.Run())
}
