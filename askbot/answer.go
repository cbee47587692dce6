package askbot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/pictor-social/pictor/assistant"
	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// sourceAsk marks prompts handed over by the bot in the moderation log.
const sourceAsk = "ask"

// answerTokens bounds the model's answer (a post is at most a few hundred
// characters; the JSON around it takes a few tokens more).
const answerTokens = 600

// reply is the model's answer: the text, and a picture to draw, if asked for.
type reply struct {
	Answer string `json:"answer"`
	Draw   string `json:"draw"`
}

// question is one claimed question with what its answer needs.
type question struct {
	r          store.AskRequest
	bot        store.Account
	st         store.Status
	requester  store.Account
	draft      store.PostDraft // visibility, reply and language of the bot's reply
	addressees []int64         // mentioned at the start of the reply, requester first
	prefix     string          // their mentions, "@acct " each (social.MentionPrefix)
}

// answer answers one claimed question and returns the bot's reply (0 when
// there is none, or an image job posts it). Errors are internal failures
// or the end of ctx; everything else gets exactly one reply.
func (s *Service) answer(ctx context.Context, r store.AskRequest) (int64, error) {
	q, ok, err := s.load(ctx, r)
	if err != nil || !ok {
		return 0, err
	}
	// A run repeated after a crash finds the reply it posted.
	if id, err := s.db.ReplyBy(ctx, q.bot.ID, q.st.ID); err == nil {
		return id, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return 0, err
	}
	if r.Attempts > s.opts.MaxAttempts {
		return s.post(ctx, q, "Sorry, I was interrupted too many times while answering this. Please ask again.")
	}
	text := social.MentionText(q.st)
	if text == "" {
		return s.post(ctx, q, "Mention me with a question, e.g. \"what is the fediverse?\", and I answer here.")
	}
	quota := s.local
	if !q.requester.Local() {
		if s.opts.RemotePerDay == 0 {
			return s.notice(ctx, q, "Sorry, I answer only questions from accounts on this server.")
		}
		quota = s.remote
	}
	req, err := s.request(ctx, q, text)
	if err != nil {
		return 0, err
	}
	raw, err := s.ai.CallWith(ctx, quota, q.requester.ID, assistant.FeatureAsk, req)
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return 0, ctx.Err()
	case errors.Is(err, assistant.ErrQuota):
		return s.notice(ctx, q, fmt.Sprintf("Sorry, you have reached your limit of %d questions a day. "+
			"I will answer again after 00:00 UTC.", quota.Limit(assistant.FeatureAsk)))
	case errors.Is(err, assistant.ErrRefused):
		return s.post(ctx, q, "Sorry, I can't help with that.")
	default:
		s.log.Warn("assistant bot: model call failed", "status_id", q.st.ID, "err", err)
		msg := "something went wrong"
		if e, ok := apperr.As(err); ok {
			msg = e.Message
		}
		return s.post(ctx, q, "Sorry, I could not answer this: "+msg+". Please try again later.")
	}
	ans, err := assistant.Decode[reply](raw)
	if err != nil || strings.TrimSpace(ans.Answer) == "" && strings.TrimSpace(ans.Draw) == "" {
		ans = reply{Answer: raw} // a model that ignored the format: its words are the answer
	}
	ans.Answer, ans.Draw = strings.TrimSpace(ans.Answer), strings.TrimSpace(ans.Draw)
	if ans.Draw != "" {
		return s.draw(ctx, q, ans)
	}
	return s.post(ctx, q, s.answerText(q, ans.Answer, 0))
}

