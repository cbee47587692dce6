package web

import (
	"html/template"

	"github.com/pictor-social/pictor/internal/htmlsan"
)

// sanitizeHTML returns remote HTML reduced to the allowlist, for templates.
// Remote posts are already cleaned when they are stored; this guards the
// pages against anything stored before that or written elsewhere.
func sanitizeHTML(s string) template.HTML { return template.HTML(htmlsan.Clean(s)) }

// plainText returns the text of an HTML fragment cut to n runes.
func plainText(s string, n int) string { return htmlsan.PlainText(s, n) }

// safeURL reports whether s is an absolute http(s) URL.
func safeURL(s string) bool { return htmlsan.SafeURL(s) }

// urlOr returns s when it is an absolute http(s) URL, else fallback.
func urlOr(s, fallback string) string { return htmlsan.URLOr(s, fallback) }
