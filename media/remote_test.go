package media

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pictor-social/pictor/internal/safehttp"
	"github.com/pictor-social/pictor/store"
)

// remoteEnv is a store, a media folder, a cache and a loopback "remote
// server" serving images under fixed paths.
type remoteEnv struct {
	db     *store.DB
	files  Storage
	dir    string
	cache  *RemoteCache
	remote *httptest.Server
	now    atomic.Int64 // the store clock, Unix ms
	author store.Account
	local  store.Account
	hits   sync.Map // path → *atomic.Int32
}

func newRemoteEnv(t *testing.T, opts RemoteOptions, client *http.Client) *remoteEnv {
	t.Helper()
	return newRemoteEnvOn(t, opts, client, nil)
}

// newRemoteEnvOn is newRemoteEnv storing into st (nil: a local folder).
func newRemoteEnvOn(t *testing.T, opts RemoteOptions, client *http.Client, st Storage) *remoteEnv {
	t.Helper()
	e := &remoteEnv{files: st}
	e.now.Store(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC).UnixMilli())
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "pictor.db"),
		store.Options{Clock: func() time.Time { return time.UnixMilli(e.now.Load()) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.db = db
	e.dir = filepath.Join(t.TempDir(), "media")
	if e.files == nil {
		if e.files, err = NewFiles(e.dir); err != nil {
			t.Fatal(err)
		}
	}
	e.remote = httptest.NewServer(http.HandlerFunc(e.serve(t)))
	t.Cleanup(e.remote.Close)
	if client == nil {
		client = safehttp.New(safehttp.Options{AllowPrivate: true, Timeout: 5 * time.Second})
	}
	e.cache = NewRemoteCache(db, e.files, client, slog.New(slog.DiscardHandler), opts)
	e.author = e.account(t, "bob", "remote.example", "")
	e.local = e.account(t, "alice", "", "")
	return e
}

// serve answers the fixed paths of the fake remote server.
func (e *remoteEnv) serve(t *testing.T) func(http.ResponseWriter, *http.Request) {
	photo := encodeJPEGT(t, photoLike(900, 600))
	other := encodePNGT(t, quadrants(64, 64))
	return func(w http.ResponseWriter, r *http.Request) {
		n, _ := e.hits.LoadOrStore(r.URL.Path, new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		switch r.URL.Path {
		case "/photo.jpg":
			w.Header().Set("Content-Type", "image/jpeg")
			w.Write(photo)
		case "/other.png":
			w.Write(other)
		case "/big.jpg": // declared too large
			w.Header().Set("Content-Length", fmt.Sprint(len(photo)))
			w.Write(photo)
		case "/big-chunked.jpg": // too large without a Content-Length
			w.(http.Flusher).Flush()
			w.Write(photo)
		case "/page.html":
			w.Header().Set("Content-Type", "image/jpeg") // lies; the bytes decide
			w.Write([]byte("<!doctype html><title>not an image</title>"))
		case "/bomb.png":
			w.Write(pngBomb(100_000, 100_000))
		case "/bomb16.png": // under max_pixels, but 128 MB of 16-bit pixels
			w.Write(pngBombDepth(4000, 4000, 16))
		case "/slow.jpg":
			<-r.Context().Done()
		case "/gone.jpg":
			http.Error(w, "gone", http.StatusGone)
		case "/busy.jpg":
			http.Error(w, "busy", http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	}
}

func (e *remoteEnv) hitCount(path string) int {
	n, ok := e.hits.Load(path)
	if !ok {
		return 0
	}
	return int(n.(*atomic.Int32).Load())
}

func (e *remoteEnv) account(t *testing.T, name, domain, avatar string) store.Account {
	t.Helper()
	a := store.Account{Username: name, Domain: domain, URI: "https://" + domain + "/users/" + name,
		AvatarURL: avatar}
	if domain == "" {
		a.URI = "https://pictor.test/users/" + name
	}
	e.write(t, func(tx *store.Tx) error { return tx.InsertAccount(context.Background(), &a) })
	return a
}

func (e *remoteEnv) write(t *testing.T, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := e.db.Write(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// remoteStatus stores a remote status by bob with one attachment at url
// (the trigger queues its download) and returns the attachment.
func (e *remoteEnv) remoteStatus(t *testing.T, url string) store.MediaAttachment {
	t.Helper()
	ctx := context.Background()
	var m store.MediaAttachment
	e.write(t, func(tx *store.Tx) error {
		st := store.Status{URI: url + "#status", AccountID: e.author.ID, Visibility: "public"}
		if err := tx.InsertStatus(ctx, &st); err != nil {
			return err
		}
		m = store.MediaAttachment{AccountID: e.author.ID, StatusID: st.ID, RemoteURL: url, MediaType: "image/jpeg",
			Blurhash: "", Width: 900, Height: 600}
		return tx.InsertMedia(ctx, &m)
	})
	return m
}

func (e *remoteEnv) media(t *testing.T, id int64) store.MediaAttachment {
	t.Helper()
	m, err := e.db.MediaByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// drainAll runs the worker until nothing is due.
func (e *remoteEnv) drainAll(ctx context.Context) {
	for e.cache.drain(ctx) > 0 {
	}
}

func (e *remoteEnv) fileExists(name string) bool {
	_, err := e.files.Stat(context.Background(), name)
	return err == nil
}

func TestRemoteCacheStoresAttachment(t *testing.T) {
	e := newRemoteEnv(t, RemoteOptions{}, nil)
	ctx := context.Background()
	url := e.remote.URL + "/photo.jpg"
	m := e.remoteStatus(t, url)
	if _, err := e.db.MediaFetchByTarget(ctx, store.FetchAttachment, m.ID); err != nil {
		t.Fatalf("no fetch queued by the insert: %v", err)
	}
	e.drainAll(ctx)
	got := e.media(t, m.ID)
	if got.FileName == "" || got.ThumbName == "" || got.RemoteURL != url {
		t.Fatalf("not cached: file %q thumb %q remote %q", got.FileName, got.ThumbName, got.RemoteURL)
	}
	if got.Blurhash == "" || got.Width != 900 || got.Height != 600 || got.ThumbWidth != 640 {
		t.Errorf("derivative facts: blurhash %q %dx%d thumb %dx%d", got.Blurhash, got.Width, got.Height,
			got.ThumbWidth, got.ThumbHeight)
	}
	if !e.fileExists(got.FileName) || !e.fileExists(got.ThumbName) {
		t.Error("files missing on disk")
	}
	if _, err := e.db.MediaFetchByTarget(ctx, store.FetchAttachment, m.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("fetch still queued: %v", err)
	}
	if n := e.hitCount("/photo.jpg"); n != 1 {
		t.Errorf("downloaded %d times", n)
	}
}

// Every permanent failure leaves the remote URL in use and the queue empty.
func TestRemoteCachePermanentFailures(t *testing.T) {
	for _, tc := range []struct {
		path string
		opts RemoteOptions
	}{
		{"/big.jpg", RemoteOptions{MaxBytes: 10_000}},
		{"/big-chunked.jpg", RemoteOptions{MaxBytes: 10_000}},
		{"/page.html", RemoteOptions{}},
		{"/bomb.png", RemoteOptions{}},
		{"/bomb16.png", RemoteOptions{Limits: Limits{MaxDecodeBytes: 64 << 20}}},
		{"/gone.jpg", RemoteOptions{}},
		{"/missing.jpg", RemoteOptions{}},
	} {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
			e := newRemoteEnv(t, tc.opts, nil)
			ctx := context.Background()
			m := e.remoteStatus(t, e.remote.URL+tc.path)
			e.drainAll(ctx)
			got := e.media(t, m.ID)
			if got.FileName != "" || got.RemoteURL != e.remote.URL+tc.path {
				t.Errorf("file %q remote %q", got.FileName, got.RemoteURL)
			}
			if _, err := e.db.MediaFetchByTarget(ctx, store.FetchAttachment, m.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("fetch not given up: %v", err)
			}
			if n := e.hitCount(tc.path); n != 1 {
				t.Errorf("fetched %d times, want 1", n)
			}
		})
	}
}

// Timeouts and 5xx are retried later with growing delays, then given up.
func TestRemoteCacheRetriesTransientFailures(t *testing.T) {
	for _, path := range []string{"/slow.jpg", "/busy.jpg"} {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			e := newRemoteEnv(t, RemoteOptions{Timeout: 200 * time.Millisecond, RetryBase: time.Minute, MaxAttempts: 3}, nil)
			ctx := context.Background()
			m := e.remoteStatus(t, e.remote.URL+path)
			var delays []time.Duration
			for attempt := 1; attempt <= 3; attempt++ {
				start := time.UnixMilli(e.now.Load())
				if n := e.cache.drain(ctx); n != 1 {
					t.Fatalf("attempt %d: claimed %d", attempt, n)
				}
				if n := e.cache.drain(ctx); n != 0 {
					t.Fatalf("attempt %d: retried at once", attempt)
				}
				f, err := e.db.MediaFetchByTarget(ctx, store.FetchAttachment, m.ID)
				if attempt == 3 {
					if !errors.Is(err, store.ErrNotFound) {
						t.Fatalf("not given up after 3 attempts: %+v %v", f, err)
					}
					break
				}
				if err != nil || f.Attempts != attempt || f.LastError == "" {
					t.Fatalf("attempt %d: %+v %v", attempt, f, err)
				}
				next, _ := e.db.NextMediaFetchAt(ctx)
				delays = append(delays, next.Sub(start))
				e.now.Store(next.UnixMilli())
			}
			if len(delays) != 2 || delays[0] != time.Minute || delays[1] != 2*time.Minute {
				t.Errorf("delays %v, want [1m 2m]", delays)
			}
			if got := e.media(t, m.ID); got.FileName != "" {
				t.Errorf("cached %q", got.FileName)
			}
		})
	}
}

// redirector serves a "public" host by handing it to another server; every
// other host goes through the real guarded transport.
type redirector struct {
	public string
	to     http.RoundTripper
	guard  http.RoundTripper
}

func (r redirector) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == r.public {
		return r.to.RoundTrip(req)
	}
	return r.guard.RoundTrip(req)
}

// A remote server that redirects to a private address gets nothing when
// private addresses are not allowed: the guarded dialer refuses the hop.
func TestRemoteCacheRefusesRedirectToPrivateAddress(t *testing.T) {
	var target atomic.Int32
	private := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target.Add(1)
		w.Write(encodePNGT(t, gradient(8, 8)))
	}))
	defer private.Close()
	var asked atomic.Int32
	public := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.Redirect(w, r, private.URL+"/secret.png", http.StatusFound)
	}))
	defer public.Close()
	guarded := safehttp.New(safehttp.Options{AllowPrivate: false, Timeout: 5 * time.Second})
	client := *guarded
	client.Transport = redirector{public: "media.public.example", guard: guarded.Transport,
		to: hostRewrite{host: public.Listener.Addr().String(), next: http.DefaultTransport}}

	e := newRemoteEnv(t, RemoteOptions{}, &client)
	ctx := context.Background()
	m := e.remoteStatus(t, "http://media.public.example/photo.jpg")
	e.drainAll(ctx)
	if got := e.media(t, m.ID); got.FileName != "" {
		t.Fatalf("cached through a private redirect: %q", got.FileName)
	}
	if asked.Load() != 1 || target.Load() != 0 {
		t.Errorf("public server asked %d times, private one reached %d times", asked.Load(), target.Load())
	}
	if _, err := e.db.MediaFetchByTarget(ctx, store.FetchAttachment, m.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused address is not final: %v", err)
	}
}

