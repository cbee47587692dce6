package store

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pictor-social/pictor/internal/testkit/pgtest"
)

// TestCopyToPostgresThroughput measures a copy of PICTOR_COPY_STATUSES
// statuses (each a reply to the one before, so foreign keys point both
// ways), with their home-feed rows and counters: rows per second and the
// largest heap seen. Only run on demand:
//
//	PICTOR_COPY_STATUSES=200000 PICTOR_TEST_POSTGRES=… go test -run TestCopyToPostgresThroughput -v ./store/
func TestCopyToPostgresThroughput(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("PICTOR_COPY_STATUSES"))
	if n <= 0 {
		t.Skip("set PICTOR_COPY_STATUSES to measure")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pictor.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, db)
	base := db.NewID(time.Now())
	if _, err := db.write.ExecContext(ctx, `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
		INSERT INTO statuses (id, uri, account_id, local, content, text, in_reply_to_id, created_at)
		SELECT ? + i, 'https://there.test/s/' || i, ?, 0, '<p>post number ' || i || ' with some text in it</p>', '',
			CASE WHEN i > 1 THEN ? + i - 1 END, 1700000000000 + i FROM s`, n, base, w.bob.ID, base); err != nil {
		t.Fatal(err)
	}
	db.Close()

	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	rep, err := CopyToPostgres(ctx, path, pgtest.NewDatabase(t), nil)
	elapsed := time.Since(start)
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d statuses: %d rows in %d tables in %v (%.0f rows/s), peak heap in use %d MiB", n, rep.Rows,
		len(rep.Tables), elapsed.Round(time.Millisecond), float64(rep.Rows)/elapsed.Seconds(), peak.Load()>>20)
}
