package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/genimage/builtin"
	"github.com/pictor-social/pictor/internal/testkit/pgtest"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

// startPairWith is startPair with a configuration change and an image
// backend per process (nil: the configured one).
func startPairWith(t *testing.T, configure func(*config.File), backend func(process string) genimage.Backend) (a, b *servertest.Server, bURL string) {
	t.Helper()
	dbURL := pgtest.NewDatabase(t)
	pg := func(c *config.File) {
		c.Database = config.Database{Driver: "postgres", URL: dbURL, PoolSize: 4}
		if configure != nil {
			configure(c)
		}
	}
	gen := func(p string) genimage.Backend {
		if backend == nil {
			return nil
		}
		return backend(p)
	}
	a = servertest.Start(t, servertest.Options{Plain: true, Configure: pg, GenBackend: gen("A")})
	host := strings.TrimPrefix(a.URL, "http://")
	b = servertest.Start(t, servertest.Options{Plain: true, GenBackend: gen("B"),
		Configure: func(c *config.File) { pg(c); c.Host = host }})
	hb := httptest.NewServer(b.Handler())
	t.Cleanup(hb.Close)
	return a, b, hb.URL
}

// smallBackend is the builtin generator drawing 64×64 images, which cost
// little even under the race detector.
type smallBackend struct{ *builtin.Generator }

func (s smallBackend) Generate(ctx context.Context, req genimage.Request, progress func(genimage.Progress)) (genimage.Result, error) {
	req.Size = "64x64"
	return s.Generator.Generate(ctx, req, progress)
}

// steppedBackend reports each progress it is handed on steps, and draws
// with the builtin generator once steps is closed. started gets the name
// of the process whose backend runs a job.
type steppedBackend struct {
	process string
	started chan<- string
	steps   <-chan genimage.Progress
	inner   genimage.Backend
}

func (s *steppedBackend) Name() string  { return s.inner.Name() }
func (s *steppedBackend) Model() string { return s.inner.Model() }

func (s *steppedBackend) Generate(ctx context.Context, req genimage.Request, progress func(genimage.Progress)) (genimage.Result, error) {
	select {
	case s.started <- s.process:
	default:
	}
	for {
		select {
		case p, ok := <-s.steps:
			if !ok {
				return s.inner.Generate(ctx, req, nil)
			}
			genimage.Report(progress, p)
		case <-ctx.Done():
			return genimage.Result{}, ctx.Err()
		}
	}
}

// Two processes on one database, with a quota of 2 images a day, behave as
// one server for generation progress, quotas and web sessions (issue 10).
// The subtests share the pair, which costs most of the time.
func TestSharedAcrossProcesses(t *testing.T) {
	started := make(chan string, 2)
	steps := make(chan genimage.Progress, 1)
	a, _, bURL := startPairWith(t, func(c *config.File) { c.Generation.ImagesPerDay = 2 }, func(p string) genimage.Backend {
		return &steppedBackend{process: p, started: started, steps: steps, inner: smallBackend{builtin.New()}}
	})
	release := sync.OnceFunc(func() { close(steps) })
	defer release()
	t.Run("generation progress", func(t *testing.T) { testGenerationProgress(t, a, bURL, started, steps, release) })
	t.Run("image quota", func(t *testing.T) { testImageQuota(t, a, bURL) })
	t.Run("web session", func(t *testing.T) { testWebSession(t, a, bURL) })
	t.Run("caches", func(t *testing.T) { testCachesAcrossProcesses(t, a, bURL) })
}

