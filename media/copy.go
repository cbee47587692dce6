package media

import (
	"context"
	"errors"
	"fmt"
)

// CopyResult counts what Copy did. Every file is in exactly one of Copied,
// Skipped and Failed.
type CopyResult struct {
	Files   int   // stored files found in the source
	Copied  int   // uploaded, then found in the destination with their size
	Skipped int   // already in the destination with the same size
	Failed  int   // not copied or not verified; Copy's error lists them
	Bytes   int64 // bytes uploaded
}

// Copy uploads every stored file of src into dst, streaming each from disk
// (one file open at a time), and skips objects dst already holds with the
// same size. Uploads are verified twice: the service checks the bytes
// against their SHA-256 (the name), and a HEAD afterwards must report the
// right size. It goes on after a failure and returns every failure
// joined; running it again retries only what is missing. progress, if not
// nil, is called after each file.
func Copy(ctx context.Context, src *Files, dst *S3, progress func(CopyResult)) (CopyResult, error) {
	names, err := src.Names()
	if err != nil {
		return CopyResult{}, err
	}
	res := CopyResult{Files: len(names)}
	var errs []error
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return res, errors.Join(append(errs, err)...)
		}
		copied, size, err := copyOne(ctx, src, dst, name)
		switch {
		case err != nil:
			res.Failed++
			errs = append(errs, err)
		case copied:
			res.Copied++
			res.Bytes += size
		default:
			res.Skipped++
		}
		if progress != nil {
			progress(res)
		}
	}
	return res, errors.Join(errs...)
}

// copyOne copies one file unless dst has it with the same size; it reports
// whether it uploaded and the file's size.
func copyOne(ctx context.Context, src *Files, dst *S3, name string) (bool, int64, error) {
	obj, err := src.Open(ctx, name)
	if err != nil {
		return false, 0, fmt.Errorf("copy media %s: %w", name, err)
	}
	defer obj.Close()
	if have, err := dst.Stat(ctx, name); err == nil && have.Size == obj.Size {
		return false, obj.Size, nil
	}
	if err := dst.put(ctx, name, obj, obj.Size); err != nil {
		return false, 0, fmt.Errorf("copy media %s: %w", name, err)
	}
	have, err := dst.Stat(ctx, name)
	if err != nil {
		return false, 0, fmt.Errorf("verify media %s: %w", name, err)
	}
	if have.Size != obj.Size {
		return false, 0, fmt.Errorf("verify media %s: bucket has %d bytes, want %d", name, have.Size, obj.Size)
	}
	return true, obj.Size, nil
}
