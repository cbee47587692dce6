package web

import (
	"net/http"

	"github.com/pictor-social/pictor/screening"
)

// screeningChoice is one category of the "Flagged replies" settings.
type screeningChoice struct {
	Category, Label, Action string
}

var screeningLabels = map[string]string{
	screening.Hate: "Hate speech", screening.Harassment: "Harassment", screening.Violence: "Violence",
	screening.Sexual: "Sexual content", screening.SelfHarm: "Self-harm", screening.Illicit: "Illicit activities",
	screening.WordTerms: "This server's word list", screening.Other: "Other",
}

func (h *Handler) screeningChoices(r *http.Request, v *visitor) ([]screeningChoice, error) {
	prefs, err := h.social.ScreeningPreferences(r.Context(), v.Account.ID)
	if err != nil {
		return nil, err
	}
	out := make([]screeningChoice, 0, len(screening.Categories))
	for _, c := range screening.Categories {
		out = append(out, screeningChoice{Category: c, Label: screeningLabels[c], Action: prefs[c]})
	}
	return out, nil
}

// settingsScreening serves POST /settings/screening: show, collapse or hide
// per category.
func (h *Handler) settingsScreening(w http.ResponseWriter, r *http.Request, v *visitor) error {
	set := map[string]string{}
	for _, c := range screening.Categories {
		if a := r.PostForm.Get(c); a != "" {
			set[c] = a
		}
	}
	if err := h.social.SetScreeningPreferences(r.Context(), v.Account.ID, set); err != nil {
		return err
	}
	http.Redirect(w, r, "/settings/screening?done=screening", http.StatusSeeOther)
	return nil
}
