package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
	"testing"
	"time"

	"github.com/pictor-social/pictor/e2e/fedipeer"
	"github.com/pictor-social/pictor/internal/testkit/pushsvc"
	"github.com/pictor-social/pictor/internal/testkit/tlstest"
	"github.com/pictor-social/pictor/server/servertest"
)

// clientTimeout bounds one client script's whole journey.
const clientTimeout = 3 * time.Minute

// requireClientDeps returns node and the e2e folder, skipping (or, with
// PICTOR_E2E=1, failing) the test when masto or megalodon are not installed.
func requireClientDeps(t *testing.T) (node, dir string) {
	t.Helper()
	fedipeer.RequireDeps(t) // node and e2e/node_modules
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal(err)
	}
	dir, err = os.Getwd() // go test runs in the package folder, e2e/
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"masto", "megalodon", "ws"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			if os.Getenv("PICTOR_E2E") == "1" {
				t.Fatalf("e2e/node_modules lacks %s (run ./e2e/test.sh)", pkg)
			}
			t.Skipf("e2e/node_modules lacks %s", pkg)
		}
	}
	return node, dir
}

// Real client libraries against a live server (issue 3, "Shown by tests"):
// masto.js (Elk, Phanpy) and megalodon (Whalebird) each register an app,
// complete the authorization-code flow through the consent page, upload an
// image with alt text, post it with a content warning, edit it, read the
// home and public timelines, follow an account on a Fedify server, see its
// reply as a notification and stream a new post. The same scripts run
// against a cluster of processes in TestClusterInterop.
func TestClientLibraries(t *testing.T) {
	t.Parallel() // one of e2e's longest tests (e2e/README.md, Suite time)
	node, dir := requireClientDeps(t)
	ca := tlstest.New(t)
	srv := servertest.Start(t, servertest.Options{CA: ca})
	clientScenario(t, node, dir, singleTarget(srv), fedipeer.Start(t, ca))
}

// clientScenario runs masto.js's and megalodon's journeys on tg at the
// same time, each with a user of its own.
func clientScenario(t *testing.T, node, dir string, tg *target, peer *fedipeer.Peer) {
	img := filepath.Join(t.TempDir(), "card.png")
	if err := os.WriteFile(img, testPNG(t, 7), 0o600); err != nil {
		t.Fatal(err)
	}
	scripts := map[string]func(*testing.T){}
	for _, c := range []struct{ script, user string }{{"masto.mjs", "mastojs"}, {"megalodon.mjs", "whalebird"}} {
		scripts[c.script] = func(t *testing.T) {
			tg.createUser(t, c.user)
			d := &clientDriver{t: t, tgt: tg, peer: peer, user: c.user, browser: newBrowser(t, tg.Client)}
			d.run(node, dir, c.script, img, tg.CA.PEMFile())
		}
	}
	together(t, scripts)
}

// clientDriver answers a client script's steps.
type clientDriver struct {
	t       *testing.T
	tgt     *target
	peer    *fedipeer.Peer
	user    string
	browser *http.Client
	pushes  *pushsvc.Service // made by the push_endpoint step
}

func (d *clientDriver) run(node, dir, script, img, caFile string) {
	t := d.t
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("clients", script))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+caFile, "PICTOR_URL="+d.tgt.URL,
		"PEER_HANDLE="+d.peer.Handle("bob"), "PICTOR_IMAGE="+img)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	finished := false
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "STEP "):
			answer := d.step(strings.TrimPrefix(line, "STEP "))
			b, _ := json.Marshal(answer)
			if _, err := stdin.Write(append(b, '\n')); err != nil {
				t.Errorf("answer %s: %v", line, err)
			}
		case strings.HasPrefix(line, "DONE "):
			finished = true
			t.Log(line)
		default:
			t.Log(line)
		}
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil || !finished {
		t.Fatalf("%s failed (%v, finished=%v):\n%s", script, err, finished, stderr.String())
	}
}

// step performs what the script asked for and returns the answer.
func (d *clientDriver) step(raw string) map[string]any {
	var s struct{ Step, URL, URI, Acct string }
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return map[string]any{"error": err.Error()}
	}
	switch s.Step {
	case "authorize":
		code, err := d.authorize(s.URL)
		if err != nil {
			d.t.Errorf("authorize: %v", err)
			return map[string]any{"error": err.Error()}
		}
		return map[string]any{"code": code}
	case "reply":
		res := d.peer.Post(d.t, "bob", fedipeer.Post{Content: "<p>@" + d.user + " lovely picture!</p>",
			InReplyTo: s.URI, Mentions: []string{"@" + d.user + "@" + d.tgt.Host}})
		return map[string]any{"id": res.ID}
	case "push_endpoint", "like_for_push":
		return d.pushStep(s.Step, s.URI)
	}
	return map[string]any{"error": "unknown step " + s.Step}
}

// newBrowser is an HTTP client with cookies that does not follow redirects.
func newBrowser(t *testing.T, base *http.Client) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := *base
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

var hiddenInputRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// authorize does what a person does in the browser the app opened: sign in
// on the consent page, then approve; it returns the code from the redirect.
func (d *clientDriver) authorize(authURL string) (string, error) {
	page, _, err := d.fetch("GET", authURL, nil)
	if err != nil {
		return "", err
	}
	form := hiddenFields(page)
	form.Set("username", d.user)
	form.Set("password", "correct horse battery")
	post := d.tgt.URL + "/oauth/authorize"
	_, loc, err := d.fetch("POST", post, form)
	if err != nil {
		return "", err
	}
	if loc == "" {
		return "", fmt.Errorf("sign-in did not redirect")
	}
	page, _, err = d.fetch("GET", d.tgt.URL+loc, nil)
	if err != nil {
		return "", err
	}
	form = hiddenFields(page)
	form.Set("action", "approve")
	_, loc, err = d.fetch("POST", post, form)
	if err != nil {
		return "", err
	}
	back, err := url.Parse(loc)
	if err != nil || back.Query().Get("code") == "" {
		return "", fmt.Errorf("approval redirected to %q", loc)
	}
	return back.Query().Get("code"), nil
}

func hiddenFields(page string) url.Values {
	v := url.Values{}
	for _, m := range hiddenInputRE.FindAllStringSubmatch(page, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// fetch does one browser request and returns the body and Location.
func (d *clientDriver) fetch(method, u string, form url.Values) (body, location string, err error) {
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return "", "", err
	}
	req.Header.Set("Accept", "text/html")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := d.browser.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 400 {
		return "", "", fmt.Errorf("%s %s: %d %.500s", method, u, resp.StatusCode, b)
	}
	return string(b), resp.Header.Get("Location"), err
}
