package route

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/crypto/acme/autocert"

	"github.com/pamateam/pama/internal/errkind"
)

// ErrCertNotFound is a CertStore's answer for a name it does not hold.
var ErrCertNotFound = fmt.Errorf("route: certificate %w", errkind.NotFound)

// CertStore keeps TLS certificates and the ACME account key by name, shared
// by every node; sqlstore.Store implements it.
type CertStore interface {
	Cert(ctx context.Context, name string) ([]byte, error) // ErrCertNotFound
	PutCert(ctx context.Context, name string, data []byte) error
	DeleteCert(ctx context.Context, name string) error
}

// CertCache adapts a CertStore to autocert.Cache, so certificates live in
// the platform database and every node serves the same ones.
func CertCache(s CertStore) autocert.Cache { return certCache{s} }

type certCache struct{ s CertStore }

func (c certCache) Get(ctx context.Context, name string) ([]byte, error) {
	b, err := c.s.Cert(ctx, name)
	if errors.Is(err, ErrCertNotFound) {
		return nil, autocert.ErrCacheMiss
	}
	return b, err
}

func (c certCache) Put(ctx context.Context, name string, data []byte) error {
	return c.s.PutCert(ctx, name, data)
}

func (c certCache) Delete(ctx context.Context, name string) error { return c.s.DeleteCert(ctx, name) }
