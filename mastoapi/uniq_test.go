package mastoapi

import (
	"slices"
	"testing"
)

func TestUniqKeepsFirstSeenOrder(t *testing.T) {
	many := make([]int64, 0, 200)
	for i := int64(100); i > 0; i-- {
		many = append(many, i, i%7, 0)
	}
	var wantMany []int64
	for i := int64(100); i > 0; i-- {
		if !slices.Contains(wantMany, i) {
			wantMany = append(wantMany, i)
		}
		if i%7 != 0 && !slices.Contains(wantMany, i%7) {
			wantMany = append(wantMany, i%7)
		}
	}
	for _, tc := range []struct{ in, want []int64 }{
		{nil, nil},
		{[]int64{0, 0}, nil},
		{[]int64{3, 1, 3, 2, 1}, []int64{3, 1, 2}},
		{many, wantMany}, // past the point where a map takes over
	} {
		if got := uniq(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("uniq(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
