package e2e

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// fixturesDir holds real documents of other fediverse servers.
const fixturesDir = "/work/shared/fixtures"

// rehostFixture reads a fixture and replaces each key of repl by its value,
// longest keys first, so that its actors live on a fake remote and its
// local objects on Pictor.
func rehostFixture(t testing.TB, name string, repl map[string]string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixturesDir, name))
	if err != nil {
		t.Skipf("fixture %s: %v", name, err)
	}
	keys := make([]string, 0, len(repl))
	for k := range repl {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	pairs := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		pairs = append(pairs, k, repl[k])
	}
	return []byte(strings.NewReplacer(pairs...).Replace(string(b)))
}
