package activitypub

import (
	"bytes"
	"context"
	"crypto/rsa"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pictor-social/pictor/store"
)

// RunDelivery delivers queued activities until ctx ends. It claims due rows
// with a lease, never more than PerHostConcurrency unfinished ones for any
// host, so a slow host holds back only its own deliveries, and hands them to
// DeliveryWorkers workers that post each one signed afresh (Mastodon refuses
// a Date older than about an hour; interop.md D.1) and record the outcome.
// At start, when no other process works the database, it frees the leases
// of an earlier process, which can only have died, so a crash mid-fan-out
// loses nothing and delays nothing; beside live processes (PostgreSQL) a
// dead one's rows are claimed again when their lease expires. Rows marked
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
	jobs := make(chan store.Delivery, 4*workers)
	d := &dispatcher{held: map[string]int{}, jobs: jobs, finished: make(chan string, 4*workers), settledWake: make(chan struct{}, 1)}
	outcomes := make(chan outcome, 4*workers)
	recorded := make(chan struct{})
	go func() { f.recordOutcomes(ctx, outcomes, d); close(recorded) }()
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for row := range jobs {
				if o, ok := f.deliverOne(ctx, row); ok {
					outcomes <- o
				} else {
					d.settle(1)
				}
				d.finished <- row.Host
			}
		}()
	}
	defer func() {
		close(jobs)
		wg.Wait()
		close(outcomes)
		<-recorded
	}()
	// At most 4×workers rows are claimed and not yet recorded: that bounds
	// both how long a claimed row waits for a worker (every one has a free
	// slot at its host) and what a crash can send twice.
	for {
		claimed := 0
		if n := d.outstanding(); n <= 2*workers {
			claimed = f.claimInto(ctx, d, 4*workers-n)
		}
		if claimed > 0 {
			d.drain()
			continue
		}
		if err := f.waitForDeliveries(ctx, d); err != nil {
			return nil // claimed rows are freed at the next start or when their lease lapses
		}
	}
}

// dispatcher tracks claimed deliveries: requests in flight per host, and
// rows whose outcome is not recorded yet.
type dispatcher struct {
	held        map[string]int // claimed rows whose request has not finished, by host
	finished    chan string    // the host of each finished request
	claimed     int64          // rows claimed so far (dispatcher goroutine only)
	settled     atomic.Int64   // rows recorded, or dropped at shutdown, so far
	settledWake chan struct{}
	jobs        chan<- store.Delivery
}

func (d *dispatcher) outstanding() int { return int(d.claimed - d.settled.Load()) }

// settle notes n rows recorded; it never blocks.
func (d *dispatcher) settle(n int) {
	d.settled.Add(int64(n))
	notify(d.settledWake)
}

func (d *dispatcher) done(host string) {
	if d.held[host]--; d.held[host] <= 0 {
		delete(d.held, host)
	}
}

