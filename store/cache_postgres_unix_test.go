//go:build unix

package store

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pictor-social/pictor/internal/testkit/pgtest"
)

// A listening connection cut without a word (here its server process
// frozen with SIGSTOP, as a network partition would leave it) is found
// lost by the heartbeat's unanswered ping: the caches are emptied as
// after a clean loss. It needs the PostgreSQL server on this machine,
// signalable by the test's user.
func TestPostgresSilentListenerClearsCaches(t *testing.T) {
	if testEngine != "postgres" {
		t.Skip("PostgreSQL pass only (PICTOR_TEST_ENGINE=postgres)")
	}
	ctx := context.Background()
	a, err := OpenPostgres(ctx, pgtest.NewDatabaseFrom(t, pgTemplate), Options{listenHeartbeat: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	f := newCacheFixture(t, a)
	f.readAll(t, a)
	psql, err := pgx.Connect(ctx, a.url)
	if err != nil {
		t.Fatal(err)
	}
	defer psql.Close(ctx)
	writeUnreported(t, psql, `UPDATE accounts SET display_name = 'Alice (unreported)' WHERE username = 'alice'`)
	pid := int(a.listenPID.Load())
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Skipf("cannot freeze the listening backend %d (a server elsewhere, or another user's): %v", pid, err)
	}
	defer syscall.Kill(pid, syscall.SIGCONT)
	eventually(t, "listening again", func() bool { return int(a.listenPID.Load()) != pid && a.cachesOn() })
	if got, _ := a.AccountByID(ctx, f.alice.ID); got.DisplayName != "Alice (unreported)" {
		t.Fatalf("after the silent listener: display name %q", got.DisplayName)
	}
}
