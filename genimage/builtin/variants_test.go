package builtin

import (
	"bytes"
	"testing"

	"github.com/pictor-social/pictor/genimage"
)

// Four variants of one request differ pairwise, and the same seed gives the
// same set again, image for image.
func TestVariantsDifferAndAreDeterministic(t *testing.T) {
	req := genimage.Request{Prompt: "a lighthouse in a storm", Seed: 7, Size: "128x96", N: 4}
	a, b := generate(t, req), generate(t, req)
	if len(a.Images) != 4 || len(b.Images) != 4 {
		t.Fatalf("%d and %d images, want 4", len(a.Images), len(b.Images))
	}
	for i := range a.Images {
		if !bytes.Equal(a.Images[i].Data, b.Images[i].Data) {
			t.Fatalf("variant %d differs between equal requests", i)
		}
		for k := range i {
			if bytes.Equal(a.Images[i].Data, a.Images[k].Data) {
				t.Fatalf("variants %d and %d are the same image", k, i)
			}
		}
	}
	// Variant i is the image of seed+i, so "--seed 9" repeats the third.
	third := generate(t, genimage.Request{Prompt: req.Prompt, Seed: 9, Size: req.Size})
	if !bytes.Equal(third.Images[0].Data, a.Images[2].Data) {
		t.Fatal("variant 2 is not the image of seed+2")
	}
}
