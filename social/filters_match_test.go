package social

import (
	"reflect"
	"testing"
	"time"

	"github.com/pictor-social/pictor/store"
)

func TestKeywordMatching(t *testing.T) {
	hashtag := `<p>A red fox <a href="https://p.test/tags/aigenerated" class="mention hashtag" rel="tag">#<span>AIgenerated</span></a></p>`
	cases := []struct {
		name      string
		keyword   string
		wholeWord bool
		subject   FilterSubject
		want      bool
	}{
		{"substring", "cat", false, FilterSubject{ContentHTML: "<p>concatenate</p>"}, true},
		{"whole word refuses substring", "cat", true, FilterSubject{ContentHTML: "<p>concatenate</p>"}, false},
		{"whole word at edges", "cat", true, FilterSubject{ContentHTML: "<p>cat</p>"}, true},
		{"whole word before punctuation", "cat", true, FilterSubject{ContentHTML: "<p>a cat, then</p>"}, true},
		{"underscore is a word character", "cat", true, FilterSubject{ContentHTML: "<p>cat_pic</p>"}, false},
		{"later occurrence is whole", "cat", true, FilterSubject{ContentHTML: "<p>cats and a cat</p>"}, true},
		{"case folded", "AI Generated", true, FilterSubject{ContentHTML: "<p>this is ai generated art</p>"}, true},
		{"keyword upper text lower", "FOX", true, FilterSubject{ContentHTML: "<p>fox</p>"}, true},
		{"hashtag keyword in hashtag link", "#AIgenerated", true, FilterSubject{ContentHTML: hashtag}, true},
		{"hashtag keyword lower case", "#aigenerated", true, FilterSubject{ContentHTML: hashtag}, true},
		{"plain word matches hashtag", "aigenerated", true, FilterSubject{ContentHTML: hashtag}, true},
		{"hashtag keyword needs end boundary", "#AIgenerated", true, FilterSubject{ContentHTML: "<p>#AIgeneratedArt</p>"}, false},
		{"hashtag keyword without whole word", "#AIgenerated", false, FilterSubject{ContentHTML: "<p>#AIgeneratedArt</p>"}, true},
		{"hash is not needed before", "#ai", true, FilterSubject{ContentHTML: "<p>x#ai</p>"}, true},
		{"unicode case", "ÉTÉ", true, FilterSubject{ContentHTML: "<p>un été chaud</p>"}, true},
		{"unicode letters are word characters", "été", true, FilterSubject{ContentHTML: "<p>étéà</p>"}, false},
		{"cyrillic whole word", "кот", true, FilterSubject{ContentHTML: "<p>мой кот спит</p>"}, true},
		{"cyrillic inside word", "кот", true, FilterSubject{ContentHTML: "<p>котик</p>"}, false},
		{"cjk substring", "生成", false, FilterSubject{ContentHTML: "<p>人工智能生成的图片</p>"}, true},
		{"emoji keyword", "🦊", true, FilterSubject{ContentHTML: "<p>a🦊b</p>"}, true},
		{"entities decoded", "fish & chips", true, FilterSubject{ContentHTML: "<p>fish &amp; chips</p>"}, true},
		{"paragraphs separate words", "onetwo", false, FilterSubject{ContentHTML: "<p>one</p><p>two</p>"}, false},
		{"line break separates words", "two", true, FilterSubject{ContentHTML: "<p>one<br>two</p>"}, true},
		{"tags do not leak", "href", false, FilterSubject{ContentHTML: `<p><a href="x">link</a></p>`}, false},
		{"spoiler text", "spoiler", true, FilterSubject{SpoilerText: "Spoiler!", ContentHTML: "<p>x</p>"}, true},
		{"media description", "ai-generated", true, FilterSubject{ContentHTML: "<p>x</p>", MediaDescriptions: []string{"A fox. AI-generated image"}}, true},
		{"no match", "dog", false, FilterSubject{ContentHTML: "<p>cat</p>"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := store.Filter{ID: 1, Title: "t", Context: []string{"home"}, Action: store.FilterWarn,
				Keywords: []store.FilterKeyword{{ID: 2, Keyword: tc.keyword, WholeWord: tc.wholeWord}}}
			got := CompileFilters([]store.Filter{f}, time.Now()).Match("home", tc.subject)
			if (len(got) == 1) != tc.want {
				t.Fatalf("matched = %v, want %v", got, tc.want)
			}
			if tc.want && !reflect.DeepEqual(got[0].Keywords, []string{tc.keyword}) {
				t.Errorf("keywords = %q", got[0].Keywords)
			}
		})
	}
}

