// Package mail sends Pama's email. Two senders share one method,
// Send(ctx, to, subject, body): SMTP for real installs, and Outbox for the
// embedded default, which writes each message to the log and to a file under
// outbox/ so a newcomer can read their sign-in code in the terminal.
package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Outbox writes messages to files in a directory and to the log.
type Outbox struct {
	dir  string
	from string
	log  *slog.Logger
}

// NewOutbox returns an Outbox that writes into dir, creating it if needed.
func NewOutbox(dir, from string, log *slog.Logger) (*Outbox, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("mail: create outbox: %w", err)
	}
	return &Outbox{dir: dir, from: from, log: log}, nil
}

// Send writes the message as an .eml file and logs it, body included.
func (o *Outbox) Send(ctx context.Context, to, subject, body string) error {
	if err := checkHeader(to, subject); err != nil {
		return err
	}
	now := time.Now().UTC()
	var b [4]byte
	rand.Read(b[:])
	name := now.Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(b[:]) + ".eml"
	msg := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s",
		o.from, to, subject, now.Format(time.RFC1123Z), strings.ReplaceAll(body, "\n", "\r\n"))
	path := filepath.Join(o.dir, name)
	if err := os.WriteFile(path+".tmp", []byte(msg), 0o640); err != nil {
		return fmt.Errorf("mail: write outbox: %w", err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return fmt.Errorf("mail: write outbox: %w", err)
	}
	o.log.InfoContext(ctx, "mail written to outbox (no SMTP server configured)",
		"to", to, "subject", subject, "file", path, "body", body)
	return nil
}

// SMTPConfig says how to reach an SMTP server.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
	TLS      string // "starttls" (required), "tls" (implicit) or "none"
	Timeout  time.Duration
}

// SMTP sends mail through an SMTP server, one connection per message.
type SMTP struct {
	cfg SMTPConfig
	log *slog.Logger
}

// NewSMTP returns an SMTP sender. It does not connect until Send.
func NewSMTP(cfg SMTPConfig, log *slog.Logger) *SMTP {
	if cfg.Timeout == 0 {
		cfg.Timeout = 15 * time.Second
	}
	return &SMTP{cfg: cfg, log: log}
}

// Send delivers one plain-text message.
func (s *SMTP) Send(ctx context.Context, to, subject, body string) error {
	if err := checkHeader(to, subject); err != nil {
		return err
	}
	m := gomail.NewMsg()
	if err := m.From(s.cfg.From); err != nil {
		return fmt.Errorf("mail: sender %q: %w", s.cfg.From, err)
	}
	if err := m.To(to); err != nil {
		return fmt.Errorf("mail: recipient %q: %w", to, err)
	}
	m.Subject(subject)
	m.SetDate()
	m.SetMessageID()
	m.SetBodyString(gomail.TypeTextPlain, body)

	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(s.cfg.Timeout)}
	switch s.cfg.TLS {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("mail: smtp client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("mail: send to %s via %s:%d: %w", to, s.cfg.Host, s.cfg.Port, err)
	}
	s.log.InfoContext(ctx, "mail sent", "to", to, "subject", subject)
	return nil
}

// checkHeader refuses header injection through the recipient or subject.
func checkHeader(to, subject string) error {
	if strings.ContainsAny(to, "\r\n") || strings.ContainsAny(subject, "\r\n") {
		return fmt.Errorf("mail: line break in a header")
	}
	return nil
}