// hostRewrite sends requests to a fixed loopback address.
type hostRewrite struct {
	host string
	next http.RoundTripper
}

func (h hostRewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Host = h.host
	return h.next.RoundTrip(req)
}

func TestRemoteCacheAvatarFollowsURLChanges(t *testing.T) {
	e := newRemoteEnv(t, RemoteOptions{}, nil)
	ctx := context.Background()
	a := e.account(t, "carol", "remote.example", e.remote.URL+"/photo.jpg")
	e.drainAll(ctx)
	got, _ := e.db.AccountByID(ctx, a.ID)
	first := got.AvatarFile
	if first == "" || !e.fileExists(first) {
		t.Fatalf("avatar not cached: %q", first)
	}
	// A profile update (as storeActor writes it: the whole row, old file
	// included) with a new avatar URL drops the old copy and fetches anew.
	got.AvatarURL = e.remote.URL + "/other.png"
	e.write(t, func(tx *store.Tx) error { return tx.UpdateAccount(ctx, &got) })
	now, _ := e.db.AccountByID(ctx, a.ID)
	if now.AvatarFile != "" {
		t.Fatalf("stale avatar still shown: %q", now.AvatarFile)
	}
	e.drainAll(ctx)
	now, _ = e.db.AccountByID(ctx, a.ID)
	if now.AvatarFile == "" || now.AvatarFile == first {
		t.Fatalf("new avatar not cached: %q", now.AvatarFile)
	}
	if e.fileExists(first) {
		t.Error("old avatar file kept")
	}
	// An unchanged URL queues nothing.
	e.write(t, func(tx *store.Tx) error { return tx.UpdateAccount(ctx, &now) })
	if _, err := e.db.MediaFetchByTarget(ctx, store.FetchAvatar, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unchanged avatar queued: %v", err)
	}
}

