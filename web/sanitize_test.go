package web

import "testing"

func TestSanitizeHTML(t *testing.T) {
	cases := []struct{ in, want string }{
		{`<p>Hello <a href="https://x.example/@a" class="u-url mention">@a</a></p>`,
			`<p>Hello <a href="https://x.example/@a" rel="nofollow noopener ugc" target="_blank">@a</a></p>`},
		{`<script>alert(1)</script>ok`, `ok`},
		{`<img src=x onerror=alert(1)>text`, `text`},
		{`<a href="javascript:alert(1)">x</a>`, `<a>x</a>`},
		{`<a href='https://a.example/?q=1&amp;r=2'>q</a>`, `<a href="https://a.example/?q=1&amp;r=2" rel="nofollow noopener ugc" target="_blank">q</a>`},
		{`<p onclick="x()">unclosed <strong>bold`, `<p>unclosed <strong>bold</strong></p>`},
		{`stray </p></em> end`, `stray  end`},
		{`1 < 2 &amp; 3 > 2 <!-- c --> &lt;b&gt;`, `1 &lt; 2 &amp; 3 &gt; 2  &lt;b&gt;`},
		{`<style>p{}</style><STYLE>x</STYLE>after`, `after`},
		{`<p>a<br>b<br/>c</p>`, `<p>a<br>b<br>c</p>`},
		{`<iframe src="https://evil"></iframe>inside`, `inside`},
	}
	for _, tc := range cases {
		if got := string(sanitizeHTML(tc.in)); got != tc.want {
			t.Errorf("sanitizeHTML(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestPlainTextAndBlur(t *testing.T) {
	if got := plainText("<p>Hello&nbsp;<b>world</b></p><p>again</p>", 100); got != "Hello\u00a0world again" {
		t.Fatalf("plainText = %q", got)
	}
	if got := plainText("abcdefghij", 5); got != "abcd…" {
		t.Fatalf("cut = %q", got)
	}
	if blurDataURI("LEHV6nWB2yk8pyo0adR*.7kCMdnj") == "" {
		t.Fatal("valid blurhash not decoded")
	}
	for _, bad := range []string{"", "zz", "!!!!!!!!!!!!", "LEHV6nWB2yk8pyo0adR*.7kCMdnjXX"} {
		if blurDataURI(bad) != "" {
			t.Fatalf("bad hash %q decoded", bad)
		}
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{"/compose": "/compose", "": "/", "//evil.example": "/",
		"https://evil.example/": "/", "/\\evil.example": "/", "compose": "/", "/a?b=c": "/a?b=c"} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}
