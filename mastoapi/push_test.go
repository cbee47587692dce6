package mastoapi_test

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"
)

func pushForm(t *testing.T) url.Values {
	t.Helper()
	k, _ := ecdh.P256().GenerateKey(rand.Reader)
	auth := make([]byte, 16)
	rand.Read(auth)
	return url.Values{"subscription[endpoint]": {"https://push.example/send/abc"},
		"subscription[keys][p256dh]": {base64.URLEncoding.EncodeToString(k.PublicKey().Bytes())},
		"subscription[keys][auth]":   {base64.StdEncoding.EncodeToString(auth)},
		"subscription[standard]":     {"true"},
		"data[alerts][mention]":      {"true"}, "data[alerts][follow]": {"1"}, "data[alerts][favourite]": {"false"},
		"data[policy]": {"followed"}}
}

func TestPushSubscriptionLifecycle(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read push")
	const path = "/api/v1/push/subscription"
	e.call(t, req{method: http.MethodGet, path: path, token: tok}, http.StatusNotFound, nil)

	var inst struct {
		Configuration struct {
			Vapid struct {
				PublicKey string `json:"public_key"`
			} `json:"vapid"`
		} `json:"configuration"`
	}
	e.call(t, req{method: http.MethodGet, path: "/api/v2/instance"}, http.StatusOK, &inst)
	if len(inst.Configuration.Vapid.PublicKey) < 80 {
		t.Fatalf("vapid public key %q", inst.Configuration.Vapid.PublicKey)
	}

	var sub map[string]any
	e.call(t, req{method: http.MethodPost, path: path, token: tok, form: pushForm(t)}, http.StatusOK, &sub)
	alerts, _ := sub["alerts"].(map[string]any)
	if sub["endpoint"] != "https://push.example/send/abc" || sub["server_key"] != inst.Configuration.Vapid.PublicKey ||
		sub["policy"] != "followed" || sub["standard"] != true || alerts["mention"] != true || alerts["follow"] != true ||
		alerts["favourite"] != false || alerts["reblog"] != false {
		t.Fatalf("created %v", sub)
	}
	if _, ok := sub["id"].(string); !ok {
		t.Fatalf("id %v is not a string", sub["id"])
	}

	var got map[string]any
	e.call(t, req{method: http.MethodGet, path: path, token: tok}, http.StatusOK, &got)
	if got["id"] != sub["id"] {
		t.Fatalf("GET %v, want %v", got, sub)
	}
	e.call(t, req{method: http.MethodPut, path: path, token: tok, json: map[string]any{
		"data": map[string]any{"alerts": map[string]any{"reblog": true}, "policy": "all"}}}, http.StatusOK, &got)
	alerts, _ = got["alerts"].(map[string]any)
	if got["policy"] != "all" || alerts["reblog"] != true || alerts["mention"] != false || got["endpoint"] != sub["endpoint"] {
		t.Fatalf("PUT %v", got)
	}

	// A new POST replaces the token's subscription.
	var again map[string]any
	e.call(t, req{method: http.MethodPost, path: path, token: tok, form: pushForm(t)}, http.StatusOK, &again)
	if again["id"] == sub["id"] {
		t.Fatal("second POST kept the old subscription")
	}
	e.call(t, req{method: http.MethodDelete, path: path, token: tok}, http.StatusOK, nil)
	e.call(t, req{method: http.MethodGet, path: path, token: tok}, http.StatusNotFound, nil)
	e.call(t, req{method: http.MethodDelete, path: path, token: tok}, http.StatusOK, nil)
	e.call(t, req{method: http.MethodPut, path: path, token: tok, form: url.Values{"policy": {"all"}}}, http.StatusNotFound, nil)
}

func TestPushSubscriptionNeedsPushScope(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write follow")
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		e.call(t, req{method: m, path: "/api/v1/push/subscription", token: tok, form: pushForm(t)}, http.StatusForbidden, nil)
	}
	e.call(t, req{method: http.MethodGet, path: "/api/v1/push/subscription"}, http.StatusUnauthorized, nil)
}

func TestPushSubscriptionRejectsBadInput(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "push")
	cases := map[string]func(url.Values){
		"no endpoint":   func(v url.Values) { v.Del("subscription[endpoint]") },
		"http endpoint": func(v url.Values) { v.Set("subscription[endpoint]", "http://push.example/x") },
		"bad p256dh":    func(v url.Values) { v.Set("subscription[keys][p256dh]", "BAAA") },
		"no auth":       func(v url.Values) { v.Del("subscription[keys][auth]") },
		"bad policy":    func(v url.Values) { v.Set("data[policy]", "everyone") },
	}
	for name, tamper := range cases {
		t.Run(name, func(t *testing.T) {
			v := pushForm(t)
			tamper(v)
			e.call(t, req{method: http.MethodPost, path: "/api/v1/push/subscription", token: tok, form: v},
				http.StatusUnprocessableEntity, nil)
		})
	}
}

func TestAppsWithPushScopeGetTheVapidKey(t *testing.T) {
	e := start(t)
	var inst struct {
		Configuration struct {
			Vapid struct {
				PublicKey string `json:"public_key"`
			} `json:"vapid"`
		} `json:"configuration"`
	}
	e.call(t, req{method: http.MethodGet, path: "/api/v2/instance"}, http.StatusOK, &inst)
	for scopes, want := range map[string]string{"read write push": inst.Configuration.Vapid.PublicKey, "read": ""} {
		var app map[string]any
		e.call(t, req{method: http.MethodPost, path: "/api/v1/apps", form: url.Values{"client_name": {"x"},
			"redirect_uris": {"urn:ietf:wg:oauth:2.0:oob"}, "scopes": {scopes}}}, http.StatusOK, &app)
		if app["vapid_key"] != want {
			t.Errorf("scopes %q: vapid_key %v, want %q", scopes, app["vapid_key"], want)
		}
	}
}
