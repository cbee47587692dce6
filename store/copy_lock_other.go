//go:build !unix

package store

// sqliteHolder cannot tell on this system whether another process has the
// database open; the copy's BEGIN IMMEDIATE still keeps writers out.
func sqliteHolder(string) (int, error) { return 0, nil }
