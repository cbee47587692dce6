package web

import "testing"

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
