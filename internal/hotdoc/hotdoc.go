// Package hotdoc serves documents encoded once and kept: the bytes, a
// strong ETag of them (a digest, so each representation of a negotiated URL
// has its own) and every header value are made when the document is, so
// answering a request allocates nothing, and a request whose If-None-Match
// names the tag gets 304 with no body (RFC 9110, 13.1.2). WebFinger,
// NodeInfo and the actor document, the most requested federation GETs, are
// served this way (issue 9).
package hotdoc

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
)

// Doc is one encoded document with its headers. It is immutable and safe
// for concurrent use.
type Doc struct {
	body []byte
	etag string
	// header holds the values set on a 200; notModified those kept on a
	// 304 (everything but Content-Type and Content-Length). Each value is a
	// one-element slice shared by every response: net/http only reads
	// them, and Header.Add or Set on a response replaces rather than
	// writes into them (append to a full slice copies).
	header, notModified []field
}

type field struct {
	key   string
	value []string
}

// New keeps body (which the caller must not change afterwards) with the
// given header key and value pairs ("Content-Type", "...", ...), adding
// ETag and Content-Length.
func New(body []byte, keyValues ...string) *Doc {
	sum := sha256.Sum256(body)
	d := &Doc{body: body, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`}
	add := func(k, v string, on304 bool) {
		f := field{key: textproto.CanonicalMIMEHeaderKey(k), value: []string{v}}
		d.header = append(d.header, f)
		if on304 {
			d.notModified = append(d.notModified, f)
		}
	}
	for i := 0; i+1 < len(keyValues); i += 2 {
		k := textproto.CanonicalMIMEHeaderKey(keyValues[i])
		add(k, keyValues[i+1], k != "Content-Type" && k != "Content-Length")
	}
	add("ETag", d.etag, true)
	add("Content-Length", strconv.Itoa(len(body)), false)
	return d
}

// Body returns the document's bytes; the caller must not change them.
func (d *Doc) Body() []byte { return d.body }

// ETag returns the quoted strong entity tag of the bytes.
func (d *Doc) ETag() string { return d.etag }

// Serve answers a GET or HEAD with the document, or 304 when the request's
// If-None-Match names its tag.
func (d *Doc) Serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if Matches(r.Header.Get("If-None-Match"), d.etag) {
		for _, f := range d.notModified {
			h[f.key] = f.value
		}
		w.WriteHeader(http.StatusNotModified)
		return
	}
	for _, f := range d.header {
		h[f.key] = f.value
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(d.body)
	}
}

// Matches applies If-None-Match's weak comparison of a list of tags to a
// strong tag: "*" or the tag, with or without W/, anywhere in the list.
func Matches(header, etag string) bool {
	for header != "" {
		var t string
		t, header, _ = strings.Cut(header, ",")
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
