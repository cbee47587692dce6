package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// Generator runs image generation for the compose page. *genimage.Service
// implements it; server hands it over when generation is configured.
type Generator interface {
	// Submit checks and queues a job (moderation, quotas: apperr values).
	Submit(ctx context.Context, req genimage.SubmitRequest) (store.Job, error)
	// Wait returns the job once it finished, or after maxWait, calling
	// progress with each event meanwhile.
	Wait(ctx context.Context, id string, maxWait time.Duration, progress func(genimage.Event)) (store.Job, error)
	// LabelLine is the visible AI label every generated post carries.
	LabelLine(p genimage.Provenance) string
	// Preview returns the newest partial image of a running job, if any.
	Preview(id string) (genimage.Preview, bool)
	// Candidates returns the images a job made that still exist.
	Candidates(ctx context.Context, j store.Job) ([]store.Candidate, error)
	// PostCandidates posts picked candidates of a draft job in one status.
	PostCandidates(ctx context.Context, accountID int64, jobID string, p genimage.CandidatePost) (store.Status, error)
	Options() genimage.Options
}

// quotaWindow matches genimage's rolling day.
const quotaWindow = 24 * time.Hour

// composeView is the compose page's data.
type composeView struct {
	CanGenerate bool
	Prompt      string
	N           int   // images to make, preselected
	Counts      []int // the choices, 1 to genimage.MaxVariants
	RemixOf     string
	Remix       *composeRemix // the post being remixed (remix.go)
	Quota       quotaView
	Jobs        []store.Job
	Upload      uploadForm
	Error       string
	// CanDescribe offers "Suggest description" (assistant with a vision model).
	CanDescribe bool
}

type quotaView struct {
	Limit, Used, Left int
	Percent           int // used, rounded up to 5, for the meter
	Active            int
}

type uploadForm struct {
	Alt, CW, Text, Visibility, Model string
	Generated                        bool
}

// composePage serves GET /compose: the prompt form (prefilled by Remix
// links) with the quota left, recent generations, and the upload form.
func (h *Handler) composePage(w http.ResponseWriter, r *http.Request, v *visitor) error {
	if err := requireUser(v); err != nil {
		return err
	}
	q := r.URL.Query()
	cv := composeView{Prompt: q.Get("prompt"), RemixOf: q.Get("remix"), Upload: uploadForm{Visibility: "public"}}
	cv.Remix = h.remixSource(r.Context(), v, cv.RemixOf)
	return h.renderCompose(w, r, v, http.StatusOK, cv)
}

func (h *Handler) renderCompose(w http.ResponseWriter, r *http.Request, v *visitor, status int, cv composeView) error {
	cv.CanDescribe = h.canDescribe()
	if h.opts.Generator != nil {
		cv.CanGenerate = true
		cv.Counts = []int{1, 2, 3, 4}
		if cv.N == 0 {
			cv.N = h.opts.Generator.Options().Variants
		}
		u, err := h.db.JobUsageOf(r.Context(), v.Account.ID, h.db.Now().Add(-quotaWindow))
		if err != nil {
			return err
		}
		cv.Quota = quotaView{Limit: h.opts.ImagesPerDay, Used: u.Since, Active: u.Active}
		if cv.Quota.Limit > 0 {
			cv.Quota.Left = max(0, cv.Quota.Limit-u.Since)
			cv.Quota.Percent = min(100, (100*u.Since/cv.Quota.Limit+4)/5*5)
		}
		if cv.Jobs, err = h.db.JobsOf(r.Context(), v.Account.ID, 6); err != nil {
			return err
		}
	}
	h.render(w, r, status, "compose", v, pageData{Title: "Create", Nav: "compose", NoIndex: true, Data: cv})
	return nil
}

