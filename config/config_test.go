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
		{"lease within timeout", "[federation]\ndelivery_timeout = \"2m\"\n", "delivery_lease"},
		{"negative rate limit", "[api]\nrate_limit = -1\n", "rate_limit"},
		{"partial_images out of range", "[generation.openai]\npartial_images = 4\n", "partial_images"},
		{"bad database driver", "[database]\ndriver = \"mysql\"\n", "driver"},
		{"postgres without url", "[database]\ndriver = \"postgres\"\n", "postgres:// URL"},
		{"negative pool", "[database]\npool_size = -1\n", "pool_size"},
		{"bad storage", "[media]\nstorage = \"ftp\"\n", "storage"},
		{"s3 without bucket", "[media]\nstorage = \"s3\"\n[media.s3]\nendpoint = \"http://127.0.0.1:9000\"\n" +
			"access_key = \"a\"\nsecret_key = \"b\"\n", "bucket must be set"},
		{"s3 endpoint with path", "[media]\nstorage = \"s3\"\n[media.s3]\nendpoint = \"https://s3.example/x\"\n" +
			"bucket = \"b\"\naccess_key = \"a\"\nsecret_key = \"b\"\n", "endpoint"},
		{"s3 without keys", "[media]\nstorage = \"s3\"\n[media.s3]\nendpoint = \"https://s3.example\"\nbucket = \"b\"\n",
			"PICTOR_S3_SECRET_KEY"},
		{"s3 bad public_url", "[media]\nstorage = \"s3\"\n[media.s3]\nendpoint = \"https://s3.example\"\nbucket = \"b\"\n" +
			"access_key = \"a\"\nsecret_key = \"b\"\npublic_url = \"cdn.example\"\n", "public_url"},
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

// The S3 keys may come from the environment; the file wins when it sets them.
func TestS3KeysFromEnvironment(t *testing.T) {
	t.Setenv("PICTOR_S3_ACCESS_KEY", "env-access")
	t.Setenv("PICTOR_S3_SECRET_KEY", "env-secret")
	p := filepath.Join(t.TempDir(), "c.toml")
	os.WriteFile(p, []byte("[media]\nstorage = \"s3\"\n[media.s3]\nendpoint = \"https://s3.example\"\nbucket = \"b\"\n"), 0o600)
	f, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if f.Media.S3.AccessKey != "env-access" || f.Media.S3.SecretKey != "env-secret" {
		t.Fatalf("keys %q %q", f.Media.S3.AccessKey, f.Media.S3.SecretKey)
	}
	os.WriteFile(p, []byte("[media.s3]\naccess_key = \"file-access\"\n"), 0o600)
	if f, err = Load(p); err != nil || f.Media.S3.AccessKey != "file-access" {
		t.Fatalf("file key %q, %v", f.Media.S3.AccessKey, err)
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

func TestDatabaseURLFromEnvironmentNeverInErrors(t *testing.T) {
	const secret = "postgres://pictor:hunter2@db.example/pictor"
	t.Setenv("PICTOR_DATABASE_URL", secret)
	p := filepath.Join(t.TempDir(), "c.toml")
	os.WriteFile(p, []byte("[database]\ndriver = \"postgres\"\nurl = \"postgres://file/db\"\n"), 0o600)
	f, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if f.Database.URL != secret || f.Database.Driver != "postgres" {
		t.Fatalf("database = %+v", f.Database)
	}
	t.Setenv("PICTOR_DATABASE_URL", "mysql://pictor:hunter2@db.example/pictor")
	_, err = Load(p)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("err = %v, want a refusal that does not quote the URL", err)
	}
}
