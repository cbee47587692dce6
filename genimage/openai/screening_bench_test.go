package openai

import (
	"context"
	"fmt"
	"testing"

	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
	"github.com/pictor-social/pictor/screening"
)

// benchReply is a typical incoming reply: a few sentences, a mention.
const benchReply = "@alice that is a lovely drawing, the colours of the sky remind me of the coast near home. " +
	"Did you paint the lighthouse from a photo or from memory? I would love to see more of this series."

// BenchmarkScreenIncomingReply measures what screening adds per incoming
// reply, through the Checker the inbox uses: the offline word list (the
// default terms plus 200 admin words), and the moderation endpoint through
// go-openai against the loopback fake (HTTP, JSON both ways, no provider
// time). docs/benchmarks.md records the figures.
func BenchmarkScreenIncomingReply(b *testing.B) {
	terms := screening.DefaultTerms()
	for i := range 200 {
		terms[screening.WordTerms] = append(terms[screening.WordTerms], fmt.Sprintf("badword%d", i))
	}
	fake := fakeopenai.New(b)
	fake.HandleModerations(fakeopenai.ModerationScores(map[string]float64{"hate": 0.02}))
	ps, err := NewPostScreener(Options{APIKey: "sk-test", BaseURL: fake.BaseURL()}, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		s    screening.Screener
	}{
		{"wordlist", screening.NewWordListScreener(terms)},
		{"moderation-fake", ps},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := screening.NewChecker(bc.s, screening.Options{}, nil)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if r, failed, err := c.Check(ctx, benchReply); err != nil || failed || r.Flagged {
					b.Fatalf("%+v %v %v", r, failed, err)
				}
			}
		})
	}
}