// composeGenerate serves POST /compose/generate: it queues a draft job and
// sends the browser to its progress page.
func (h *Handler) composeGenerate(w http.ResponseWriter, r *http.Request, v *visitor) error {
	if h.opts.Generator == nil {
		return apperr.Unavailable("Image generation is not enabled on this server.")
	}
	prompt := strings.TrimSpace(r.PostFormValue("prompt"))
	n, _ := strconv.Atoi(r.PostFormValue("n")) // 0 (absent) is the default; a bad number is Submit's 422
	if r.PostFormValue("n") != "" && n == 0 {
		n = -1
	}
	remix, err := remixInput(r)
	var job store.Job
	if err == nil {
		job, err = h.opts.Generator.Submit(r.Context(), genimage.SubmitRequest{AccountID: v.Account.ID,
			Kind: store.JobDraft, Prompt: prompt, N: n, Source: genimage.SourceAPI, Remix: remix})
	}
	if err != nil {
		if _, ok := apperr.As(err); ok {
			cv := composeView{Prompt: prompt, RemixOf: r.PostFormValue("remix"), N: max(n, 0),
				Error: apperr.MessageOf(err), Upload: uploadForm{Visibility: "public"}}
			cv.Remix = h.remixSource(r.Context(), v, cv.RemixOf)
			return h.renderCompose(w, r, v, apperr.StatusOf(err), cv)
		}
		return err
	}
	http.Redirect(w, r, "/compose/jobs/"+job.ID, http.StatusSeeOther)
	return nil
}

// composeUpload serves POST /compose: an uploaded image with its alt text,
// content warning and text becomes a post.
func (h *Handler) composeUpload(w http.ResponseWriter, r *http.Request, v *visitor) error {
	if err := requireUser(v); err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxUploadBytes+h.opts.MaxFormBytes)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		return apperr.Wrap(apperr.BadRequest("The upload could not be read; is the image too large?"), err)
	}
	defer r.MultipartForm.RemoveAll()
	if err := h.csrf.Check(r, v.Session.CSRFToken); err != nil {
		return err
	}
	f := uploadForm{Alt: strings.TrimSpace(r.PostFormValue("alt")), CW: strings.TrimSpace(r.PostFormValue("cw")),
		Text: r.PostFormValue("text"), Visibility: r.PostFormValue("visibility"),
		Generated: r.PostFormValue("generated") != "", Model: strings.TrimSpace(r.PostFormValue("model"))}
	st, err := h.postUpload(r, v, f)
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return h.renderCompose(w, r, v, apperr.StatusOf(err), composeView{Upload: f, Error: apperr.MessageOf(err)})
		}
		return err
	}
	http.Redirect(w, r, h.statusURL(v.Account.Username, st.ID), http.StatusSeeOther)
	return nil
}

func (h *Handler) postUpload(r *http.Request, v *visitor, f uploadForm) (store.Status, error) {
	file, _, err := r.FormFile("image")
	if errors.Is(err, http.ErrMissingFile) {
		if id, ok := store.ParseID(r.PostFormValue("media_id")); ok {
			return h.postUploaded(r, v, f, id)
		}
		return store.Status{}, apperr.Invalid("Choose an image to upload.")
	}
	if err != nil {
		return store.Status{}, apperr.Wrap(apperr.BadRequest("The upload could not be read."), err)
	}
	defer file.Close()
	if f.Alt == "" {
		return store.Status{}, apperr.Invalid("Describe the image for people who cannot see it (alt text).")
	}
	in := social.MediaInput{Description: f.Alt}
	if f.Generated {
		in.Generated, in.GeneratorBackend, in.GeneratorModel = true, "external", f.Model
	}
	m, err := h.social.UploadMedia(r.Context(), v.Account.ID, file, in)
	if err != nil {
		return store.Status{}, err
	}
	return h.social.CreateStatus(r.Context(), v.Account.ID, social.Draft{Text: f.Text, SpoilerText: f.CW,
		Sensitive: f.CW != "", Visibility: f.Visibility, MediaIDs: []int64{m.ID}})
}

// postUploaded posts an image that "Suggest description" already uploaded
// (the form sends its media_id instead of the file): it must be the
// visitor's own, unattached; social.CreateStatus checks both.
func (h *Handler) postUploaded(r *http.Request, v *visitor, f uploadForm, mediaID int64) (store.Status, error) {
	if f.Alt == "" {
		return store.Status{}, apperr.Invalid("Describe the image for people who cannot see it (alt text).")
	}
	m, err := h.db.MediaByID(r.Context(), mediaID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && m.AccountID != v.Account.ID) {
		return store.Status{}, apperr.Invalid("Choose an image to upload.")
	}
	if err != nil {
		return store.Status{}, err
	}
	if _, err := h.social.UpdateMedia(r.Context(), v.Account.ID, mediaID, f.Alt, m.FocusX, m.FocusY); err != nil {
		return store.Status{}, err
	}
	return h.social.CreateStatus(r.Context(), v.Account.ID, social.Draft{Text: f.Text, SpoilerText: f.CW,
		Sensitive: f.CW != "", Visibility: f.Visibility, MediaIDs: []int64{mediaID}})
}
