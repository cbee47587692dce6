package auth

import (
	"os"
	"testing"
)

// TestMain runs the package's tests with cheap password hashes, as test
// servers do (UseTestPasswordCost); TestPasswordHashRoundTrip checks the real
// parameters with realPasswordCost.
func TestMain(m *testing.M) {
	UseTestPasswordCost()
	os.Exit(m.Run())
}

// realPasswordCost makes new hashes use the production parameters until the
// test ends. Tests calling it must not run in parallel with others.
func realPasswordCost(t *testing.T) {
	testCost.Store(false)
	t.Cleanup(func() { testCost.Store(true) })
}
