package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/safehttp"
	"github.com/pictor-social/pictor/store"
)

// RemoteOptions configures a RemoteCache. Zero fields take the defaults
// given in brackets.
type RemoteOptions struct {
	MaxBytes    int64         // bytes read per download [16 MiB]
	Timeout     time.Duration // whole download, redirects included [30 s]
	Workers     int           // concurrent downloads and pipeline runs [2]
	MaxAttempts int           // tries before a transient failure is final [6]
	RetryBase   time.Duration // first retry delay, doubled on each try [1 min]
	Poll        time.Duration // how often the queue is checked without a Poke [10 s]
	CacheDays   int           // retention RunPrune applies; 0 keeps copies forever
	Limits      Limits        // pipeline bounds; MaxUploadBytes is replaced by MaxBytes
	Budget      *Budget       // decode memory shared with uploads (nil: none)
}

func (o RemoteOptions) withDefaults() RemoteOptions {
	if o.MaxBytes <= 0 {
		o.MaxBytes = 16 << 20
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 6
	}
	if o.RetryBase <= 0 {
		o.RetryBase = time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = 10 * time.Second
	}
	o.Limits = o.Limits.withDefaults()
	o.Limits.MaxUploadBytes = o.MaxBytes
	return o
}

// Longest sides of cached remote avatars and headers: the same as local ones.
const (
	avatarSide = 400
	headerSide = 1500
)

// fetchLease is how long a claimed fetch stays invisible to other claims;
// it must exceed the download plus pipeline time.
const fetchLease = 5 * time.Minute

// RemoteCache downloads remote attachments, avatars and headers queued in
// store (media_fetches) and stores local copies, so pages and apps never
// send readers to other servers; see Run and Prune.
type RemoteCache struct {
	db     *store.DB
	files  Storage
	client *http.Client
	log    *slog.Logger
	opts   RemoteOptions
	wake   chan struct{}
	// filesMu orders "put files, then reference them" in the worker against
	// "check references, then delete" in Prune, so an in-process prune never
	// deletes a content-addressed file a download is about to reference.
	filesMu sync.Mutex
}

// NewRemoteCache returns a cache fetching through client, which must be the
// SSRF-guarded safehttp client (its dialer enforces the address policy on
// every redirect hop).
func NewRemoteCache(db *store.DB, files Storage, client *http.Client, log *slog.Logger, opts RemoteOptions) *RemoteCache {
	return &RemoteCache{db: db, files: files, client: client, log: log, opts: opts.withDefaults(),
		wake: make(chan struct{}, 1)}
}

// Poke makes Run look at the queue now (after new remote media were
// stored). It never blocks.
func (c *RemoteCache) Poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Run drains the fetch queue with at most Options.Workers downloads at a
// time until ctx ends. A crash leaves claimed rows to be retried once their
// lease lapses.
func (c *RemoteCache) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		if c.drain(ctx) < 2*c.opts.Workers {
			c.sleep(ctx)
		}
	}
	return nil
}

// drain claims one batch of due fetches, runs them and returns how many
// it claimed.
func (c *RemoteCache) drain(ctx context.Context) int {
	var claimed []store.MediaFetch
	err := c.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		claimed, err = tx.ClaimMediaFetches(ctx, 2*c.opts.Workers, fetchLease)
		return err
	})
	if err != nil {
		c.log.Warn("claim media fetches failed", "err", err)
	}
	c.runAll(ctx, claimed)
	return len(claimed)
}

func (c *RemoteCache) sleep(ctx context.Context) {
	wait := c.opts.Poll
	if next, err := c.db.NextMediaFetchAt(ctx); err == nil && !next.IsZero() {
		wait = min(max(next.Sub(c.db.Now()), 0), wait)
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-c.wake:
	case <-t.C:
	}
}

func (c *RemoteCache) runAll(ctx context.Context, list []store.MediaFetch) {
	sem := make(chan struct{}, c.opts.Workers)
	var wg sync.WaitGroup
	for _, f := range list {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			c.handle(ctx, f)
		}()
	}
	wg.Wait()
}

// handle runs one fetch and records its outcome: done, retried later with
// backoff (transient failures), or given up (the remote URL stays in use).
func (c *RemoteCache) handle(ctx context.Context, f store.MediaFetch) {
	err := c.cache(ctx, f)
	wctx := context.WithoutCancel(ctx)
	if err != nil && ctx.Err() != nil {
		return // shutting down: the lease lapses and the fetch is retried
	}
	werr := c.db.Write(wctx, func(tx *store.Tx) error {
		if err != nil && !isPermanent(err) && f.Attempts < c.opts.MaxAttempts {
			return tx.RetryMediaFetch(wctx, f, tx.Now().Add(c.opts.RetryBase<<min(f.Attempts-1, 16)), err.Error())
		}
		return tx.FinishMediaFetch(wctx, f)
	})
	switch {
	case werr != nil:
		c.log.Warn("record media fetch failed", "err", werr)
	case err != nil && (isPermanent(err) || f.Attempts >= c.opts.MaxAttempts):
		c.log.Info("remote media not cached", "host", hostOf(f.RemoteURL), "attempt", f.Attempts, "err", err)
	case err != nil:
		c.log.Debug("remote media fetch will be retried", "host", hostOf(f.RemoteURL), "attempt", f.Attempts, "err", err)
	}
	if f.StaleFile != "" && (err == nil || isPermanent(err) || f.Attempts >= c.opts.MaxAttempts) {
		c.dropUnreferenced(wctx, f.StaleFile)
	}
}

