package fakeopenai

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func post(t *testing.T, url, body string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestQueueThenDefault(t *testing.T) {
	s := New(t)
	s.QueueImages(RateLimited("3"), ServerError())
	want := []int{http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusOK}
	for i, code := range want {
		resp, body := post(t, s.BaseURL()+"/images/generations", `{"prompt":"p","n":2}`)
		if resp.StatusCode != code {
			t.Fatalf("reply %d: status %d, want %d", i, resp.StatusCode, code)
		}
		if code == http.StatusTooManyRequests && resp.Header.Get("Retry-After") != "3" {
			t.Errorf("Retry-After = %q", resp.Header.Get("Retry-After"))
		}
		if code == http.StatusOK {
			var got struct {
				Data []struct {
					B64JSON string `json:"b64_json"`
				} `json:"data"`
			}
			if err := json.Unmarshal(body, &got); err != nil || len(got.Data) != 2 {
				t.Fatalf("default answer %s: %v", body, err)
			}
		}
	}
	reqs := s.RequestsTo(ImagesPath)
	if len(reqs) != 3 || reqs[0].JSON()["prompt"] != "p" {
		t.Fatalf("recorded %+v", reqs)
	}
}

func TestURLRepliesServeTheirFiles(t *testing.T) {
	s := New(t)
	s.QueueImages(ImageURL(1))
	_, body := post(t, s.BaseURL()+"/images/generations", `{"prompt":"p"}`)
	var got struct {
		Data []struct{ URL string } `json:"data"`
	}
	if err := json.Unmarshal(body, &got); err != nil || len(got.Data) != 1 {
		t.Fatalf("answer %s: %v", body, err)
	}
	resp, err := http.Get(got.Data[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(data, []byte("\x89PNG")) {
		t.Fatalf("file: %d, %d bytes", resp.StatusCode, len(data))
	}
}

func TestUnknownPath(t *testing.T) {
	s := New(t)
	if resp, _ := post(t, s.BaseURL()+"/embeddings", `{}`); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// eventTypes returns the "event:" names of a server-sent event stream.
func eventTypes(body []byte) []string {
	var out []string
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, "event: "); ok {
			out = append(out, v)
		}
	}
	return out
}

func TestStreamReplies(t *testing.T) {
	s := New(t)
	s.QueueImages(Stream(StreamOptions{Partials: 1, End: EndBreak}), Stream(StreamOptions{Partials: 0, End: EndRefused, Stage: "input"}))
	cases := []struct {
		name string
		body string
		want string
	}{
		{"broken", `{"prompt":"p","stream":true}`, "image_generation.partial_image image_generation.partial_image"},
		{"refused", `{"prompt":"p","stream":true}`, "error"},
		{"default streams as asked", `{"prompt":"p","stream":true,"partial_images":2}`,
			"image_generation.partial_image image_generation.partial_image image_generation.completed"},
		{"default without stream", `{"prompt":"p"}`, ""},
	}
	for _, tc := range cases {
		resp, body := post(t, s.BaseURL()+"/images/generations", tc.body)
		if got := strings.Join(eventTypes(body), " "); resp.StatusCode != 200 || got != tc.want {
			t.Errorf("%s: %d %q, want %q", tc.name, resp.StatusCode, got, tc.want)
		}
		if tc.want == "" && !strings.Contains(resp.Header.Get("Content-Type"), "json") {
			t.Errorf("%s: content type %q", tc.name, resp.Header.Get("Content-Type"))
		}
	}
}
