package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/e2e/fedipeer"
	"github.com/pictor-social/pictor/internal/testkit/pushsvc"
	"github.com/pictor-social/pictor/internal/testkit/tlstest"
	"github.com/pictor-social/pictor/server/servertest"
)

// pushRedirect is the redirect URI of the push test's app.
const pushRedirect = "org.pictor.e2e:/oauth-callback"

// Web Push through a running server: an app with the push scope gets the
// instance's VAPID key, a user signs in through the consent page and
// subscribes for favourites, mentions and follows; a Fedify account then
// boosts (not subscribed), likes, follows and mentions. A loopback push
// service checks each push's VAPID signature, decrypts it with the
// subscriber's key, and the payload names the notification the API lists,
// with the subscriber's token. Once for RFC 8291 (standard=true), once for
// Mastodon's default, the aesgcm draft.
func TestWebPushFromFederatedActions(t *testing.T) {
	fedipeer.RequireDeps(t)
	ca := tlstest.New(t)
	srv := servertest.Start(t, servertest.Options{CA: ca})
	peer := fedipeer.Start(t, ca)
	vapid := singleTarget(srv).vapidKey(t)
	cases := []struct {
		name, user, standard, encoding string
	}{
		{"standard", "pushstd", "true", "aes128gcm"},
		{"legacy default", "pushlegacy", "", "aesgcm"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv.CreateUser(t, tc.user, "")
			api := signInForPush(t, srv, tc.user, vapid)
			ps := pushsvc.New(t, pushsvc.Options{Start: ca.NewServer, VAPIDKey: vapid})
			api.subscribe(ps, tc.user, tc.standard, vapid)
			var st struct{ ID, URI string }
			api.call("POST", "/api/v1/statuses", url.Values{"status": {"push me"}, "visibility": {"public"}}, &st)

			// A boost is not subscribed: once its notification is listed, the
			// like that follows must be the first push.
			peer.Announce(t, "bob", st.URI)
			servertest.Eventually(t, wait, "reblog notification", func() bool { return api.notificationOf("reblog") != "" })
			peer.Like(t, "bob", st.URI)
			api.checkPush(ps, "favourite", tc.encoding)
			peer.Follow(t, "bob", "@"+tc.user+"@"+strings.TrimPrefix(srv.URL, "https://"))
			api.checkPush(ps, "follow", tc.encoding)
			peer.Post(t, "bob", fedipeer.Post{Content: "<p>@" + tc.user + " hello</p>", Mentions: []string{srv.URL + "/users/" + tc.user}})
			api.checkPush(ps, "mention", tc.encoding)

			// Every queued push is sent before its row goes, so an empty
			// queue means nothing else is on its way.
			servertest.Eventually(t, wait, "push queue drained", func() bool {
				next, err := srv.DB.NextPushDeliveryAt(t.Context())
				return err == nil && next.IsZero()
			})
			if n := ps.Pending(); n != 0 {
				t.Fatalf("%d unexpected pushes, first: %+v", n, ps.Next(t, wait).Payload)
			}
		})
	}
}

// apiClient calls the client API with a bearer token.
type apiClient struct {
	t     *testing.T
	srv   *servertest.Server
	token string
}

// call sends form (nil: no body) and decodes the JSON answer into out; any
// status from 300 up fails the test.
func (c *apiClient) call(method, path string, form url.Values, out any) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.srv.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.srv.Client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		c.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

