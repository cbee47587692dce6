package auth

import (
	"slices"
	"testing"
)

func TestParseScopes(t *testing.T) {
	cases := []struct {
		in      string
		want    Scopes
		wantErr bool
	}{
		{"", Scopes{}, false},
		{"read", Scopes{ScopeRead}, false},
		{"read write follow push", Scopes{ScopeRead, ScopeWrite, ScopeFollow, ScopePush}, false},
		{"read+write+follow", Scopes{ScopeRead, ScopeWrite, ScopeFollow}, false},
		{" read\twrite\n read ", Scopes{ScopeRead, ScopeWrite}, false},
		{"profile", Scopes{ScopeProfile}, false},
		{"admin:read admin:write:accounts", Scopes{ScopeAdminRead, "admin:write:accounts"}, false},
		{"read:statuses write:media", Scopes{ScopeReadStatuses, ScopeWriteMedia}, false},
		{"read:some_future_thing", Scopes{"read:some_future_thing"}, false},
		{"superpowers", nil, true},
		{"read:", nil, true},
		{"read:Statuses", nil, true},
		{"admin", nil, true},
		{"follow:x", nil, true},
		{"read,write", nil, true},
	}
	for _, tc := range cases {
		got, err := Parse(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("Parse(%q) err = %v, wantErr %v", tc.in, err, tc.wantErr)
			continue
		}
		if !tc.wantErr && !slices.Equal(got, tc.want) {
			t.Errorf("Parse(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestParseScopesBounded(t *testing.T) {
	long := ""
	for i := 0; i < maxScopes+1; i++ {
		long += "read "
	}
	if _, err := Parse(long); err == nil {
		t.Fatal("accepted more than maxScopes scopes")
	}
}

func TestScopesHas(t *testing.T) {
	cases := []struct {
		granted string
		need    Scope
		want    bool
	}{
		{"read", ScopeReadStatuses, true},
		{"read", ScopeReadSearch, true},
		{"read", ScopeWriteStatuses, false},
		{"write", ScopeWriteStatuses, true},
		{"write", ScopeWriteMedia, true},
		{"write", ScopeReadStatuses, false},
		{"read:statuses", ScopeReadStatuses, true},
		{"read:statuses", ScopeReadAccounts, false},
		{"read:statuses", ScopeRead, false},
		{"write:statuses", ScopeWriteMedia, false},
		{"follow", ScopeReadFollows, true},
		{"follow", ScopeWriteFollows, true},
		{"follow", ScopeReadBlocks, true},
		{"follow", ScopeWriteBlocks, true},
		{"follow", ScopeReadMutes, true},
		{"follow", ScopeWriteMutes, true},
		{"follow", ScopeWriteStatuses, false},
		{"follow", ScopeReadLists, false},
		{"profile", ScopeProfile, true},
		{"profile", ScopeReadAccounts, false},
		{"profile", ScopeRead, false},
		{"read", ScopeProfile, true},
		{"read:accounts", ScopeProfile, true},
		{"write", ScopeProfile, false},
		{"push", ScopePush, true},
		{"read write follow", ScopePush, false},
		{"admin:read", "admin:read:accounts", true},
		{"admin:read", "admin:write:accounts", false},
		{"read", "admin:read:accounts", false},
		{"", ScopeRead, false},
	}
	for _, tc := range cases {
		s, err := Parse(tc.granted)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Has(tc.need); got != tc.want {
			t.Errorf("%q.Has(%s) = %v, want %v", tc.granted, tc.need, got, tc.want)
		}
	}
}

func TestScopesCovers(t *testing.T) {
	app := Scopes{ScopeRead, ScopeWrite, ScopeFollow}
	if !app.Covers(Scopes{ScopeRead, ScopeWriteStatuses, ScopeFollow}) {
		t.Error("read write follow should cover read write:statuses follow")
	}
	if app.Covers(Scopes{ScopeRead, ScopePush}) {
		t.Error("read write follow covers push")
	}
	if (Scopes{ScopeReadStatuses}).Covers(Scopes{ScopeRead}) {
		t.Error("a granular scope covers its broad parent")
	}
	if got := app.String(); got != "read write follow" {
		t.Errorf("String() = %q", got)
	}
}
