// Package config reads Pictor's TOML configuration file into one File value,
// fills in defaults, applies environment overrides for secrets and validates
// the result. Only server and cmd/pictor import it; they hand each feature
// package its own section.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Duration is a time.Duration written as a Go duration string ("10s", "72h").
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("bad duration %q: %w", b, err)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// File is the whole configuration document.
type File struct {
	Host                string     `toml:"host"`
	Scheme              string     `toml:"scheme"`
	Listen              string     `toml:"listen"`
	TrustedProxies      []string   `toml:"trusted_proxies"`
	DataDir             string     `toml:"data_dir"`
	LogLevel            string     `toml:"log_level"`
	InstanceTitle       string     `toml:"instance_title"`
	InstanceDescription string     `toml:"instance_description"`
	ContactEmail        string     `toml:"contact_email"`
	Rules               []string   `toml:"rules"`
	PrivacyPolicy       string     `toml:"privacy_policy"`
	ShowDomainBlocks    string     `toml:"show_domain_blocks"`
	ShowBlockRationale  string     `toml:"show_domain_blocks_rationale"`
	Federation          Federation `toml:"federation"`
	Media               Media      `toml:"media"`
	Generation          Generation `toml:"generation"`
	Moderation          Moderation `toml:"moderation"`
	Screening           Screening  `toml:"screening"`
	Assistant           Assistant  `toml:"assistant"`
	Web                 Web        `toml:"web"`
	Push                Push       `toml:"push"`
	API                 API        `toml:"api"`
	Metrics             Metrics    `toml:"metrics"`
	Database            Database   `toml:"database"`
}

// Database chooses the store's engine. SQLite (pictor.db in data_dir) needs
// no setup; PostgreSQL serves instances that outgrow one machine.
type Database struct {
	// Driver is "sqlite" or "postgres".
	Driver string `toml:"driver"`
	// URL is the PostgreSQL connection URL (postgres://user:pass@host/db);
	// PICTOR_DATABASE_URL overrides it. It holds a secret: never log it.
	URL string `toml:"url"`
	// PoolSize bounds the connections reading at once; 0 means two per CPU.
	PoolSize int `toml:"pool_size"`
}

// Federation configures ActivityPub fetching, inbox and delivery.
type Federation struct {
	AllowPrivateAddresses bool     `toml:"allow_private_addresses"`
	FetchTimeout          Duration `toml:"fetch_timeout"`
	MaxFetchBytes         int64    `toml:"max_fetch_bytes"`
	MaxInboxBytes         int64    `toml:"max_inbox_bytes"`
	SignatureMaxAge       Duration `toml:"signature_max_age"`
	InboxWorkers          int      `toml:"inbox_workers"`
	DeliveryWorkers       int      `toml:"delivery_workers"`
	PerHostConcurrency    int      `toml:"per_host_concurrency"`
	DeliveryTimeout       Duration `toml:"delivery_timeout"`
	DeliveryLease         Duration `toml:"delivery_lease"`
	RetryFor              Duration `toml:"retry_for"`
	UnreachableAfter      Duration `toml:"unreachable_after"`
	ActorCacheFor         Duration `toml:"actor_cache_for"`
	PollUpdateDelay       Duration `toml:"poll_update_delay"`
}

// Media bounds uploaded and generated images.
type Media struct {
	MaxUploadBytes    int64 `toml:"max_upload_bytes"`
	MaxPixels         int   `toml:"max_pixels"`
	MaxSide           int   `toml:"max_side"`
	MaxFederatedBytes int   `toml:"max_federated_bytes"`
	ThumbSide         int   `toml:"thumb_side"`
	// Memory all concurrent image decodes may use together (uploads, avatars,
	// generated images, the remote-media cache), and how long an upload
	// waits for room before it gets 503.
	DecodeMemory int64    `toml:"decode_memory"`
	DecodeWait   Duration `toml:"decode_wait"`
	// Remote media cache (media.RemoteCache).
	RemoteMaxBytes     int64    `toml:"remote_max_bytes"`
	RemoteFetchTimeout Duration `toml:"remote_fetch_timeout"`
	RemoteWorkers      int      `toml:"remote_workers"`
	RemoteCacheDays    int      `toml:"remote_cache_days"`
	// Storage is where media files are kept: "local" (data_dir/media) or
	// "s3" (the bucket of S3).
	Storage string  `toml:"storage"`
	S3      MediaS3 `toml:"s3"`
}