// signInForPush registers an app with the push scope, checks it was given
// the instance's VAPID key, and signs user in with the authorization-code
// flow through the consent page.
func signInForPush(t *testing.T, srv *servertest.Server, user, vapid string) *apiClient {
	t.Helper()
	const scope = "read write push"
	anon := &apiClient{t: t, srv: srv}
	var app struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		VapidKey     string `json:"vapid_key"`
	}
	form := url.Values{"client_name": {"push e2e"}, "redirect_uris": {pushRedirect}, "scopes": {scope}}
	anon.call("POST", "/api/v1/apps", form, &app)
	if app.VapidKey != vapid {
		t.Fatalf("app vapid_key %q, instance %q", app.VapidKey, vapid)
	}
	d := &clientDriver{t: t, tgt: singleTarget(srv), user: user, browser: newBrowser(t, srv.Client)}
	code, err := d.authorize(srv.URL + "/oauth/authorize?" + url.Values{"response_type": {"code"},
		"client_id": {app.ClientID}, "redirect_uri": {pushRedirect}, "scope": {scope}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
	}
	anon.call("POST", "/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "redirect_uri": {pushRedirect}}, &tok)
	if tok.AccessToken == "" || !strings.Contains(tok.Scope, "push") {
		t.Fatalf("token %+v", tok)
	}
	return &apiClient{t: t, srv: srv, token: tok.AccessToken}
}

// subscribe subscribes the token to ps for favourites, mentions and
// follows; standard "" leaves the coding to the server's default.
func (c *apiClient) subscribe(ps *pushsvc.Service, user, standard, vapid string) {
	c.t.Helper()
	form := url.Values{"subscription[endpoint]": {ps.Endpoint("/push/" + user)},
		"subscription[keys][p256dh]": {ps.P256DH()}, "subscription[keys][auth]": {ps.AuthSecret()},
		"data[alerts][favourite]": {"true"}, "data[alerts][mention]": {"true"}, "data[alerts][follow]": {"true"},
		"data[alerts][reblog]": {"false"}}
	if standard != "" {
		form.Set("subscription[standard]", standard)
	}
	var sub struct {
		Endpoint  string          `json:"endpoint"`
		Standard  bool            `json:"standard"`
		Alerts    map[string]bool `json:"alerts"`
		ServerKey string          `json:"server_key"`
	}
	c.call("POST", "/api/v1/push/subscription", form, &sub)
	a := sub.Alerts
	if sub.Endpoint != ps.Endpoint("/push/"+user) || sub.ServerKey != vapid || sub.Standard != (standard == "true") ||
		!a["favourite"] || !a["mention"] || !a["follow"] || a["reblog"] {
		c.t.Fatalf("subscription %+v", sub)
	}
}

// notificationOf returns the id of the newest listed notification of typ,
// or "".
func (c *apiClient) notificationOf(typ string) string {
	c.t.Helper()
	var list []struct{ ID, Type string }
	c.call("GET", "/api/v1/notifications", nil, &list)
	for _, n := range list {
		if n.Type == typ {
			return n.ID
		}
	}
	return ""
}

// checkPush takes the next push and checks it announces the notification
// of typ that the API lists, for this token, in the coding wanted.
func (c *apiClient) checkPush(ps *pushsvc.Service, typ, encoding string) {
	c.t.Helper()
	p := ps.Next(c.t, wait)
	if p.Payload.NotificationType != typ {
		c.t.Fatalf("push of %q, want %q: %+v", p.Payload.NotificationType, typ, p.Payload)
	}
	if p.Payload.AccessToken != c.token {
		c.t.Errorf("push carries token %q, not the subscriber's", p.Payload.AccessToken)
	}
	if got := p.Header.Get("Content-Encoding"); got != encoding {
		c.t.Errorf("Content-Encoding %q, want %q", got, encoding)
	}
	if p.Claims["aud"] != ps.Server.URL {
		c.t.Errorf("VAPID aud %v, want %s", p.Claims["aud"], ps.Server.URL)
	}
	if id := c.notificationOf(typ); id != strconv.FormatInt(p.Payload.NotificationID, 10) {
		c.t.Errorf("push names notification %d, API lists %s", p.Payload.NotificationID, id)
	}
	// The app fetches the notification with the token the push names.
	var n struct {
		Type    string
		Account struct{ Acct string }
	}
	as := &apiClient{t: c.t, srv: c.srv, token: p.Payload.AccessToken}
	as.call("GET", fmt.Sprintf("/api/v1/notifications/%d", p.Payload.NotificationID), nil, &n)
	if n.Type != typ || !strings.HasPrefix(n.Account.Acct, "bob@") {
		c.t.Errorf("notification %d: %+v", p.Payload.NotificationID, n)
	}
}

// pushStep answers a client script's Web Push steps: push_endpoint starts a
// push service and hands out its endpoint and subscriber keys; like_for_push
// makes the peer's bob like uri and answers with the push that arrives.
func (d *clientDriver) pushStep(step, uri string) map[string]any {
	if step == "push_endpoint" {
		d.pushes = pushsvc.New(d.t, pushsvc.Options{Start: d.tgt.CA.NewServer, VAPIDKey: d.tgt.vapidKey(d.t)})
		return map[string]any{"endpoint": d.pushes.Endpoint("/push/" + d.user), "p256dh": d.pushes.P256DH(),
			"auth": d.pushes.AuthSecret()}
	}
	if d.pushes == nil {
		return map[string]any{"error": "no push endpoint handed out"}
	}
	d.peer.Like(d.t, "bob", uri)
	p := d.pushes.Next(d.t, wait).Payload
	return map[string]any{"type": p.NotificationType, "id": strconv.FormatInt(p.NotificationID, 10), "token": p.AccessToken}
}
