package openai

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/pictor-social/pictor/genimage"
)

// takesN reports whether the server makes several images in one request
// (product.md 3.2): GPT image models take n from 1 to 10 and LocalAI takes
// it; dall-e-3 takes only 1, and other compatible servers (sd-server, ...)
// often ignore it and answer one image, so they get one call per image.
func (b *Backend) takesN() bool {
	switch b.opts.Profile {
	case ProfileOpenAI:
		return !strings.HasPrefix(strings.ToLower(b.opts.Model), "dall-e-3")
	case ProfileLocalAI:
		return true
	}
	return false
}

// generateEach makes req.Count() one-image calls at once (the caller's
// quota already allowed that many images) and returns their images in
// order, the first revised prompt and the summed usage. The first failure
// cancels the other calls and is returned; a safety refusal is preferred
// over the cancellations it caused.
func (b *Backend) generateEach(ctx context.Context, req genimage.Request, progress func(genimage.Progress)) (genimage.Result, error) {
	n := req.Count()
	one := req
	one.N = 1
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex // serialises progress, which callers expect from one goroutine at a time
	done := 0
	report := func(p genimage.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if p.Stage == genimage.StageDone {
			done++
			p.Fraction = float64(done) / float64(n)
			if done < n {
				p.Stage = genimage.StageRequesting
			}
		} else {
			p.Fraction = float64(done) / float64(n)
		}
		p.Partial = nil // previews of parallel calls would interleave
		genimage.Report(progress, p)
	}
	results := make([]genimage.Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = b.generateOnce(ctx, one, report)
			if errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	if err := firstFailure(errs); err != nil {
		return genimage.Result{}, err
	}
	out := results[0]
	for _, r := range results[1:] {
		out.Images = append(out.Images, r.Images...)
		if out.RevisedPrompt == "" {
			out.RevisedPrompt = r.RevisedPrompt
		}
		out.Usage.InputTokens += r.Usage.InputTokens
		out.Usage.OutputTokens += r.Usage.OutputTokens
		out.Usage.TotalTokens += r.Usage.TotalTokens
	}
	return out, nil
}

// firstFailure picks the error to report from parallel calls: a refusal
// first, then any error that is not the cancellation of a sibling.
func firstFailure(errs []error) error {
	var first error
	for _, err := range errs {
		var ref *genimage.RefusalError
		switch {
		case err == nil:
		case errors.As(err, &ref):
			return err
		case first == nil, errors.Is(first, context.Canceled) && !errors.Is(err, context.Canceled):
			first = err
		}
	}
	return first
}
