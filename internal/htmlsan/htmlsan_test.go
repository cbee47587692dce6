package htmlsan

import "testing"

func TestClean(t *testing.T) {
	cases := []struct{ in, want string }{
		{`<p>Hello <a href="https://x.example/@a" class="u-url mention">@a</a></p>`,
			`<p>Hello <a href="https://x.example/@a" class="u-url mention" rel="nofollow noopener noreferrer" target="_blank">@a</a></p>`},
		{`<span class="h-card evil" style="x"><a class="mention x&quot;y" href="https://a.example/">a</a></span>`,
			`<span class="h-card"><a href="https://a.example/" class="mention" rel="nofollow noopener noreferrer" target="_blank">a</a></span>`},
		{`<a href="https://a.example/" onmouseover="steal()" class='hashtag'>#t</a>`,
			`<a href="https://a.example/" class="hashtag" rel="nofollow noopener noreferrer" target="_blank">#t</a>`},
		{`<script>alert(1)</script>ok`, `ok`},
		{`<img src=x onerror=alert(1)>text`, `text`},
		{`<a href="javascript:alert(1)">x</a>`, `<a>x</a>`},
		{`<a href='https://a.example/?q=1&amp;r=2'>q</a>`, `<a href="https://a.example/?q=1&amp;r=2" rel="nofollow noopener noreferrer" target="_blank">q</a>`},
		{`<p onclick="x()">unclosed <strong>bold`, `<p>unclosed <strong>bold</strong></p>`},
		{`stray </p></em> end`, `stray  end`},
		{`1 < 2 &amp; 3 > 2 <!-- c --> &lt;b&gt;`, `1 &lt; 2 &amp; 3 &gt; 2  &lt;b&gt;`},
		{`<style>p{}</style><STYLE>x</STYLE>after`, `after`},
		{`<p>a<br>b<br/>c</p>`, `<p>a<br>b<br>c</p>`},
		{`<iframe src="https://evil"></iframe>inside`, `inside`},
	}
	for _, tc := range cases {
		if got := string(Clean(tc.in)); got != tc.want {
			t.Errorf("Clean(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}
