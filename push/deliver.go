package push

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/pictor-social/pictor/store"
)

// lease is how long a claimed push stays invisible to other claims; after
// it lapses (the worker died) the push is due again.
const lease = 2 * time.Minute

// maxRetryAfter caps a push service's Retry-After.
const maxRetryAfter = time.Hour

// Run sends queued pushes until ctx ends. Pushes are queued by the store
// in the transaction that creates the notification (a trigger applies each
// subscription's alerts and policy), so nothing is lost across a restart;
// notification events on the hub only wake the sender at once.
func (s *Service) Run(ctx context.Context) error {
	sub := s.hub.Subscribe(s.opts.NotificationStream)
	defer sub.Close()
	close(s.ready)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-sub.C:
				if !ok {
					return
				}
				s.poke()
			}
		}
	}()
	s.sendLoop(ctx)
	wg.Wait()
	return nil
}

// sendLoop claims due pushes and sends them, sleeping until the next one
// is due or a new one is queued.
func (s *Service) sendLoop(ctx context.Context) {
	batch := 2 * s.opts.Workers
	for ctx.Err() == nil {
		var claimed []store.PushDelivery
		err := s.db.Write(ctx, func(tx *store.Tx) error {
			var err error
			claimed, err = tx.ClaimPushDeliveries(ctx, batch, lease)
			return err
		})
		if err != nil {
			s.log.Warn("claim pushes failed", "err", err)
		}
		s.sendAll(ctx, claimed)
		if len(claimed) == batch {
			continue
		}
		s.sleep(ctx)
	}
}

func (s *Service) sleep(ctx context.Context) {
	wait := lease
	if next, err := s.db.NextPushDeliveryAt(ctx); err == nil && !next.IsZero() {
		wait = min(max(next.Sub(s.db.Now()), 0), lease)
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-s.wake:
	case <-t.C:
	}
}

func (s *Service) sendAll(ctx context.Context, list []store.PushDelivery) {
	sem := make(chan struct{}, s.opts.Workers)
	var wg sync.WaitGroup
	for _, d := range list {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			s.deliver(ctx, d)
		}()
	}
	wg.Wait()
}

// deliver sends one push and records the outcome: sent or given up, the
// row goes; 404 and 410 also end the subscription (RFC 8030 §7.3); 429,
// 5xx and network errors are retried with backoff.
func (s *Service) deliver(ctx context.Context, d store.PushDelivery) {
	sub, err := s.db.PushSubscriptionByID(ctx, d.SubscriptionID)
	var status int
	var retryAfter time.Duration
	if err == nil {
		status, retryAfter, err = s.send(ctx, sub, d.NotificationID)
	}
	wctx := context.WithoutCancel(ctx)
	err = s.db.Write(wctx, func(tx *store.Tx) error {
		switch {
		case errors.Is(err, store.ErrNotFound), errors.Is(err, errGone):
			return tx.DeletePushDelivery(wctx, d.ID)
		case status == http.StatusNotFound || status == http.StatusGone:
			s.log.Info("push subscription gone", "status", status)
			return tx.DeletePushSubscription(wctx, d.SubscriptionID)
		case retryable(status, err) && d.Attempts < s.opts.MaxAttempts:
			return tx.RetryPushDelivery(wctx, d.ID, tx.Now().Add(max(s.backoff(d.Attempts), retryAfter)))
		case err != nil || status >= 300:
			s.log.Warn("push dropped", "status", status, "attempt", d.Attempts, "err", err)
		}
		return tx.DeletePushDelivery(wctx, d.ID)
	})
	if err != nil {
		s.log.Warn("record push outcome failed", "err", err)
	}
}

func retryable(status int, err error) bool {
	if err != nil {
		return !errors.Is(err, errTooLarge) && !errors.Is(err, errGone)
	}
	return status == http.StatusTooManyRequests || status >= 500
}

func (s *Service) backoff(attempt int) time.Duration {
	return s.opts.RetryBase << min(attempt-1, 10)
}

// send encrypts and POSTs the push; it returns the push service's status.
func (s *Service) send(ctx context.Context, sub store.PushSubscription, notificationID int64) (int, time.Duration, error) {
	body, err := s.buildPayload(ctx, sub, notificationID)
	if err != nil {
		return 0, 0, err
	}
	req, err := s.request(ctx, sub, body)
	if err != nil {
		return 0, 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	resp, err := s.client.Do(req.WithContext(ctx))
	if err != nil {
		return 0, 0, fmt.Errorf("post push: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	return resp.StatusCode, retryAfter(resp.Header.Get("Retry-After")), nil
}

// request builds the encrypted POST in the subscription's coding.
func (s *Service) request(ctx context.Context, sub store.PushSubscription, body []byte) (*http.Request, error) {
	as, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	jwt, err := s.vapid.token(sub.Endpoint, s.subject(), s.db.Now())
	if err != nil {
		return nil, err
	}
	enc := base64.RawURLEncoding
	h := http.Header{}
	var msg []byte
	if sub.Standard {
		msg, err = encryptStandard(as, salt, sub.P256DH, sub.Auth, body)
		h.Set("Content-Encoding", "aes128gcm")
		h.Set("Authorization", "vapid t="+jwt+", k="+enc.EncodeToString(s.vapid.pub))
	} else {
		msg, err = encryptLegacy(as, salt, sub.P256DH, sub.Auth, body)
		h.Set("Content-Encoding", "aesgcm")
		h.Set("Encryption", "salt="+enc.EncodeToString(salt))
		h.Set("Crypto-Key", "dh="+enc.EncodeToString(as.PublicKey().Bytes())+";p256ecdsa="+enc.EncodeToString(s.vapid.pub))
		h.Set("Authorization", "WebPush "+jwt)
	}
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Endpoint, bytes.NewReader(msg))
	if err != nil {
		return nil, fmt.Errorf("push request: %w", err)
	}
	req.Header = h
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("TTL", strconv.Itoa(int(s.opts.TTL.Seconds())))
	// Mastodon sends every type as "normal" (RFC 8030 §5.3); "low" would
	// let a phone on battery hold back replies.
	req.Header.Set("Urgency", "normal")
	return req, nil
}

func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs > 0 {
		return min(time.Duration(secs)*time.Second, maxRetryAfter)
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(time.Until(t), 0), maxRetryAfter)
	}
	return 0
}
