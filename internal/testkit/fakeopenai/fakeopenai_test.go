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
	if resp, _ := post(t, s.BaseURL()+"/chat/completions", `{}`); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d", resp.StatusCode)
	}
}
