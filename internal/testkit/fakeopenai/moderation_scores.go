package fakeopenai

import "net/http"

// moderationCategories are the categories omni-moderation-latest answers.
var moderationCategories = []string{"harassment", "harassment/threatening", "hate", "hate/threatening", "illicit",
	"illicit/violent", "self-harm", "self-harm/intent", "self-harm/instructions", "sexual",
	"sexual/minors", "violence", "violence/graphic"}

// ModerationScores answers a moderation request with the given scores (the
// others 0.0001) and flags the categories in flagged; the result is flagged
// when any is. It is what screening backends read: scores per category.
func ModerationScores(scores map[string]float64, flagged ...string) Reply {
	return func(_ *Server, w http.ResponseWriter, _ *http.Request) {
		cats, all := map[string]bool{}, map[string]float64{}
		for _, c := range moderationCategories {
			cats[c], all[c] = false, 0.0001
		}
		for c, s := range scores {
			all[c] = s
		}
		for _, c := range flagged {
			cats[c] = true
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"id": "modr-0456", "model": "omni-moderation-2024-09-26",
			"results": []map[string]any{{"flagged": len(flagged) > 0, "categories": cats, "category_scores": all}},
		})
	}
}
