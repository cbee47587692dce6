package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/server"
	"github.com/pictor-social/pictor/store"
)

// progressOut receives progress lines; tests replace it.
var progressOut io.Writer = os.Stderr

// runImagine generates an image in-process, without a running server:
// it submits a job (moderation and quotas apply as for any client), runs it
// here while showing progress on stderr, and prints where the result is.
// With --post the image is published as a post of NAME; its delivery to
// other servers happens when `pictor serve` runs.
func runImagine(ctx context.Context, args []string, out io.Writer) error {
	fs, cfgPath := newFlags("imagine")
	as := fs.String("as", "", "local user who asks for the image")
	seed := fs.Int64("seed", 0, "seed (0: random); the same prompt and seed repeat an image where the backend allows")
	size := fs.String("size", "", "WIDTHxHEIGHT (default from the configuration)")
	post := fs.Bool("post", false, "publish the image as a post")
	vis := fs.String("visibility", "public", "with --post: public, unlisted or followers")
	pos, err := parse(fs, args)
	visibility, ok := visibilities[*vis]
	if err != nil || *as == "" || len(pos) == 0 || !ok {
		return errUsage
	}
	kind := store.JobDraft
	if *post {
		kind = store.JobPost
	}
	return asUser(ctx, *cfgPath, *as, func(s *server.Server, a store.Account) error {
		req := genimage.SubmitRequest{AccountID: a.ID, Kind: kind, Prompt: strings.Join(pos, " "),
			Seed: *seed, Size: *size, Draft: store.PostDraft{Visibility: visibility}, Source: genimage.SourceCLI}
		if err := req.TakePromptOptions(); err != nil {
			return err
		}
		j, err := s.Gen.Submit(ctx, req)
		if err != nil {
			return err
		}
		if j, err = runAndShow(ctx, s, j.ID, progressOut); err != nil {
			return err
		}
		if j.State == store.JobFailed {
			return errors.New(j.Error)
		}
		return printResult(ctx, s, j, out)
	})
}

// runAndShow runs job id here, printing progress events to w. If a running
// server claimed the job first, it waits for that server to finish it.
func runAndShow(ctx context.Context, s *server.Server, id string, w io.Writer) (store.Job, error) {
	sub := s.Gen.Subscribe(id)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ev := range sub.C {
			if e, ok := ev.Payload.(genimage.Event); ok {
				fmt.Fprintln(w, progressLine(e))
			}
		}
	}()
	defer wg.Wait()
	defer sub.Close()
	fmt.Fprintf(w, "job %s: generating with %s %s\n", id, s.Gen.Backend().Name(), s.Gen.Backend().Model())
	j, err := s.Gen.RunJob(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintln(w, "a running server took the job; waiting for it")
		return s.Gen.Wait(ctx, id, 0, nil)
	}
	return j, err
}

func progressLine(e genimage.Event) string {
	line := e.State
	if e.Stage != "" {
		line += " (" + e.Stage + ")"
	}
	if e.Fraction > 0 {
		line += fmt.Sprintf(" %3.0f%%", e.Fraction*100)
	}
	if e.Error != "" {
		line += ": " + e.Error
	}
	return line
}

// printResult prints the media (URL of the federated copy, path of the
// original bytes) and, for a post, its URL.
func printResult(ctx context.Context, s *server.Server, j store.Job, out io.Writer) error {
	for _, id := range j.MediaIDs {
		m, err := s.DB.MediaByID(ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "media %d: %s\n", m.ID, s.Fed.URLs.Media(m.FileName))
		if m.OriginalName != "" && s.Cfg.Media.Storage == "s3" {
			fmt.Fprintf(out, "original: %s\n", s.Fed.URLs.Media(m.OriginalName))
		} else if m.OriginalName != "" {
			fmt.Fprintf(out, "original: %s\n", filepath.Join(s.Cfg.DataDir, "media", m.OriginalName))
		}
	}
	if j.StatusID != 0 {
		st, err := s.DB.StatusByID(ctx, j.StatusID)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "post: %s\n", st.URL)
	}
	return nil
}
