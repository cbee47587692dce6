package web_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"testing"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// reportedPost has bob post an image and carol report it; it returns the
// status and the report.
func reportedPost(t *testing.T, srv *servertest.Server, bob, carol store.Account) (store.Status, store.Report) {
	t.Helper()
	ctx := context.Background()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 32, 24))); err != nil {
		t.Fatal(err)
	}
	m, err := srv.Social.UploadMedia(ctx, bob.ID, &buf, social.MediaInput{Description: "a square"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := srv.Social.CreateStatus(ctx, bob.ID, social.Draft{Text: "offending post", MediaIDs: []int64{m.ID}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := srv.Social.CreateReport(ctx, carol.ID, social.ReportDraft{TargetID: bob.ID, StatusIDs: []int64{st.ID},
		Comment: "this is <b>nasty</b>", Category: store.ReportLegal})
	if err != nil {
		t.Fatal(err)
	}
	return st, rep
}

func TestAdminReports(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	createAdmin(t, srv, "alice")
	bob := srv.CreateUser(t, "bob", "")
	carol := srv.CreateUser(t, "carol", "")
	st, rep := reportedPost(t, srv, bob, carol)
	ctx := context.Background()
	action := func(name string) string { return "/admin/reports/" + store.FormatID(rep.ID) + "/" + name }
	report := func() store.Report {
		t.Helper()
		r, err := srv.DB.ReportByID(ctx, rep.ID)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	ab := newBrowser(t, srv)
	ab.signIn("alice")
	p := ab.get("/admin")
	mustContain(t, p, `id="reports"`, "Open reports", "@bob@", "by @carol@", "this is &lt;b&gt;nasty&lt;/b&gt;", "legal",
		"offending post", `<img src="/media/`, `alt="a square"`, action("delete_statuses"), action("suspend"))

	bb := newBrowser(t, srv)
	bb.signIn("bob")
	if res := bb.post(action("resolve"), url.Values{"csrf_token": {csrf(t, bb.get("/compose"))}}); res.Status != http.StatusNotFound {
		t.Fatalf("non-admin resolves: %d", res.Status)
	}
	if res := ab.post(action("resolve"), url.Values{"csrf_token": {"forged"}}); res.Status != http.StatusForbidden {
		t.Fatalf("forged CSRF: %d", res.Status)
	}
	if !report().Open() {
		t.Fatal("report closed without a valid request")
	}
	token := url.Values{"csrf_token": {csrf(t, p)}}
	if res := ab.post("/admin/reports/12345/resolve", token); res.Status != http.StatusNotFound {
		t.Fatalf("unknown report: %d", res.Status)
	}
	if res := ab.post(action("frobnicate"), token); res.Status != http.StatusNotFound {
		t.Fatalf("unknown action: %d", res.Status)
	}

	res := ab.post(action("delete_statuses"), token)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("delete statuses: %d\n%.1500s", res.Status, res.Body)
	}
	if got, _ := srv.DB.StatusByID(ctx, st.ID); got.DeletedAt.IsZero() {
		t.Fatal("reported status not deleted")
	}
	if report().Open() || report().ActionTakenBy == 0 {
		t.Fatalf("report not resolved: %+v", report())
	}
	p = ab.get(res.Location)
	mustContain(t, p, "The reported posts were deleted", "No open reports", "Recently closed reports", "deleted", action("reopen"))

	if res := ab.post(action("reopen"), token); res.Status != http.StatusSeeOther || !report().Open() {
		t.Fatalf("reopen: %d, %+v", res.Status, report())
	}
	if res := ab.post(action("suspend"), token); res.Status != http.StatusSeeOther || report().Open() {
		t.Fatalf("suspend: %d, %+v", res.Status, report())
	}
	if a, _ := srv.DB.AccountByID(ctx, bob.ID); a.SuspendedAt.IsZero() {
		t.Fatal("reported account not suspended")
	}
	if res := ab.post(action("reopen"), token); res.Status != http.StatusSeeOther {
		t.Fatalf("reopen: %d", res.Status)
	}
	if res := ab.post(action("resolve"), token); res.Status != http.StatusSeeOther || report().Open() {
		t.Fatalf("resolve: %d, %+v", res.Status, report())
	}
}
