package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"
)

// Storage keeps media files under content-addressed names: a name is the
// hex SHA-256 of the bytes plus the extension of their type (NameFor), so a
// name never changes meaning and URLs built from it are stable forever
// (interop.md §B.3). Files is the local implementation, S3 the object-store
// one; every user of stored media (uploads, avatars and headers, generated
// images, the remote-media cache, the /media/ handler) goes through this
// interface. Implementations are safe for concurrent use, including by
// several processes sharing the directory or bucket.
type Storage interface {
	// Put stores data of mediaType and returns its name. The object appears
	// atomically: readers see either nothing or all of it. Putting bytes
	// already stored is a cheap no-op returning the same name. A media
	// type without an extension (ExtFor) is an error.
	Put(ctx context.Context, data []byte, mediaType string) (string, error)
	// Open opens a stored object for reading; the caller closes it. A name
	// Put could not have produced, or a missing object, gives an error
	// matching fs.ErrNotExist.
	Open(ctx context.Context, name string) (*Object, error)
	// Stat reports a stored object's size and modification time, with the
	// same errors as Open.
	Stat(ctx context.Context, name string) (Info, error)
	// Delete removes a stored object. Deleting a missing object is not an
	// error; a name Put could not have produced is one (matching
	// fs.ErrNotExist).
	Delete(ctx context.Context, name string) error
}

// Info describes a stored object.
type Info struct {
	Size    int64
	ModTime time.Time
}

// Object is an opened stored object. Its reader may be positioned with Seek
// (range requests); reads stream from the storage without holding the whole
// object in memory.
type Object struct {
	io.ReadSeekCloser
	Info
}

// cacheControl is the caching policy of every stored object, whose bytes
// never change under its name: the /media/ handler sends it, and S3 stores
// it with each object so a bucket or CDN serving public_url answers alike.
const cacheControl = "public, max-age=31536000, immutable"

// errBadName is returned for names Put never creates. It matches
// fs.ErrNotExist, so callers can treat it as a missing object.
var errBadName = fmt.Errorf("media file name: %w", fs.ErrNotExist)

// NameFor returns the name Put gives data of mediaType, or "" when
// mediaType has no extension (see ExtFor).
func NameFor(data []byte, mediaType string) string {
	ext := ExtFor(mediaType)
	if ext == "" {
		return ""
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]) + ext
}

// validName accepts exactly 64 lower-case hex digits plus a known
// extension: the names Put produces. Such a name is safe as a path element
// and as an object key.
func validName(name string) bool {
	hash, ext, ok := strings.Cut(name, ".")
	if !ok || len(hash) != sha256.Size*2 || typeForExt("."+ext) == "" {
		return false
	}
	for _, c := range hash {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// splitName returns a valid name's hash (the content's SHA-256: the
// object's ETag, and for S3 its signed payload hash) and the media type of
// its extension.
func splitName(name string) (hash, mediaType string) {
	hash, ext, _ := strings.Cut(name, ".")
	return hash, typeForExt("." + ext)
}