// What one process changes reaches what the other has cached (the token,
// account and rendered-account caches, kept exact across processes by the
// change reports of the store's PostgreSQL triggers): a profile edit shows,
// a revoked token and a suspended account's token are refused.
func testCachesAcrossProcesses(t *testing.T, a *servertest.Server, bURL string) {
	ctx := context.Background()
	host := strings.TrimPrefix(a.URL, "http://")
	dave, erin := accessToken(t, a, "dave"), accessToken(t, a, "erin")
	verify := func(token string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, bURL+"/api/v1/accounts/verify_credentials", nil)
		req.Host = host
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var acct struct {
			DisplayName string `json:"display_name"`
		}
		json.NewDecoder(resp.Body).Decode(&acct)
		return resp.StatusCode, acct.DisplayName
	}
	for range 2 { // the second request is served from B's caches
		for _, tok := range []string{dave, erin} {
			if code, _ := verify(tok); code != http.StatusOK {
				t.Fatalf("verify_credentials through B: %d", code)
			}
		}
	}
	call(t, host, a.URL, http.MethodPatch, "/api/v1/accounts/update_credentials", dave,
		url.Values{"display_name": {"Dave Edited"}}, nil)
	servertest.Eventually(t, 10*time.Second, "B shows the profile edited through A", func() bool {
		_, name := verify(dave)
		return name == "Dave Edited"
	})
	daveAcct, err := a.DB.AccountByHandle(ctx, "dave", "")
	if err != nil {
		t.Fatal(err)
	}
	erinAcct, err := a.DB.AccountByHandle(ctx, "erin", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.DB.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.RevokeOAuthTokensOfAccount(ctx, daveAcct.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	servertest.Eventually(t, 10*time.Second, "B refuses the token revoked through A", func() bool {
		code, _ := verify(dave)
		return code == http.StatusUnauthorized
	})
	if err := a.DB.Write(ctx, func(tx *store.Tx) error { return tx.SetAccountSuspended(ctx, erinAcct.ID, true) }); err != nil {
		t.Fatal(err)
	}
	servertest.Eventually(t, 10*time.Second, "B refuses the token of the account suspended through A", func() bool {
		code, _ := verify(erin)
		return code != http.StatusOK
	})
}

// A generation submitted through one process and run by whichever process
// claims it is watched through the other: its event stream shows the
// runner's progress stages as they happen, then the finished generation
// (issue 10: "generation progress reaches whichever process serves the
// client"). release closes steps, which lets this and later jobs finish.
func testGenerationProgress(t *testing.T, a *servertest.Server, bURL string, started <-chan string, steps chan<- genimage.Progress, release func()) {
	host := strings.TrimPrefix(a.URL, "http://")
	alice := accessToken(t, a, "alice")
	var job struct{ ID string }
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/api/v1/pictor/generations", strings.NewReader(`{"prompt":"a lighthouse"}`))
	req.Header.Set("Authorization", "Bearer "+alice)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&job)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || job.ID == "" {
		t.Fatalf("submit through A: %s %+v", resp.Status, job)
	}
	// Watch through the process that does not run the job.
	watch := a.URL
	select {
	case p := <-started:
		if p == "A" {
			watch = bURL
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no process started the job within 30s")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, watch+"/api/v1/pictor/generations/"+job.ID+"/stream", nil)
	req.Host = host
	req.Header.Set("Authorization", "Bearer "+alice)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stream: %s", resp.Status)
	}
	events := servertest.SSEEvents(resp.Body)
	// The watcher subscribes, and its relay LISTENs, a moment after the
	// stream opens: report progress until a report comes through.
	deadline := time.After(20 * time.Second)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for sent, seen := 0, false; !seen; {
		select {
		case steps <- genimage.Progress{Stage: genimage.StageRendering, Fraction: float64(sent+1) / 1000}:
			sent++
		default:
		}
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("the stream ended before any progress")
			}
			var e genimage.Event
			json.Unmarshal([]byte(ev[1]), &e)
			seen = ev[0] == "progress" && e.Stage == genimage.StageRendering && e.Fraction > 0
		case <-tick.C:
		case <-deadline:
			t.Fatal("no progress of the running job reached the other process within 20s")
		}
	}
	release()
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("the stream ended without the finished generation")
			}
			if ev[0] != "generation" {
				continue
			}
			var g struct{ State string }
			json.Unmarshal([]byte(ev[1]), &g)
			if g.State != "done" {
				t.Fatalf("finished generation: %s", ev[1])
			}
			return
		case <-time.After(30 * time.Second):
			t.Fatal("the finished generation did not reach the other process within 30s")
		}
	}
}

// The daily image quota holds when a user's requests go to two processes
// at once: of 6 concurrent requests (3 through each) with a quota of 2
// images a day, exactly 2 are accepted, and later ones through either
// process are refused with 429.
func testImageQuota(t *testing.T, a *servertest.Server, bURL string) {
	host := strings.TrimPrefix(a.URL, "http://")
	alice := accessToken(t, a, "bob")
	submit := func(base string, i int) int {
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/pictor/generations",
			strings.NewReader(fmt.Sprintf(`{"prompt":"a fox %d"}`, i)))
		req.Host = host
		req.Header.Set("Authorization", "Bearer "+alice)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return 0
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	codes := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		base := a.URL
		if i%2 == 1 {
			base = bURL
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			code := submit(base, i)
			mu.Lock()
			codes[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[http.StatusAccepted] != 2 || codes[http.StatusTooManyRequests] != 4 {
		t.Fatalf("answers to 6 concurrent requests with a quota of 2: %v", codes)
	}
	for i, base := range []string{a.URL, bURL} {
		if code := submit(base, 10+i); code != http.StatusTooManyRequests {
			t.Errorf("request %d after the quota: %d, want 429", i, code)
		}
	}
}

// browser is a cookie-carrying web client that sends every request to one
// of two processes with the instance's Host header.
type browser struct {
	t       *testing.T
	host    string
	cookies map[string]string
}

func (br *browser) do(base, method, path string, form url.Values) (*http.Response, string) {
	br.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, base+path, body)
	req.Host = br.host
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range br.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		br.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(br.cookies, c.Name)
		} else {
			br.cookies[c.Name] = c.Value
		}
	}
	return resp, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (br *browser) csrf(page string) string {
	br.t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		br.t.Fatal("no csrf_token in the page")
	}
	return m[1]
}

// A browser signed in through process A is signed in on process B (web
// sessions live in the database), a form shown by A posts through B (the
// CSRF token is the session's), and signing out through B ends the session
// on A.
func testWebSession(t *testing.T, a *servertest.Server, bURL string) {
	a.CreateUser(t, "carol", "")
	br := &browser{t: t, host: strings.TrimPrefix(a.URL, "http://"), cookies: map[string]string{}}
	_, page := br.do(a.URL, http.MethodGet, "/signin", nil)
	resp, _ := br.do(bURL, http.MethodPost, "/signin", url.Values{"csrf_token": {br.csrf(page)},
		"username": {"carol"}, "password": {"correct horse battery"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in through B with A's form: %s", resp.Status)
	}
	for _, base := range []string{a.URL, bURL} {
		if resp, _ := br.do(base, http.MethodGet, "/settings/profile", nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("settings through %s: %s, want 200 (signed in)", base, resp.Status)
		}
	}
	_, page = br.do(a.URL, http.MethodGet, "/settings/profile", nil)
	signedIn := maps.Clone(br.cookies)
	if resp, _ := br.do(bURL, http.MethodPost, "/signout", url.Values{"csrf_token": {br.csrf(page)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out through B: %s", resp.Status)
	}
	br.cookies = signedIn // the old cookie, replayed
	if resp, _ := br.do(a.URL, http.MethodGet, "/settings/profile", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("settings through A after signing out on B: %s, want a redirect to sign in", resp.Status)
	}
}
