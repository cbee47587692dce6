package media

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"image"
	"io"
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

// BenchmarkStorage measures Put and a whole read of a 300 kB object (the
// size of a typical web-sized derivative), on the local folder and on S3
// (VersityGW on loopback; skipped without PICTOR_TEST_VERSITYGW). Each
// Put stores new bytes, so none is skipped as already stored.
func BenchmarkStorage(b *testing.B) {
	data := make([]byte, 300_000)
	rand.Read(data)
	stores := []struct {
		name string
		open func(b *testing.B) Storage
	}{
		{"local", func(b *testing.B) Storage {
			f, err := NewFiles(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			return f
		}},
		{"s3", func(b *testing.B) Storage { return newS3(b) }},
	}
	for _, sf := range stores {
		b.Run(sf.name+"/put", func(b *testing.B) {
			st := sf.open(b)
			var n uint64
			for b.Loop() {
				n++
				binary.LittleEndian.PutUint64(data, n)
				if _, err := st.Put(context.Background(), data, TypeJPEG); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(sf.name+"/read", func(b *testing.B) {
			st := sf.open(b)
			name, err := st.Put(context.Background(), data, TypeJPEG)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				obj, err := st.Open(context.Background(), name)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, obj); err != nil {
					b.Fatal(err)
				}
				obj.Close()
			}
		})
	}
}
