package media

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Options configures an S3 storage. Zero fields take the defaults given
// in brackets.
type S3Options struct {
	// Endpoint is the service's base URL, http(s)://host[:port] without a
	// path; the scheme decides TLS.
	Endpoint string
	// Region is the bucket's region; "" asks the service once (GetBucketLocation).
	Region string
	Bucket string
	// PathStyle addresses the bucket as endpoint/bucket/key; otherwise as
	// bucket.endpoint/key (virtual-hosted style).
	PathStyle bool
	AccessKey string
	SecretKey string
	// Timeout bounds each call: a PUT, HEAD, DELETE, and a GET until its
	// response headers [30 s]. A GET's body may stream for up to
	// streamTimeout.
	Timeout time.Duration
	// RootCAs verifies the endpoint's certificate; nil means the system's.
	RootCAs *x509.CertPool
}

// streamTimeout bounds one GET's body transfer when serving an object.
const streamTimeout = 10 * time.Minute

// S3 is the Storage of an S3-compatible bucket (AWS S3, MinIO, Garage,
// VersityGW, R2, ...), one object per stored file with the name as key,
// the media type as Content-Type and a one-year immutable Cache-Control.
// Every request is signed with SigV4; uploads carry the content's SHA-256 as
// the signed payload hash (it is the name), so the service refuses bytes
// damaged on the way. Reads stream: nothing holds a whole object in memory
// except the []byte Put was given. Safe for concurrent use.
type S3 struct {
	client  *minio.Client
	core    minio.Core
	bucket  string
	timeout time.Duration
}

var _ Storage = (*S3)(nil)

// NewS3 connects to the bucket and checks, within the call timeout, that it
// exists and the credentials may read it; its error says which part failed
// without repeating the secret key.
func NewS3(ctx context.Context, o S3Options) (*S3, error) {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	u, err := url.Parse(o.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" {
		return nil, fmt.Errorf("media storage s3: endpoint %q must be http(s)://host[:port]", o.Endpoint)
	}
	lookup := minio.BucketLookupDNS
	if o.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(o.AccessKey, o.SecretKey, ""),
		Secure:       u.Scheme == "https",
		Region:       o.Region,
		BucketLookup: lookup,
		Transport:    s3Transport(o),
		MaxRetries:   3,
	})
	if err != nil {
		return nil, fmt.Errorf("media storage s3: %w", err)
	}
	s := &S3{client: client, core: minio.Core{Client: client}, bucket: o.Bucket, timeout: o.Timeout}
	cctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	ok, err := client.BucketExists(cctx, o.Bucket)
	if err != nil {
		return nil, fmt.Errorf("media storage s3: bucket %q at %s is not reachable: %w", o.Bucket, o.Endpoint, err)
	}
	if !ok {
		return nil, fmt.Errorf("media storage s3: bucket %q does not exist at %s", o.Bucket, o.Endpoint)
	}
	return s, nil
}

func s3Transport(o S3Options) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: o.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: o.Timeout,
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
}

// Put uploads data under its content-addressed name with one PUT (S3
// writes are atomic). Putting bytes already stored overwrites them with the
// same bytes.
func (s *S3) Put(ctx context.Context, data []byte, mediaType string) (string, error) {
	name := NameFor(data, mediaType)
	if name == "" {
		return "", fmt.Errorf("store media: unsupported type %q", mediaType)
	}
	if err := s.put(ctx, name, bytes.NewReader(data), int64(len(data))); err != nil {
		return "", err
	}
	return name, nil
}

// put streams size bytes from r into the object name, whose hash part must
// be the SHA-256 of those bytes (the service checks it). r is read once,
// or again from its start if it is an io.Seeker and a retry is needed.
func (s *S3) put(ctx context.Context, name string, r io.Reader, size int64) error {
	if !validName(name) {
		return errBadName
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	hash, mediaType := splitName(name)
	_, err := s.core.PutObject(ctx, s.bucket, name, r, size, "", hash, minio.PutObjectOptions{
		ContentType: mediaType, CacheControl: cacheControl, DisableContentSha256: true,
	})
	if err != nil {
		return fmt.Errorf("store media %s: %w", name, err)
	}
	return nil
}

// Stat asks the service for the object's size and modification time (HEAD).
func (s *S3) Stat(ctx context.Context, name string) (Info, error) {
	if !validName(name) {
		return Info{}, errBadName
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	oi, err := s.client.StatObject(ctx, s.bucket, name, minio.StatObjectOptions{})
	if err != nil {
		return Info{}, s3Error("stat", name, err)
	}
	return Info{Size: oi.Size, ModTime: oi.LastModified}, nil
}

// Open checks the object exists (HEAD) and returns a reader that fetches
// it with a GET from its current position on first read, and again from
// a new position after a Seek: a HEAD or a conditional request costs one
// call, a range request one ranged GET. The reader's calls end with ctx.
func (s *S3) Open(ctx context.Context, name string) (*Object, error) {
	info, err := s.Stat(ctx, name)
	if err != nil {
		return nil, err
	}
	return &Object{ReadSeekCloser: &s3Reader{s: s, ctx: ctx, name: name, size: info.Size}, Info: info}, nil
}

// Delete removes the object; S3 answers a missing one as a success.
func (s *S3) Delete(ctx context.Context, name string) error {
	if !validName(name) {
		return errBadName
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.client.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{}); err != nil {
		return s3Error("delete", name, err)
	}
	return nil
}

// s3Error wraps a failed call; a missing object matches fs.ErrNotExist.
func s3Error(verb, name string, err error) error {
	resp := minio.ToErrorResponse(err)
	if resp.StatusCode == http.StatusNotFound || resp.Code == "NoSuchKey" || resp.Code == "NotFound" {
		return fmt.Errorf("%s media %s: %w", verb, name, fs.ErrNotExist)
	}
	return fmt.Errorf("%s media %s: %w", verb, name, err)
}

// s3Reader is an io.ReadSeekCloser over one object of known size.
type s3Reader struct {
	s      *S3
	ctx    context.Context
	name   string
	size   int64
	off    int64
	body   io.ReadCloser
	cancel context.CancelFunc
}

func (r *s3Reader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	if r.body == nil {
		if err := r.open(); err != nil {
			return 0, err
		}
	}
	n, err := r.body.Read(p)
	r.off += int64(n)
	if errors.Is(err, io.EOF) && r.off < r.size {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// open starts a GET from the current offset; the response headers must
// come within the call timeout, the body within streamTimeout.
func (r *s3Reader) open() error {
	var opts minio.GetObjectOptions
	if r.off > 0 {
		if err := opts.SetRange(r.off, 0); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(r.ctx, streamTimeout)
	body, _, _, err := r.s.core.GetObject(ctx, r.s.bucket, r.name, opts)
	if err != nil {
		cancel()
		return s3Error("read", r.name, err)
	}
	r.body, r.cancel = body, cancel
	return nil
}

func (r *s3Reader) Seek(offset int64, whence int) (int64, error) {
	abs := offset
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		abs += r.off
	case io.SeekEnd:
		abs += r.size
	default:
		return 0, errors.New("seek media: bad whence")
	}
	if abs < 0 {
		return 0, errors.New("seek media: negative position")
	}
	if abs != r.off {
		r.closeBody()
		r.off = abs
	}
	return abs, nil
}

func (r *s3Reader) closeBody() {
	if r.body != nil {
		r.body.Close()
		r.cancel()
		r.body, r.cancel = nil, nil
	}
}

func (r *s3Reader) Close() error {
	r.closeBody()
	return nil
}
