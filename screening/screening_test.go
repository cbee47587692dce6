package screening

import (
	"context"
	"errors"
	"testing"
)

func TestCategory(t *testing.T) {
	cases := map[string]string{"hate": Hate, "hate/threatening": Hate, "Harassment": Harassment,
		"harassment/threatening": Harassment, "self-harm/intent": SelfHarm, "self_harm": SelfHarm,
		"violence/graphic": Violence, "sexual/minors": Sexual, "illicit/violent": Illicit, "word-list": WordTerms,
		"spam": Other, "": Other}
	for in, want := range cases {
		if got := Category(in); got != want {
			t.Errorf("Category(%q) = %q, want %q", in, got, want)
		}
	}
}

// The offline backend: per-category terms, whole words, score 1.
func TestWordListScreener(t *testing.T) {
	s := NewWordListScreener(map[string][]string{"harassment": {"kys", "kill yourself"}, "Hate": {"subhuman*"},
		"word-list": {"pineapple"}})
	cases := []struct {
		text, category, reason string
	}{
		{"what a lovely day", "", ""},
		{"just KYS", Harassment, `contains "kys"`},
		{"you should kill-yourself", Harassment, `contains "kill yourself"`},
		{"subhumans everywhere", Hate, `contains "subhuman*"`},
		{"pineapple pizza", WordTerms, `contains "pineapple"`},
		{"skys are blue", "", ""},
	}
	for _, tc := range cases {
		r, err := s.Screen(context.Background(), tc.text)
		if err != nil {
			t.Fatal(err)
		}
		if r.Flagged != (tc.category != "") || r.Category != tc.category || r.Reason != tc.reason || r.Backend != "wordlist" {
			t.Errorf("Screen(%q) = %+v, want %q", tc.text, r, tc.category)
		}
		if r.Flagged && (r.Score != 1 || r.Scores[tc.category] != 1) {
			t.Errorf("Screen(%q) score = %v", tc.text, r.Score)
		}
	}
	def := NewWordListScreener(DefaultTerms())
	if r, _ := def.Screen(context.Background(), "go back and kill yourself"); r.Category != Harassment {
		t.Errorf("default terms: %+v", r)
	}
}

type fixed struct {
	r   Result
	err error
}

func (f fixed) Screen(context.Context, string) (Result, error) { return f.r, f.err }

func TestCheckerPolicyThresholdAndFailure(t *testing.T) {
	scored := fixed{r: Result{Backend: "openai", Category: Hate, Score: 0.4, Scores: map[string]float64{Hate: 0.4}}}
	c := NewChecker(scored, Options{Policy: map[string]string{Hate: Refuse}, Default: Allow, Threshold: 0.3}, nil)
	r, failed, err := c.Check(context.Background(), "x")
	if err != nil || failed || !r.Flagged {
		t.Fatalf("threshold 0.3 over score 0.4: %+v %v %v", r, failed, err)
	}
	if c.Action(Hate) != Refuse || c.Action(Violence) != Allow {
		t.Fatalf("actions %s %s", c.Action(Hate), c.Action(Violence))
	}
	if NewChecker(scored, Options{Threshold: 0.5}, nil).Action(Sexual) != Warn {
		t.Fatal("the default action is warn")
	}
	if r, _, _ := NewChecker(scored, Options{Threshold: 0.5}, nil).Check(context.Background(), "x"); r.Flagged {
		t.Fatal("threshold 0.5 over score 0.4 flags")
	}
	down := fixed{err: errors.New("connection refused")}
	if _, failed, err := NewChecker(down, Options{}, nil).Check(context.Background(), "x"); !failed || err != nil {
		t.Fatalf("fail open: %v %v", failed, err)
	}
	if _, _, err := NewChecker(down, Options{FailClosed: true}, nil).Check(context.Background(), "x"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("fail closed: %v", err)
	}
	var off *Checker
	if r, failed, err := off.Check(context.Background(), "kys"); r.Flagged || failed || err != nil || off.Enabled() {
		t.Fatal("a nil checker screens")
	}
	chain := Chain(fixed{r: Result{Backend: "wordlist"}}, fixed{r: Result{Flagged: true, Category: Hate}})
	if r, _ := chain.Screen(context.Background(), "x"); !r.Flagged || r.Category != Hate {
		t.Fatalf("chain: %+v", r)
	}
}
