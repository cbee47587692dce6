package mastoapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// params are a request's parameters, whatever their encoding: the query
// string merged with a form-encoded, multipart or JSON body. JSON is flattened
// the way Rails names form fields, so handlers read one shape:
// {"media_ids": ["1"]} becomes media_ids[]=1, {"source": {"privacy": "x"}}
// becomes source[privacy]=x and [{"id": 1}] under media_attributes becomes
// media_attributes[0][id]=1 (interop.md C.1, C.3: apps send all three).
type params struct {
	v     url.Values
	files map[string]*multipart.FileHeader
}

// readParams reads r's parameters with the body bounded to max bytes.
// Malformed bodies give 400, oversize ones 413.
func readParams(w http.ResponseWriter, r *http.Request, max int64) (params, error) {
	p := params{v: url.Values{}}
	for k, vs := range r.URL.Query() {
		p.v[k] = append(p.v[k], vs...)
	}
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return p, nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, max)
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	switch {
	case ct == "application/json" || strings.HasSuffix(ct, "+json"):
		err = p.readJSON(r.Body)
	case ct == "multipart/form-data":
		err = p.readMultipart(r, ctParams["boundary"], max)
	default: // form-encoded, or an empty body without a type
		err = p.readForm(r.Body)
	}
	return p, bodyError(err)
}

func bodyError(err error) error {
	if err == nil {
		return nil
	}
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return apperr.TooLarge("request body is larger than %d bytes", mb.Limit)
	}
	if _, ok := apperr.As(err); ok {
		return err
	}
	return apperr.Wrap(apperr.BadRequest("malformed request body"), err)
}

func (p *params) readForm(body io.Reader) error {
	raw, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	vals, err := url.ParseQuery(string(raw))
	if err != nil {
		return err
	}
	for k, vs := range vals {
		p.v[k] = append(p.v[k], vs...)
	}
	return nil
}

func (p *params) readJSON(body io.Reader) error {
	raw, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return err
	}
	for k, v := range doc {
		flatten(p.v, k, v)
	}
	return nil
}

// flatten stores a JSON value under Rails-style names.
func flatten(out url.Values, key string, v any) {
	switch x := v.(type) {
	case nil:
		out[key] = append(out[key], "")
	case map[string]any:
		for k, sub := range x {
			flatten(out, key+"["+k+"]", sub)
		}
	case []any:
		for i, el := range x {
			if _, isObj := el.(map[string]any); isObj {
				flatten(out, fmt.Sprintf("%s[%d]", key, i), el)
			} else {
				flatten(out, key+"[]", el)
			}
		}
		if len(x) == 0 {
			out[key+"[]"] = append(out[key+"[]"], "")
		}
	case string:
		out[key] = append(out[key], x)
	case json.Number:
		out[key] = append(out[key], x.String())
	case bool:
		out[key] = append(out[key], strconv.FormatBool(x))
	}
}

// readMultipart keeps the whole (bounded) form in memory, so no temporary
// files are left behind.
func (p *params) readMultipart(r *http.Request, boundary string, max int64) error {
	if boundary == "" {
		return apperr.BadRequest("multipart body without boundary")
	}
	form, err := multipart.NewReader(r.Body, boundary).ReadForm(max + 1)
	if err != nil {
		return err
	}
	for k, vs := range form.Value {
		p.v[k] = append(p.v[k], vs...)
	}
	p.files = map[string]*multipart.FileHeader{}
	for k, fs := range form.File {
		if len(fs) > 0 {
			p.files[k] = fs[0]
		}
	}
	return nil
}

// has reports whether the parameter was sent at all.
func (p params) has(k string) bool {
	_, ok := p.v[k]
	return ok
}

// str returns the first value of k, or "".
func (p params) str(k string) string { return p.v.Get(k) }

// opt returns a pointer to k's value, or nil when it was not sent.
func (p params) opt(k string) *string {
	if !p.has(k) {
		return nil
	}
	s := p.v.Get(k)
	return &s
}