// load reads the question, its author and the bot; ok is false when there
// is nothing to answer (the question was deleted).
func (s *Service) load(ctx context.Context, r store.AskRequest) (question, bool, error) {
	q := question{r: r}
	var err error
	if q.bot, err = s.Bot(ctx); err != nil {
		return q, false, err
	}
	q.st, err = s.db.StatusByID(ctx, r.StatusID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !q.st.DeletedAt.IsZero()) {
		return q, false, nil
	}
	if err != nil {
		return q, false, err
	}
	if q.requester, err = s.db.AccountByID(ctx, r.AccountID); err != nil {
		return q, false, err
	}
	q.draft = store.PostDraft{Visibility: replyVisibility(q.st.Visibility), InReplyToID: q.st.ID, Language: q.st.Language}
	q.addressees = []int64{q.requester.ID}
	if q.draft.Visibility == store.VisibilityDirect {
		// A direct answer goes to the people the question went to.
		mentions, err := s.db.MentionsForStatuses(ctx, []int64{q.st.ID})
		if err != nil {
			return q, false, err
		}
		for _, id := range mentions[q.st.ID] {
			if id != q.bot.ID && id != q.requester.ID {
				q.addressees = append(q.addressees, id)
			}
		}
	}
	if q.prefix, err = s.social.MentionPrefix(ctx, q.addressees...); err != nil {
		return q, false, err
	}
	return q, true, nil
}

// replyVisibility keeps the answer as private as the question: direct stays
// direct; followers-only becomes direct to the question's addressees (the
// bot's followers are not the asker's); a public question gets an unlisted
// answer (social.BotReplyVisibility), so the bot does not flood public
// timelines.
func replyVisibility(v string) string {
	if v == store.VisibilityPrivate {
		return store.VisibilityDirect
	}
	return social.BotReplyVisibility(v)
}

// system is the instruction sent with every question.
const system = `You are the assistant bot of a fediverse (Mastodon-compatible) server. Someone mentioned you ` +
	`with a question in a conversation. The earlier posts of the conversation they can see come first, each ` +
	`starting with its author's handle; your own earlier answers are the assistant's messages. Answer the ` +
	`last message helpfully and briefly (at most %d characters), in the language it is written in, as plain ` +
	`text without Markdown. Do not mention or address anyone with @. If, and only if, the person asks you to ` +
	`draw, paint or generate a picture, put a short English description of that picture in "draw" and say in ` +
	`"answer" what you are drawing; otherwise "draw" is "". Reply with a JSON object: ` +
	`{"answer": "...", "draw": "..."}.`

// request builds the chat request: the thread the requester may see, oldest
// first, then the question, each post with its images' descriptions.
func (s *Service) request(ctx context.Context, q question, text string) (assistant.Request, error) {
	ancestors, err := s.db.Ancestors(ctx, q.st, s.opts.ThreadPosts)
	if err != nil {
		return assistant.Request{}, err
	}
	var posts []store.Status
	for _, a := range ancestors {
		ok, err := s.visible(ctx, q.requester.ID, a)
		if err != nil {
			return assistant.Request{}, err
		}
		if ok {
			posts = append(posts, a)
		}
	}
	q.st.Text = text
	posts = append(posts, q.st)
	ids := make([]int64, len(posts))
	for i, p := range posts {
		ids[i] = p.ID
	}
	extras, err := s.db.StatusExtrasByIDs(ctx, ids)
	if err != nil {
		return assistant.Request{}, err
	}
	req := assistant.Request{System: fmt.Sprintf(system, s.answerLimit(q, 0)), JSON: true, MaxTokens: answerTokens}
	for _, p := range posts {
		var alts []string
		for _, m := range extras[p.ID].Media {
			if d := strings.TrimSpace(m.Description); d != "" {
				alts = append(alts, d)
			}
		}
		if p.AccountID == q.bot.ID {
			req.Messages = append(req.Messages, assistant.Message{Role: assistant.RoleAssistant, Text: postText(p, "", alts)})
			continue
		}
		author, err := s.db.AccountByID(ctx, p.AccountID)
		if err != nil {
			return assistant.Request{}, err
		}
		req.Messages = append(req.Messages, assistant.Message{Role: assistant.RoleUser, Text: postText(p, "@"+author.Acct(), alts)})
	}
	return req, nil
}

// visible reports whether the requester may see st: its visibility allows
// it (social.CanSee) and its author does not block the requester.
func (s *Service) visible(ctx context.Context, requesterID int64, st store.Status) (bool, error) {
	ok, err := s.social.CanSee(ctx, requesterID, st)
	if err != nil || !ok {
		return false, err
	}
	blocked, err := s.db.Blocks(ctx, st.AccountID, requesterID)
	return !blocked, err
}