// The remote-media cache stores into either storage, and pruning deletes
// the files or objects no row references any more.
func TestRemoteCachePrune(t *testing.T) {
	for _, sf := range storageFactories {
		t.Run(sf.name, func(t *testing.T) {
			testRemoteCachePrune(t, newRemoteEnvOn(t, RemoteOptions{}, nil, sf.open(t)))
		})
	}
}

func testRemoteCachePrune(t *testing.T, e *remoteEnv) {
	ctx := context.Background()
	old := e.remoteStatus(t, e.remote.URL+"/photo.jpg")
	liked := e.remoteStatus(t, e.remote.URL+"/other.png")
	e.drainAll(ctx)
	e.write(t, func(tx *store.Tx) error {
		return tx.InsertFavourite(ctx, &store.Favourite{AccountID: e.local.ID, StatusID: liked.StatusID})
	})
	// A local upload and a generated image with its original, by alice.
	localFile, _ := e.files.Put(t.Context(), encodePNGT(t, gradient(20, 20)), TypePNG)
	origFile, _ := e.files.Put(t.Context(), encodePNGT(t, gradient(30, 30)), TypePNG)
	e.write(t, func(tx *store.Tx) error {
		return tx.InsertMedia(ctx, &store.MediaAttachment{AccountID: e.local.ID, FileName: localFile,
			OriginalName: origFile, GeneratorBackend: "builtin"})
	})
	e.now.Add((8 * 24 * time.Hour).Milliseconds())
	fresh := e.remoteStatus(t, e.remote.URL+"/photo.jpg?again")
	e.drainAll(ctx)

	oldCached := e.media(t, old.ID)
	res, err := e.cache.Prune(ctx, 7*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.media(t, old.ID); got.FileName != "" || got.ThumbName != "" || got.RemoteURL != old.RemoteURL {
		t.Errorf("old copy kept: %+v", got)
	}
	if got := e.media(t, liked.ID); got.FileName == "" {
		t.Error("favourited copy pruned")
	}
	if got := e.media(t, fresh.ID); got.FileName == "" || !e.fileExists(got.FileName) {
		t.Error("fresh copy pruned (or its shared file deleted)")
	}
	if res.Attachments != 1 || res.Files != 0 {
		t.Errorf("result %+v, want 1 attachment and no file (the fresh copy shares them)", res)
	}
	if !e.fileExists(oldCached.FileName) || !e.fileExists(localFile) || !e.fileExists(origFile) {
		t.Error("a referenced file was deleted")
	}
	// Once the fresh copy is old too, its files go.
	e.now.Add((8 * 24 * time.Hour).Milliseconds())
	res, err = e.cache.Prune(ctx, 7*24*time.Hour)
	if err != nil || res.Attachments != 1 || res.Files != 2 {
		t.Errorf("second prune %+v %v, want 1 attachment, 2 files", res, err)
	}
	if e.fileExists(oldCached.FileName) || e.fileExists(oldCached.ThumbName) {
		t.Error("unreferenced files kept")
	}
	if !e.fileExists(localFile) || !e.fileExists(origFile) {
		t.Error("local media deleted")
	}
}

// A remote image waits for the decode budget it shares with uploads: while
// the budget stays full the fetch is retried later, never decoded beside it.
func TestRemoteCacheWaitsForDecodeBudget(t *testing.T) {
	budget := NewBudget(64<<20, 10*time.Millisecond)
	e := newRemoteEnv(t, RemoteOptions{Budget: budget, RetryBase: time.Minute}, nil)
	ctx := context.Background()
	m := e.remoteStatus(t, e.remote.URL+"/photo.jpg")
	hold, err := budget.acquire(ctx, budget.Size(), false)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.cache.drain(ctx); n != 1 {
		t.Fatalf("claimed %d", n)
	}
	f, err := e.db.MediaFetchByTarget(ctx, store.FetchAttachment, m.ID)
	if err != nil || f.Attempts != 1 || !strings.Contains(f.LastError, "busy") {
		t.Fatalf("with the budget full: %+v %v", f, err)
	}
	if got := e.media(t, m.ID); got.FileName != "" {
		t.Fatalf("cached %q while the budget was full", got.FileName)
	}
	hold()
	next, _ := e.db.NextMediaFetchAt(ctx)
	e.now.Store(next.UnixMilli())
	if n := e.cache.drain(ctx); n != 1 {
		t.Fatalf("retry claimed %d", n)
	}
	if got := e.media(t, m.ID); got.FileName == "" {
		t.Fatal("not cached once the budget had room")
	}
	if n := budget.inUse(); n != 0 {
		t.Fatalf("%d bytes still reserved", n)
	}
}