// cache downloads and stores f's image unless its target no longer wants it.
func (c *RemoteCache) cache(ctx context.Context, f store.MediaFetch) error {
	if f.RemoteURL == "" {
		return nil
	}
	want, err := c.wanted(ctx, f)
	if err != nil || !want {
		return err
	}
	data, err := c.download(ctx, f.RemoteURL)
	if err != nil {
		return err
	}
	lim := c.opts.Limits
	switch f.Kind {
	case store.FetchAvatar:
		lim.MaxSide = avatarSide
	case store.FetchHeader:
		lim.MaxSide = headerSide
	}
	res, err := Process(ctx, bytes.NewReader(data), lim, Options{Budget: c.opts.Budget})
	if err != nil {
		return err
	}
	return c.record(ctx, f, res)
}

// wanted reports whether f's target still shows f.RemoteURL uncached.
func (c *RemoteCache) wanted(ctx context.Context, f store.MediaFetch) (bool, error) {
	switch f.Kind {
	case store.FetchAttachment:
		m, err := c.db.MediaByID(ctx, f.TargetID)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return err == nil && m.RemoteURL == f.RemoteURL && m.FileName == "", err
	case store.FetchAvatar, store.FetchHeader:
		a, err := c.db.AccountByID(ctx, f.TargetID)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if f.Kind == store.FetchAvatar {
			return err == nil && !a.Local() && a.AvatarURL == f.RemoteURL && a.AvatarFile == "", err
		}
		return err == nil && !a.Local() && a.HeaderURL == f.RemoteURL && a.HeaderFile == "", err
	}
	return false, permanent(fmt.Errorf("unknown fetch kind %q", f.Kind))
}

// record stores the derivatives and points the target at them.
func (c *RemoteCache) record(ctx context.Context, f store.MediaFetch, res Result) error {
	c.filesMu.Lock()
	defer c.filesMu.Unlock()
	full, err := c.files.Put(ctx, res.Full.Data, res.Full.MediaType)
	if err != nil {
		return err
	}
	names := []string{full}
	var updated bool
	if f.Kind == store.FetchAttachment {
		thumb, err := c.files.Put(ctx, res.Thumb.Data, res.Thumb.MediaType)
		if err != nil {
			return err
		}
		names = append(names, thumb)
		img := store.CachedImage{FileName: full, MediaType: res.Full.MediaType, Width: res.Full.Width,
			Height: res.Full.Height, FileSize: int64(len(res.Full.Data)), ThumbName: thumb,
			ThumbWidth: res.Thumb.Width, ThumbHeight: res.Thumb.Height, Blurhash: res.Blurhash}
		err = c.db.Write(ctx, func(tx *store.Tx) error {
			updated, err = tx.CacheRemoteMedia(ctx, f.TargetID, f.RemoteURL, img)
			return err
		})
	} else {
		err = c.db.Write(ctx, func(tx *store.Tx) error {
			updated, err = tx.CacheRemoteAccountImage(ctx, f.Kind, f.TargetID, f.RemoteURL, full)
			return err
		})
	}
	if err == nil && !updated {
		for _, n := range names {
			c.dropUnreferencedLocked(context.WithoutCancel(ctx), n)
		}
	}
	return err
}

// download GETs rawURL through the guarded client within the time and size
// limits. Refused addresses, 4xx answers and oversized bodies are
// permanent failures; network errors, 408, 429 and 5xx are transient.
func (c *RemoteCache) download(ctx context.Context, rawURL string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, permanent(fmt.Errorf("bad media url"))
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, permanent(err)
	}
	req.Header.Set("Accept", "image/*")
	resp, err := c.client.Do(req)
	if err != nil {
		if errors.Is(err, safehttp.ErrForbiddenAddress) {
			return nil, permanent(err)
		}
		return nil, fmt.Errorf("get media: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		err := fmt.Errorf("get media: status %d", resp.StatusCode)
		if resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusRequestTimeout &&
			resp.StatusCode != http.StatusTooManyRequests {
			return nil, permanent(err)
		}
		return nil, err
	}
	if resp.ContentLength > c.opts.MaxBytes {
		return nil, permanent(fmt.Errorf("get media: %d bytes, more than %d", resp.ContentLength, c.opts.MaxBytes))
	}
	data, err := safehttp.ReadAll(resp.Body, c.opts.MaxBytes)
	if errors.Is(err, safehttp.ErrTooLarge) {
		return nil, permanent(err)
	}
	if err != nil {
		return nil, fmt.Errorf("read media: %w", err)
	}
	return data, nil
}

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return permanentError{err} }

// isPermanent: explicit permanent errors, and what the pipeline refuses
// (not an image, damaged, too many pixels, too large).
func isPermanent(err error) bool {
	var p permanentError
	if errors.As(err, &p) {
		return true
	}
	return apperr.StatusOf(err) >= 400 && apperr.StatusOf(err) < 500
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Host
	}
	return ""
}
