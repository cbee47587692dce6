package server

import (
	"go/build"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/pictor-social/pictor"

// allowed lists, per package directory, the module packages it may import
// (architecture.md, "Dependency direction"). A prefix ending in "/" allows
// a whole subtree. Test files are not checked.
var allowed = map[string][]string{
	"store":       {},
	"webfinger":   {"internal/"},
	"screening":   {"internal/"},
	"static":      {},
	"internal":    {"internal/"},
	"media":       {"store", "internal/"},
	"auth":        {"store", "internal/"},
	"activitypub": {"store", "webfinger", "screening", "internal/"},
	"social":      {"store", "media", "activitypub", "webfinger", "screening", "internal/"},
	"genimage":    {"store", "media", "social", "genimage", "screening", "internal/"},
	"push":        {"store", "internal/"},
	"assistant":   {"store", "screening", "internal/"},                       // the chat model; callers pass what it needs (social.CanSee, media files)
	"askbot":      {"store", "social", "genimage", "assistant", "internal/"}, // the @ask bot
	"mastoapi":    {"store", "auth", "media", "activitypub", "social", "genimage", "screening", "webfinger", "push", "assistant", "internal/"},
	"web":         {"store", "auth", "media", "social", "genimage", "screening", "static", "activitypub", "assistant", "internal/"},
	"config":      {},
	"server":      {""}, // the composition root may import everything
	"cmd":         {"server", "config", "store", "social", "genimage", "screening", "auth", "activitypub", "internal/"},
	"e2e":         {""},
}

func TestLayering(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		name := d.Name()
		if name == "node_modules" || name == "testdata" || strings.HasPrefix(name, ".") && path != root {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, 0)
		if err != nil {
			return nil // no Go files here
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		top := strings.SplitN(rel, "/", 2)[0]
		rules, ok := allowed[top]
		if !ok {
			t.Errorf("package %s is not in the layering table; add it to architecture.md and here", rel)
			return nil
		}
		checked++
		for _, imp := range pkg.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			dep := strings.TrimPrefix(imp, module+"/")
			if !permitted(dep, rules) && dep != top && !strings.HasPrefix(dep, top+"/") {
				t.Errorf("%s imports %s, which the layering forbids", rel, dep)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 10 {
		t.Fatalf("checked only %d packages", checked)
	}
}

func permitted(dep string, rules []string) bool {
	for _, r := range rules {
		if r == "" || dep == r || (strings.HasSuffix(r, "/") && strings.HasPrefix(dep, r)) || strings.HasPrefix(dep, r+"/") {
			return true
		}
	}
	return false
}

func TestPermitted(t *testing.T) {
	cases := []struct {
		dep   string
		rules []string
		want  bool
	}{
		{"store", []string{"store"}, true},
		{"storex", []string{"store"}, false},
		{"internal/apperr", []string{"internal/"}, true},
		{"genimage/openai", []string{"genimage"}, true},
		{"activitypub", []string{"store", "internal/"}, false},
		{"anything", []string{""}, true},
	}
	for _, tc := range cases {
		if got := permitted(tc.dep, tc.rules); got != tc.want {
			t.Errorf("permitted(%q, %v) = %v", tc.dep, tc.rules, got)
		}
	}
}
