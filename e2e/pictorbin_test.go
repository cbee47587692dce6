package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// pictorBin is the pictor binary the tests of this package run, built once
// by the first test that needs it and removed by TestMain.
var pictorBin struct {
	once      sync.Once
	dir, path string
	err       error
	out       []byte
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pictorBin.dir != "" {
		os.RemoveAll(pictorBin.dir)
	}
	os.Exit(code)
}

// buildPictor returns the pictor binary, built (once per test binary) as
// the README says releases are built: without cgo, a static binary, and
// without the race detector even when the tests run under -race, so the
// processes run at their real speed. dir is unused; the binary is shared.
func buildPictor(t *testing.T, dir string) string {
	t.Helper()
	pictorBin.once.Do(func() {
		pictorBin.dir, pictorBin.err = os.MkdirTemp("", "pictor-e2e-bin-")
		if pictorBin.err != nil {
			return
		}
		pictorBin.path = filepath.Join(pictorBin.dir, "pictor")
		cmd := exec.Command("go", "build", "-o", pictorBin.path, "./cmd/pictor")
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		pictorBin.out, pictorBin.err = cmd.CombinedOutput()
	})
	if pictorBin.err != nil {
		t.Fatalf("go build: %v\n%s", pictorBin.err, pictorBin.out)
	}
	return pictorBin.path
}
