package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/internal/testkit/multiproc"
	"github.com/pictor-social/pictor/internal/testkit/tlstest"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

// target is one Pictor instance that the interop scenarios (the Fedify
// peer, the client libraries) run against: a single in-process server, or
// several `pictor serve` processes on PostgreSQL and S3 behind a proxy
// (cluster_test.go). The scenarios reach it only as its users and peers
// do, over HTTPS at URL, and check the outcome in its database.
type target struct {
	URL    string // https://127.0.0.1:PORT, the instance's public address
	Host   string // its host and port, as in handles
	CA     *tlstest.CA
	Client *http.Client // trusts CA
	DB     *store.DB    // the instance's database, for checks
	// createUser makes a local user whose password is "correct horse battery".
	createUser func(t *testing.T, name string) store.Account
}

// singleTarget is the target of one in-process test server.
func singleTarget(srv *servertest.Server) *target {
	return &target{URL: srv.URL, Host: strings.TrimPrefix(srv.URL, "https://"), CA: srv.CA, Client: srv.Client,
		DB: srv.DB, createUser: func(t *testing.T, name string) store.Account { return srv.CreateUser(t, name, "") }}
}

// clusterTarget is the target of a multiproc cluster; users are made with
// the pictor CLI, one more process on the same database.
func clusterTarget(c *multiproc.Cluster) *target {
	return &target{URL: c.URL, Host: c.Host, CA: c.CA, Client: c.Client, DB: c.DB,
		createUser: func(t *testing.T, name string) store.Account {
			t.Helper()
			c.Pictor(t, "correct horse battery\n", "user", "create", name, "--password-stdin")
			a, err := c.DB.AccountByHandle(context.Background(), name, "")
			if err != nil {
				t.Fatal(err)
			}
			return a
		}}
}

// apiUser is a local user of a target signed in to an app through the
// OAuth consent page, as a client library does.
type apiUser struct {
	t       *testing.T
	tgt     *target
	Account store.Account
	token   string
}

// signIn creates the user name on tg and returns it with an access token
// of scopes "read write follow".
func (tg *target) signIn(t *testing.T, name string) *apiUser {
	t.Helper()
	u := &apiUser{t: t, tgt: tg, Account: tg.createUser(t, name)}
	var app struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	// A custom scheme, as the client scripts and mobile apps use.
	const oob, scope = "org.pictor.e2e:/oauth-callback", "read write follow"
	u.call("POST", "/api/v1/apps", url.Values{"client_name": {"e2e"}, "redirect_uris": {oob}, "scopes": {scope}}, &app)
	d := &clientDriver{t: t, tgt: tg, user: name, browser: newBrowser(t, tg.Client)}
	code, err := d.authorize(tg.URL + "/oauth/authorize?" + url.Values{"response_type": {"code"},
		"client_id": {app.ClientID}, "redirect_uri": {oob}, "scope": {scope}}.Encode())
	if err != nil {
		t.Fatalf("sign in %s: %v", name, err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	u.call("POST", "/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "redirect_uri": {oob}}, &tok)
	u.token = tok.AccessToken
	return u
}

// call sends a form to the client API and decodes a 200 answer into out.
func (u *apiUser) call(method, path string, form url.Values, out any) {
	u.t.Helper()
	u.do(method, u.tgt.URL+path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), out)
}

// upload posts an image with alt text to /api/v2/media, returning the
// attachment's id and url.
func (u *apiUser) upload(png []byte, alt string) (id, mediaURL string) {
	u.t.Helper()
	return u.uploadTo(u.tgt.URL, png, alt)
}

// uploadTo is upload sent to base (a process's own address in a cluster).
func (u *apiUser) uploadTo(base string, png []byte, alt string) (id, mediaURL string) {
	u.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("description", alt)
	fw, _ := mw.CreateFormFile("file", "picture.png")
	fw.Write(png)
	mw.Close()
	var m struct{ ID, URL string }
	u.do("POST", base+"/api/v2/media", mw.FormDataContentType(), &body, &m)
	if m.URL == "" {
		u.t.Fatalf("upload: no url in %+v", m)
	}
	return m.ID, m.URL
}

func (u *apiUser) do(method, target, contentType string, body io.Reader, out any) {
	u.t.Helper()
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		u.t.Fatal(err)
	}
	req.Host = u.tgt.Host
	req.Header.Set("Content-Type", contentType)
	if u.token != "" {
		req.Header.Set("Authorization", "Bearer "+u.token)
	}
	resp, err := u.tgt.Client.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		u.t.Fatalf("%s %s: %s %.500s", method, target, resp.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			u.t.Fatalf("%s %s: %v in %.500s", method, target, err, b)
		}
	}
}

// statusID parses a client API id.
func statusID(t *testing.T, id string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(id, &n); err != nil {
		t.Fatalf("id %q: %v", id, err)
	}
	return n
}

// vapidKey is the instance's Web Push key as /api/v2/instance shows it.
func (tg *target) vapidKey(t *testing.T) string {
	t.Helper()
	var inst struct {
		Configuration struct {
			Vapid struct {
				PublicKey string `json:"public_key"`
			} `json:"vapid"`
		} `json:"configuration"`
	}
	(&apiUser{t: t, tgt: tg}).call("GET", "/api/v2/instance", nil, &inst)
	if inst.Configuration.Vapid.PublicKey == "" {
		t.Fatal("no VAPID key in /api/v2/instance")
	}
	return inst.Configuration.Vapid.PublicKey
}
