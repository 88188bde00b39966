package mail_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/pamateam/pama/internal/mail"
)

// sink is a real SMTP server that keeps what it receives.
type sink struct {
	mu   sync.Mutex
	msgs []received
}

type received struct {
	from string
	to   []string
	data string
}

func (s *sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{sink: s}, nil }

type session struct {
	sink *sink
	cur  received
}

func (s *session) AuthMechanisms() []string { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.cur.from = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = string(b)
	s.sink.mu.Lock()
	s.sink.msgs = append(s.sink.msgs, s.cur)
	s.sink.mu.Unlock()
	return nil
}
func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

func startSMTP(t *testing.T) (*sink, int) {
	t.Helper()
	k := &sink{}
	srv := smtp.NewServer(k)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return k, ln.Addr().(*net.TCPAddr).Port
}

func TestSMTPDeliversOverARealConversation(t *testing.T) {
	k, port := startSMTP(t)
	s := mail.NewSMTP(mail.SMTPConfig{Host: "127.0.0.1", Port: port, From: "Pama <pama@example.test>", TLS: "none"},
		slog.New(slog.DiscardHandler))
	if err := s.Send(context.Background(), "ana@example.test", "Your Pama code", "Your code is 123456.\nIt expires in 10 minutes."); err != nil {
		t.Fatalf("Send: %v", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.msgs) != 1 {
		t.Fatalf("server received %d messages, want 1", len(k.msgs))
	}
	m := k.msgs[0]
	if m.from != "pama@example.test" || len(m.to) != 1 || m.to[0] != "ana@example.test" {
		t.Errorf("envelope from=%q to=%q", m.from, m.to)
	}
	for _, want := range []string{"Subject: Your Pama code", "Your code is 123456."} {
		if !strings.Contains(m.data, want) {
			t.Errorf("message lacks %q:\n%s", want, m.data)
		}
	}
}

func TestSMTPReportsAServerThatIsNotThere(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := mail.NewSMTP(mail.SMTPConfig{Host: "127.0.0.1", Port: port, From: "pama@example.test", TLS: "none"},
		slog.New(slog.DiscardHandler))
	if err := s.Send(context.Background(), "ana@example.test", "x", "y"); err == nil {
		t.Fatal("Send to a closed port succeeded")
	}
}

func TestStartTLSRequiredIsRefusedByAPlainServer(t *testing.T) {
	_, port := startSMTP(t)
	s := mail.NewSMTP(mail.SMTPConfig{Host: "127.0.0.1", Port: port, From: "pama@example.test", TLS: "starttls"},
		slog.New(slog.DiscardHandler))
	if err := s.Send(context.Background(), "ana@example.test", "x", "y"); err == nil {
		t.Fatal("Send with mandatory STARTTLS to a server without it succeeded")
	}
}

func TestOutboxWritesAFileAndRefusesHeaderInjection(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	o, err := mail.NewOutbox(dir, "pama@localhost", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Send(context.Background(), "li@example.test", "Code", "Your code is 654321."); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("outbox has %d files, want 1", len(files))
	}
	b, _ := os.ReadFile(files[0])
	if !strings.Contains(string(b), "To: li@example.test") || !strings.Contains(string(b), "654321") {
		t.Errorf("outbox file:\n%s", b)
	}
	err = o.Send(context.Background(), "li@example.test\r\nBcc: evil@example.test", "x", "y")
	if err == nil || errors.Is(err, os.ErrNotExist) {
		t.Errorf("header injection err = %v, want refusal", err)
	}
}
