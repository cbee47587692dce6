package fakeopenai

import (
	"encoding/base64"
	"encoding/json"
	"image/color"
	"net/http"
	"time"
)

// Token usage every successful base64 image reply reports.
const (
	UsageInput  = 12
	UsageOutput = 272
	UsageTotal  = UsageInput + UsageOutput
)

// RevisedPrompt is the revised_prompt successful image replies carry.
const RevisedPrompt = "a revised prompt"

// testColour is the colour of the PNGs the replies serve.
var testColour = color.RGBA{R: 200, G: 80, B: 40, A: 255}

// ImageSize is the side of the square PNGs the replies serve.
const ImageSize = 32

func imageReply(items []map[string]any) map[string]any {
	return map[string]any{
		"created": time.Now().Unix(), "data": items,
		"usage": map[string]any{
			"input_tokens": UsageInput, "output_tokens": UsageOutput, "total_tokens": UsageTotal,
			"input_tokens_details": map[string]any{"text_tokens": UsageInput, "image_tokens": 0},
		},
		"background": "opaque", "output_format": "png", "quality": "low", "size": "1024x1024",
	}
}

// ImageB64 answers 200 with n PNGs as data[].b64_json, as GPT image models
// do; n = 0 answers as many as the request's "n" asks for (at least one).
// Each image of one answer has its own colour (the first is testColour), so
// the candidates of an n-image request are distinct files.
func ImageB64(n int) Reply {
	return func(_ *Server, w http.ResponseWriter, r *http.Request) {
		items := make([]map[string]any, countOr(n, r))
		for i := range items {
			c := testColour
			c.G += uint8(40 * i)
			items[i] = map[string]any{"b64_json": base64.StdEncoding.EncodeToString(PNG(ImageSize, ImageSize, c)),
				"revised_prompt": RevisedPrompt}
		}
		writeJSON(w, http.StatusOK, imageReply(items))
	}
}

// B64 answers 200 with n copies of data as data[].b64_json (n = 0: as many
// as requested); with bytes that are not an image it simulates a broken
// backend.
func B64(n int, data []byte) Reply {
	return func(_ *Server, w http.ResponseWriter, r *http.Request) {
		items := make([]map[string]any, countOr(n, r))
		for i := range items {
			items[i] = map[string]any{"b64_json": base64.StdEncoding.EncodeToString(data), "revised_prompt": RevisedPrompt}
		}
		writeJSON(w, http.StatusOK, imageReply(items))
	}
}

// ImageURL answers 200 with n data[].url entries pointing at PNGs served by
// this server, as DALL·E and LocalAI do (n = 0: as many as requested); it
// sends no usage.
func ImageURL(n int) Reply {
	return func(s *Server, w http.ResponseWriter, r *http.Request) {
		items := make([]map[string]any, countOr(n, r))
		for i := range items {
			items[i] = map[string]any{"url": s.AddFile(PNG(ImageSize, ImageSize, testColour))}
		}
		writeJSON(w, http.StatusOK, map[string]any{"created": time.Now().Unix(), "data": items})
	}
}

// RateLimited answers 429 with the given Retry-After header (omitted when
// empty) and OpenAI's rate_limit_exceeded error.
func RateLimited(retryAfter string) Reply {
	return func(_ *Server, w http.ResponseWriter, _ *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		writeError(w, http.StatusTooManyRequests, "requests", "rate_limit_exceeded",
			"Rate limit reached for images per minute (IPM): Limit 5, Used 5, Requested 1.")
	}
}

// InsufficientQuota answers 429 insufficient_quota: the account is out of
// credit, which no retry fixes.
func InsufficientQuota() Reply {
	return func(_ *Server, w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusTooManyRequests, "insufficient_quota", "insufficient_quota",
			"You exceeded your current quota, please check your plan and billing details.")
	}
}

// ServerError answers 500 with OpenAI's server_error envelope.
func ServerError() Reply {
	return func(_ *Server, w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusInternalServerError, "server_error", nil,
			"The server had an error while processing your request. Sorry about that!")
	}
}

// ModerationBlocked answers 400 the way GPT image models refuse on safety
// grounds: code moderation_blocked, with moderation_details naming the stage
// ("input" or "output") and categories.
func ModerationBlocked(stage string, categories ...string) Reply {
	return func(_ *Server, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{
			"message": "Your request was rejected by the safety system. If you believe this is an error, " +
				"contact us and include the request ID req_0123.",
			"type":  "image_generation_user_error",
			"param": nil,
			"code":  "moderation_blocked",
			"moderation_details": map[string]any{
				"moderation_stage": stage, "categories": categories,
			},
		}})
	}
}

// ContentPolicyViolation answers 400 with the DALL·E-era refusal code
// content_policy_violation.
func ContentPolicyViolation() Reply {
	return func(_ *Server, w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "content_policy_violation",
			"Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.")
	}
}

// ErrorReply answers status with OpenAI's error envelope.
func ErrorReply(status int, typ, code, message string) Reply {
	return func(_ *Server, w http.ResponseWriter, _ *http.Request) {
		writeError(w, status, typ, code, message)
	}
}

// Hang answers nothing until the client gives up or the test ends.
func Hang() Reply {
	return func(s *Server, _ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
	}
}

// Raw answers status with body verbatim, for malformed output.
func Raw(status int, contentType, body string) Reply {
	return func(_ *Server, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

// Malformed answers 200 with truncated JSON.
func Malformed() Reply {
	return Raw(http.StatusOK, "application/json", `{"created": 1, "data": [{"b64_json": "iVBO`)
}

// NotAnImage answers 200 with well-formed JSON whose b64_json is not an image.
func NotAnImage() Reply { return B64(1, []byte("this is not an image")) }

// NotFlagged answers a moderation request with an unflagged result.
func NotFlagged() Reply { return Flagged() }

// Flagged answers a moderation request with the given categories set; with
// none, the result is not flagged.
func Flagged(categories ...string) Reply {
	return func(_ *Server, w http.ResponseWriter, _ *http.Request) {
		all := []string{"harassment", "harassment/threatening", "hate", "hate/threatening", "illicit",
			"illicit/violent", "self-harm", "self-harm/intent", "self-harm/instructions", "sexual",
			"sexual/minors", "violence", "violence/graphic"}
		cats, scores := map[string]bool{}, map[string]float64{}
		for _, c := range all {
			cats[c], scores[c] = false, 0.0001
		}
		for _, c := range categories {
			cats[c], scores[c] = true, 0.97
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"id": "modr-0123", "model": "omni-moderation-latest",
			"results": []map[string]any{{"flagged": len(categories) > 0, "categories": cats, "category_scores": scores}},
		})
	}
}

// countOr returns n, or when n is 0 the request's "n" (at least 1).
func countOr(n int, r *http.Request) int {
	if n > 0 {
		return n
	}
	var body struct {
		N int `json:"n"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	return min(max(body.N, 1), 10)
}