// postText renders a post for the model: its author, content warning, text
// and image descriptions.
func postText(st store.Status, author string, alts []string) string {
	var b strings.Builder
	if author != "" {
		b.WriteString(author + ": ")
	}
	if st.SpoilerText != "" {
		b.WriteString("[content warning: " + st.SpoilerText + "] ")
	}
	text := st.Text
	if text == "" {
		text = social.PlainText(st.Content)
	}
	b.WriteString(strings.TrimSpace(text))
	for _, d := range alts {
		b.WriteString(" [image: " + d + "]")
	}
	return b.String()
}

// label is the visible line under every answer.
func (s *Service) label() string {
	return "🤖 AI-written answer (" + s.ai.Client.Model(false) + "); it may be wrong."
}

// answerLimit is how many characters the answer itself may have in a reply
// to q that also carries reserve characters (an image's label).
func (s *Service) answerLimit(q question, reserve int) int {
	prefix := 0
	for range q.addressees {
		prefix += 32 // a handle; answerText cuts exactly
	}
	return max(s.social.Options().MaxChars-prefix-utf8.RuneCountInString(s.label())-2-reserve, 40)
}

// answerText is the body of an answer after the mentions: the model's words,
// inert (no mentions, no hashtags) and cut to fit with the label line and
// reserve more characters in the instance's limit.
func (s *Service) answerText(q question, answer string, reserve int) string {
	label := s.label()
	limit := s.social.Options().MaxChars - utf8.RuneCountInString(q.prefix) - utf8.RuneCountInString(label) - 2 - reserve
	body := social.Truncate(social.Defuse(answer), max(limit, 1))
	if body == "" {
		return label
	}
	return body + "\n\n" + label
}

// post replies to the question with msg, mentioning its addressees.
func (s *Service) post(ctx context.Context, q question, msg string) (int64, error) {
	st, err := s.social.BotReply(ctx, q.bot.ID, q.addressees, q.draft, msg)
	if err != nil {
		return 0, err
	}
	return st.ID, nil
}

// notice replies with msg at most once per requester per UTC day, so a
// requester over a limit gets one polite answer, not one per question.
func (s *Service) notice(ctx context.Context, q question, msg string) (int64, error) {
	if _, err := s.notices.Take(ctx, q.requester.ID, featureNotice); errors.Is(err, assistant.ErrQuota) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	return s.post(ctx, q, msg)
}

// draw hands the picture to the image generator as a reply job posted by
// this bot within the requester's image quota; the reply carries the answer,
// its label and the image's. When the generator does not take it, the
// answer is posted with the reason.
func (s *Service) draw(ctx context.Context, q question, ans reply) (int64, error) {
	if s.images == nil {
		return s.post(ctx, q, s.answerText(q, ans.Answer+"\n\n(I can't draw here: image generation is off on this server.)", 0))
	}
	b := s.images.Backend()
	reserve := utf8.RuneCountInString(s.images.LabelLine(genimage.Provenance{Backend: b.Name(), Model: b.Model()})) + 2 + 16
	answer := ans.Answer
	if answer == "" {
		answer = "Here is your picture."
	}
	draft := q.draft
	draft.Text = q.prefix + s.answerText(q, answer, reserve)
	_, err := s.images.Submit(ctx, genimage.SubmitRequest{AccountID: q.requester.ID, Kind: store.JobReply,
		Prompt: social.Truncate(ans.Draw, s.images.Options().MaxPromptChars), Draft: draft, SourceStatusID: q.st.ID,
		Source: sourceAsk, AuthorID: q.bot.ID})
	e, isApp := apperr.As(err)
	switch {
	case err == nil:
		return 0, nil // the job posts the reply
	case isApp && e.Kind == apperr.KindConflict:
		return 0, nil // handed over by an earlier run
	case isApp:
		return s.post(ctx, q, s.answerText(q, answer+"\n\nI could not draw it: "+e.Message, 0))
	}
	return 0, err
}
