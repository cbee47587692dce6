package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

func TestAdminAnnouncements(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	createAdmin(t, srv, "alice")
	srv.CreateUser(t, "bob", "")
	ctx := context.Background()
	b := newBrowser(t, srv)
	b.signIn("alice")
	p := b.get("/admin")
	mustContain(t, p, `id="announcements"`, "No announcements.")
	token := csrf(t, p)

	if res := b.post("/admin/announcements", url.Values{"text": {"no token"}}); res.Status == http.StatusSeeOther {
		t.Fatalf("form without CSRF token accepted: %d", res.Status)
	}
	bob := newBrowser(t, srv)
	bob.signIn("bob")
	if res := bob.post("/admin/announcements", url.Values{"csrf_token": {csrf(t, bob.get("/compose"))}, "text": {"hi"}}); res.Status != http.StatusNotFound {
		t.Fatalf("non-admin creates: %d", res.Status)
	}
	res := b.post("/admin/announcements", url.Values{"csrf_token": {token}, "text": {"x"},
		"starts_at": {"2030-01-02T10:00"}, "ends_at": {"2030-01-01T10:00"}})
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("ends before start: %d", res.Status)
	}
	mustContain(t, res, "Ends at must be after the start")
	if res := b.post("/admin/announcements", url.Values{"csrf_token": {token}, "text": {"x"}, "ends_at": {"tomorrow"}}); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad time: %d", res.Status)
	}
	if list, _ := srv.DB.Announcements(ctx, 10); len(list) != 0 {
		t.Fatalf("refused forms stored %d announcements", len(list))
	}

	res = b.post("/admin/announcements", url.Values{"csrf_token": {token}, "text": {"Maintenance <b>tonight</b> #ops"},
		"ends_at": {time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04")}})
	if res.Status != http.StatusSeeOther || res.Location != "/admin?notice=announcement_created#announcements" {
		t.Fatalf("create: %d %q\n%.1500s", res.Status, res.Location, res.Body)
	}
	list, err := srv.Social.ActiveAnnouncements(ctx)
	if err != nil || len(list) != 1 || list[0].EndsAt.IsZero() {
		t.Fatalf("active = %+v, %v", list, err)
	}
	id := store.FormatID(list[0].ID)
	p = b.get(res.Location)
	mustContain(t, p, "Announcement published.", "Maintenance &lt;b&gt;tonight&lt;/b&gt;", `<span class="pill">shown</span>`,
		`action="/admin/announcements/`+id+`/unpublish"`)

	if res := b.post("/admin/announcements/"+id+"/unpublish", url.Values{"csrf_token": {token}}); res.Status != http.StatusSeeOther {
		t.Fatalf("unpublish: %d", res.Status)
	}
	if list, _ := srv.Social.ActiveAnnouncements(ctx); len(list) != 0 {
		t.Fatal("unpublished announcement still active")
	}
	mustContain(t, b.get("/admin"), "unpublished", `action="/admin/announcements/`+id+`/publish"`)
	if res := b.post("/admin/announcements/"+id+"/delete", url.Values{}); res.Status == http.StatusSeeOther {
		t.Fatal("delete without CSRF token accepted")
	}
	if res := b.post("/admin/announcements/"+id+"/delete", url.Values{"csrf_token": {token}}); res.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d", res.Status)
	}
	if all, _ := srv.DB.Announcements(ctx, 10); len(all) != 0 {
		t.Fatalf("after delete: %+v", all)
	}
	if res := b.post("/admin/announcements/"+id+"/delete", url.Values{"csrf_token": {token}}); res.Status != http.StatusNotFound {
		t.Fatalf("delete twice: %d", res.Status)
	}
}

func TestAnnouncementBannerDismiss(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	srv.CreateUser(t, "alice", "")
	srv.CreateUser(t, "bob", "")
	a, err := srv.Social.CreateAnnouncement(context.Background(), social.AnnouncementDraft{Text: "Read the new rules"})
	if err != nil {
		t.Fatal(err)
	}
	dismiss := "/announcements/" + store.FormatID(a.ID) + "/dismiss"

	if p := newBrowser(t, srv).get("/"); p.Status != http.StatusOK {
		t.Fatalf("anonymous explore: %d", p.Status)
	} else {
		mustNotContain(t, p, "Read the new rules")
	}
	b := newBrowser(t, srv)
	b.signIn("bob")
	p := b.get("/explore/following")
	mustContain(t, p, "<p>Read the new rules</p>", `action="`+dismiss+`"`, `name="next" value="/explore/following"`)

	if res := b.post(dismiss, url.Values{"next": {"/"}}); res.Status == http.StatusSeeOther {
		t.Fatal("dismiss without CSRF token accepted")
	}
	res := b.post(dismiss, url.Values{"csrf_token": {csrf(t, p)}, "next": {"//evil.example/x"}})
	if res.Status != http.StatusSeeOther || res.Location != "/" {
		t.Fatalf("dismiss: %d %q", res.Status, res.Location)
	}
	mustNotContain(t, b.get("/"), "Read the new rules")

	alice := newBrowser(t, srv)
	alice.signIn("alice")
	p = alice.get("/")
	mustContain(t, p, "Read the new rules")
	res = alice.post(dismiss, url.Values{"csrf_token": {csrf(t, p)}, "next": {"/explore/following"}})
	if res.Status != http.StatusSeeOther || res.Location != "/explore/following" {
		t.Fatalf("alice dismiss: %d %q", res.Status, res.Location)
	}
	if err := srv.Social.SetAnnouncementPublished(context.Background(), a.ID, false); err != nil {
		t.Fatal(err)
	}
	if res := alice.post(dismiss, url.Values{"csrf_token": {csrf(t, p)}}); res.Status != http.StatusNotFound {
		t.Fatalf("dismiss unpublished: %d", res.Status)
	}
}