// drain takes note of every request finished so far, without waiting.
func (d *dispatcher) drain() {
	for {
		select {
		case h := <-d.finished:
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
	err := f.db.Write(ctx, func(tx *store.Tx) (err error) {
		batch, err = tx.ClaimDeliveriesPerHost(ctx, n, f.opts.DeliveryLease, f.opts.PerHostConcurrency, d.held)
		return err
	})
	if err != nil {
		f.log.Error("claim deliveries", "err", err)
		return 0
	}
	for _, row := range batch {
		d.held[row.Host]++
		d.claimed++
		d.jobs <- row
	}
	return len(batch)
}

// waitForDeliveries sleeps until a request finishes or an outcome is
// recorded, new work is enqueued, a retry falls due, or ctx ends.
func (f *Federation) waitForDeliveries(ctx context.Context, d *dispatcher) error {
	wait := time.Minute
	if next, err := f.db.NextDeliveryDue(ctx); err == nil && !next.IsZero() {
		if due := next.Sub(f.db.Now()); due > 0 || d.outstanding() == 0 {
			// A due row that could not be claimed waits for its host to
			// finish one, or for outcomes to be recorded; both wake us.
			wait = min(wait, max(due, 10*time.Millisecond))
		}
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case h := <-d.finished:
		d.done(h)
		d.drain()
	case <-d.settledWake:
	case <-f.wakeDeliver:
	case <-t.C:
	}
	return nil
}

// outcome is the result of one delivery attempt, to be recorded.
type outcome struct {
	d      store.Delivery
	status int   // HTTP status, 0 when no response arrived
	err    error // nil on success
}

// deliverOne posts one delivery. It reports false when shutdown interrupted
// the request: such a row is not recorded, and is sent again after restart.
func (f *Federation) deliverOne(ctx context.Context, d store.Delivery) (outcome, bool) {
	status, err := f.post(ctx, d)
	if err != nil && ctx.Err() != nil && status == 0 {
		return outcome{}, false
	}
	if f.ObserveDelivery != nil {
		f.ObserveDelivery(d.Host, status, err)
	}
	return outcome{d: d, status: status, err: err}, true
}

// recordOutcomes writes outcomes as they come, many per transaction: under
// load a batch gathers while the previous one commits, so the database does
// one write for many deliveries instead of one each. It returns when
// outcomes is closed and everything received is written.
func (f *Federation) recordOutcomes(ctx context.Context, outcomes <-chan outcome, d *dispatcher) {
	const maxBatch = 512
	for o := range outcomes {
		batch := []outcome{o}
	gather:
		for len(batch) < maxBatch {
			select {
			case o, ok := <-outcomes:
				if !ok {
					break gather
				}
				batch = append(batch, o)
			default:
				break gather
			}
		}
		f.record(ctx, batch)
		d.settle(len(batch))
	}
}

// record stores success, retry or final failure of each outcome in one
// transaction, which must land even during shutdown.
func (f *Federation) record(ctx context.Context, batch []outcome) {
	wctx := context.WithoutCancel(ctx)
	err := f.db.Write(wctx, func(tx *store.Tx) error {
		reached := map[string]bool{}
		var done []store.Delivery
		var statuses []int
		for _, o := range batch {
			if o.err == nil {
				reached[o.d.Host] = true
				done, statuses = append(done, o.d), append(statuses, o.status)
				continue
			}
			if err := f.recordFailure(wctx, tx, o); err != nil {
				return err
			}
		}
		if err := tx.DeliveriesDone(wctx, done, statuses); err != nil {
			return err
		}
		for h := range reached {
			if err := tx.MarkHostReachable(wctx, h); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		f.log.Error("record deliveries", "count", len(batch), "err", err)
	}
}

// recordFailure schedules a retry with backoff, or fails the delivery for
// good (a final status, or retrying for longer than RetryFor), and counts a
// failure of the host when it did not answer or answered 5xx.
func (f *Federation) recordFailure(ctx context.Context, tx *store.Tx, o outcome) error {
	d, now := o.d, tx.Now()
	retryAt := time.Time{}
	if retryable(o.status) && now.Sub(d.CreatedAt) < f.opts.RetryFor {
		retryAt = now.Add(backoff(d.Attempts))
	}
	f.log.Info("delivery failed", "inbox", d.Inbox, "activity", d.ActivityURI, "attempt", d.Attempts,
		"status", o.status, "retry_at", retryAt, "err", o.err)
	if err := tx.DeliveryFailed(ctx, d, o.status, o.err.Error(), retryAt); err != nil {
		return err
	}
	if o.status == 0 || o.status >= 500 {
		_, err := tx.MarkHostFailing(ctx, d.Host, f.opts.UnreachableAfter)
		return err
	}
	return nil
}

// post sends one signed POST; it returns the response status (0 when no
// response arrived) and an error unless the status was 2xx.
func (f *Federation) post(ctx context.Context, d store.Delivery) (int, error) {
	keyID, key, err := f.deliverySigner(ctx, d.AccountID)
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
	if err := SignRequest(req, d.Body, keyID, key, f.db.Now()); err != nil {
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

// deliverySigner returns the key id and parsed private key of a local
// account, cached: a fan-out signs thousands of requests with one key, and
// reading the account for each cost as much as a tenth of the signature.
func (f *Federation) deliverySigner(ctx context.Context, accountID int64) (string, *rsa.PrivateKey, error) {
	f.keysMu.Lock()
	keyID, key := f.keyIDs[accountID], f.keys[accountID]
	f.keysMu.Unlock()
	if keyID != "" && key != nil {
		return keyID, key, nil
	}
	signer, err := f.db.AccountByID(ctx, accountID)
	if err != nil {
		return "", nil, fmt.Errorf("load signer %d: %w", accountID, err)
	}
	key, err = f.privateKey(signer)
	if err != nil {
		return "", nil, err
	}
	f.keysMu.Lock()
	f.keyIDs[accountID] = signer.PublicKeyID
	f.keysMu.Unlock()
	return signer.PublicKeyID, key, nil
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
