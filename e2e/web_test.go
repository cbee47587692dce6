package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/genimage/builtin"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// requireBrowser skips (or, under PICTOR_E2E=1, fails) when node, the npm
// playwright-core package or Debian's chromium is missing.
func requireBrowser(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat("node_modules/playwright-core/package.json")
	}
	if err == nil {
		_, err = os.Stat("/usr/bin/chromium")
	}
	if err != nil {
		if os.Getenv("PICTOR_E2E") == "1" {
			t.Fatalf("browser test needs node, e2e/node_modules/playwright-core and /usr/bin/chromium: %v", err)
		}
		t.Skipf("browser test needs node, playwright-core and chromium: %v", err)
	}
	return node
}

var seedPrompts = []string{
	"a lighthouse on a cliff at dusk, watercolour",
	"a fox sleeping in fresh snow, soft morning light",
	"neon koi fish swimming through a rainy city street",
	"a tiny greenhouse on the moon, isometric illustration",
	"sunflowers in the style of a risograph print",
	"an old tram climbing a hill in Lisbon, golden hour",
	"a whale made of clouds above a quiet harbour",
	"paper lanterns floating over a mountain lake",
}

// seedPosts generates one post per seed prompt through the server's
// generation service (the builtin backend, at 512 pixels to keep it quick)
// and returns the page paths of a plain generated post and one behind a
// content warning.
func seedPosts(t *testing.T, srv *servertest.Server, a store.Account) (genPath, cwPath string) {
	t.Helper()
	ctx := context.Background()
	for i, prompt := range seedPrompts {
		d := store.PostDraft{Visibility: "public"}
		if i == 2 {
			d.SpoilerText, d.Sensitive = "flashing colours", true
		}
		j, err := srv.Gen.Submit(ctx, genimage.SubmitRequest{AccountID: a.ID, Kind: store.JobPost, Prompt: prompt,
			Seed: int64(i + 1), Size: "512x512", Draft: d, Source: genimage.SourceAPI})
		if err != nil {
			t.Fatal(err)
		}
		if j, err = srv.Gen.Wait(ctx, j.ID, time.Minute, nil); err != nil || j.State != store.JobDone || j.StatusID == 0 {
			t.Fatalf("seed job %q: %s %q %v", prompt, j.State, j.Error, err)
		}
		path := "/@" + a.Username + "/" + store.FormatID(j.StatusID)
		switch i {
		case 1:
			genPath = path
		case 2:
			cwPath = path
		}
	}
	return genPath, cwPath
}

// runBrowserScript runs one of e2e/browser's scripts under node with env
// added, opens the generation gate when the script asks for it, logs what
// it printed and fails the test if it failed. It returns its output.
func runBrowserScript(t *testing.T, ctx context.Context, node, script string, gated *gatedBuiltin, env ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if sc.Text() == "pictor: open the generation gate" {
			gated.Release()
		}
	}
	err = cmd.Wait()
	t.Logf("%s:\n%s%s", script, out.String(), stderr.String())
	if err != nil {
		t.Fatalf("browser script %s failed: %v", script, err)
	}
	return out.String()
}

// gatedBuiltin is the builtin backend behind a gate: while the gate is
// held, Generate waits for Release before drawing, so a test can see a
// job's page while the job runs.
type gatedBuiltin struct {
	*builtin.Generator
	mu   sync.Mutex
	gate chan struct{} // nil: open
}

// Hold makes the following generations wait for Release.
func (g *gatedBuiltin) Hold() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gate = make(chan struct{})
}

// Release lets waiting and later generations run; it may be called again.
func (g *gatedBuiltin) Release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.gate != nil {
		close(g.gate)
		g.gate = nil
	}
}

func (g *gatedBuiltin) Generate(ctx context.Context, req genimage.Request, progress func(genimage.Progress)) (genimage.Result, error) {
	g.mu.Lock()
	gate := g.gate
	g.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return genimage.Result{}, ctx.Err()
		}
	}
	return g.Generator.Generate(ctx, req, progress)
}

