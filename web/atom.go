package web

import (
	"encoding/xml"
	"html"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/store"
)

// atomEntries is how many posts a feed carries.
const atomEntries = 20

type atomFeed struct {
	XMLName  xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID       string      `xml:"id"`
	Title    string      `xml:"title"`
	Subtitle string      `xml:"subtitle,omitempty"`
	Updated  string      `xml:"updated"`
	Icon     string      `xml:"icon,omitempty"`
	Author   atomAuthor  `xml:"author"`
	Links    []atomLink  `xml:"link"`
	Entries  []atomEntry `xml:"entry"`
}

type atomAuthor struct {
	Name string `xml:"name"`
	URI  string `xml:"uri"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Published string      `xml:"published"`
	Updated   string      `xml:"updated"`
	Links     []atomLink  `xml:"link"`
	Summary   string      `xml:"summary,omitempty"`
	Content   atomContent `xml:"content"`
}

type atomContent struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// atom serves /@{name}.atom (and /users/{name}.atom): the account's newest
// public posts, images included, for feed readers.
func (h *Handler) atom(w http.ResponseWriter, r *http.Request, v *visitor) error {
	a, err := h.publicAccount(r.Context(), mux.Vars(r)["name"])
	if err != nil {
		return err
	}
	list, err := h.db.ProfileStatuses(r.Context(), a.ID, false, store.Page{Limit: atomEntries})
	if err != nil {
		return err
	}
	views, err := h.statusViews(r.Context(), list)
	if err != nil {
		return err
	}
	av := h.accountView(a)
	feed := atomFeed{ID: av.URL + ".atom", Title: av.DisplayName + " (" + av.Handle + ")", Subtitle: plainText(a.Note, 300),
		Updated: a.CreatedAt.UTC().Format(time.RFC3339), Icon: h.absURL(av.Avatar),
		Author: atomAuthor{Name: av.DisplayName, URI: av.URL},
		Links: []atomLink{{Rel: "alternate", Type: "text/html", Href: av.URL},
			{Rel: "self", Type: "application/atom+xml", Href: av.URL + ".atom"}}}
	for i, s := range views {
		if i == 0 {
			feed.Updated = s.CreatedAt.UTC().Format(time.RFC3339)
		}
		feed.Entries = append(feed.Entries, h.atomEntry(s))
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	if r.Method == http.MethodHead {
		return nil
	}
	w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	return enc.Encode(feed)
}

func (h *Handler) atomEntry(s statusView) atomEntry {
	title := s.Text
	if s.Prompt != "" {
		title = s.Prompt
	}
	if s.SpoilerText != "" {
		title = "CW: " + s.SpoilerText
	}
	if title == "" {
		title = "Post by " + s.Author.DisplayName
	}
	var b strings.Builder
	if s.SpoilerText != "" {
		b.WriteString("<p><strong>Content warning: " + html.EscapeString(s.SpoilerText) + "</strong></p>")
	}
	b.WriteString(string(s.Content))
	for _, m := range s.Media {
		b.WriteString(`<p><img src="` + html.EscapeString(h.absURL(m.URL)) + `" alt="` + html.EscapeString(m.Alt) + `"></p>`)
		if m.Prompt != "" {
			b.WriteString("<p>Prompt: " + html.EscapeString(m.Prompt) + " (" + html.EscapeString(m.Model) + ")</p>")
		}
	}
	ts := s.CreatedAt.UTC().Format(time.RFC3339)
	return atomEntry{ID: s.URI, Title: plainText(title, 120), Published: ts, Updated: ts,
		Links:   []atomLink{{Rel: "alternate", Type: "text/html", Href: s.URL}},
		Content: atomContent{Type: "html", Body: b.String()}}
}
