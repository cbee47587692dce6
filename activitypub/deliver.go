package activitypub

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/pictor-social/pictor/store"
)

// RunDelivery delivers queued activities until ctx ends. It claims due rows
// with a lease, never more than PerHostConcurrency unfinished ones for any
// host, so a slow host holds back only its own deliveries, and hands them to
// DeliveryWorkers workers that post each one signed afresh (Mastodon refuses
// a Date older than about an hour; interop.md D.1) and record the outcome.
// At start it frees the leases of an earlier process, which can only have
// died, so a crash mid-fan-out loses nothing and delays nothing; rows marked
// done are never sent again.
func (f *Federation) RunDelivery(ctx context.Context) error {
	if err := f.db.Write(ctx, func(tx *store.Tx) error {
		n, err := tx.ReleaseDeliveryLeases(ctx)
		if n > 0 {
			f.log.Info("resuming deliveries of a previous run", "count", n)
		}
		return err
	}); err != nil {
		f.log.Error("release delivery leases", "err", err)
	}
	workers := f.opts.DeliveryWorkers
	jobs := make(chan store.Delivery, 2*workers)
	finished := make(chan string, 2*workers) // the host of each finished delivery
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range jobs {
				f.deliverOne(ctx, d)
				finished <- d.Host
			}
		}()
	}
	defer func() {
		close(jobs)
		wg.Wait()
	}()
	d := dispatcher{held: map[string]int{}, jobs: jobs}
	for {
		claimed := 0
		if d.total <= workers {
			claimed = f.claimInto(ctx, &d, 2*workers-d.total)
		}
		if claimed > 0 {
			d.drain(finished)
			continue
		}
		if err := f.waitForDeliveries(ctx, &d, finished); err != nil {
			return nil // claimed rows are freed at the next start or when their lease lapses
		}
	}
}

// dispatcher tracks claimed deliveries that are not finished yet.
type dispatcher struct {
	held  map[string]int // by host
	total int
	jobs  chan<- store.Delivery
}

func (d *dispatcher) done(host string) {
	d.total--
	if d.held[host]--; d.held[host] <= 0 {
		delete(d.held, host)
	}
}

// drain takes note of every delivery finished so far, without waiting.
func (d *dispatcher) drain(finished <-chan string) {
	for {
		select {
		case h := <-finished:
			d.done(h)
		default:
			return
		}
	}
}

// claimInto claims up to n deliveries within the per-host limit and queues
// them for the workers; the jobs channel has room for all of them.
func (f *Federation) claimInto(ctx context.Context, d *dispatcher, n int) int {
	var batch []store.Delivery
	lease := f.opts.DeliveryTimeout*3 + time.Minute
	err := f.db.Write(ctx, func(tx *store.Tx) (err error) {
		batch, err = tx.ClaimDeliveriesPerHost(ctx, n, lease, f.opts.PerHostConcurrency, d.held)
		return err
	})
	if err != nil {
		f.log.Error("claim deliveries", "err", err)
		return 0
	}
	for _, row := range batch {
		d.held[row.Host]++
		d.total++
		d.jobs <- row
	}
	return len(batch)
}

// waitForDeliveries sleeps until a delivery finishes, new work is enqueued,
// a retry falls due, or ctx ends.
func (f *Federation) waitForDeliveries(ctx context.Context, d *dispatcher, finished <-chan string) error {
	wait := time.Minute
	if next, err := f.db.NextDeliveryDue(ctx); err == nil && !next.IsZero() {
		if due := next.Sub(f.db.Now()); due > 0 || d.total == 0 {
			// A due row that could not be claimed waits for its host to
			// finish one; that wakes us through finished.
			wait = min(wait, max(due, 10*time.Millisecond))
		}
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case h := <-finished:
		d.done(h)
		d.drain(finished)
	case <-f.wakeDeliver:
	case <-t.C:
	}
	return nil
}

// deliverOne posts one delivery and records success, retry or final failure.
func (f *Federation) deliverOne(ctx context.Context, d store.Delivery) {
	status, err := f.post(ctx, d)
	// Outcome writes must land even when shutting down.
	wctx := context.WithoutCancel(ctx)
	if err == nil {
		if werr := f.db.Write(wctx, func(tx *store.Tx) error { return tx.DeliverySucceeded(wctx, d, status) }); werr != nil {
			f.log.Error("record delivery", "inbox", d.Inbox, "err", werr)
		}
		return
	}
	if ctx.Err() != nil && status == 0 {
		return // interrupted by shutdown: the lease lapses and it is retried
	}
	retryAt := time.Time{}
	now := f.db.Now()
	if retryable(status) && now.Sub(d.CreatedAt) < f.opts.RetryFor {
		retryAt = now.Add(backoff(d.Attempts))
	}
	werr := f.db.Write(wctx, func(tx *store.Tx) error {
		if err := tx.DeliveryFailed(wctx, d, status, err.Error(), retryAt); err != nil {
			return err
		}
		if status == 0 || status >= 500 {
			_, err := tx.MarkHostFailing(wctx, d.Host, f.opts.UnreachableAfter)
			return err
		}
		return nil
	})
	if werr != nil {
		f.log.Error("record delivery failure", "inbox", d.Inbox, "err", werr)
	}
	f.log.Info("delivery failed", "inbox", d.Inbox, "activity", d.ActivityURI, "attempt", d.Attempts,
		"status", status, "retry_at", retryAt, "err", err)
}

// post sends one signed POST; it returns the response status (0 when no
// response arrived) and an error unless the status was 2xx.
func (f *Federation) post(ctx context.Context, d store.Delivery) (int, error) {
	signer, err := f.db.AccountByID(ctx, d.AccountID)
	if err != nil {
		return 0, fmt.Errorf("load signer %d: %w", d.AccountID, err)
	}
	key, err := f.privateKey(signer)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, f.opts.DeliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Inbox, bytes.NewReader(d.Body))
	if err != nil {
		return 400, fmt.Errorf("bad inbox URL: %w", err) // final: a 4xx-class failure
	}
	req.Header.Set("Content-Type", "application/activity+json")
	if err := SignRequest(req, d.Body, signer.PublicKeyID, key, f.db.Now()); err != nil {
		return 0, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, nil
	}
	return resp.StatusCode, fmt.Errorf("inbox answered %d", resp.StatusCode)
}

// retryable reports whether a failed delivery may be tried again: a 4xx other
// than 401, 408 and 429 is final, as Mastodon treats it (interop.md D.4).
func retryable(status int) bool {
	switch {
	case status == 0, status >= 500 && status != 501:
		return true
	case status == 401, status == 408, status == 429:
		return true
	}
	return false
}

// backoff returns the delay before attempt n+1: n⁴+15 s plus up to 50%
// jitter, Mastodon's schedule, which spans about three days over 16 retries.
func backoff(attempts int) time.Duration {
	n := time.Duration(attempts)
	base := n*n*n*n*time.Second + 15*time.Second
	return base + time.Duration(rand.Int64N(int64(base/2)+1))
}
