package mastoapi

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// reflectJSON is what writeJSON wrote before the hand-written encoder:
// json.Encoder with HTML escaping off.
func reflectJSON(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return buf.Bytes()
}

// trickyStrings exercise every escaping rule of encoding/json.
var trickyStrings = []string{
	"", "plain", `<p>Hello &amp; <a href="https://example.com/?a=1&b=2">link</a></p>`, "quote \" backslash \\ slash /",
	"tab\tnewline\ncr\rbackspace\bformfeed\f", "\x00\x01\x1f\x7f", "unicode: été, 日本語, emoji 🎨👩‍🎨",
	"line sep \u2028 para sep \u2029", "invalid \xff\xfe utf-8 \xc3", "truncated \xe6\x97", "<script>alert(1)</script>",
	"\u00a0non-breaking\u00a0", "\ufeffBOM", "ends with backslash \\", strings.Repeat("long ", 200),
}

// filler sets every exported field of a value at random: pointers nil or
// set, slices nil, empty or filled, strings from trickyStrings, so
// optional fields are both present and absent across many values.
type filler struct {
	rnd   *rand.Rand
	depth int
}

func (f *filler) fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(trickyStrings[f.rnd.IntN(len(trickyStrings))])
	case reflect.Bool:
		v.SetBool(f.rnd.IntN(2) == 0)
	case reflect.Int, reflect.Int64, reflect.Int32:
		vals := []int64{0, 1, -1, 42, 1 << 40, math.MaxInt64, math.MinInt64}
		v.SetInt(vals[f.rnd.IntN(len(vals))])
	case reflect.Float64:
		vals := []float64{0, 1, -1, 0.5, 4.0 / 3, 1e-7, 1.5e-9, 1e21, 123456789.125, -0.25, 1e20, math.SmallestNonzeroFloat64}
		v.SetFloat(vals[f.rnd.IntN(len(vals))])
	case reflect.Pointer:
		if f.rnd.IntN(3) == 0 || (v.Type().Elem() == reflect.TypeFor[Status]() && f.depth > 0) {
			return // nil
		}
		p := reflect.New(v.Type().Elem())
		f.depth++
		f.fill(p.Elem())
		f.depth--
		v.Set(p)
	case reflect.Slice:
		switch f.rnd.IntN(4) {
		case 0:
			return // nil
		case 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			return
		}
		n := 1 + f.rnd.IntN(3)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			f.fill(s.Index(i))
		}
		v.Set(s)
	case reflect.Interface: // []any: filter results, or anything else
		switch f.rnd.IntN(3) {
		case 0:
			var r FilterResult
			f.fill(reflect.ValueOf(&r).Elem())
			v.Set(reflect.ValueOf(r))
		case 1:
			v.Set(reflect.ValueOf(map[string]any{"z": trickyStrings[f.rnd.IntN(len(trickyStrings))], "a": 1.5}))
		default:
			v.Set(reflect.ValueOf(trickyStrings[f.rnd.IntN(len(trickyStrings))]))
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[Time]() {
			times := []time.Time{time.Unix(0, 0), time.Date(2026, 12, 6, 13, 14, 15, 123456789, time.FixedZone("x", 3600)),
				time.Date(1999, 1, 2, 3, 4, 5, 0, time.UTC), time.Time{}}
			v.Set(reflect.ValueOf(Time(times[f.rnd.IntN(len(times))])))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i))
			}
		}
	}
}

// TestEntityJSONMatchesEncodingJSON proves the hand-written encoder writes
// exactly what encoding/json writes, over hundreds of entities with every
// field at random, each optional one present and absent, nulls and empty
// arrays, and strings needing every kind of escaping.
func TestEntityJSONMatchesEncodingJSON(t *testing.T) {
	f := &filler{rnd: rand.New(rand.NewPCG(9, 2026))}
	check := func(name string, v any) {
		t.Helper()
		want := reflectJSON(t, v)
		got, ok, err := appendFast(nil, v)
		if !ok || err != nil {
			t.Fatalf("%s: not encoded by hand (ok %v, err %v)", name, ok, err)
		}
		if !bytes.Equal(got, want) {
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			t.Fatalf("%s differs at byte %d:\n got: %.200s\nwant: %.200s", name, i, got[max(0, i-80):], want[max(0, i-80):])
		}
	}
	for range 300 {
		var s Status
		f.fill(reflect.ValueOf(&s).Elem())
		check("Status", s)
		check("*Status", &s)
		var a Account
		f.fill(reflect.ValueOf(&a).Elem())
		check("Account", a)
	}
	for range 40 {
		var list []Status
		f.fill(reflect.ValueOf(&list).Elem())
		check("[]Status", list)
		var accts []Account
		f.fill(reflect.ValueOf(&accts).Elem())
		check("[]Account", accts)
		var c Context
		f.fill(reflect.ValueOf(&c).Elem())
		check("Context", c)
	}
	check("nil *Status", (*Status)(nil))
	check("nil []Status", []Status(nil))
	check("empty []Status", []Status{})
}

