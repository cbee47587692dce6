// Package pgtest gives tests a fresh PostgreSQL database of their own on the
// server named by PICTOR_TEST_POSTGRES (a postgres:// URL whose user may
// CREATE DATABASE; e2e/test.sh starts one). Without it the tests that need
// PostgreSQL are skipped, except under PICTOR_E2E=1 (the full suite), where
// its absence is a failure.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable holding the server's URL.
const EnvURL = "PICTOR_TEST_POSTGRES"

// Available reports whether a PostgreSQL server is configured for tests.
func Available() bool { return os.Getenv(EnvURL) != "" }

// NewDatabase creates an empty database for t, dropped when t ends, and
// returns its URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	return NewDatabaseFrom(t, "")
}

// NewDatabaseFrom creates a database for t as a copy of template (a name
// from NewTemplate; "" means empty), dropped when t ends, and returns its
// URL. Copying a migrated template is much faster than migrating.
func NewDatabaseFrom(t testing.TB, template string) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		if os.Getenv("PICTOR_E2E") == "1" {
			t.Fatalf("%s is not set: the full suite runs the PostgreSQL tests (e2e/test.sh starts a server)", EnvURL)
		}
		t.Skipf("%s is not set (a postgres:// URL of a server where the user may create databases)", EnvURL)
	}
	name, err := create(base, template)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(base, name); err != nil {
			t.Error(err)
		}
	})
	return dbURL(base, name)
}

// NewTemplate creates a database, lets prepare fill it (through its URL;
// prepare must close its connections) and returns its name for
// NewDatabaseFrom, with the function that drops it. Without a server it
// returns "" and no error.
func NewTemplate(prepare func(url string) error) (name string, dropIt func() error, err error) {
	base := os.Getenv(EnvURL)
	if base == "" {
		return "", func() error { return nil }, nil
	}
	name, err = create(base, "")
	if err != nil {
		return "", nil, err
	}
	dropIt = func() error { return drop(base, name) }
	if err := prepare(dbURL(base, name)); err != nil {
		return "", nil, errors.Join(err, dropIt())
	}
	return name, dropIt, nil
}

func dbURL(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + name
	return u.String()
}

func create(base, template string) (string, error) {
	if _, err := url.Parse(base); err != nil {
		return "", fmt.Errorf("%s does not parse as a URL", EnvURL)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "pictor_test_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", fmt.Errorf("connect to %s: %w", EnvURL, err)
	}
	defer conn.Close(context.Background())
	q := `CREATE DATABASE ` + name
	if template != "" {
		q += ` TEMPLATE ` + pgx.Identifier{template}.Sanitize()
	}
	major, _, _ := strings.Cut(conn.PgConn().ParameterStatus("server_version"), ".")
	if v, _ := strconv.Atoi(major); v >= 15 {
		// Copying the files is several times faster than WAL-logging every
		// page, the default since 15; tests need no crash safety.
		q += ` STRATEGY FILE_COPY`
	}
	if _, err := conn.Exec(ctx, q); err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	return name, nil
}

func drop(base, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}
