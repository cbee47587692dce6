package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// jobPollWait is how long the progress JSON waits for the job to change
// before answering; the script asks again at once.
const jobPollWait = 2 * time.Second

// jobView is the generation page's data.
type jobView struct {
	Job     store.Job
	Media   []candidateView // the unposted candidates (job_candidates.go)
	Picks   []genimage.Pick // posted form: the checked candidates with their alt texts
	Text    string
	CW      string
	Error   string
	Label   string
	Pending bool
	// CanDescribe offers "Suggest description" (assistant with a vision model).
	CanDescribe bool
}

// ownJob returns the visitor's job id from the URL, or not found.
func (h *Handler) ownJob(ctx context.Context, r *http.Request, v *visitor) (store.Job, error) {
	if err := requireUser(v); err != nil {
		return store.Job{}, err
	}
	if h.opts.Generator == nil {
		return store.Job{}, errNotFound
	}
	j, err := h.db.JobByID(ctx, strings.TrimSuffix(mux.Vars(r)["id"], ".json"))
	if err != nil {
		return store.Job{}, notFoundIf(err)
	}
	if j.AccountID != v.Account.ID || j.Kind != store.JobDraft {
		return store.Job{}, errNotFound
	}
	return j, nil
}

// jobPage serves GET /compose/jobs/{id}: progress while the job runs (the
// script polls; without it the page refreshes itself), the error if it
// failed, and the pick-and-post form when its images are ready.
func (h *Handler) jobPage(w http.ResponseWriter, r *http.Request, v *visitor) error {
	j, err := h.ownJob(r.Context(), r, v)
	if err != nil {
		return err
	}
	return h.renderJob(w, r, v, http.StatusOK, j, jobView{})
}

func (h *Handler) renderJob(w http.ResponseWriter, r *http.Request, v *visitor, status int, j store.Job, jv jobView) error {
	jv.Job, jv.Pending, jv.CanDescribe = j, !j.Finished(), h.canDescribe()
	if j.State == store.JobDone {
		var err error
		if jv.Media, err = h.candidateViews(r.Context(), j, jv.Picks); err != nil {
			return err
		}
		jv.Label = h.opts.Generator.LabelLine(genimage.Provenance{Backend: j.Backend, Model: j.Model})
	}
	title := "Generating"
	switch {
	case j.State == store.JobFailed:
		title = "Generation failed"
	case !jv.Pending:
		title = "Generated"
	}
	pd := pageData{Title: title, Nav: "compose", NoIndex: true, Data: jv}
	if jv.Pending {
		pd.Refresh = 3
	}
	h.render(w, r, status, "job", v, pd)
	return nil
}

// jobJSON serves GET /compose/jobs/{id}.json for the progress script. It
// waits up to jobPollWait for the job to finish and reports the latest
// stage it saw.
func (h *Handler) jobJSON(w http.ResponseWriter, r *http.Request, v *visitor) error {
	j, err := h.ownJob(r.Context(), r, v)
	if err != nil {
		return err
	}
	var last genimage.Event
	if !j.Finished() {
		j, err = h.opts.Generator.Wait(r.Context(), j.ID, jobPollWait, func(e genimage.Event) { last = e })
		if err != nil && r.Context().Err() == nil {
			return err
		}
	}
	out := map[string]any{"state": j.State, "stage": last.Stage, "fraction": last.Fraction, "error": j.Error}
	if p, ok := h.opts.Generator.Preview(j.ID); ok && !j.Finished() {
		out["preview_url"] = fmt.Sprintf("/compose/jobs/%s/preview?n=%d", j.ID, p.Seq) // a new URL per preview
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(out)
}

// jobPreview serves GET /compose/jobs/{id}/preview: the newest partial
// image of the visitor's running job, 404 when there is none.
func (h *Handler) jobPreview(w http.ResponseWriter, r *http.Request, v *visitor) error {
	j, err := h.ownJob(r.Context(), r, v)
	if err != nil {
		return err
	}
	p, ok := h.opts.Generator.Preview(j.ID)
	if !ok {
		return errNotFound
	}
	w.Header().Set("Content-Type", p.MediaType)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(p.Data)
	return nil
}

// jobPost serves POST /compose/jobs/{id}/post: the picked images, each with
// its reviewed alt text, become one post that carries the AI label line.
func (h *Handler) jobPost(w http.ResponseWriter, r *http.Request, v *visitor) error {
	if err := h.checkForm(w, r, v); err != nil {
		return err
	}
	j, err := h.ownJob(r.Context(), r, v)
	if err != nil {
		return err
	}
	jv := jobView{Picks: formPicks(r), Text: strings.TrimSpace(r.PostFormValue("text")),
		CW: strings.TrimSpace(r.PostFormValue("cw"))}
	st, err := h.postJob(r, v, j, jv)
	if err != nil {
		if _, ok := apperr.As(err); ok && j.State == store.JobDone {
			jv.Error = apperr.MessageOf(err)
			return h.renderJob(w, r, v, apperr.StatusOf(err), j, jv)
		}
		return err
	}
	http.Redirect(w, r, h.statusURL(v.Account.Username, st.ID), http.StatusSeeOther)
	return nil
}

func (h *Handler) postJob(r *http.Request, v *visitor, j store.Job, jv jobView) (store.Status, error) {
	if j.State != store.JobDone {
		return store.Status{}, apperr.Conflict("This image is not ready yet.")
	}
	if len(jv.Picks) == 0 {
		return store.Status{}, apperr.Invalid("Pick at least one of the generated images.")
	}
	for _, p := range jv.Picks {
		if p.Description == "" {
			return store.Status{}, apperr.Invalid("Check the alt text of each picked image: it describes the image for people who cannot see it.")
		}
	}
	return h.opts.Generator.PostCandidates(r.Context(), v.Account.ID, j.ID, genimage.CandidatePost{Picks: jv.Picks,
		Text: jv.Text, SpoilerText: jv.CW, Sensitive: jv.CW != "", Visibility: r.PostFormValue("visibility")})
}