// boolean reads a Rails-style boolean: true, 1, on, yes (any case).
func (p params) boolean(k string) bool {
	switch strings.ToLower(p.v.Get(k)) {
	case "true", "1", "on", "yes", "t":
		return true
	}
	return false
}

// optBool returns a pointer to k's boolean value, or nil when absent.
func (p params) optBool(k string) *bool {
	if !p.has(k) {
		return nil
	}
	b := p.boolean(k)
	return &b
}

// list returns the values of k[] (or of k sent several times), without
// empty ones.
func (p params) list(k string) []string {
	var out []string
	for _, v := range append(p.v[k+"[]"], p.v[k]...) {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// ids parses list(k) as ids; a malformed one is a 422 naming k.
func (p params) ids(k string) ([]int64, error) {
	var out []int64
	for _, s := range p.list(k) {
		id, ok := store.ParseID(s)
		if !ok {
			return nil, apperr.Invalid("%s contains an invalid id", k)
		}
		out = append(out, id)
	}
	return out, nil
}

// objects collects indexed sub-objects sent as k[0][name]=…, k[1][name]=…
// (JSON arrays and indexed forms), or k[][name]=… (Rails array forms,
// grouped by position), in index order.
func (p params) objects(k string) []map[string]string {
	byIndex := map[string]map[string]string{}
	var unindexed []map[string]string
	counts := map[string]int{}
	prefix := k + "["
	for name, vs := range p.v {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		idx, field, ok := strings.Cut(strings.TrimPrefix(name, prefix), "][")
		if !ok || !strings.HasSuffix(field, "]") || len(vs) == 0 {
			continue
		}
		field = strings.TrimSuffix(field, "]")
		if idx == "" {
			for i, v := range vs {
				for len(unindexed) <= i {
					unindexed = append(unindexed, map[string]string{})
				}
				unindexed[i][field] = v
			}
			continue
		}
		if byIndex[idx] == nil {
			byIndex[idx] = map[string]string{}
		}
		byIndex[idx][field] = vs[0]
		counts[idx]++
	}
	keys := make([]string, 0, len(byIndex))
	for idx := range byIndex {
		keys = append(keys, idx)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, errA := strconv.Atoi(keys[i])
		b, errB := strconv.Atoi(keys[j])
		if errA == nil && errB == nil {
			return a < b
		}
		return keys[i] < keys[j]
	})
	out := unindexed
	for _, idx := range keys {
		out = append(out, byIndex[idx])
	}
	return out
}

// pathID parses an id from the URL path; a malformed one is 404, as an
// unknown one is.
func pathID(s string) (int64, error) {
	id, ok := store.ParseID(s)
	if !ok {
		return 0, errNotFound()
	}
	return id, nil
}

// image returns the image sent as k: a multipart file, or a base64 data:
// URI in a form or JSON field (go-mastodon sends avatars so), decoded up to
// max bytes. It returns nil when k was not sent; the caller closes closer
// when it is not nil. A malformed or oversize data: URI is a 422.
func (p params) image(k string, max int64) (img io.Reader, closer io.Closer, err error) {
	if fh := p.files[k]; fh != nil {
		f, err := fh.Open()
		if err != nil {
			return nil, nil, err
		}
		return f, f, nil
	}
	v := p.str(k)
	if v == "" {
		return nil, nil, nil
	}
	rest, ok := strings.CutPrefix(v, "data:")
	meta, data, hasComma := strings.Cut(rest, ",")
	if !ok || !hasComma || !strings.HasSuffix(meta, ";base64") {
		return nil, nil, apperr.Invalid("Validation failed: %s must be a file or a base64 data: URI", k)
	}
	if int64(base64.StdEncoding.DecodedLen(len(data))) > max+2 {
		return nil, nil, apperr.Invalid("Validation failed: %s file size must be less than %d bytes", k, max)
	}
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, nil, apperr.Invalid("Validation failed: %s is not valid base64", k)
	}
	if int64(len(raw)) > max {
		return nil, nil, apperr.Invalid("Validation failed: %s file size must be less than %d bytes", k, max)
	}
	return bytes.NewReader(raw), nil, nil
}
