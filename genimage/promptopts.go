package genimage

import (
	"strconv"
	"strings"

	"github.com/pictor-social/pictor/internal/apperr"
)

// Prompt options
//
// Prompts typed into a status (/imagine) or a mention of the bot may end in
// options, as image-feed users know them from Midjourney:
//
//	/imagine a lighthouse at dusk --ar 3:2 --seed 42 --no people, boats
//
//	--seed N     repeat an earlier image (N ≥ 0; 0 picks a random seed)
//	--size WxH   exact size, e.g. 1024x1536
//	--ar W:H     aspect ratio: landscape is 1536x1024, portrait 1024x1536,
//	             square the configured default (the GPT image models' sizes)
//	--no TEXT    negative prompt: what the image should not show
//	--n N        make N images (1-4) and post them all in one status
//	--from URL   remix a post: the address of a post (here or on another
//	             server) or of one of its images; its image is the source
//
// An option's value runs to the next option; an unknown option is an error,
// so a typo is not drawn into the picture.

// Sizes chosen by --ar.
const (
	landscapeSize = "1536x1024"
	portraitSize  = "1024x1536"
)

// promptOptions are the options found at the end of a typed prompt.
type promptOptions struct {
	Seed           int64
	Size           string
	NegativePrompt string
	N              int
	From           string // --from: the post or image to remix (remix.go)
}

// splitPromptOptions separates a typed prompt into the prompt and its
// options. Errors are apperr.Invalid with a message for the user.
func splitPromptOptions(text string) (string, promptOptions, error) {
	var o promptOptions
	fields := strings.Fields(text)
	var starts []int // indexes of option names
	for i, f := range fields {
		if name, ok := optionName(f); ok {
			fields[i], starts = name, append(starts, i)
		}
	}
	if len(starts) == 0 {
		return strings.Join(fields, " "), o, nil
	}
	for k, i := range starts {
		end := len(fields)
		if k+1 < len(starts) {
			end = starts[k+1]
		}
		if err := o.set(fields[i], strings.Join(fields[i+1:end], " ")); err != nil {
			return "", promptOptions{}, err
		}
	}
	return strings.Join(fields[:starts[0]], " "), o, nil
}

// knownOptions are the option names; see the package comment above.
var knownOptions = map[string]bool{"--seed": true, "--size": true, "--ar": true, "--aspect": true, "--no": true,
	"--from": true, "--n": true}

// optionName reports whether a word is an option name and returns it
// lower-cased with two hyphens. Any "--word" is one (so a typo is reported);
// a dash, which phones type for "--", only before a known name.
func optionName(word string) (string, bool) {
	if rest, ok := strings.CutPrefix(word, "--"); ok && rest != "" && !strings.HasPrefix(rest, "-") {
		return "--" + strings.ToLower(rest), true
	}
	for _, dash := range []string{"\u2014", "\u2013"} {
		if rest, ok := strings.CutPrefix(word, dash); ok && knownOptions["--"+strings.ToLower(rest)] {
			return "--" + strings.ToLower(rest), true
		}
	}
	return "", false
}

func (o *promptOptions) set(name, value string) error {
	if value == "" {
		return apperr.Invalid("the option %s needs a value", name)
	}
	switch name {
	case "--seed":
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil || n < 0 {
			return apperr.Invalid("--seed takes a whole number, such as --seed 42")
		}
		o.Seed = n
	case "--size":
		if _, _, ok := ParseSize(value); !ok {
			return apperr.Invalid("--size takes WIDTHxHEIGHT, such as --size 1024x1536")
		}
		o.Size = strings.ToLower(value)
	case "--ar", "--aspect":
		size, err := aspectSize(value)
		if err != nil {
			return err
		}
		o.Size = size
	case "--no":
		o.NegativePrompt = value
	case "--n":
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 || n > MaxVariants {
			return apperr.Invalid("--n takes a number of images from 1 to %d, such as --n 4", MaxVariants)
		}
		o.N = n
	case "--from":
		if strings.ContainsAny(value, " \t") || !(strings.HasPrefix(value, "https://") || strings.HasPrefix(value, "http://")) {
			return apperr.Invalid("--from takes the address of a post or of its image, such as --from https://example.com/@ann/123")
		}
		o.From = value
	default:
		return apperr.Invalid("unknown option %s: use --seed N, --size WxH, --ar W:H, --no TEXT, --from URL or --n N", name)
	}
	return nil
}

// aspectSize maps "W:H" to a size; "" means the default (square).
func aspectSize(ratio string) (string, error) {
	ws, hs, _ := strings.Cut(ratio, ":")
	w, err1 := strconv.ParseFloat(ws, 64)
	h, err2 := strconv.ParseFloat(hs, 64)
	if err1 != nil || err2 != nil || w <= 0 || h <= 0 || w/h > 4 || h/w > 4 {
		return "", apperr.Invalid("--ar takes a ratio such as 3:2 or 2:3 (at most 4:1)")
	}
	switch r := w / h; {
	case r >= 1.2:
		return landscapeSize, nil
	case r <= 1/1.2:
		return portraitSize, nil
	default:
		return "", nil
	}
}

// TakePromptOptions moves options typed at the end of req.Prompt (see
// above) into the request's fields that are still unset, so explicit
// fields, such as the CLI's flags, win. Errors are apperr.Invalid.
func (req *SubmitRequest) TakePromptOptions() error {
	prompt, o, err := splitPromptOptions(req.Prompt)
	if err != nil {
		return err
	}
	req.Prompt = prompt
	if req.Seed == 0 {
		req.Seed = o.Seed
	}
	if req.Size == "" {
		req.Size = o.Size
	}
	if req.NegativePrompt == "" {
		req.NegativePrompt = o.NegativePrompt
	}
	if req.N == 0 {
		req.N = o.N
	}
	if o.From != "" && req.Remix == nil {
		req.Remix = &RemixInput{URL: o.From}
	}
	return nil
}
