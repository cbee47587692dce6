package mastoapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// The generation job API lets front ends (the web composer, apps that know
// Pictor) make an image, watch it being made, and post it themselves:
//
//	POST /api/v1/pictor/generations              prompt, negative_prompt, seed, size, n → 202 Generation
//	GET  /api/v1/pictor/generations/{id}         → Generation (poll)
//	GET  /api/v1/pictor/generations/{id}/stream  → server-sent events "progress" until done or failed
//	GET  /api/v1/pictor/generations/{id}/preview → the newest partial image while the job runs, else 404
//	POST /api/v1/pictor/generations/{id}/post    candidate_ids[], descriptions[] → 200 Status (generations_candidates.go)
//
// A provider that streams partial images (OpenAI with partial_images set)
// gives previews: a "progress" event then carries preview_url, which changes
// with every new preview, and fetching it answers the image itself.
//
// A finished Generation lists media attachments (unattached, alt text
// prefilled and editable with PUT /api/v1/media/{id}) whose ids POST
// /api/v1/statuses takes in media_ids. Moderation and quotas apply as for
// /imagine: 422 for a refused prompt, 429 when a quota is exceeded. All need
// the write:media scope, and a job is visible only to its requester.

// Generation is a generation job as the API shows it.
type Generation struct {
	ID               string            `json:"id"`
	State            string            `json:"state"` // queued, running, done, failed
	Prompt           string            `json:"prompt"`
	NegativePrompt   string            `json:"negative_prompt"`
	Seed             string            `json:"seed"`
	Size             string            `json:"size"`
	Backend          string            `json:"backend"`
	Model            string            `json:"model"`
	RevisedPrompt    string            `json:"revised_prompt"`
	Error            *string           `json:"error"`
	CreatedAt        string            `json:"created_at"`
	FinishedAt       *string           `json:"finished_at"`
	MediaAttachments []MediaAttachment `json:"media_attachments"`
	GenerationImages
	GenerationRemix // generations_remix.go
}

// GenerationRoutes mounts the generation job API on r, served by gen.
func (h *Handler) GenerationRoutes(r *mux.Router, gen *genimage.Service) {
	g := generations{h: h, gen: gen}
	const base = "/api/v1/pictor/generations"
	r.Handle(base, h.api(g.create)).Methods(http.MethodPost)
	r.Handle(base+"/{id}", h.api(g.get)).Methods(http.MethodGet)
	r.Handle(base+"/{id}/stream", h.api(g.stream)).Methods(http.MethodGet)
	r.Handle(base+"/{id}/preview", h.api(g.preview)).Methods(http.MethodGet)
	r.Handle(base+"/{id}/post", h.api(g.post)).Methods(http.MethodPost)
}

// progressEvent is a "progress" event: the runner's event plus the address
// of the preview it announces.
type progressEvent struct {
	genimage.Event
	PreviewURL string `json:"preview_url,omitempty"`
}

// progress adds preview_url to e when e announces a preview; the sequence
// number in the query makes each new preview a new URL.
func (g generations) progress(e genimage.Event) progressEvent {
	pe := progressEvent{Event: e}
	if e.PreviewSeq > 0 {
		pe.PreviewURL = fmt.Sprintf("%s/api/v1/pictor/generations/%s/preview?n=%d", g.h.opts.BaseURL, url.PathEscape(e.JobID), e.PreviewSeq)
	}
	return pe
}

// preview answers the newest partial image of a running job of the caller,
// 404 when there is none. Previews are never cached: a newer one replaces it.
func (g generations) preview(w http.ResponseWriter, r *http.Request) error {
	me, err := g.h.user(r, auth.ScopeWriteMedia)
	if err != nil {
		return err
	}
	j, err := g.own(r, me.AccountID)
	if err != nil {
		return err
	}
	p, ok := g.gen.Preview(j.ID)
	if !ok {
		return errNotFound()
	}
	w.Header().Set("Content-Type", p.MediaType)
	w.Header().Set("Content-Length", strconv.Itoa(len(p.Data)))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(p.Data)
	return nil
}

