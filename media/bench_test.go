package media

import (
	"bytes"
	"context"
	"image"
	"testing"
)

// BenchmarkProcess1024 runs the whole pipeline on a 1024×1024 opaque PNG
// with photo-like grain: decode, convert, JPEG full and preview, blurhash.
func BenchmarkProcess1024(b *testing.B) {
	in := encodePNGT(b, photoLike(1024, 1024))
	for b.Loop() {
		if _, err := Process(context.Background(), bytes.NewReader(in), DefaultLimits(), Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(in)), "input-bytes")
}

// BenchmarkProcess1024JPEG is the same for a JPEG input, the common upload.
func BenchmarkProcess1024JPEG(b *testing.B) {
	in := encodeJPEGT(b, photoLike(1024, 1024))
	for b.Loop() {
		if _, err := Process(context.Background(), bytes.NewReader(in), DefaultLimits(), Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBlurhash measures blurhashOf on a 640×640 preview, as Process calls it.
func BenchmarkBlurhash(b *testing.B) {
	m := toRGBA(photoLike(640, 640))
	for b.Loop() {
		if _, err := blurhashOf(m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResize2048To640 measures the area filter alone.
func BenchmarkResize2048To640(b *testing.B) {
	m := toRGBA(gradient(2048, 2048))
	for b.Loop() {
		resize(m, 640, 640)
	}
}

// Guard that the benchmark inputs are what their names say.
func TestBenchmarkInputs(t *testing.T) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(encodePNGT(t, gradient(1024, 1024))))
	if err != nil || cfg.Width != 1024 || cfg.Height != 1024 {
		t.Fatalf("%+v %v", cfg, err)
	}
}
