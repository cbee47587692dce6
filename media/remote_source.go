package media

import (
	"context"
	"errors"
	"fmt"

	"github.com/pictor-social/pictor/internal/safehttp"
	"github.com/pictor-social/pictor/store"
)

// SourceImage returns the bytes of attachment m for a remix: the local copy
// when there is one (uploaded, generated or cached), else a download of its
// remote URL through the guarded client, within the cache's time and size
// limits (the copy is not kept; the cache worker fetches it on its own
// schedule). The caller checks the format and pixel count.
func (c *RemoteCache) SourceImage(ctx context.Context, m store.MediaAttachment) ([]byte, error) {
	if m.FileName != "" {
		f, err := c.files.Open(ctx, m.FileName)
		if err != nil {
			return nil, fmt.Errorf("open source image: %w", err)
		}
		defer f.Close()
		data, err := safehttp.ReadAll(f, c.opts.MaxBytes)
		if err != nil {
			return nil, fmt.Errorf("read source image: %w", err)
		}
		return data, nil
	}
	if m.RemoteURL == "" {
		return nil, errors.New("attachment has neither a file nor a remote url")
	}
	return c.download(ctx, m.RemoteURL)
}