// MediaS3 configures an S3-compatible bucket for media files (media.S3).
type MediaS3 struct {
	Endpoint  string `toml:"endpoint"` // http(s)://host[:port]
	Region    string `toml:"region"`
	Bucket    string `toml:"bucket"`
	PathStyle bool   `toml:"path_style"`
	// AccessKey and SecretKey may come from PICTOR_S3_ACCESS_KEY and
	// PICTOR_S3_SECRET_KEY instead.
	AccessKey string `toml:"access_key"`
	SecretKey string `toml:"secret_key"`
	// PublicURL, when set, is the prefix of media URLs (a CDN or the
	// bucket's own address): URL = PublicURL + "/" + name.
	PublicURL string   `toml:"public_url"`
	Timeout   Duration `toml:"timeout"`
}

// Generation configures image generation.
type Generation struct {
	Backend            string   `toml:"backend"`
	Command            string   `toml:"command"`
	BotUsername        string   `toml:"bot_username"`
	Hashtag            string   `toml:"hashtag"`
	Label              string   `toml:"label"`
	Workers            int      `toml:"workers"`
	Timeout            Duration `toml:"timeout"`
	ImagesPerDay       int      `toml:"images_per_day"`
	RemoteImagesPerDay int      `toml:"remote_images_per_day"`
	MaxConcurrentJobs  int      `toml:"max_concurrent_jobs"`
	Variants           int      `toml:"variants"`        // images per job when the request does not say (1-4)
	CandidatesKeep     Duration `toml:"candidates_keep"` // how long unpicked images of a job are kept
	OpenAI             OpenAI   `toml:"openai"`
}

// OpenAI configures the OpenAI Images API or a compatible server.
type OpenAI struct {
	APIKey            string `toml:"api_key"`
	BaseURL           string `toml:"base_url"`
	Model             string `toml:"model"`
	Profile           string `toml:"profile"`
	Size              string `toml:"size"`
	Quality           string `toml:"quality"`
	OutputFormat      string `toml:"output_format"`
	OutputCompression int    `toml:"output_compression"`
	Background        string `toml:"background"`
	PartialImages     int    `toml:"partial_images"`
}

// Moderation configures prompt and post screening.
type Moderation struct {
	Backend string   `toml:"backend"`
	Model   string   `toml:"model"`
	Words   []string `toml:"words"`
}

// Screening configures the screening of posts for hate speech, harassment
// and the other categories: local posts before they publish, remote replies
// and mentions once after they arrive.
type Screening struct {
	// Backend is "wordlist" (offline), "openai" (the moderation endpoint,
	// with the [generation.openai] key and base_url), "chat" (a chat model of
	// [assistant] classifying as JSON) or "off".
	Backend    string   `toml:"backend"`
	Model      string   `toml:"model"`
	Timeout    Duration `toml:"timeout"`
	FailClosed bool     `toml:"fail_closed"`
	Threshold  float64  `toml:"threshold"`
	Words      []string `toml:"words"`
	// Policy maps a category to allow, warn or refuse for local posts;
	// DefaultAction covers the categories it leaves out.
	DefaultAction string            `toml:"default_action"`
	Policy        map[string]string `toml:"policy"`
}

// Assistant configures the chat-model features (reply suggestions, image
// descriptions, and the callers built on them). Backend "none" turns every
// one of them off and hides it.
type Assistant struct {
	Backend     string   `toml:"backend"`      // "none" or "openai" (OpenAI or a compatible server)
	BaseURL     string   `toml:"base_url"`     // "" is OpenAI's own API
	APIKey      string   `toml:"api_key"`      // or PICTOR_OPENAI_API_KEY / OPENAI_API_KEY
	Model       string   `toml:"model"`        // chat model
	VisionModel string   `toml:"vision_model"` // "" sends no images and turns image descriptions off
	Profile     string   `toml:"profile"`      // "openai", "compatible" or "text" (no JSON mode)
	Timeout     Duration `toml:"timeout"`      // one chat call
	// Quotas per local user per UTC day, counted per call made to the
	// model (cache hits are free); 0 means no limit.
	SuggestionsPerDay  int `toml:"suggestions_per_day"`
	DescriptionsPerDay int `toml:"descriptions_per_day"`
	ScreeningPerDay    int `toml:"screening_per_day"`
	// The assistant bot: its account, the status command that asks it from
	// an app, and the questions it answers per requester per UTC day (local
	// users; accounts on other servers, where 0 refuses them).
	BotUsername     string `toml:"bot_username"`
	AskCommand      string `toml:"ask_command"`
	AskPerDay       int    `toml:"ask_per_day"`
	RemoteAskPerDay int    `toml:"remote_ask_per_day"`
	// CacheEntries bounds the in-memory cache of answers (suggestions per
	// status and viewer).
	CacheEntries int `toml:"cache_entries"`
}

