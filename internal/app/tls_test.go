package app_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/letsencrypt/pebble/v2/ca"
	"github.com/letsencrypt/pebble/v2/db"
	"github.com/letsencrypt/pebble/v2/va"
	"github.com/letsencrypt/pebble/v2/wfe"
	"golang.org/x/crypto/acme"
	"golang.org/x/net/dns/dnsmessage"

	"github.com/pamateam/pama/internal/app"
	"github.com/pamateam/pama/internal/config"
	"github.com/pamateam/pama/internal/identity"
	"github.com/pamateam/pama/internal/team"
)

// loopbackDNS answers every A question with 127.0.0.1 and every other
// question with no records, over UDP and TCP on one port, so an ACME CA's
// validation of any name reaches this machine. It returns the address.
func loopbackDNS(t *testing.T) string {
	t.Helper()
	var pc net.PacketConn
	var ln net.Listener
	for range 20 {
		var err error
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if ln, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
	}
	if ln == nil {
		t.Fatal("no port free for both UDP and TCP")
	}
	t.Cleanup(func() { pc.Close(); ln.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if msg := dnsAnswer(buf[:n]); msg != nil {
				pc.WriteTo(msg, addr)
			}
		}
	}()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				for {
					var size [2]byte
					if _, err := io.ReadFull(c, size[:]); err != nil {
						return
					}
					q := make([]byte, int(size[0])<<8|int(size[1]))
					if _, err := io.ReadFull(c, q); err != nil {
						return
					}
					msg := dnsAnswer(q)
					if msg == nil {
						return
					}
					c.Write(append([]byte{byte(len(msg) >> 8), byte(len(msg))}, msg...))
				}
			}()
		}
	}()
	return pc.LocalAddr().String()
}

// dnsAnswer answers one DNS query: A records are 127.0.0.1, nothing else exists.
func dnsAnswer(query []byte) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil
	}
	q, err := p.Question()
	if err != nil {
		return nil
	}
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionAvailable: true})
	b.EnableCompression()
	b.StartQuestions()
	b.Question(q)
	b.StartAnswers()
	if q.Type == dnsmessage.TypeA {
		b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60},
			dnsmessage.AResource{A: [4]byte{127, 0, 0, 1}})
	}
	msg, err := b.Finish()
	if err != nil {
		return nil
	}
	return msg
}

