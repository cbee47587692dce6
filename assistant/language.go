package assistant

import (
	"regexp"
	"strconv"
	"strings"
)

// languageNames names the languages models know best by name; others are
// given by their ISO 639 code.
var languageNames = map[string]string{
	"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
	"nl": "Dutch", "pl": "Polish", "sv": "Swedish", "da": "Danish", "nb": "Norwegian", "no": "Norwegian",
	"fi": "Finnish", "cs": "Czech", "uk": "Ukrainian", "ru": "Russian", "tr": "Turkish", "el": "Greek",
	"ja": "Japanese", "ko": "Korean", "zh": "Chinese", "ar": "Arabic", "he": "Hebrew", "hi": "Hindi",
	"id": "Indonesian", "ca": "Catalan", "eu": "Basque", "gl": "Galician", "eo": "Esperanto", "hu": "Hungarian",
	"ro": "Romanian", "fa": "Persian", "th": "Thai", "vi": "Vietnamese",
}

var langCodeRE = regexp.MustCompile(`^[a-z]{2,3}$`)

// languageName returns how a prompt names the language with ISO 639 code
// code; "" (unknown) asks for the language of the post.
func languageName(code string) string {
	code = strings.ToLower(strings.TrimSpace(code))
	if n, ok := languageNames[code]; ok {
		return n
	}
	if langCodeRE.MatchString(code) {
		return "the language with ISO 639 code " + code
	}
	return "the same language as the post to reply to"
}

// LanguageFromHeader returns the primary language code of the first
// language in an Accept-Language header ("de-CH,de;q=0.9" gives "de"), or
// "" when there is none usable.
func LanguageFromHeader(h string) string {
	best, bestQ := "", -1.0
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if langCodeRE.MatchString(base) && q > bestQ && q > 0 {
			best, bestQ = base, q
		}
	}
	return best
}
