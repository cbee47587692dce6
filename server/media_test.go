package server_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/server/servertest"
)

// [media] decode_memory reaches the upload API: an image whose estimated
// decode needs more is refused from its header with 422 and a JSON error.
func TestUploadBeyondDecodeMemoryRefused(t *testing.T) {
	s := servertest.Start(t, servertest.Options{Configure: func(c *config.File) {
		c.Media.DecodeMemory = 16 << 20
	}})
	token := accessToken(t, s, "alice")
	var img, body bytes.Buffer
	if err := png.Encode(&img, image.NewNRGBA64(image.Rect(0, 0, 1600, 1200))); err != nil { // 15 MB of pixels
		t.Fatal(err)
	}
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "big16.png")
	fw.Write(img.Bytes())
	mw.Close()
	req, _ := http.NewRequest("POST", s.URL+"/api/v2/media", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct {
		Error string `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&e)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(e.Error, "memory") {
		t.Fatalf("status %d, error %q; want 422 about memory", resp.StatusCode, e.Error)
	}
	if s.MediaBudget.Size() != 16<<20 {
		t.Fatalf("budget size %d", s.MediaBudget.Size())
	}
}