// Web configures the web pages.
type Web struct {
	SessionLifetime Duration `toml:"session_lifetime"`
	TemplatesDir    string   `toml:"templates_dir"`
	// MaxPasswordChecks bounds concurrent argon2id password checks (64 MiB
	// each) for every sign-in and password confirmation.
	MaxPasswordChecks int `toml:"max_password_checks"`
}

// API configures the Mastodon client API.
type API struct {
	// RateLimit is requests per 5 minutes per access token (or client
	// address without one); 0 turns the limit off.
	RateLimit int `toml:"rate_limit"`
}

// Push configures Web Push delivery to Mastodon apps.
type Push struct {
	Workers     int      `toml:"workers"`
	Timeout     Duration `toml:"timeout"`
	MaxAttempts int      `toml:"max_attempts"`
}

// Metrics configures the Prometheus exposition at /metrics. It is off
// unless Listen or Token is set.
type Metrics struct {
	// Listen is a separate address (e.g. "127.0.0.1:9090") serving only
	// /metrics; "" serves none.
	Listen string `toml:"listen"`
	// Token, when set, is required as "Authorization: Bearer TOKEN", and
	// /metrics is also served on the main listener.
	Token string `toml:"token"`
}

// Default returns the built-in configuration: a local instance on
// 127.0.0.1:8080 with data in ./data and the offline image generator.
func Default() File {
	return File{
		Host:                "localhost:8080",
		Scheme:              "http",
		Listen:              "127.0.0.1:8080",
		TrustedProxies:      []string{},
		DataDir:             "./data",
		LogLevel:            "info",
		InstanceTitle:       "Pictor",
		InstanceDescription: "A small fediverse server for AI-generated images.",
		Rules:               []string{"Label AI-generated images as such.", "No content that is illegal where this server runs."},
		ShowDomainBlocks:    "all",
		ShowBlockRationale:  "all",
		Federation: Federation{
			FetchTimeout:       Duration{10 * time.Second},
			MaxFetchBytes:      1 << 20,
			MaxInboxBytes:      1 << 20,
			SignatureMaxAge:    Duration{65 * time.Minute},
			InboxWorkers:       4,
			DeliveryWorkers:    16,
			PerHostConcurrency: 4,
			DeliveryTimeout:    Duration{10 * time.Second},
			DeliveryLease:      Duration{90 * time.Second},
			RetryFor:           Duration{72 * time.Hour},
			UnreachableAfter:   Duration{7 * 24 * time.Hour},
			ActorCacheFor:      Duration{24 * time.Hour},
			PollUpdateDelay:    Duration{3 * time.Minute},
		},
		Media: Media{
			MaxUploadBytes:     16 << 20,
			MaxPixels:          33_177_600,
			MaxSide:            2048,
			MaxFederatedBytes:  1_000_000,
			ThumbSide:          640,
			DecodeMemory:       512 << 20,
			DecodeWait:         Duration{10 * time.Second},
			RemoteMaxBytes:     16 << 20,
			RemoteFetchTimeout: Duration{30 * time.Second},
			RemoteWorkers:      2,
			RemoteCacheDays:    7,
			Storage:            "local",
			S3:                 MediaS3{Region: "us-east-1", PathStyle: true, Timeout: Duration{30 * time.Second}},
		},
		Generation: Generation{
			Backend:            "builtin",
			Command:            "/imagine",
			BotUsername:        "imagine",
			Hashtag:            "AIGenerated",
			Label:              "AI-generated image",
			Workers:            2,
			Timeout:            Duration{5 * time.Minute},
			ImagesPerDay:       50,
			RemoteImagesPerDay: 5,
			MaxConcurrentJobs:  2,
			Variants:           1,
			CandidatesKeep:     Duration{72 * time.Hour},
			OpenAI: OpenAI{
				Model:             "gpt-image-1",
				Profile:           "openai",
				Size:              "1024x1024",
				Quality:           "medium",
				OutputFormat:      "jpeg",
				OutputCompression: 85,
				Background:        "auto",
			},
		},
		Moderation: Moderation{Backend: "auto", Model: "omni-moderation-latest"},
		Screening: Screening{Backend: "wordlist", Model: "omni-moderation-latest", Timeout: Duration{5 * time.Second},
			Words: []string{}, DefaultAction: "warn", Policy: map[string]string{
				"hate": "warn", "harassment": "warn", "violence": "warn", "sexual": "allow", "self-harm": "allow",
				"illicit": "warn", "word-list": "warn", "other": "allow"}},
		Assistant: Assistant{
			Backend:            "none",
			Model:              "gpt-4.1-mini",
			Profile:            "openai",
			Timeout:            Duration{30 * time.Second},
			SuggestionsPerDay:  100,
			DescriptionsPerDay: 50,
			ScreeningPerDay:    500,
			BotUsername:        "ask",
			AskCommand:         "/ask",
			AskPerDay:          20,
			RemoteAskPerDay:    5,
			CacheEntries:       10000,
		},
		Web:      Web{SessionLifetime: Duration{30 * 24 * time.Hour}, MaxPasswordChecks: 2},
		Push:     Push{Workers: 4, Timeout: Duration{10 * time.Second}, MaxAttempts: 5},
		API:      API{RateLimit: 300},
		Database: Database{Driver: "sqlite"},
	}
}

