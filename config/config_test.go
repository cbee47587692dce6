package config

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const example = "../config.example.toml"

// The example file documents the defaults (scheme aside), with a comment on every key.
func TestExampleEqualsDefaultAndIsDocumented(t *testing.T) {
	got, err := Load(example)
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Moderation.Words = []string{}
	want.Scheme = "https" // the one documented difference: the example is for a public instance
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("example differs from Default():\n got %+v\nwant %+v", got, want)
	}
	f, err := os.Open(example)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	prevComment := false
	keys := 0
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#"):
			prevComment = true
			continue
		case line == "" || strings.HasPrefix(line, "["):
		default:
			keys++
			// Keys may share one comment block when they stand right after each other.
			if !prevComment && !strings.Contains(line, "=") {
				t.Errorf("line %d: not a key: %q", n, line)
			}
			if !prevComment {
				t.Errorf("line %d: key without a comment: %q", n, line)
			}
			continue
		}
		prevComment = false
	}
	if keys < 40 {
		t.Fatalf("only %d keys documented", keys)
	}
}

func TestLoadRejectsBadInput(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"unknown key", "hots = \"x\"\n", "unknown keys: hots"},
		{"bad scheme", "scheme = \"gopher\"\n", "scheme"},
		{"bad duration", "[federation]\nfetch_timeout = \"soon\"\n", "bad duration"},
		{"bad backend", "[generation]\nbackend = \"dalle\"\n", "backend"},
		{"bad hashtag", "[generation]\nhashtag = \"#AI art\"\n", "hashtag"},
		{"bad listen", "listen = \"8080\"\n", "listen"},
		{"not toml", "host = \n", "read config"},
		{"bad trusted proxy", "trusted_proxies = [\"proxy.local\"]\n", "trusted_proxies"},
		{"no password checks", "[web]\nmax_password_checks = 0\n", "max_password_checks"},
		{"negative rate limit", "[api]\nrate_limit = -1\n", "rate_limit"},
		{"partial_images out of range", "[generation.openai]\npartial_images = 4\n", "partial_images"},
		{"bad assistant backend", "[assistant]\nbackend = \"gpt\"\n", "[assistant] backend"},
		{"bad assistant profile", "[assistant]\nprofile = \"localai\"\n", "[assistant] profile"},
		{"negative assistant quota", "[assistant]\nsuggestions_per_day = -1\n", "quotas"},
		{"no assistant timeout", "[assistant]\ntimeout = \"0s\"\n", "timeout"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "c.toml")
			os.WriteFile(p, []byte(tc.body), 0o600)
			_, err := Load(p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestAPIKeyFromEnvironment(t *testing.T) {
	t.Setenv("PICTOR_OPENAI_API_KEY", "sk-test")
	f, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if f.Generation.OpenAI.APIKey != "sk-test" || f.Assistant.APIKey != "sk-test" {
		t.Fatalf("keys = %q, %q", f.Generation.OpenAI.APIKey, f.Assistant.APIKey)
	}
}
