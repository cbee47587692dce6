package mastoapi_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

// env is a running server with helpers to call its client API.
type env struct {
	*servertest.Server
}

func start(t *testing.T) *env {
	t.Helper()
	return &env{servertest.Start(t, servertest.Options{})}
}

// login creates a user and returns its account and a token with scopes,
// issued through the real authorization-code flow.
func (e *env) login(t *testing.T, name, scopes string) (store.Account, string) {
	t.Helper()
	a := e.CreateUser(t, name, "")
	return a, e.token(t, a.ID, scopes)
}

func (e *env) token(t testing.TB, accountID int64, scopes string) string {
	t.Helper()
	ctx := context.Background()
	app, secret, err := e.OAuth.RegisterApp(ctx, auth.AppRequest{ClientName: "test", RedirectURIs: []string{auth.OOBRedirectURI},
		Scopes: "read write follow push"})
	if err != nil {
		t.Fatal(err)
	}
	az, err := e.OAuth.Authorize(ctx, auth.AuthorizeRequest{ResponseType: "code", ClientID: app.ClientID,
		RedirectURI: auth.OOBRedirectURI, Scope: scopes}, accountID)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := e.OAuth.Token(ctx, auth.TokenRequest{GrantType: "authorization_code", Code: az.Code,
		RedirectURI: auth.OOBRedirectURI, ClientID: app.ClientID, ClientSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

// req is one API request.
type req struct {
	method, path, token string
	json                any               // JSON body
	form                url.Values        // form-encoded body
	multipart           map[string]string // multipart fields
	files               map[string][]byte // multipart files (no Content-Type on the part)
	raw                 string            // raw body with rawType
	rawType             string
	header              map[string]string
}

func (e *env) do(t *testing.T, rq req) *http.Response {
	t.Helper()
	var body io.Reader
	ctype := ""
	switch {
	case rq.json != nil:
		b, _ := json.Marshal(rq.json)
		body, ctype = bytes.NewReader(b), "application/json"
	case rq.form != nil:
		body, ctype = strings.NewReader(rq.form.Encode()), "application/x-www-form-urlencoded"
	case rq.multipart != nil || rq.files != nil:
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range rq.multipart {
			mw.WriteField(k, v)
		}
		for k, data := range rq.files {
			fw, _ := mw.CreateFormFile(k, "upload")
			fw.Write(data)
		}
		mw.Close()
		body, ctype = &buf, mw.FormDataContentType()
	case rq.raw != "":
		body, ctype = strings.NewReader(rq.raw), rq.rawType
	}
	r, err := http.NewRequest(rq.method, e.URL+rq.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	if rq.token != "" {
		r.Header.Set("Authorization", "Bearer "+rq.token)
	}
	for k, v := range rq.header {
		r.Header.Set(k, v)
	}
	resp, err := e.Client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// call does rq, expects status want and decodes the JSON answer into out
// (if not nil).
func (e *env) call(t *testing.T, rq req, want int, out any) *http.Response {
	t.Helper()
	resp := e.do(t, rq)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", rq.method, rq.path, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", rq.method, rq.path, b, err)
		}
	}
	return resp
}

// testPNG makes a w×h PNG.
func testPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 100, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bombPNG is a tiny PNG whose header claims 60000×60000 pixels.
func bombPNG(t *testing.T) []byte {
	t.Helper()
	b := testPNG(t, 4, 4)
	binary.BigEndian.PutUint32(b[16:], 60000)
	binary.BigEndian.PutUint32(b[20:], 60000)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// upload uploads an image and returns the attachment id.
func (e *env) upload(t *testing.T, token, description string) string {
	t.Helper()
	var m map[string]any
	e.call(t, req{method: "POST", path: "/api/v2/media", token: token, files: map[string][]byte{"file": testPNG(t, 64, 48)},
		multipart: map[string]string{"description": description, "focus": "0.5,-0.25"}}, 200, &m)
	return m["id"].(string)
}

// post creates a status with text and returns its JSON.
func (e *env) post(t *testing.T, token, text string) map[string]any {
	t.Helper()
	var st map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: token, json: map[string]any{"status": text}}, 200, &st)
	return st
}
