// Package modroot finds the repository's root (the folder of go.mod) for
// tests and test harnesses that build binaries or read repository files;
// go test runs each package in its own folder.
package modroot

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Find walks up from the working directory to the folder holding go.mod.
func Find() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find module root: no go.mod above the working directory")
		}
		dir = parent
	}
}