type generations struct {
	h   *Handler
	gen *genimage.Service
}

func (g generations) create(w http.ResponseWriter, r *http.Request) error {
	me, err := g.h.user(r, auth.ScopeWriteMedia)
	if err != nil {
		return err
	}
	p, err := readParams(w, r, g.h.opts.MaxBodyBytes)
	if err != nil {
		return err
	}
	var seed int64
	if s := p.str("seed"); s != "" {
		if seed, err = strconv.ParseInt(s, 10, 64); err != nil || seed < 0 {
			return apperr.Invalid("seed must be a positive whole number")
		}
	}
	remix, err := g.remixInput(p)
	if err != nil {
		return err
	}
	n, err := countParam(p)
	if err != nil {
		return err
	}
	j, err := g.gen.Submit(r.Context(), genimage.SubmitRequest{AccountID: me.AccountID, Kind: store.JobDraft,
		Prompt: p.str("prompt"), NegativePrompt: p.str("negative_prompt"), Seed: seed, Size: p.str("size"),
		N: n, Source: genimage.SourceAPI, Remix: remix})
	if err != nil {
		return err
	}
	e, err := g.entity(r.Context(), j)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, e)
}

func (g generations) get(w http.ResponseWriter, r *http.Request) error {
	me, err := g.h.user(r, auth.ScopeWriteMedia)
	if err != nil {
		return err
	}
	j, err := g.own(r, me.AccountID)
	if err != nil {
		return err
	}
	e, err := g.entity(r.Context(), j)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e)
}

// own loads the job named in the path if it belongs to accountID, else 404.
func (g generations) own(r *http.Request, accountID int64) (store.Job, error) {
	j, err := g.h.db.JobByID(r.Context(), mux.Vars(r)["id"])
	if errors.Is(err, store.ErrNotFound) || (err == nil && j.AccountID != accountID) {
		return store.Job{}, errNotFound()
	}
	return j, err
}

// stream sends the job's progress as server-sent events named "progress"
// (genimage.Event as JSON), then one "generation" event with the final
// Generation, and ends. A job already finished gets only the last event.
func (g generations) stream(w http.ResponseWriter, r *http.Request) error {
	me, err := g.h.user(r, auth.ScopeWriteMedia)
	if err != nil {
		return err
	}
	j, err := g.own(r, me.AccountID)
	if err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(event string, v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
		rc.Flush()
	}
	first := genimage.Event{JobID: j.ID, State: j.State}
	if p, ok := g.gen.Preview(j.ID); ok {
		first.HasPartial, first.PreviewSeq = true, p.Seq
	}
	send("progress", g.progress(first))
	j, err = g.gen.Wait(r.Context(), j.ID, time.Hour, func(e genimage.Event) { send("progress", g.progress(e)) })
	if err != nil {
		return nil // the client went away; the job goes on
	}
	e, err := g.entity(r.Context(), j)
	if err == nil {
		send("generation", e)
	}
	return nil
}

func (g generations) entity(ctx context.Context, j store.Job) (Generation, error) {
	e := Generation{ID: j.ID, State: j.State, Prompt: j.Prompt, NegativePrompt: j.NegativePrompt,
		Seed: strconv.FormatInt(j.Seed, 10), Size: j.Size, Backend: j.Backend, Model: j.Model,
		RevisedPrompt: j.RevisedPrompt, CreatedAt: j.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		MediaAttachments: []MediaAttachment{}}
	e.N = max(j.ImageCount, 1)
	if err := g.remixFields(ctx, j.ID, &e.GenerationRemix); err != nil {
		return Generation{}, err
	}
	if j.State == store.JobFailed {
		e.Error = &j.Error
	}
	if !j.FinishedAt.IsZero() {
		f := j.FinishedAt.UTC().Format("2006-01-02T15:04:05.000Z")
		e.FinishedAt = &f
	}
	var err error
	if e.Candidates, err = g.candidates(ctx, j); err != nil {
		return Generation{}, err
	}
	for _, c := range e.Candidates {
		e.MediaAttachments = append(e.MediaAttachments, c.MediaAttachment)
	}
	return e, nil
}
