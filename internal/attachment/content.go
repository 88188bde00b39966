package attachment

import (
	"mime"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SniffLen is how many bytes of a file Sniff looks at.
const SniffLen = 512

// Sniff returns the content type of a file from its first bytes (up to
// SniffLen), with http.DetectContentType. What the client claims is never
// asked: a file is what its bytes are.
func Sniff(head []byte) string {
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	return http.DetectContentType(head)
}

// mediaType returns the bare, lower-case media type of a content type
// ("text/html; charset=utf-8" -> "text/html").
func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt, _, _ = strings.Cut(ct, ";")
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

// inlineTypes are the only types a browser is let show in the page: raster
// images that cannot carry script. SVG never is (it can), nor is anything
// that is or may be HTML.
var inlineTypes = map[string]bool{
	"image/png":  true,
	"image/jpeg": true,
	"image/gif":  true,
	"image/webp": true,
}

// Inline reports whether a file of content type ct may be shown inline.
func Inline(ct string) bool { return inlineTypes[mediaType(ct)] }

// ServedType is the Content-Type a file of (sniffed) type ct is served with:
// the sniffed type, except that anything a browser could run as a document
// (HTML, XML, SVG, script) goes out as application/octet-stream.
func ServedType(ct string) string {
	mt := mediaType(ct)
	switch {
	case mt == "", strings.Contains(mt, "html"), strings.Contains(mt, "xml"), strings.Contains(mt, "svg"),
		strings.Contains(mt, "javascript"), strings.Contains(mt, "ecmascript"):
		return "application/octet-stream"
	}
	return ct
}

// Disposition is the Content-Disposition a file named name of type ct is
// served with: inline for the image types Inline allows, attachment (a
// download) for everything else. Non-ASCII names are encoded as RFC 2231
// requires.
func Disposition(name, ct string) string {
	kind := "attachment"
	if Inline(ct) {
		kind = "inline"
	}
	if v := mime.FormatMediaType(kind, map[string]string{"filename": name}); v != "" {
		return v
	}
	return kind
}

// MaxName is the longest file name kept, in bytes.
const MaxName = 200

// windowsReserved are names Windows will not open as files, whatever the
// extension.
var windowsReserved = map[string]bool{"con": true, "prn": true, "aux": true, "nul": true,
	"com1": true, "com2": true, "com3": true, "com4": true, "com5": true, "com6": true, "com7": true, "com8": true, "com9": true,
	"lpt1": true, "lpt2": true, "lpt3": true, "lpt4": true, "lpt5": true, "lpt6": true, "lpt7": true, "lpt8": true, "lpt9": true}

// CleanName turns a client's file name into one safe to store, show and
// offer for download: the last path element only (of / or \ paths); no
// control or invisible formatting characters (which could hide the real
// extension, as a right-to-left override does); no characters file systems
// refuse (" * : < > ? |); runs of spaces as one; no leading or trailing
// spaces or dots; at most MaxName bytes with the extension kept; never a
// reserved Windows device name; "file" when nothing is left. CleanName of a
// clean name is that name.
func CleanName(name string) string {
	name = strings.ToValidUTF8(name, "_")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	space := false
	for _, c := range name {
		switch {
		case unicode.IsControl(c), unicode.Is(unicode.Cf, c), c == utf8.RuneError:
			continue
		case strings.ContainsRune(`"*:<>?|`, c):
			c = '_'
		case unicode.IsSpace(c):
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(c)
	}
	name = strings.Trim(b.String(), " .")
	base, _, _ := strings.Cut(name, ".")
	if windowsReserved[strings.ToLower(strings.TrimSpace(base))] {
		name = "_" + name
	}
	if len(name) > MaxName {
		name = truncateName(name)
	}
	if name == "" {
		return "file"
	}
	return name
}

// truncateName shortens name to MaxName bytes on a character boundary,
// keeping a short extension.
func truncateName(name string) string {
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 16 {
		ext = name[i:]
	}
	stem := name[:len(name)-len(ext)]
	n := MaxName - len(ext)
	for n > 0 && !utf8.RuneStart(stem[n]) {
		n--
	}
	return strings.Trim(stem[:n], " .") + ext
}