// startGated starts a whole server like servertest.Start (HTTPS on
// loopback, a test CA), with its image backend the builtin one behind a
// gate. Do not call Stop on the result; the server stops when the test ends.
func startGated(t *testing.T, configure func(*config.File)) (*servertest.Server, *gatedBuiltin) {
	t.Helper()
	gated := &gatedBuiltin{Generator: builtin.New()}
	srv := servertest.Start(t, servertest.Options{Configure: configure, GenBackend: gated})
	// Cleanups run last-in first-out: the gate opens before the server stops.
	t.Cleanup(gated.Release)
	return srv, gated
}

// authorizeURL registers an app and returns its consent page URL.
func authorizeURL(t *testing.T, srv *servertest.Server) string {
	t.Helper()
	resp, err := srv.Client.PostForm(srv.URL+"/api/v1/apps", url.Values{"client_name": {"Elk"},
		"redirect_uris": {"https://elk.example/callback"}, "scopes": {"read write follow push"}, "website": {"https://elk.example"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a struct {
		ClientID string `json:"client_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || a.ClientID == "" {
		t.Fatalf("register app: %v", err)
	}
	return srv.URL + "/oauth/authorize?" + url.Values{"response_type": {"code"}, "client_id": {a.ClientID},
		"redirect_uri": {"https://elk.example/callback"}, "scope": {"read write follow push"}}.Encode()
}

// The web pages in a real browser (issue 5, "Shown by tests"). The
// generation step holds the builtin backend until the script has seen the
// job page's live progress, then the script's "open the generation gate"
// line releases it. With PICTOR_SCREENSHOTS=1 it refreshes
// docs/screenshots/.
func TestWebInBrowser(t *testing.T) {
	node := requireBrowser(t)
	srv, gated := startGated(t, func(c *config.File) {
		c.InstanceTitle = "Pictor"
		c.InstanceDescription = "The newest AI-generated images from people on this server."
	})
	alice := createAlice(t, srv)
	genPath, cwPath := seedPosts(t, srv, alice)
	remotePost, remoteHandle := seedRemotePost(t, srv)
	shots := ""
	if os.Getenv("PICTOR_SCREENSHOTS") == "1" {
		shots, _ = filepath.Abs("../docs/screenshots")
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	gated.Hold()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out := runBrowserScript(t, ctx, node, "browser/web.mjs", gated, "PICTOR_URL="+srv.URL, "PICTOR_USER=alice",
		"PICTOR_PASSWORD=correct horse battery", "PICTOR_GEN_POST="+genPath, "PICTOR_CW_POST="+cwPath,
		"PICTOR_AUTHORIZE="+authorizeURL(t, srv), "PICTOR_SCREENSHOTS="+shots,
		"PICTOR_REMOTE_POST="+remotePost, "PICTOR_REMOTE_ACCT="+remoteHandle)
	for _, want := range []string{"ok - the job page polls its progress while the job runs", "ok - phone: two cards per row",
		"ok - the content warning is shown once", "ok - a reply from the post page shows up in its thread",
		"ok - a remote post is liked from /authorize_interaction", "ok - a remote account is followed from /authorize_interaction",
		"ok - settings: the new display name shows on the profile"} {
		if !strings.Contains(out, want) {
			t.Fatalf("the browser script did not reach %q", want)
		}
	}
}

// seedRemotePost starts a second Pictor server trusted by srv's CA, where
// "carol" posts one generated image, and returns the post's ActivityPub id
// and carol's handle, for srv's /authorize_interaction.
func seedRemotePost(t *testing.T, srv *servertest.Server) (uri, handle string) {
	t.Helper()
	remote := servertest.Start(t, servertest.Options{CA: srv.CA})
	carol := remote.CreateUser(t, "carol", "")
	ctx := context.Background()
	j, err := remote.Gen.Submit(ctx, genimage.SubmitRequest{AccountID: carol.ID, Kind: store.JobPost,
		Prompt: "a paper boat on a moonlit canal", Seed: 42, Size: "512x512",
		Draft: store.PostDraft{Visibility: "public", Text: "Made on another server"}, Source: genimage.SourceAPI})
	if err != nil {
		t.Fatal(err)
	}
	if j, err = remote.Gen.Wait(ctx, j.ID, time.Minute, nil); err != nil || j.State != store.JobDone {
		t.Fatalf("remote seed job: %s %q %v", j.State, j.Error, err)
	}
	st, err := remote.DB.StatusByID(ctx, j.StatusID)
	if err != nil {
		t.Fatal(err)
	}
	return st.URI, "carol@" + strings.TrimPrefix(remote.URL, "https://")
}

// createAlice creates the admin account the browser tests sign in as.
func createAlice(t *testing.T, srv *servertest.Server) store.Account {
	t.Helper()
	hash, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	alice, err := srv.Social.CreateAccount(context.Background(), social.NewAccount{Username: "alice", PasswordHash: hash,
		Admin: true, DisplayName: "Alice Liddell", Note: "I make pictures with words. Mostly lighthouses, foxes and the sea."})
	if err != nil {
		t.Fatal(err)
	}
	return alice
}

// webClient is a browser without JavaScript: it keeps cookies and does not
// follow redirects, so tests see each response.
type webClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

type webPage struct {
	Status         int
	Location, Type string
	Body           string
}

func newWebClient(t *testing.T, srv *servertest.Server) *webClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := *srv.Client
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &webClient{t: t, base: srv.URL, c: &c}
}

func (w *webClient) do(req *http.Request) webPage {
	w.t.Helper()
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
	}
	resp, err := w.c.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		w.t.Fatal(err)
	}
	return webPage{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Type: resp.Header.Get("Content-Type"),
		Body: string(body)}
}

func (w *webClient) get(path, accept string) webPage {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodGet, w.base+path, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	return w.do(req)
}

func (w *webClient) post(path string, form url.Values) webPage {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodPost, w.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return w.do(req)
}

var csrfFieldRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (p webPage) csrf(t *testing.T) string {
	t.Helper()
	m := csrfFieldRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no CSRF field in the page (%d):\n%.1500s", p.Status, p.Body)
	}
	return m[1]
}

func (p webPage) mustContain(t *testing.T, what string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(p.Body, want) {
			t.Fatalf("%s: %q missing (status %d):\n%.3000s", what, want, p.Status, p.Body)
		}
	}
}

func (w *webClient) signIn(user, password string) {
	w.t.Helper()
	p := w.get("/signin", "")
	res := w.post("/signin", url.Values{"csrf_token": {p.csrf(w.t)}, "username": {user}, "password": {password}})
	if res.Status != http.StatusSeeOther {
		w.t.Fatalf("sign in: %d\n%.1500s", res.Status, res.Body)
	}
}

var (
	jobLocationRE = regexp.MustCompile(`^/compose/jobs/([A-Za-z0-9-]+)$`)
	pickRE        = regexp.MustCompile(`name="media" value="([0-9]+)"`)
	originalRE    = regexp.MustCompile(`<dt>Original</dt><dd><a href="([^"]+)">provider(?:'|&#39;)s file</a>`)
	remixRE       = regexp.MustCompile(`<a class="button primary" href="(/compose\?[^"]+)">Remix this prompt</a>`)
)

// Generation without JavaScript, on the live server with the builtin
// backend: the job page refreshes itself (a <noscript> meta refresh) until
// the image is ready, then the reviewed image is posted with the prefilled
// alt text, a content warning and the AI label, and shows up on the post
// page (with the provider's original file), in Explore and on the profile.
func TestWebGenerateWithoutJavaScript(t *testing.T) {
	srv, gated := startGated(t, nil)
	createAlice(t, srv)
	w := newWebClient(t, srv)
	w.signIn("alice", "correct horse battery")
	const prompt = "a paper boat on a green pond, morning mist"
	p := w.get("/compose", "")
	p.mustContain(t, "compose", `action="/compose/generate"`, "<strong>50</strong> of 50 images left today")
	gated.Hold()
	res := w.post("/compose/generate", url.Values{"csrf_token": {p.csrf(t)}, "prompt": {prompt}})
	m := jobLocationRE.FindStringSubmatch(res.Location)
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("generate: %d %q\n%.1500s", res.Status, res.Location, res.Body)
	}
	job := w.get(res.Location, "")
	job.mustContain(t, "running job page", `<noscript><meta http-equiv="refresh" content="3"></noscript>`,
		`<noscript><p><a class="button" href="">Refresh</a></p></noscript>`, "<progress")
	if strings.Contains(job.Body, `name="media"`) {
		t.Fatal("the job page offers images before the job ran")
	}
	gated.Release()
	servertest.Eventually(t, 30*time.Second, "the refreshed job page shows the image", func() bool {
		job = w.get(res.Location, "")
		return strings.Contains(job.Body, `name="media"`)
	})
	alt := "AI-generated image (builtin pictor-abstract-1). Prompt: " + prompt
	job.mustContain(t, "finished job page", ">"+alt+"</textarea>", "AI-generated image (builtin pictor-abstract-1) #AIGenerated",
		"Made with builtin pictor-abstract-1.")
	if strings.Contains(job.Body, `http-equiv="refresh"`) {
		t.Fatal("the finished job page still refreshes itself")
	}
	picks := pickRE.FindAllStringSubmatch(job.Body, -1)
	if len(picks) != 1 {
		t.Fatalf("%d images to pick from, want 1", len(picks))
	}
	res = w.post("/compose/jobs/"+m[1]+"/post", url.Values{"csrf_token": {job.csrf(t)}, "media": {picks[0][1]},
		"alt-" + picks[0][1]: {alt}, "cw": {"bright colours"}, "text": {"Made without JavaScript"}, "visibility": {"public"}})
	if res.Status != http.StatusSeeOther || !strings.Contains(res.Location, "/@alice/") {
		t.Fatalf("post: %d %q\n%.2000s", res.Status, res.Location, res.Body)
	}
	postPath := strings.TrimPrefix(res.Location, srv.URL)
	post := w.get(postPath, "")
	post.mustContain(t, "post page", `<span>bright colours</span>`, `<span class="chip ai">AI</span>`, "“"+prompt+"”",
		"<dt>Model</dt><dd>pictor-abstract-1</dd>", "<dt>Backend</dt><dd>builtin</dd>", `alt="`+alt+`"`,
		"Made without JavaScript", "AIGenerated</", "Remix this prompt")
	orig := originalRE.FindStringSubmatch(post.Body)
	if orig == nil {
		t.Fatalf("no link to the original file:\n%.3000s", post.Body)
	}
	if f := w.get(strings.TrimPrefix(orig[1], srv.URL), "*/*"); f.Status != http.StatusOK || f.Type != "image/png" ||
		!strings.HasPrefix(f.Body, "\x89PNG") {
		t.Fatalf("original file: %d %s", f.Status, f.Type)
	}
	remix := remixRE.FindStringSubmatch(post.Body)
	if remix == nil {
		t.Fatal("no Remix link")
	}
	w.get(html.UnescapeString(remix[1]), "").mustContain(t, "remix", ">"+prompt+"</textarea>", "remixing a post")
	anon := newWebClient(t, srv)
	for _, page := range []string{"/", "/@alice"} {
		anon.get(page, "").mustContain(t, page, `href="`+srv.URL+postPath+`"`, prompt, "pictor-abstract-1")
	}
	if p := w.get("/compose", ""); !strings.Contains(p.Body, "<strong>49</strong> of 50 images left today") {
		t.Fatalf("the generation was not counted against the quota:\n%.3000s", p.Body)
	}
}

// Unknown URLs: browsers get the HTML 404 page in the site's layout, API
// and ActivityPub clients the JSON error.
func TestUnknownURLs(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	w := newWebClient(t, srv)
	const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	for _, tc := range []struct {
		path, accept, wantType, wantBody string
	}{
		{"/no/such/page", browser, "text/html", "doesn&#39;t exist"},
		{"/@alice/12/nope", "text/html", "text/html", `href="/static/`},
		{"/no/such/page", "application/json", "application/json", `{"error":"not found"}`},
		{"/no/such/page", "application/activity+json", "application/json", `{"error":"not found"}`},
		{"/no/such/page", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, "application/json", `{"error":"not found"}`},
		{"/no/such/page", "*/*", "application/json", `{"error":"not found"}`},
		{"/api/v1/no_such_endpoint", browser, "application/json", `{"error":"not found"}`},
	} {
		p := w.get(tc.path, tc.accept)
		if p.Status != http.StatusNotFound || !strings.HasPrefix(p.Type, tc.wantType) || !strings.Contains(p.Body, tc.wantBody) {
			t.Errorf("GET %s (Accept %s) = %d %s %.300q, want 404 %s with %q", tc.path, tc.accept, p.Status, p.Type, p.Body,
				tc.wantType, tc.wantBody)
		}
	}
}
