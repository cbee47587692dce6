package activitypub

import (
	"crypto"
	"crypto/ed25519"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// This file verifies RFC 9421 HTTP Message Signatures, which Mastodon 4.5
// and Fedify 2 send (interop.md A.3).

// verifyRFC9421 checks an RFC 9421 HTTP Message Signature with Mastodon's rules
// (interop.md A.3): exactly one signature; keyid and created present; @method
// and @target-uri covered; on POST a covered Content-Digest that matches body;
// alg absent or rsa-v1_5-sha256 (ed25519 for Ed25519 keys). The time window and
// the one-refresh key retry are the same as for draft-cavage. @target-uri is
// tried with https and http, since a TLS-terminating proxy hides the scheme.
func (v *Verifier) verifyRFC9421(r *http.Request, body []byte) (Verified, error) {
	in, err := parseSignatureInput(r.Header.Get("Signature-Input"))
	if err != nil {
		return Verified{}, err
	}
	sig, err := rfc9421Signature(r.Header.Get("Signature"), in.label)
	if err != nil {
		return Verified{}, err
	}
	if err := in.checkRequired(r.Method); err != nil {
		return Verified{}, err
	}
	window := sigParams{headers: []string{"(created)"}, created: in.created, expires: in.expires}
	if in.expires != 0 {
		window.headers = append(window.headers, "(expires)")
	}
	if err := v.checkTime(window, r.Header); err != nil {
		return Verified{}, err
	}
	if in.covers("content-digest") {
		if err := CheckContentDigest(r.Header.Get("Content-Digest"), body); err != nil {
			return Verified{}, err
		}
	}
	var bases []string
	for _, scheme := range []string{"https", "http"} {
		base, err := in.signatureBase(r, scheme)
		if err != nil {
			return Verified{}, err
		}
		bases = append(bases, base)
	}
	return v.verifyWithKey(r.Context(), in.keyID, func(key crypto.PublicKey) bool {
		if _, isEd := key.(ed25519.PublicKey); isEd != (in.alg == "ed25519") && in.alg != "" {
			return false
		}
		for _, base := range bases {
			if checkSignature(key, base, sig) {
				return true
			}
		}
		return false
	})
}

// sigInput is one parsed Signature-Input member.
type sigInput struct {
	label, params    string   // params: the raw inner list and parameters, for @signature-params
	components       []string // covered component names, lower-cased
	keyID, alg       string
	created, expires int64
}

func (in sigInput) covers(c string) bool {
	for _, x := range in.components {
		if x == c {
			return true
		}
	}
	return false
}

func (in sigInput) checkRequired(method string) error {
	switch {
	case in.keyID == "" || in.created == 0:
		return fmt.Errorf("%w: keyid or created missing", ErrSignature)
	case in.alg != "" && in.alg != "rsa-v1_5-sha256" && in.alg != "ed25519":
		return fmt.Errorf("%w: unsupported alg %q", ErrSignature, in.alg)
	case !in.covers("@method") || !in.covers("@target-uri"):
		return fmt.Errorf("%w: @method and @target-uri must be covered", ErrSignature)
	case method == http.MethodPost && !in.covers("content-digest"):
		return fmt.Errorf("%w: content-digest is not covered on POST", ErrSignature)
	}
	return nil
}

// signatureBase builds the RFC 9421 section 2.5 signature base for r.
func (in sigInput) signatureBase(r *http.Request, scheme string) (string, error) {
	var b strings.Builder
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	query := "?" + r.URL.RawQuery
	for _, c := range in.components {
		var val string
		switch c {
		case "@method":
			val = r.Method
		case "@target-uri":
			val = scheme + "://" + strings.ToLower(requestHost(r)) + path
			if r.URL.RawQuery != "" {
				val += query
			}
		case "@authority":
			val = strings.ToLower(requestHost(r))
		case "@scheme":
			val = scheme
		case "@path":
			val = path
		case "@query":
			val = query
		case "@request-target":
			val = path
			if r.URL.RawQuery != "" {
				val += query
			}
		default:
			if strings.HasPrefix(c, "@") {
				return "", fmt.Errorf("%w: unsupported component %q", ErrSignature, c)
			}
			vals := r.Header.Values(c)
			if len(vals) == 0 {
				return "", fmt.Errorf("%w: covered header %q is missing", ErrSignature, c)
			}
			trimmed := make([]string, len(vals))
			for i, v := range vals {
				trimmed[i] = strings.TrimSpace(v)
			}
			val = strings.Join(trimmed, ", ")
		}
		fmt.Fprintf(&b, "%q: %s\n", c, val)
	}
	fmt.Fprintf(&b, "%q: %s", "@signature-params", in.params)
	return b.String(), nil
}

// parseSignatureInput parses a Signature-Input header holding exactly one
// member: label=("c1" "c2" …);created=…;keyid="…";alg="…". Component
// parameters (such as ;sf or ;key) are not supported.
func parseSignatureInput(h string) (sigInput, error) {
	if len(h) > maxSignatureHeader {
		return sigInput{}, fmt.Errorf("%w: Signature-Input too long", ErrSignature)
	}
	label, rest, ok := strings.Cut(strings.TrimSpace(h), "=")
	if !ok || label == "" || !strings.HasPrefix(rest, "(") || hasTopLevelComma(rest) {
		return sigInput{}, fmt.Errorf("%w: malformed Signature-Input", ErrSignature)
	}
	in := sigInput{label: strings.TrimSpace(label), params: rest}
	end := strings.IndexByte(rest, ')')
	if end < 0 {
		return sigInput{}, fmt.Errorf("%w: malformed Signature-Input", ErrSignature)
	}
	for _, item := range strings.Fields(rest[1:end]) {
		if len(item) < 2 || item[0] != '"' || item[len(item)-1] != '"' {
			return sigInput{}, fmt.Errorf("%w: unsupported component %s", ErrSignature, item)
		}
		in.components = append(in.components, strings.ToLower(item[1:len(item)-1]))
	}
	if len(in.components) > maxSignedHeaders {
		return sigInput{}, fmt.Errorf("%w: too many components", ErrSignature)
	}
	if err := in.parseParams(rest[end+1:]); err != nil {
		return sigInput{}, err
	}
	return in, nil
}

// hasTopLevelComma reports whether s has a comma outside quotes and
// parentheses, that is, a second dictionary member (a second signature, which
// Mastodon refuses too).
func hasTopLevelComma(s string) bool {
	inQuote, depth := false, 0
	for _, c := range s {
		switch {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			return true
		}
	}
	return false
}

// parseParams reads ;name=value signature parameters.
func (in *sigInput) parseParams(s string) error {
	for _, p := range strings.Split(s, ";") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		name, val, _ := strings.Cut(p, "=")
		uq := strings.Trim(val, `"`)
		var err error
		switch name {
		case "created":
			in.created, err = strconv.ParseInt(val, 10, 64)
		case "expires":
			in.expires, err = strconv.ParseInt(val, 10, 64)
		case "keyid":
			in.keyID = uq
		case "alg":
			in.alg = uq
		}
		if err != nil {
			return fmt.Errorf("%w: bad %s parameter", ErrSignature, name)
		}
	}
	return nil
}

// rfc9421Signature returns the base64 value of member label in a Signature
// header (label=:base64:), requiring it to be the only member.
func rfc9421Signature(h, label string) (string, error) {
	name, val, ok := strings.Cut(strings.TrimSpace(h), "=")
	val = strings.TrimSpace(val)
	if !ok || strings.TrimSpace(name) != label || len(val) < 2 || val[0] != ':' || val[len(val)-1] != ':' ||
		strings.Contains(val, ",") {
		return "", fmt.Errorf("%w: malformed or multiple RFC 9421 signatures", ErrSignature)
	}
	return val[1 : len(val)-1], nil
}