// TestEntityJSONRefusesNaN keeps encoding/json's refusal of non-finite
// numbers, rather than writing invalid JSON.
func TestEntityJSONRefusesNaN(t *testing.T) {
	s := Status{MediaAttachments: []MediaAttachment{{Meta: MediaMetaSet{Focus: &Focus{X: math.NaN()}}}}}
	if _, _, err := appendFast(nil, s); err == nil {
		t.Fatal("NaN encoded")
	}
	if _, err := json.Marshal(s); err == nil {
		t.Fatal("encoding/json encoded NaN")
	}
}

// TestAppendJSONStringEveryByte compares string escaping for every single
// byte and every rune class boundary.
func TestAppendJSONStringEveryByte(t *testing.T) {
	for c := range 256 {
		cases := []string{string([]byte{byte(c)}), "a" + string([]byte{byte(c)}) + "b", string(rune(c))}
		for pos := range 17 { // every position of the 8-byte fast path
			cases = append(cases, strings.Repeat("x", pos)+string([]byte{byte(c)})+strings.Repeat("y", 17-pos))
		}
		for _, s := range cases {
			want, _ := json.Marshal(s)
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.Encode(s)
			want = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
			if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
				t.Fatalf("%q: got %s, want %s", s, got, want)
			}
		}
	}
	for _, r := range []rune{0x7ff, 0x800, 0xfffd, 0xffff, 0x10000, 0x10ffff, 0x2027, 0x2028, 0x2029, 0x202a, 0xd800} {
		s := string(r)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		if got, want := appendJSONString(nil, s), bytes.TrimSuffix(buf.Bytes(), []byte("\n")); !bytes.Equal(got, want) {
			t.Fatalf("%U: got %s, want %s", r, got, want)
		}
	}
}

// benchPage is a home timeline page as the benchmark data renders it: 40
// statuses by distinct remote authors, one in ten with an image.
func benchPage() []Status {
	out := make([]Status, 40)
	for i := range out {
		url := "https://remote.example/@author/1170000000000" + string(rune('0'+i%10))
		lang := "en"
		s := Status{ID: "117000000000000" + string(rune('0'+i%10)), URI: "https://remote.example/users/author/statuses/1",
			URL: &url, CreatedAt: Time(time.Date(2026, 12, 6, 1, 2, 3, 0, time.UTC)),
			Account: Account{ID: "116000000000001", Username: "author", Acct: "author@remote.example", DisplayName: "Author Name",
				CreatedAt: Time(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)), Note: "<p>A remote author &amp; painter</p>",
				URL: "https://remote.example/@author", URI: "https://remote.example/users/author",
				Avatar: "https://pictor.example/static/img/avatar.png", AvatarStatic: "https://pictor.example/static/img/avatar.png",
				Header: "https://pictor.example/static/img/header.png", HeaderStatic: "https://pictor.example/static/img/header.png",
				FollowersCount: 120, FollowingCount: 80, StatusesCount: 100, Emojis: []Emoji{}, Roles: []any{}, Fields: []Field{}},
			Content:    "<p>Status number 12345 with some text about painting, light and colour, in a sentence or two.</p>",
			Visibility: "public", MediaAttachments: []MediaAttachment{}, Mentions: []Mention{}, Tags: []Tag{}, Emojis: []Emoji{},
			Language: &lang, Filtered: []any{}}
		if i%10 == 0 {
			u, d := "https://remote.example/media/1.png", "a painting"
			m := &MediaMeta{Width: 1024, Height: 768, Size: "1024x768", Aspect: 1024.0 / 768}
			s.MediaAttachments = []MediaAttachment{{ID: "1", Type: "image", URL: &u, PreviewURL: &u, RemoteURL: &u,
				Meta: MediaMetaSet{Original: m, Small: m, Focus: &Focus{}}, Description: &d}}
		}
		out[i] = s
	}
	return out
}

// BenchmarkEncodeStatusPage measures encoding a rendered 40-status page,
// by hand and through encoding/json (issue 9):
//
//	go test -run '^$' -bench EncodeStatusPage -benchmem ./mastoapi/
func BenchmarkEncodeStatusPage(b *testing.B) {
	page := benchPage()
	b.Run("hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bp := jsonBufs.Get().(*[]byte)
			out, _, err := appendFast((*bp)[:0], page)
			if err != nil {
				b.Fatal(err)
			}
			*bp = out[:0]
			jsonBufs.Put(bp)
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		var buf bytes.Buffer
		for b.Loop() {
			buf.Reset()
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(page); err != nil {
				b.Fatal(err)
			}
		}
	})
}
