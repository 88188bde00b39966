package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/identity"
)

// This file implements the parts of identity.Store for sign-in through
// external providers and with passkeys.

// ExternalAccount implements identity.Store.
func (s *Store) ExternalAccount(ctx context.Context, provider, subject string) (string, error) {
	var id string
	err := s.readPlatform(ctx, "identity.external_account", func(q queryer) error {
		err := q.QueryRowContext(ctx, `SELECT account_id FROM external_identities WHERE provider = $1 AND subject = $2`,
			provider, subject).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return identity.ErrExternalNotLinked
		}
		return err
	})
	return id, err
}

// LinkExternal implements identity.Store.
func (s *Store) LinkExternal(ctx context.Context, provider, subject, accountID, email string, at time.Time) error {
	return s.inPlatform(ctx, "identity.link_external", func(t *tx) error {
		_, err := t.ExecContext(ctx, `INSERT INTO external_identities (provider, subject, account_id, email, created_at, last_used_at)
			VALUES ($1, $2, $3, $4, $5, $5)`, provider, subject, accountID, email, ms(at))
		if isUniqueViolation(err) {
			return identity.ErrExternalConflict
		}
		if err != nil {
			return fmt.Errorf("sqlstore: link external identity: %w", err)
		}
		t.ctx = activity.WithActor(ctx, accountID)
		return t.record("account", accountID, "linked_"+provider, 0, nil)
	})
}

// TouchExternal implements identity.Store.
func (s *Store) TouchExternal(ctx context.Context, provider, subject, email string, at time.Time) error {
	return s.inPlatform(ctx, "identity.touch_external", func(t *tx) error {
		_, err := t.ExecContext(ctx, `UPDATE external_identities SET email = $1, last_used_at = $2 WHERE provider = $3 AND subject = $4`,
			email, ms(at), provider, subject)
		return err
	})
}

const passkeyColumns = `id, account_id, name, created_at, last_used_at, credential_id, credential`

func scanPasskey(row interface{ Scan(...any) error }) (identity.Passkey, error) {
	var p identity.Passkey
	var created int64
	var used sql.NullInt64
	var cred string
	err := row.Scan(&p.ID, &p.AccountID, &p.Name, &created, &used, &p.CredentialID, &cred)
	if errors.Is(err, sql.ErrNoRows) {
		return p, identity.ErrPasskeyNotFound
	}
	if err != nil {
		return p, fmt.Errorf("sqlstore: scan passkey: %w", err)
	}
	p.CreatedAt, p.LastUsedAt, p.Credential = fromMS(created), nullMS(used), []byte(cred)
	return p, nil
}

// CreatePasskey implements identity.Store.
func (s *Store) CreatePasskey(ctx context.Context, p identity.Passkey, max int) (identity.Passkey, error) {
	err := s.inPlatform(ctx, "identity.create_passkey", func(t *tx) error {
		var n int
		if err := t.QueryRowContext(ctx, `SELECT count(*) FROM passkeys WHERE account_id = $1`, p.AccountID).Scan(&n); err != nil {
			return fmt.Errorf("sqlstore: count passkeys: %w", err)
		}
		if n >= max {
			return identity.ErrPasskeyLimit
		}
		p.ID = newID()
		_, err := t.ExecContext(ctx, `INSERT INTO passkeys (id, account_id, name, created_at, credential_id, credential)
			VALUES ($1, $2, $3, $4, $5, $6)`, p.ID, p.AccountID, p.Name, ms(p.CreatedAt), p.CredentialID, string(p.Credential))
		if isUniqueViolation(err) {
			return identity.ErrPasskeyExists
		}
		if err != nil {
			return fmt.Errorf("sqlstore: create passkey: %w", err)
		}
		t.ctx = activity.WithActor(ctx, p.AccountID)
		return t.record("passkey", p.ID, "created", 1, activity.Diff(nil, p))
	})
	return p, err
}

// Passkeys implements identity.Store.
func (s *Store) Passkeys(ctx context.Context, accountID string) ([]identity.Passkey, error) {
	var out []identity.Passkey
	err := s.readPlatform(ctx, "identity.passkeys", func(q queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT `+passkeyColumns+` FROM passkeys WHERE account_id = $1 ORDER BY created_at, id`, accountID)
		if err != nil {
			return fmt.Errorf("sqlstore: passkeys: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanPasskey(rows)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, err
}

// PasskeyByCredentialID implements identity.Store.
func (s *Store) PasskeyByCredentialID(ctx context.Context, credentialID string) (identity.Passkey, error) {
	var p identity.Passkey
	err := s.readPlatform(ctx, "identity.passkey", func(q queryer) (err error) {
		p, err = scanPasskey(q.QueryRowContext(ctx, `SELECT `+passkeyColumns+` FROM passkeys WHERE credential_id = $1`, credentialID))
		return err
	})
	return p, err
}

// UpdatePasskeyUse implements identity.Store.
func (s *Store) UpdatePasskeyUse(ctx context.Context, id string, credential []byte, at time.Time) error {
	return s.inPlatform(ctx, "identity.use_passkey", func(t *tx) error {
		res, err := t.ExecContext(ctx, `UPDATE passkeys SET credential = $1, last_used_at = $2 WHERE id = $3`, string(credential), ms(at), id)
		if err != nil {
			return fmt.Errorf("sqlstore: update passkey: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return identity.ErrPasskeyNotFound
		}
		return nil
	})
}

// DeletePasskey implements identity.Store.
func (s *Store) DeletePasskey(ctx context.Context, accountID, id string) error {
	return s.inPlatform(ctx, "identity.delete_passkey", func(t *tx) error {
		before, err := scanPasskey(t.QueryRowContext(ctx, `SELECT `+passkeyColumns+` FROM passkeys WHERE id = $1 AND account_id = $2`, id, accountID))
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `DELETE FROM passkeys WHERE id = $1 AND account_id = $2`, id, accountID); err != nil {
			return fmt.Errorf("sqlstore: delete passkey: %w", err)
		}
		return t.record("passkey", id, "deleted", 1, activity.Diff(before, nil))
	})
}

// SaveCeremony implements identity.Store.
func (s *Store) SaveCeremony(ctx context.Context, c identity.PasskeyCeremony) error {
	return s.inPlatform(ctx, "identity.save_ceremony", func(t *tx) error {
		_, err := t.ExecContext(ctx, `INSERT INTO passkey_ceremonies (id_hash, account_id, session, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5)`, c.IDHash, c.AccountID, string(c.Session), ms(c.CreatedAt), ms(c.ExpiresAt))
		if err != nil {
			return fmt.Errorf("sqlstore: save ceremony: %w", err)
		}
		return nil
	})
}

// TakeCeremony implements identity.Store.
func (s *Store) TakeCeremony(ctx context.Context, idHash string, now time.Time) (identity.PasskeyCeremony, error) {
	var c identity.PasskeyCeremony
	err := s.inPlatform(ctx, "identity.take_ceremony", func(t *tx) error {
		var session string
		var created, expires int64
		err := t.QueryRowContext(ctx, `DELETE FROM passkey_ceremonies WHERE id_hash = $1
			RETURNING id_hash, account_id, session, created_at, expires_at`, idHash).
			Scan(&c.IDHash, &c.AccountID, &session, &created, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return identity.ErrCeremonyNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlstore: take ceremony: %w", err)
		}
		c.Session, c.CreatedAt, c.ExpiresAt = []byte(session), fromMS(created), fromMS(expires)
		if !now.Before(c.ExpiresAt) {
			return identity.ErrCeremonyNotFound
		}
		return nil
	})
	return c, err
}
