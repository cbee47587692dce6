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
// with a lease, posts each one signed afresh (Mastodon refuses a Date older
// than about an hour; interop.md D.1), with at most DeliveryWorkers requests
// in flight and PerHostConcurrency per host, and records the outcome. Rows
// leased by a process that died are retried when the lease lapses, so a crash
// loses nothing; rows marked done are never sent again.
func (f *Federation) RunDelivery(ctx context.Context) error {
	workers := f.opts.DeliveryWorkers
	jobs := make(chan store.Delivery, workers)
	hosts := newHostLimiter(f.opts.PerHostConcurrency)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range jobs {
				hosts.acquire(d.Host)
				f.deliverOne(ctx, d)
				hosts.release(d.Host)
			}
		}()
	}
	defer func() {
		close(jobs)
		wg.Wait()
	}()
	lease := f.opts.DeliveryTimeout*3 + time.Minute
	for {
		var batch []store.Delivery
		err := f.db.Write(ctx, func(tx *store.Tx) (err error) {
			batch, err = tx.ClaimDeliveries(ctx, workers*4, lease)
			return err
		})
		if err != nil {
			f.log.Error("claim deliveries", "err", err)
		}
		for _, d := range batch {
			select {
			case jobs <- d:
			case <-ctx.Done():
				return nil // leased rows are retried after the lease
			}
		}
		if len(batch) > 0 {
			continue
		}
		if err := f.waitForDeliveries(ctx); err != nil {
			return nil
		}
	}
}

// waitForDeliveries sleeps until new work is enqueued, a retry falls due, or ctx ends.
func (f *Federation) waitForDeliveries(ctx context.Context) error {
	wait := time.Minute
	if next, err := f.db.NextDeliveryDue(ctx); err == nil && !next.IsZero() {
		wait = min(wait, max(next.Sub(f.db.Now()), 10*time.Millisecond))
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
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

// hostLimiter bounds concurrent requests per host.
type hostLimiter struct {
	mu    sync.Mutex
	limit int
	sems  map[string]chan struct{}
	users map[string]int
}

func newHostLimiter(limit int) *hostLimiter {
	return &hostLimiter{limit: limit, sems: map[string]chan struct{}{}, users: map[string]int{}}
}

func (h *hostLimiter) acquire(host string) {
	h.mu.Lock()
	s, ok := h.sems[host]
	if !ok {
		s = make(chan struct{}, h.limit)
		h.sems[host] = s
	}
	h.users[host]++
	h.mu.Unlock()
	s <- struct{}{}
}

func (h *hostLimiter) release(host string) {
	h.mu.Lock()
	s := h.sems[host]
	h.users[host]--
	if h.users[host] == 0 {
		delete(h.users, host)
		delete(h.sems, host)
	}
	h.mu.Unlock()
	<-s
}
