package openai

import (
	"bytes"
	"context"
	"errors"
	"image/color"
	"net/http"
	"testing"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
)

func TestEditSendsMultipart(t *testing.T) {
	src := fakeopenai.PNG(64, 48, color.RGBA{R: 10, G: 20, B: 30, A: 255})
	mask := fakeopenai.PNG(64, 48, color.RGBA{})
	cases := []struct {
		name string
		mask []byte
	}{
		{"without mask", nil},
		{"with mask", mask},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakeopenai.New(t)
			b, _ := newBackend(t, fake, Options{Quality: "low"})
			res, err := b.Edit(context.Background(), genimage.Request{Prompt: "make it night", N: 2, Size: "1024x1024", User: "u7"},
				genimage.EditInput{Image: genimage.Image{Data: src, MediaType: "image/png"}, Mask: tc.mask}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Images) != 2 || res.Provenance.Backend != "openai" {
				t.Fatalf("result: %d images, provenance %+v", len(res.Images), res.Provenance)
			}
			reqs := fake.RequestsTo(fakeopenai.EditsPath)
			if len(reqs) != 1 {
				t.Fatalf("%d edit requests, want 1", len(reqs))
			}
			if got := reqs[0].Header.Get("Authorization"); got != "Bearer sk-test" {
				t.Errorf("Authorization = %q", got)
			}
			f, err := reqs[0].Multipart()
			if err != nil {
				t.Fatalf("not a multipart form: %v", err)
			}
			want := map[string]string{"prompt": "make it night", "model": "gpt-image-1", "n": "2", "size": "1024x1024",
				"quality": "low", "user": "u7"}
			for k, v := range want {
				if f.Value[k] != v {
					t.Errorf("field %s = %q, want %q", k, f.Value[k], v)
				}
			}
			if _, ok := f.Value["response_format"]; ok {
				t.Error("response_format sent; GPT image models reject it")
			}
			img := f.Files["image"]
			if !bytes.Equal(img.Data, src) || img.ContentType != "image/png" || img.Name != "image.png" {
				t.Errorf("image part: %q %q %d bytes", img.Name, img.ContentType, len(img.Data))
			}
			m, ok := f.Files["mask"]
			if (tc.mask != nil) != ok || (ok && (!bytes.Equal(m.Data, mask) || m.ContentType != "image/png")) {
				t.Errorf("mask part present=%v, want %v", ok, tc.mask != nil)
			}
		})
	}
}

func TestEditWithoutServerSupport(t *testing.T) {
	src := fakeopenai.PNG(16, 16, color.RGBA{A: 255})
	in := genimage.EditInput{Image: genimage.Image{Data: src}}
	t.Run("server answers 404", func(t *testing.T) {
		fake := fakeopenai.New(t)
		fake.NoEdits()
		b, sl := newBackend(t, fake, Options{})
		_, err := b.Edit(context.Background(), genimage.Request{Prompt: "x"}, in, nil)
		if !errors.Is(err, genimage.ErrCannotEdit) || apperr.StatusOf(err) != http.StatusUnprocessableEntity {
			t.Fatalf("err = %v (status %d), want ErrCannotEdit as 422", err, apperr.StatusOf(err))
		}
		if n := len(fake.RequestsTo(fakeopenai.EditsPath)); n != 1 || len(sl.got()) != 0 {
			t.Fatalf("%d requests, %d retries: a missing endpoint is final", n, len(sl.got()))
		}
	})
	for _, profile := range []string{ProfileLocalAI, ProfileGeneric} {
		t.Run("profile "+profile, func(t *testing.T) {
			fake := fakeopenai.New(t)
			b, _ := newBackend(t, fake, Options{Profile: profile})
			if b.CanEdit() || genimage.CanEdit(b) {
				t.Fatal("CanEdit is true")
			}
			_, err := b.Edit(context.Background(), genimage.Request{Prompt: "x"}, in, nil)
			if !errors.Is(err, genimage.ErrCannotEdit) || len(fake.Requests()) != 0 {
				t.Fatalf("err = %v after %d requests", err, len(fake.Requests()))
			}
		})
	}
	t.Run("refusal", func(t *testing.T) {
		fake := fakeopenai.New(t)
		fake.QueueEdits(fakeopenai.ModerationBlocked("input", "violence"))
		b, _ := newBackend(t, fake, Options{})
		_, err := b.Edit(context.Background(), genimage.Request{Prompt: "x"}, in, nil)
		var ref *genimage.RefusalError
		if !errors.As(err, &ref) {
			t.Fatalf("err = %v, want a refusal", err)
		}
	})
}
