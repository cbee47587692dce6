package server

import (
	"context"
	"crypto/x509"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/media"
)

// openStorage opens the media storage [media] storage names: the local
// folder data_dir/media, or the S3 bucket of [media.s3], checked reachable
// now so that a wrong endpoint, bucket or key fails at start with a clear
// error rather than at the first upload.
func openStorage(ctx context.Context, cfg config.File, rootCAs *x509.CertPool) (media.Storage, error) {
	if cfg.Media.Storage != "s3" {
		return media.NewFiles(filepath.Join(cfg.DataDir, "media"))
	}
	return OpenS3(ctx, cfg.Media.S3, rootCAs)
}

// OpenS3 connects to the bucket of c and checks it is reachable.
func OpenS3(ctx context.Context, c config.MediaS3, rootCAs *x509.CertPool) (*media.S3, error) {
	return media.NewS3(ctx, media.S3Options{Endpoint: strings.TrimSuffix(c.Endpoint, "/"), Region: c.Region,
		Bucket: c.Bucket, PathStyle: c.PathStyle, AccessKey: c.AccessKey, SecretKey: c.SecretKey,
		Timeout: c.Timeout.Duration, RootCAs: rootCAs})
}

// mediaBaseURL is the prefix of media URLs when they are served from
// elsewhere than /media/ (S3 with public_url), else "".
func mediaBaseURL(cfg config.File) string {
	if cfg.Media.Storage != "s3" {
		return ""
	}
	return strings.TrimSuffix(cfg.Media.S3.PublicURL, "/")
}

// MediaCopyResult counts what CopyMediaToS3 did.
type MediaCopyResult = media.CopyResult

// CopyMediaToS3 copies every file of data_dir/media into the bucket of
// [media.s3] (whatever [media] storage says), skipping objects already
// there with the same size, and verifies each. progress, if not nil, is
// called after each file.
func CopyMediaToS3(ctx context.Context, cfg config.File, progress func(media.CopyResult)) (media.CopyResult, error) {
	if err := cfg.Media.S3.Check(); err != nil {
		return media.CopyResult{}, fmt.Errorf("config: %w", err)
	}
	dst, err := OpenS3(ctx, cfg.Media.S3, nil)
	if err != nil {
		return media.CopyResult{}, err
	}
	src, err := media.NewFiles(filepath.Join(cfg.DataDir, "media"))
	if err != nil {
		return media.CopyResult{}, err
	}
	return media.Copy(ctx, src, dst, progress)
}
