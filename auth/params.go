package auth

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pictor-social/pictor/internal/apperr"
)

// readParams decodes a form-encoded, multipart or JSON body, at most max
// bytes, into one url.Values, followed by the query string's values (Rails
// merges both, and some apps put token parameters in the query). JSON
// scalars become strings; arrays of scalars become repeated values, so
// "redirect_uris": [...] and repeated form fields read the same.
func readParams(w http.ResponseWriter, r *http.Request, max int64) (url.Values, error) {
	r.Body = http.MaxBytesReader(w, r.Body, max)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ct == "application/json" || strings.HasSuffix(ct, "+json"):
		p, err := decodeJSONParams(r.Body)
		if err != nil {
			return nil, err
		}
		for k, vs := range r.URL.Query() {
			p[k] = append(p[k], vs...)
		}
		return p, nil
	case ct == "multipart/form-data":
		if err := r.ParseMultipartForm(max); err != nil {
			return nil, bodyError(err)
		}
		defer r.MultipartForm.RemoveAll()
	default:
		if err := r.ParseForm(); err != nil {
			return nil, bodyError(err)
		}
	}
	return r.Form, nil
}

func decodeJSONParams(body io.Reader) (url.Values, error) {
	dec := json.NewDecoder(body)
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		if errors.Is(err, io.EOF) {
			return url.Values{}, nil // an empty body is an empty object
		}
		return nil, bodyError(err)
	}
	p := url.Values{}
	for k, v := range obj {
		if list, ok := v.([]any); ok {
			for _, item := range list {
				if s, ok := scalarString(item); ok {
					p.Add(k, s)
				}
			}
			continue
		}
		if s, ok := scalarString(v); ok {
			p.Add(k, s)
		}
	}
	return p, nil
}

func scalarString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// bodyError keeps a too-large body a 413 and makes anything else a 400.
func bodyError(err error) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return apperr.Wrap(apperr.TooLarge("request body is larger than %d bytes", mb.Limit), err)
	}
	return apperr.Wrap(apperr.BadRequest("request body is malformed"), err)
}