func TestFilterSetContextsExpiryAndStatuses(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	list := []store.Filter{
		{ID: 1, Title: "home warn", Context: []string{"home"}, Action: store.FilterWarn,
			Keywords: []store.FilterKeyword{{Keyword: "fox", WholeWord: true}}},
		{ID: 2, Title: "public hide", Context: []string{"public", "thread"}, Action: store.FilterHide,
			Keywords: []store.FilterKeyword{{Keyword: "fox", WholeWord: true}, {Keyword: "red", WholeWord: true}}},
		{ID: 3, Title: "expired", Context: []string{"home", "public"}, Action: store.FilterHide, ExpiresAt: now,
			Keywords: []store.FilterKeyword{{Keyword: "fox"}}},
		{ID: 4, Title: "future", Context: []string{"home"}, Action: store.FilterWarn, ExpiresAt: now.Add(time.Hour),
			Statuses: []store.FilterStatus{{StatusID: 77}}},
	}
	fs := CompileFilters(list, now)
	subject := FilterSubject{IDs: []int64{10, 77}, ContentHTML: "<p>a red fox</p>"}
	cases := []struct {
		context string
		want    []int64
		hides   bool
	}{
		{"home", []int64{1, 4}, false},
		{"public", []int64{2}, true},
		{"thread", []int64{2}, true},
		{"notifications", nil, false},
		{"", []int64{1, 2, 4}, true},
	}
	for _, tc := range cases {
		got := fs.Match(tc.context, subject)
		var ids []int64
		for _, m := range got {
			ids = append(ids, m.Filter.ID)
		}
		if !reflect.DeepEqual(ids, tc.want) || Hides(got) != tc.hides {
			t.Errorf("%q: filters %v hides %v, want %v %v", tc.context, ids, Hides(got), tc.want, tc.hides)
		}
	}
	if got := fs.Match("public", subject); !reflect.DeepEqual(got[0].Keywords, []string{"fox", "red"}) {
		t.Errorf("keywords = %q", got[0].Keywords)
	}
	if got := fs.Match("home", subject); !reflect.DeepEqual(got[1].StatusIDs, []int64{77}) || got[1].Keywords != nil {
		t.Errorf("status match = %+v", got[1])
	}
	if !CompileFilters(nil, now).Empty() || !CompileFilters(list[2:3], now).Empty() {
		t.Error("no active filter should be empty")
	}
}

// BenchmarkFilterMatch matches one home page (40 statuses) against ten
// filters of three keywords each, the text built once per status.
func BenchmarkFilterMatch(b *testing.B) {
	var list []store.Filter
	for i := range 10 {
		list = append(list, store.Filter{ID: int64(i), Context: []string{"home", "public"}, Action: store.FilterWarn,
			Keywords: []store.FilterKeyword{{Keyword: "#AIgenerated", WholeWord: true}, {Keyword: "midjourney"},
				{Keyword: "stable diffusion", WholeWord: true}}})
	}
	fs := CompileFilters(list, time.Now())
	subject := FilterSubject{IDs: []int64{1}, SpoilerText: "", MediaDescriptions: []string{"A red fox in the snow, at dusk. AI-generated image"},
		ContentHTML: `<p>A red fox in the snow, made with a prompt about winter light and long shadows ` +
			`<a href="https://p.test/tags/aiart" class="mention hashtag" rel="tag">#<span>AIArt</span></a></p>`}
	b.ReportAllocs()
	for b.Loop() {
		for range 40 {
			if len(fs.Match("home", subject)) != 0 {
				b.Fatal("unexpected match")
			}
		}
	}
}
