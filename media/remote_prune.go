package media

import (
	"context"
	"time"

	"github.com/pictor-social/pictor/store"
)

// pruneBatch is how many attachments one prune transaction reverts.
const pruneBatch = 200

// pruneEvery is how often RunPrune looks for expired copies.
const pruneEvery = time.Hour

// PruneResult counts what Prune did.
type PruneResult struct {
	Attachments int // remote attachments reverted to their remote URL
	Files       int // files deleted from disk
}

// Prune drops the local copies of remote attachments cached more than
// olderThan ago, except those of statuses a local user favourited,
// bookmarked or boosted; the attachments revert to their remote URL. Only
// files no row references any more are deleted, so local media, generated
// originals, avatars and shared content-addressed files are never touched.
func (c *RemoteCache) Prune(ctx context.Context, olderThan time.Duration) (PruneResult, error) {
	var res PruneResult
	cutoff := c.db.Now().Add(-olderThan)
	for ctx.Err() == nil {
		n, files, err := c.pruneBatch(ctx, cutoff)
		res.Attachments += n
		res.Files += files
		if err != nil || n < pruneBatch {
			return res, err
		}
	}
	return res, ctx.Err()
}

func (c *RemoteCache) pruneBatch(ctx context.Context, cutoff time.Time) (int, int, error) {
	c.filesMu.Lock()
	defer c.filesMu.Unlock()
	var names []string
	var n int
	err := c.db.Write(ctx, func(tx *store.Tx) error {
		list, err := tx.UncacheRemoteMedia(ctx, cutoff, pruneBatch)
		n = len(list)
		for _, u := range list {
			names = append(names, u.FileName, u.ThumbName)
		}
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	deleted := 0
	for _, name := range names {
		if name != "" && c.dropUnreferencedLocked(ctx, name) {
			deleted++
		}
	}
	return n, deleted, nil
}

// RunPrune prunes copies older than Options.CacheDays now and then every
// hour until ctx ends; with CacheDays 0 it only waits for ctx.
func (c *RemoteCache) RunPrune(ctx context.Context) error {
	if c.opts.CacheDays <= 0 {
		<-ctx.Done()
		return nil
	}
	keep := time.Duration(c.opts.CacheDays) * 24 * time.Hour
	t := time.NewTicker(pruneEvery)
	defer t.Stop()
	for {
		res, err := c.Prune(ctx, keep)
		if err != nil && ctx.Err() == nil {
			c.log.Warn("prune remote media failed", "err", err)
		} else if res.Attachments > 0 {
			c.log.Info("pruned remote media", "attachments", res.Attachments, "files", res.Files)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// dropUnreferenced deletes a stored file that no row uses any more.
func (c *RemoteCache) dropUnreferenced(ctx context.Context, name string) {
	c.filesMu.Lock()
	defer c.filesMu.Unlock()
	c.dropUnreferencedLocked(ctx, name)
}

// dropUnreferencedLocked is dropUnreferenced with filesMu held; it reports
// whether the file was deleted.
func (c *RemoteCache) dropUnreferencedLocked(ctx context.Context, name string) bool {
	used, err := c.db.MediaFileReferenced(ctx, name)
	if err != nil || used {
		if err != nil {
			c.log.Warn("check media file use failed", "err", err)
		}
		return false
	}
	if err := c.files.Delete(ctx, name); err != nil {
		c.log.Warn("delete media file failed", "err", err)
		return false
	}
	return true
}
