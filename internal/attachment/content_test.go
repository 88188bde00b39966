package attachment_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/pamateam/pama/internal/attachment"
)

func TestSniffAndServe(t *testing.T) {
	tests := []struct {
		name        string
		head        string
		sniffed     string
		inline      bool
		served      string
		disposition string // prefix
	}{
		{"png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png", true, "image/png", "inline"},
		{"jpeg", "\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg", true, "image/jpeg", "inline"},
		{"gif", "GIF89a\x01\x00\x01\x00", "image/gif", true, "image/gif", "inline"},
		{"webp", "RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp", true, "image/webp", "inline"},
		{"html", "<!DOCTYPE html><script>alert(1)</script>", "text/html; charset=utf-8", false, "application/octet-stream", "attachment"},
		{"html after spaces", "  \n<html><body>", "text/html; charset=utf-8", false, "application/octet-stream", "attachment"},
		{"svg with prolog", `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`,
			"text/xml; charset=utf-8", false, "application/octet-stream", "attachment"},
		{"svg bare", `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`, "text/plain; charset=utf-8", false, "text/plain; charset=utf-8", "attachment"},
		{"pdf", "%PDF-1.7\n", "application/pdf", false, "application/pdf", "attachment"},
		{"zip", "PK\x03\x04\x14\x00", "application/zip", false, "application/zip", "attachment"},
		{"text", "just some notes\n", "text/plain; charset=utf-8", false, "text/plain; charset=utf-8", "attachment"},
		{"binary", "\x00\x01\x02\x03", "application/octet-stream", false, "application/octet-stream", "attachment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := attachment.Sniff([]byte(tt.head))
			if got != tt.sniffed {
				t.Fatalf("Sniff = %q, want %q", got, tt.sniffed)
			}
			if attachment.Inline(got) != tt.inline {
				t.Errorf("Inline(%q) = %v", got, !tt.inline)
			}
			if s := attachment.ServedType(got); s != tt.served {
				t.Errorf("ServedType(%q) = %q, want %q", got, s, tt.served)
			}
			if d := attachment.Disposition("f.bin", got); !strings.HasPrefix(d, tt.disposition+";") {
				t.Errorf("Disposition = %q, want %s", d, tt.disposition)
			}
		})
	}
	// Types a client might claim, were they ever trusted, are still never inline.
	for _, ct := range []string{"image/svg+xml", "text/html", "application/xhtml+xml", "text/javascript", "IMAGE/SVG+XML; charset=x", ""} {
		if attachment.Inline(ct) || attachment.ServedType(ct) != "application/octet-stream" {
			t.Errorf("%q: inline %v, served as %q", ct, attachment.Inline(ct), attachment.ServedType(ct))
		}
	}
}

func TestCleanName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\ana\Desktop\plan.docx`, "plan.docx"},
		{"dir/", "file"},
		{"", "file"},
		{"...", "file"},
		{" .hidden ", "hidden"},
		{"a\x00b\nc\td.txt", "abcd.txt"},
		{"invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"zero\u200bwidth.png", "zerowidth.png"},
		{`what?"*:<>|.txt`, "what_______.txt"},
		{"many    spaces   here.md", "many spaces here.md"},
		{"CON", "_CON"},
		{"nul.txt", "_nul.txt"},
		{"com1.tar.gz", "_com1.tar.gz"},
		{"console.log", "console.log"},
		{"отчёт 2026.xlsx", "отчёт 2026.xlsx"},
		{"bad\xffutf8.txt", "bad_utf8.txt"},
		{strings.Repeat("a", 300) + ".jpeg", strings.Repeat("a", attachment.MaxName-5) + ".jpeg"},
		{strings.Repeat("ж", 150) + ".txt", strings.Repeat("ж", (attachment.MaxName-4)/2) + ".txt"},
	}
	for _, tt := range tests {
		if got := attachment.CleanName(tt.in); got != tt.want {
			t.Errorf("CleanName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzCleanName checks the promises of CleanName on any input.
func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"a.txt", "../x", "\u202e", "CON.txt", strings.Repeat("é", 200), " . ", "a\\b/c", "x\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := attachment.CleanName(in)
		switch {
		case got == "":
			t.Fatal("empty name")
		case !utf8.ValidString(got):
			t.Fatalf("%q: not UTF-8", got)
		case len(got) > attachment.MaxName+1: // +1: a reserved name's "_"
			t.Fatalf("%q: %d bytes", got, len(got))
		case strings.ContainsAny(got, "/\\\"*:<>?|"):
			t.Fatalf("%q: reserved character", got)
		case strings.HasPrefix(got, " ") || strings.HasSuffix(got, " ") || strings.HasSuffix(got, ".") ||
			(strings.HasPrefix(got, ".")):
			t.Fatalf("%q: leading or trailing space or dot", got)
		case strings.Contains(got, "  "):
			t.Fatalf("%q: run of spaces", got)
		}
		for _, c := range got {
			if unicode.IsControl(c) || unicode.Is(unicode.Cf, c) {
				t.Fatalf("%q: control or format character %U", got, c)
			}
		}
		if again := attachment.CleanName(got); again != got {
			t.Fatalf("not stable: %q -> %q -> %q", in, got, again)
		}
		if attachment.Disposition(got, "text/plain") == "" {
			t.Fatalf("%q: no disposition", got)
		}
	})
}

// FuzzSniff checks that whatever the bytes, a type that could run in a
// browser is never served inline nor with its own type.
func FuzzSniff(f *testing.F) {
	for _, s := range []string{"<html>", "\x89PNG\r\n\x1a\n", "<svg onload=x>", "<?xml?><svg/>", "GIF89a<script>", "%PDF", "\xef\xbb\xbf<html>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		ct := attachment.Sniff(head)
		served := attachment.ServedType(ct)
		if attachment.Inline(ct) && !strings.HasPrefix(ct, "image/") {
			t.Fatalf("%q inline", ct)
		}
		for _, bad := range []string{"html", "xml", "svg", "script"} {
			if strings.Contains(served, bad) {
				t.Fatalf("%q served as %q", ct, served)
			}
		}
	})
}
