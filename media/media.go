// Package media is Pictor's one image pipeline. Process turns untrusted image
// bytes (uploads, avatars, generated images, remote attachments) into a
// metadata-free, size-bounded derivative, a preview and a blurhash; a
// Storage (Files on disk, or S3) keeps the results content-addressed and
// NewHandler serves them.
package media

// Media types produced or accepted by the pipeline.
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeGIF  = "image/gif"
	TypeWebP = "image/webp"
)

// Limits bounds what Process accepts and produces. The zero value of a field
// means "use the DefaultLimits value" so that a partly filled config section
// stays safe.
type Limits struct {
	MaxUploadBytes    int64 // bytes read from an upload (default 16 MiB)
	MaxPixels         int   // width*height refused above this before full decode (default 33_177_600)
	MaxSide           int   // web-sized derivative longest side (default 2048)
	MaxFederatedBytes int   // web-sized derivative must be <= this (default 1_000_000, the Bluesky blob limit)
	ThumbSide         int   // preview longest side (default 640)
	MaxDecodeBytes    int64 // memory one image may need to be processed, estimated from its header (default 512 MiB)
}

// DefaultLimits returns Mastodon's current upload limits and the federation
// target from interop.md §A.7 and §B.3: 16 MiB, 7680×4320 pixels, a derivative
// of at most 2048 px and 1,000,000 bytes, a 640 px preview, and at most
// 512 MiB of memory to process one image (a 7680×4320 16-bit PNG needs about
// 350 MB).
func DefaultLimits() Limits {
	return Limits{
		MaxUploadBytes:    16 << 20,
		MaxPixels:         33_177_600,
		MaxSide:           2048,
		MaxFederatedBytes: 1_000_000,
		ThumbSide:         640,
		MaxDecodeBytes:    512 << 20,
	}
}

// withDefaults fills zero or negative fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxUploadBytes <= 0 {
		l.MaxUploadBytes = d.MaxUploadBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = d.MaxPixels
	}
	if l.MaxSide <= 0 {
		l.MaxSide = d.MaxSide
	}
	if l.MaxFederatedBytes <= 0 {
		l.MaxFederatedBytes = d.MaxFederatedBytes
	}
	if l.ThumbSide <= 0 {
		l.ThumbSide = d.ThumbSide
	}
	if l.MaxDecodeBytes <= 0 {
		l.MaxDecodeBytes = d.MaxDecodeBytes
	}
	return l
}

// Variant is one encoded rendition of an image.
type Variant struct {
	Data      []byte
	MediaType string // one of the Type constants
	Width     int
	Height    int
}

// Result is what Process produces for one input image.
type Result struct {
	// Full is a metadata-stripped re-encode whose longest side is at most
	// Limits.MaxSide and whose size is at most Limits.MaxFederatedBytes. It is
	// JPEG for opaque images and PNG for images with real transparency, with
	// EXIF orientation applied.
	Full Variant
	// Thumb is a preview whose longest side is at most Limits.ThumbSide, in
	// the same format as Full.
	Thumb Variant
	// Blurhash uses 4×3 components, so Mastodon accepts it (every component ≤ 5).
	Blurhash string
	// Original holds the input bytes untouched, with the detected type and
	// the dimensions from the file header. It is filled only when
	// Options.KeepOriginal is set.
	Original Variant
}

// Options selects optional work in Process.
type Options struct {
	KeepOriginal bool // fill Result.Original with the input bytes
	// Budget, shared by every caller that may run at the same time, admits
	// this run against the memory all runs may use together; nil admits
	// at once.
	Budget *Budget
	// Queue waits for the budget until ctx ends rather than for the
	// budget's wait: for background work that must not fail because of
	// load (a generated image that was already paid for).
	Queue bool
}

// ExtFor returns the file extension (with the dot) for a media type the
// pipeline knows, or "" for any other type.
func ExtFor(mediaType string) string {
	switch mediaType {
	case TypeJPEG:
		return ".jpg"
	case TypePNG:
		return ".png"
	case TypeGIF:
		return ".gif"
	case TypeWebP:
		return ".webp"
	}
	return ""
}

// typeForExt is the inverse of ExtFor.
func typeForExt(ext string) string {
	switch ext {
	case ".jpg":
		return TypeJPEG
	case ".png":
		return TypePNG
	case ".gif":
		return TypeGIF
	case ".webp":
		return TypeWebP
	}
	return ""
}
