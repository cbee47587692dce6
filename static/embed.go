// Package static embeds Pictor's templates, style sheets, scripts and images
// into the binary.
package static

import "embed"

// FS holds templates/, css/, js/ and img/.
//
//go:embed img css js templates
var FS embed.FS
