package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/config"
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

// artPNG draws an abstract picture: a two-colour gradient with soft discs,
// standing in for generated images.
func artPNG(t testing.TB, seed int, side int) []byte {
	t.Helper()
	palettes := [][3]color.RGBA{
		{{255, 138, 101, 255}, {94, 53, 177, 255}, {255, 214, 102, 255}},
		{{38, 198, 218, 255}, {13, 71, 161, 255}, {224, 247, 250, 255}},
		{{102, 187, 106, 255}, {27, 94, 32, 255}, {255, 241, 118, 255}},
		{{240, 98, 146, 255}, {49, 27, 146, 255}, {255, 204, 188, 255}},
		{{255, 167, 38, 255}, {191, 54, 12, 255}, {255, 236, 179, 255}},
		{{126, 87, 194, 255}, {0, 96, 100, 255}, {178, 235, 242, 255}},
	}
	p := palettes[seed%len(palettes)]
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	cx, cy := float64(side)*(0.3+0.1*float64(seed%4)), float64(side)*(0.35+0.08*float64(seed%5))
	r := float64(side) * (0.18 + 0.03*float64(seed%3))
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			f := (float64(x)*0.4 + float64(y)*0.6) / float64(side)
			c := mix(p[0], p[1], f)
			d := math.Hypot(float64(x)-cx, float64(y)-cy)
			if d < r*1.6 {
				c = mix(c, p[2], math.Max(0, 1-d/(r*1.6))*0.9)
			}
			wave := math.Sin(float64(x)/float64(side)*6.3+float64(seed)) * float64(side) * 0.08
			if float64(y) > float64(side)*0.72+wave {
				c = mix(c, p[1], 0.55)
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mix(a, b color.RGBA, f float64) color.RGBA {
	f = math.Min(1, math.Max(0, f))
	l := func(x, y uint8) uint8 { return uint8(float64(x)*(1-f) + float64(y)*f) }
	return color.RGBA{l(a.R, b.R), l(a.G, b.G), l(a.B, b.B), 255}
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

// seedPosts posts generated-looking images as accountID and returns the
// page paths of a plain generated post and one behind a content warning.
func seedPosts(t *testing.T, srv *servertest.Server, a store.Account) (genPath, cwPath string) {
	t.Helper()
	ctx := context.Background()
	for i, prompt := range seedPrompts {
		m, err := srv.Social.UploadMedia(ctx, a.ID, bytes.NewReader(artPNG(t, i, 384)), social.MediaInput{
			Description: "AI-generated image (builtin pictor-abstract-1). Prompt: " + prompt, Generated: true,
			GeneratorBackend: "builtin", GeneratorModel: "pictor-abstract-1", Prompt: prompt})
		if err != nil {
			t.Fatal(err)
		}
		d := social.Draft{Text: prompt + "\n\nAI-generated image (builtin pictor-abstract-1) #AIGenerated", MediaIDs: []int64{m.ID}}
		if i == 2 {
			d.SpoilerText = "flashing colours"
		}
		st, err := srv.Social.CreateStatus(ctx, a.ID, d)
		if err != nil {
			t.Fatal(err)
		}
		path := "/@" + a.Username + "/" + store.FormatID(st.ID)
		switch i {
		case 1:
			genPath = path
		case 2:
			cwPath = path
		}
	}
	return genPath, cwPath
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

// The web pages in a real browser (issue 5, "Shown by tests"). With
// PICTOR_SCREENSHOTS=1 it refreshes docs/screenshots/.
func TestWebInBrowser(t *testing.T) {
	node := requireBrowser(t)
	srv := servertest.Start(t, servertest.Options{Configure: func(c *config.File) {
		c.InstanceTitle = "Pictor"
		c.InstanceDescription = "The newest AI-generated images from people on this server."
	}})
	hash, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	alice, err := srv.Social.CreateAccount(context.Background(), social.NewAccount{Username: "alice", PasswordHash: hash,
		Admin: true, DisplayName: "Alice Liddell", Note: "I make pictures with words. Mostly lighthouses, foxes and the sea."})
	if err != nil {
		t.Fatal(err)
	}
	genPath, cwPath := seedPosts(t, srv, alice)
	upload := filepath.Join(t.TempDir(), "upload.png")
	if err := os.WriteFile(upload, artPNG(t, 7, 512), 0o600); err != nil {
		t.Fatal(err)
	}
	shots := ""
	if os.Getenv("PICTOR_SCREENSHOTS") == "1" {
		shots, _ = filepath.Abs("../docs/screenshots")
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "browser/web.mjs")
	cmd.Env = append(os.Environ(), "PICTOR_URL="+srv.URL, "PICTOR_USER=alice", "PICTOR_PASSWORD=correct horse battery",
		"PICTOR_IMAGE="+upload, "PICTOR_GEN_POST="+genPath, "PICTOR_CW_POST="+cwPath,
		"PICTOR_AUTHORIZE="+authorizeURL(t, srv), "PICTOR_SCREENSHOTS="+shots)
	out, err := cmd.CombinedOutput()
	t.Logf("browser:\n%s", out)
	var exit *exec.ExitError
	if errors.As(err, &exit) || err != nil {
		t.Fatalf("browser script failed: %v", err)
	}
	if !strings.Contains(string(out), "ok - phone: two cards per row") {
		t.Fatal("the browser script did not reach the layout checks")
	}
}
