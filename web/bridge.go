package web

import (
	"strings"
	"time"

	"github.com/pictor-social/pictor/store"
)

// bridgeMinAge is the account age Bridgy Fed requires before bridging an
// account that states its creation date (interop.md B.2).
const bridgeMinAge = 7 * 24 * time.Hour

// bridgeView tells an account's owner whether Bridgy Fed can bridge it to
// Bluesky (checklist 45): what blocks it, or that it is ready.
type bridgeView struct {
	Problems []string // what stops bridging
	Tips     []string // what bridges but looks worse
	Ready    bool
}

// bridgeReadiness checks the conditions Bridgy Fed applies to fediverse
// accounts: an age of at least 7 days and no #nobridge in the name or bio.
// Its other condition, a profile picture, always holds, since every actor
// carries at least the default avatar; keeping that one is only a tip.
func bridgeReadiness(a store.Account, now time.Time) bridgeView {
	var v bridgeView
	if a.AvatarFile == "" {
		v.Tips = append(v.Tips, "You still have the default profile picture, which Bluesky will show too.")
	}
	if ready := a.CreatedAt.Add(bridgeMinAge); now.Before(ready) {
		v.Problems = append(v.Problems, "Bridgy Fed only bridges accounts at least 7 days old; this one qualifies on "+
			ready.Format("2 January 2006")+".")
	}
	if strings.Contains(strings.ToLower(a.NoteSource+" "+a.Note+" "+a.DisplayName), "#nobridge") {
		v.Problems = append(v.Problems, "Your name or bio contains #nobridge, so Bridgy Fed will not bridge this account.")
	}
	v.Ready = len(v.Problems) == 0
	return v
}