// pebbleCA runs the Pebble ACME test CA in this process: its HTTP-01
// validation connects to httpPort of the name's address, which loopbackDNS
// makes this machine. It returns the directory URL, an HTTP client that
// trusts the CA's own HTTPS, and the root that signs issued certificates.
func pebbleCA(t *testing.T, httpPort int) (string, *http.Client, *x509.CertPool) {
	t.Helper()
	t.Setenv("PEBBLE_VA_NOSLEEP", "1")
	t.Setenv("PEBBLE_WFE_NONCEREJECT", "0")
	logger := log.New(io.Discard, "", 0)
	store := db.NewMemoryStore()
	authority := ca.New(logger, store, "", "ecdsa", 0, 1, map[string]ca.Profile{"default": {Description: "default"}})
	// TLS-ALPN-01 validation goes to port 0, where nothing answers, so
	// every certificate is won through HTTP-01 on Pama's plain listener.
	validator := va.New(logger, httpPort, 0, false, loopbackDNS(t), store)
	front := wfe.New(logger, store, validator, authority, []string{"pebble.letsencrypt.org"}, false, false, 0, 0)
	srv := httptest.NewTLSServer(front.Handler())
	t.Cleanup(srv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(authority.GetRootCert(0).Cert)
	return srv.URL + wfe.DirectoryPath, srv.Client(), roots
}

// TestACMECertificatesOnDemand runs Pama with --tls acme against a real
// ACME CA (Pebble): a TLS handshake for a verified custom domain and for a
// space's address gets a certificate issued there and then through HTTP-01
// answered by Pama's plain HTTP listener; unknown names get none; the
// certificate is kept in the platform database; plain HTTP redirects.
func TestACMECertificatesOnDemand(t *testing.T) {
	httpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tlsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	httpPort := httpLn.Addr().(*net.TCPAddr).Port
	tlsPort := strconv.Itoa(tlsLn.Addr().(*net.TCPAddr).Port)
	dir, caClient, roots := pebbleCA(t, httpPort)

	cfg := config.Defaults()
	cfg.Data = t.TempDir()
	cfg.Addr = "127.0.0.1:" + tlsPort
	cfg.BaseURL = "https://pama.test:" + tlsPort
	cfg.BaseDomain = "pama.test"
	cfg.TLS = "acme"
	cfg.HTTPAddr = httpLn.Addr().String()
	cfg.ACMEDirectory = dir
	cfg.ShutdownTimeout = 2 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	a.Certs.Client = &acme.Client{DirectoryURL: dir, HTTPClient: caClient}
	done := make(chan error, 1)
	go func() { done <- a.ServeListeners(ctx, tlsLn, httpLn) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})

	owner, err := a.Store.CreateAccount(ctx, identity.Account{Email: "owner@example.com", DisplayName: "Owner"})
	if err != nil {
		t.Fatal(err)
	}
	created, err := a.Teams.Create(ctx, owner.ID, team.CreateInput{Name: "Secure", Slug: "secure-team"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Routes.AddVerifiedDomain(ctx, created.Team.ID, owner.ID, "board.example.org"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Routes.AddDomain(ctx, created.Team.ID, owner.ID, "pending.example.org"); err != nil {
		t.Fatal(err)
	}

	client := func(name string) *http.Client {
		return &http.Client{
			Timeout:       60 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Transport: &http.Transport{
				TLSClientConfig: &tls.Config{ServerName: name, RootCAs: roots},
				DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
					return (&net.Dialer{}).DialContext(ctx, network, tlsLn.Addr().String())
				},
			},
		}
	}
	for _, tt := range []struct{ host, location string }{
		{"board.example.org", "/secure-team"},
		{"secure-team.pama.test", "/secure-team"},
	} {
		res, err := client(tt.host).Get("https://" + tt.host + ":" + tlsPort + "/")
		if err != nil {
			t.Fatalf("HTTPS to %s: %v", tt.host, err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusFound || res.Header.Get("Location") != tt.location {
			t.Errorf("%s: %d %q", tt.host, res.StatusCode, res.Header.Get("Location"))
		}
		leaf := res.TLS.PeerCertificates[0]
		if err := leaf.VerifyHostname(tt.host); err != nil || leaf.Issuer.String() == leaf.Subject.String() {
			t.Errorf("%s: certificate %v issued by %v: %v", tt.host, leaf.DNSNames, leaf.Issuer, err)
		}
		if _, err := a.Store.Cert(ctx, tt.host); err != nil {
			t.Errorf("%s: certificate not kept in the database: %v", tt.host, err)
		}
	}

	// Names nobody verified get no certificate: the handshake fails.
	for _, host := range []string{"pending.example.org", "nobody.pama.test", "random.example.com"} {
		_, err := client(host).Get("https://" + host + ":" + tlsPort + "/")
		var certErr *tls.CertificateVerificationError
		if err == nil || errors.As(err, &certErr) {
			t.Errorf("%s: want a refused handshake, got %v", host, err)
		}
	}

	// Plain HTTP redirects to HTTPS but answers domain verification.
	req, _ := http.NewRequest("GET", "http://"+httpLn.Addr().String()+"/sign-in?x=1", nil)
	req.Host = "board.example.org"
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if want := "https://board.example.org:" + tlsPort + "/sign-in?x=1"; res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != want {
		t.Errorf("plain HTTP: %d %q, want 301 %q", res.StatusCode, res.Header.Get("Location"), want)
	}
	ds, _ := a.Routes.Domains(ctx, created.Team.ID)
	for _, d := range ds {
		if d.Name != "pending.example.org" {
			continue
		}
		req, _ := http.NewRequest("GET", "http://"+httpLn.Addr().String()+"/.well-known/pama-domain/"+d.Token, nil)
		req.Host = d.Name
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != d.Token {
			t.Errorf("proof over plain HTTP: %d %q", res.StatusCode, body)
		}
	}
}
