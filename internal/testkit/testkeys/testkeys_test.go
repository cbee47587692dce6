package testkeys

import (
	"testing"

	"github.com/pictor-social/pictor/activitypub"
)

// Keys come out distinct and usable, and GenerateKey keeps working once the
// pool is empty.
func TestPoolHandsOutDistinctKeysThenGenerates(t *testing.T) {
	activitypub.UseKeySource(Next)
	seen := map[string]bool{}
	for i := 0; i < 300; i++ {
		k, err := activitypub.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		if k.N.BitLen() != activitypub.KeyBits {
			t.Fatalf("key %d has %d bits", i, k.N.BitLen())
		}
		if err := k.Validate(); err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
		if n := k.N.String(); seen[n] {
			t.Fatalf("key %d handed out twice", i)
		} else {
			seen[n] = true
		}
	}
}