// Load reads the TOML file at path over Default() ("" means defaults only),
// applies environment overrides and validates the result. Unknown keys are
// refused so that typos do not pass silently.
func Load(path string) (File, error) {
	f := Default()
	if path != "" {
		md, err := toml.DecodeFile(path, &f)
		if err != nil {
			return File{}, fmt.Errorf("read config %s: %w", path, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			keys := make([]string, len(und))
			for i, k := range und {
				keys[i] = k.String()
			}
			return File{}, fmt.Errorf("config %s: unknown keys: %s", path, strings.Join(keys, ", "))
		}
	}
	f.applyEnv()
	if err := f.Validate(); err != nil {
		return File{}, fmt.Errorf("config: %w", err)
	}
	return f, nil
}

// applyEnv lets secrets come from the environment instead of the file.
func (f *File) applyEnv() {
	if v := os.Getenv("PICTOR_DATABASE_URL"); v != "" {
		f.Database.URL = v
	}
	if v := os.Getenv("PICTOR_METRICS_TOKEN"); v != "" && f.Metrics.Token == "" {
		f.Metrics.Token = v
	}
	if v := os.Getenv("PICTOR_S3_ACCESS_KEY"); v != "" && f.Media.S3.AccessKey == "" {
		f.Media.S3.AccessKey = v
	}
	if v := os.Getenv("PICTOR_S3_SECRET_KEY"); v != "" && f.Media.S3.SecretKey == "" {
		f.Media.S3.SecretKey = v
	}
	for _, k := range []string{"PICTOR_OPENAI_API_KEY", "OPENAI_API_KEY"} {
		if v := os.Getenv(k); v != "" && f.Generation.OpenAI.APIKey == "" {
			f.Generation.OpenAI.APIKey = v
		}
		if v := os.Getenv(k); v != "" && f.Assistant.APIKey == "" {
			f.Assistant.APIKey = v
		}
	}
}

var hashtagRE = regexp.MustCompile(`^[\pL\pN_]+$`)
var usernameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$`)

// Validate reports every problem with the configuration at once.
func (f File) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if f.Host == "" || strings.ContainsAny(f.Host, "/ ") {
		bad("host %q must be a host name with an optional port", f.Host)
	}
	if f.Scheme != "http" && f.Scheme != "https" {
		bad("scheme %q must be http or https", f.Scheme)
	}
	if _, _, err := net.SplitHostPort(f.Listen); err != nil {
		bad("listen %q must be host:port", f.Listen)
	}
	if f.DataDir == "" {
		bad("data_dir must be set")
	}
	switch f.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level %q must be debug, info, warn or error", f.LogLevel)
	}
	for _, c := range f.TrustedProxies {
		if !validCIDR(c) {
			bad("trusted_proxies entry %q must be an IP address or CIDR", c)
		}
	}
	switch db := f.Database; {
	case db.Driver != "sqlite" && db.Driver != "postgres":
		bad("[database] driver %q must be sqlite or postgres", db.Driver)
	case db.Driver == "postgres" && !strings.HasPrefix(db.URL, "postgres://") && !strings.HasPrefix(db.URL, "postgresql://"):
		// The URL holds a password: the message never quotes it.
		bad("[database] url (or PICTOR_DATABASE_URL) must be a postgres:// URL when driver is postgres")
	case db.PoolSize < 0:
		bad("[database] pool_size must not be negative (0 means two per CPU)")
	}
	if f.Web.MaxPasswordChecks < 1 {
		bad("[web] max_password_checks must be at least 1")
	}
	if f.API.RateLimit < 0 {
		bad("[api] rate_limit must not be negative (0 turns it off)")
	}
	fed := f.Federation
	if fed.InboxWorkers < 1 || fed.DeliveryWorkers < 1 || fed.PerHostConcurrency < 1 {
		bad("federation workers and per_host_concurrency must be at least 1")
	}
	if fed.DeliveryLease.Duration <= fed.DeliveryTimeout.Duration {
		bad("[federation] delivery_lease must be longer than delivery_timeout")
	}
	if fed.MaxFetchBytes < 1024 || fed.MaxInboxBytes < 1024 {
		bad("federation max_fetch_bytes and max_inbox_bytes must be at least 1024")
	}
	m := f.Media
	if m.MaxUploadBytes < 1024 || m.MaxPixels < 1 || m.MaxSide < 64 || m.MaxFederatedBytes < 10_000 || m.ThumbSide < 16 {
		bad("media limits are too small")
	}
	if m.DecodeMemory < 16<<20 || m.DecodeWait.Duration < 0 {
		bad("[media] decode_memory must be at least 16 MiB (16777216) and decode_wait not negative")
	}
	if m.RemoteMaxBytes < 1024 || m.RemoteFetchTimeout.Duration <= 0 || m.RemoteWorkers < 1 || m.RemoteCacheDays < 0 {
		bad("[media] remote_max_bytes, remote_fetch_timeout, remote_workers or remote_cache_days is out of range")
	}
	errs = append(errs, m.validateStorage()...)
	g := f.Generation
	if g.Backend != "builtin" && g.Backend != "openai" {
		bad("generation backend %q must be builtin or openai", g.Backend)
	}
	if g.Command == "" || strings.ContainsAny(g.Command, " \t\n") {
		bad("generation command %q must be one word", g.Command)
	}
	if !usernameRE.MatchString(g.BotUsername) {
		bad("generation bot_username %q must be lower-case letters, digits, '_' or '-'", g.BotUsername)
	}
	if g.Hashtag != "" && !hashtagRE.MatchString(g.Hashtag) {
		bad("generation hashtag %q must be letters, digits or '_' without '#'", g.Hashtag)
	}
	if g.Workers < 1 || g.MaxConcurrentJobs < 1 || g.ImagesPerDay < 0 || g.RemoteImagesPerDay < 0 {
		bad("generation workers and max_concurrent_jobs must be at least 1, quotas not negative")
	}
	if g.Variants < 1 || g.Variants > 4 {
		bad("generation variants must be between 1 and 4")
	}
	if g.CandidatesKeep.Duration < time.Minute {
		bad("generation candidates_keep must be at least 1m")
	}
	if g.OpenAI.PartialImages < 0 || g.OpenAI.PartialImages > 3 {
		bad("generation.openai partial_images must be between 0 and 3")
	}
	for _, v := range []struct{ key, val string }{{"show_domain_blocks", f.ShowDomainBlocks},
		{"show_domain_blocks_rationale", f.ShowBlockRationale}} {
		if v.val != "disabled" && v.val != "users" && v.val != "all" {
			bad("%s %q must be disabled, users or all", v.key, v.val)
		}
	}
	if f.Metrics.Listen != "" {
		if _, _, err := net.SplitHostPort(f.Metrics.Listen); err != nil {
			bad("[metrics] listen %q must be host:port", f.Metrics.Listen)
		}
	}
	if t := f.Metrics.Token; t != "" && (len(t) < 16 || strings.ContainsAny(t, " \t\r\n")) {
		bad("[metrics] token must be at least 16 characters without spaces")
	}
	switch f.Moderation.Backend {
	case "auto", "openai", "wordlist", "off":
	default:
		bad("moderation backend %q must be auto, openai, wordlist or off", f.Moderation.Backend)
	}
	switch f.Screening.Backend {
	case "wordlist", "openai", "chat", "off":
	default:
		bad("screening backend %q must be wordlist, openai, chat or off", f.Screening.Backend)
	}
	screeningAction := func(a string) bool { return a == "allow" || a == "warn" || a == "refuse" }
	if !screeningAction(f.Screening.DefaultAction) {
		bad("screening default_action %q must be allow, warn or refuse", f.Screening.DefaultAction)
	}
	for c, a := range f.Screening.Policy {
		if !screeningAction(a) {
			bad("screening policy %s = %q must be allow, warn or refuse", c, a)
		}
	}
	if f.Screening.Threshold < 0 || f.Screening.Threshold > 1 {
		bad("screening threshold %v must be between 0 and 1", f.Screening.Threshold)
	}
	if f.Screening.Timeout.Duration <= 0 {
		bad("screening timeout must be positive")
	}
	errs = append(errs, f.Assistant.validate()...)
	return errors.Join(errs...)
}

// validateStorage checks [media] storage and, for "s3", [media.s3].
func (m Media) validateStorage() []error {
	switch m.Storage {
	case "local":
		return nil
	case "s3":
		if err := m.S3.Check(); err != nil {
			return []error{err}
		}
		return nil
	}
	return []error{fmt.Errorf("[media] storage %q must be local or s3", m.Storage)}
}

// Check reports every problem of a [media.s3] section; Validate applies it
// when storage is "s3", `pictor media copy --to s3` whatever storage is.
func (s MediaS3) Check() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !isBaseURL(s.Endpoint) {
		bad("[media.s3] endpoint %q must be http(s)://host[:port] without a path", s.Endpoint)
	}
	if s.Bucket == "" {
		bad("[media.s3] bucket must be set")
	}
	if s.AccessKey == "" || s.SecretKey == "" {
		bad("[media.s3] access_key and secret_key must be set (or PICTOR_S3_ACCESS_KEY and PICTOR_S3_SECRET_KEY)")
	}
	if s.PublicURL != "" && !isHTTPURL(s.PublicURL) {
		bad("[media.s3] public_url %q must be an http(s) URL", s.PublicURL)
	}
	if s.Timeout.Duration <= 0 {
		bad("[media.s3] timeout must be positive")
	}
	return errors.Join(errs...)
}

// isBaseURL accepts http(s)://host[:port] with nothing after it but "/".
func isBaseURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && isHTTPURL(s) && strings.Trim(u.Path, "/") == "" && u.RawQuery == "" && u.Fragment == ""
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil
}

func (a Assistant) validate() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch a.Backend {
	case "none", "openai":
	default:
		bad("[assistant] backend %q must be none or openai", a.Backend)
	}
	switch a.Profile {
	case "openai", "compatible", "text":
	default:
		bad("[assistant] profile %q must be openai, compatible or text", a.Profile)
	}
	if a.Backend == "openai" && a.Model == "" {
		bad("[assistant] model must be set")
	}
	if a.Timeout.Duration <= 0 {
		bad("[assistant] timeout must be positive")
	}
	if a.SuggestionsPerDay < 0 || a.DescriptionsPerDay < 0 || a.ScreeningPerDay < 0 || a.CacheEntries < 0 ||
		a.AskPerDay < 0 || a.RemoteAskPerDay < 0 {
		bad("[assistant] quotas and cache_entries must not be negative")
	}
	if a.Backend != "none" && a.BotUsername == "" {
		bad("[assistant] bot_username must be set")
	}
	if a.AskCommand != "" && (!strings.HasPrefix(a.AskCommand, "/") || strings.ContainsAny(a.AskCommand, " \t\r\n")) {
		bad("[assistant] ask_command %q must start with / and contain no spaces", a.AskCommand)
	}
	return errs
}

func validCIDR(s string) bool {
	if _, err := netip.ParsePrefix(s); err == nil {
		return true
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// BaseURL returns scheme://host, the prefix of every public URL.
func (f File) BaseURL() string { return f.Scheme + "://" + f.Host }
