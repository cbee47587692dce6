package e2e

import (
	"os"
	"testing"

	"github.com/pictor-social/pictor/internal/testkit/multiproc"
)

// TestMain removes the pictor binary the tests built and stops the S3
// gateway of the cluster tests (multiproc.Main).
func TestMain(m *testing.M) { os.Exit(multiproc.Main(m)) }

// buildPictor returns the pictor binary, built (once per test binary) as
// the README says releases are built: without cgo, a static binary, and
// without the race detector even when the tests run under -race, so the
// processes run at their real speed. dir is unused; the binary is shared
// with the cluster tests (multiproc.Binary).
func buildPictor(t *testing.T, _ string) string {
	t.Helper()
	return multiproc.Binary(t)
}
