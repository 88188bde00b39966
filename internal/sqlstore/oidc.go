package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/identity"
	"github.com/pamateam/pama/internal/oidc"
)

// This file implements oidc.Store and oidc.ExternalStore: Pama ID's
// clients, authorization requests, codes, tokens, signing keys and consents.

const clientColumns = `id, name, redirect_uris, public, secret_hash, scopes, created_by, created_at, updated_at, version`

func scanClient(row interface{ Scan(...any) error }) (oidc.Client, error) {
	var c oidc.Client
	var uris, scopes string
	var created, updated int64
	err := row.Scan(&c.ID, &c.Name, &uris, &c.Public, &c.SecretHash, &scopes, &c.CreatedBy, &created, &updated, &c.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return c, oidc.ErrClientNotFound
	}
	if err != nil {
		return c, fmt.Errorf("sqlstore: scan client: %w", err)
	}
	if err := json.Unmarshal([]byte(uris), &c.RedirectURIs); err != nil {
		return c, fmt.Errorf("sqlstore: client redirect URIs: %w", err)
	}
	c.Scopes = strings.Fields(scopes)
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return c, nil
}

// CreateClient implements oidc.Store.
func (s *Store) CreateClient(ctx context.Context, c oidc.Client) (oidc.Client, error) {
	err := s.inPlatform(ctx, "oidc.create_client", func(t *tx) error {
		c.CreatedAt, c.UpdatedAt, c.Version = t.now, t.now, 1
		uris, err := json.Marshal(c.RedirectURIs)
		if err != nil {
			return err
		}
		_, err = t.ExecContext(ctx, `INSERT INTO oidc_clients (`+clientColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)`,
			c.ID, c.Name, string(uris), c.Public, c.SecretHash, strings.Join(c.Scopes, " "), c.CreatedBy, ms(t.now), ms(t.now))
		if err != nil {
			return fmt.Errorf("sqlstore: create client: %w", err)
		}
		return t.record("oidc_client", c.ID, "created", 1, activity.Diff(nil, c))
	})
	return c, err
}

// Client implements oidc.Store.
func (s *Store) Client(ctx context.Context, id string) (oidc.Client, error) {
	var c oidc.Client
	err := s.readPlatform(ctx, "oidc.client", func(q queryer) (err error) {
		c, err = scanClient(q.QueryRowContext(ctx, `SELECT `+clientColumns+` FROM oidc_clients WHERE id = $1`, id))
		return err
	})
	return c, err
}

// Clients implements oidc.Store.
func (s *Store) Clients(ctx context.Context) ([]oidc.Client, error) {
	var out []oidc.Client
	err := s.readPlatform(ctx, "oidc.clients", func(q queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT `+clientColumns+` FROM oidc_clients ORDER BY created_at, id`)
		if err != nil {
			return fmt.Errorf("sqlstore: clients: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanClient(rows)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// UpdateClient implements oidc.Store.
func (s *Store) UpdateClient(ctx context.Context, id string, version int64, fn func(*oidc.Client) error) (oidc.Client, error) {
	var after oidc.Client
	err := s.inPlatform(ctx, "oidc.update_client", func(t *tx) error {
		before, err := scanClient(t.QueryRowContext(ctx, `SELECT `+clientColumns+` FROM oidc_clients WHERE id = $1`, id))
		if err != nil {
			return err
		}
		if before.Version != version {
			return &errkind.VersionConflict{Entity: "client", Version: before.Version, Current: before}
		}
		after = before
		after.RedirectURIs = append([]string(nil), before.RedirectURIs...)
		after.Scopes = append([]string(nil), before.Scopes...)
		if err := fn(&after); err != nil {
			return err
		}
		after.Version, after.UpdatedAt = before.Version+1, t.now
		uris, err := json.Marshal(after.RedirectURIs)
		if err != nil {
			return err
		}
		res, err := t.ExecContext(ctx, `UPDATE oidc_clients SET name = $1, redirect_uris = $2, scopes = $3, secret_hash = $4,
			updated_at = $5, version = $6 WHERE id = $7 AND version = $8`,
			after.Name, string(uris), strings.Join(after.Scopes, " "), after.SecretHash, ms(t.now), after.Version, id, version)
		if err != nil {
			return fmt.Errorf("sqlstore: update client: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return &errkind.VersionConflict{Entity: "client", Version: before.Version, Current: before}
		}
		changes := activity.Diff(before, after)
		if before.SecretHash != after.SecretHash {
			changes = append(changes, activity.Change{Field: "secret"})
		}
		return t.record("oidc_client", id, "updated", after.Version, changes)
	})
	return after, err
}

// DeleteClient implements oidc.Store.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	return s.inPlatform(ctx, "oidc.delete_client", func(t *tx) error {
		before, err := scanClient(t.QueryRowContext(ctx, `SELECT `+clientColumns+` FROM oidc_clients WHERE id = $1`, id))
		if err != nil {
			return err
		}
		// Child rows go explicitly, so the deletion does not depend on
		// foreign keys being enforced.
		for _, q := range []string{
			`DELETE FROM oidc_access_tokens WHERE client_id = $1`,
			`DELETE FROM oidc_refresh_tokens WHERE client_id = $1`,
			`DELETE FROM oidc_consents WHERE client_id = $1`,
			`DELETE FROM oidc_codes WHERE auth_request_id IN (SELECT id FROM oidc_auth_requests WHERE client_id = $1)`,
			`DELETE FROM oidc_auth_requests WHERE client_id = $1`,
			`DELETE FROM oidc_clients WHERE id = $1`,
		} {
			if _, err := t.ExecContext(ctx, q, id); err != nil {
				return fmt.Errorf("sqlstore: delete client: %w", err)
			}
		}
		return t.record("oidc_client", id, "deleted", before.Version, activity.Diff(before, nil))
	})
}

const authRequestColumns = `id, client_id, redirect_uri, scopes, state, nonce, response_type, response_mode, code_challenge,
	code_challenge_method, prompt, max_age, login_hint, account_id, auth_time, done, created_at, expires_at`

func scanAuthRequest(row interface{ Scan(...any) error }) (oidc.AuthRequest, error) {
	var a oidc.AuthRequest
	var scopes, prompt string
	var maxAge sql.NullInt64
	var authTime, created, expires int64
	err := row.Scan(&a.ID, &a.ClientID, &a.RedirectURI, &scopes, &a.State, &a.Nonce, &a.ResponseType, &a.ResponseMode,
		&a.CodeChallenge, &a.CodeChallengeMethod, &prompt, &maxAge, &a.LoginHint, &a.AccountID, &authTime, &a.Done,
		&created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return a, oidc.ErrAuthRequestNotFound
	}
	if err != nil {
		return a, fmt.Errorf("sqlstore: scan auth request: %w", err)
	}
	a.Scopes, a.Prompt = strings.Fields(scopes), strings.Fields(prompt)
	if maxAge.Valid {
		d := time.Duration(maxAge.Int64) * time.Second
		a.MaxAge = &d
	}
	a.AuthTime, a.CreatedAt, a.ExpiresAt = fromMS(authTime), fromMS(created), fromMS(expires)
	return a, nil
}

// CreateAuthRequest implements oidc.Store.
func (s *Store) CreateAuthRequest(ctx context.Context, a oidc.AuthRequest) error {
	return s.inPlatform(ctx, "oidc.create_auth_request", func(t *tx) error {
		var maxAge any
		if a.MaxAge != nil {
			maxAge = int64(*a.MaxAge / time.Second)
		}
		_, err := t.ExecContext(ctx, `INSERT INTO oidc_auth_requests (`+authRequestColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, '', 0, FALSE, $14, $15)`,
			a.ID, a.ClientID, a.RedirectURI, strings.Join(a.Scopes, " "), a.State, a.Nonce, a.ResponseType, a.ResponseMode,
			a.CodeChallenge, a.CodeChallengeMethod, strings.Join(a.Prompt, " "), maxAge, a.LoginHint, ms(a.CreatedAt), ms(a.ExpiresAt))
		if err != nil {
			return fmt.Errorf("sqlstore: create auth request: %w", err)
		}
		return nil
	})
}

// AuthRequest implements oidc.Store.
func (s *Store) AuthRequest(ctx context.Context, id string) (oidc.AuthRequest, error) {
	var a oidc.AuthRequest
	err := s.readPlatform(ctx, "oidc.auth_request", func(q queryer) (err error) {
		a, err = scanAuthRequest(q.QueryRowContext(ctx, `SELECT `+authRequestColumns+` FROM oidc_auth_requests WHERE id = $1`, id))
		return err
	})
	return a, err
}

// CompleteAuthRequest implements oidc.Store.
func (s *Store) CompleteAuthRequest(ctx context.Context, id, accountID string, authTime, now, expires time.Time) (oidc.AuthRequest, error) {
	var a oidc.AuthRequest
	err := s.inPlatform(ctx, "oidc.complete_auth_request", func(t *tx) error {
		res, err := t.ExecContext(ctx, `UPDATE oidc_auth_requests SET account_id = $1, auth_time = $2, done = TRUE, expires_at = $3
			WHERE id = $4 AND done = FALSE AND expires_at > $5`, accountID, ms(authTime), ms(expires), id, ms(now))
		if err != nil {
			return fmt.Errorf("sqlstore: complete auth request: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return oidc.ErrAuthRequestNotFound
		}
		a, err = scanAuthRequest(t.QueryRowContext(ctx, `SELECT `+authRequestColumns+` FROM oidc_auth_requests WHERE id = $1`, id))
		return err
	})
	return a, err
}

// DeleteAuthRequest implements oidc.Store.
func (s *Store) DeleteAuthRequest(ctx context.Context, id string) error {
	return s.inPlatform(ctx, "oidc.delete_auth_request", func(t *tx) error {
		_, err := t.ExecContext(ctx, `DELETE FROM oidc_auth_requests WHERE id = $1`, id)
		return err
	})
}

// SaveCode implements oidc.Store.
func (s *Store) SaveCode(ctx context.Context, c oidc.Code) error {
	return s.inPlatform(ctx, "oidc.save_code", func(t *tx) error {
		_, err := t.ExecContext(ctx, `INSERT INTO oidc_codes (code_hash, auth_request_id, created_at, expires_at)
			VALUES ($1, $2, $3, $4)`, c.Hash, c.AuthRequestID, ms(c.CreatedAt), ms(c.ExpiresAt))
		if err != nil {
			return fmt.Errorf("sqlstore: save code: %w", err)
		}
		return nil
	})
}

// UseCode implements oidc.Store. A replayed code revokes what its request
// produced and the revocation is committed, even though an error is returned.
func (s *Store) UseCode(ctx context.Context, hash string, now time.Time) (oidc.AuthRequest, error) {
	var a oidc.AuthRequest
	var result error
	err := s.inPlatform(ctx, "oidc.use_code", func(t *tx) error {
		var reqID string
		var expires int64
		var used sql.NullInt64
		err := t.QueryRowContext(ctx, `SELECT auth_request_id, expires_at, used_at FROM oidc_codes WHERE code_hash = $1`, hash).
			Scan(&reqID, &expires, &used)
		if errors.Is(err, sql.ErrNoRows) {
			result = oidc.ErrBadCode
			return nil
		}
		if err != nil {
			return fmt.Errorf("sqlstore: use code: %w", err)
		}
		a.ID = reqID
		if used.Valid {
			result = oidc.ErrCodeReplayed
			return revokeByAuthRequest(ctx, t, reqID, now)
		}
		if now.UnixMilli() >= expires {
			result = oidc.ErrBadCode
			return nil
		}
		res, err := t.ExecContext(ctx, `UPDATE oidc_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL`, ms(now), hash)
		if err != nil {
			return fmt.Errorf("sqlstore: use code: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			result = oidc.ErrCodeReplayed
			return nil
		}
		a, err = scanAuthRequest(t.QueryRowContext(ctx, `SELECT `+authRequestColumns+` FROM oidc_auth_requests WHERE id = $1`, reqID))
		if errors.Is(err, oidc.ErrAuthRequestNotFound) {
			result = oidc.ErrBadCode
			return nil
		}
		return err
	})
	if err != nil {
		return a, err
	}
	return a, result
}

// revokeByAuthRequest revokes every token issued from one authorization request.
func revokeByAuthRequest(ctx context.Context, t *tx, reqID string, now time.Time) error {
	if _, err := t.ExecContext(ctx, `UPDATE oidc_refresh_tokens SET revoked_at = $1
		WHERE revoked_at IS NULL AND chain_id IN (SELECT chain_id FROM oidc_refresh_tokens WHERE auth_request_id = $2)`, ms(now), reqID); err != nil {
		return fmt.Errorf("sqlstore: revoke tokens: %w", err)
	}
	if _, err := t.ExecContext(ctx, `DELETE FROM oidc_access_tokens WHERE auth_request_id = $1`, reqID); err != nil {
		return fmt.Errorf("sqlstore: revoke tokens: %w", err)
	}
	return nil
}

func insertAccessToken(ctx context.Context, t *tx, at oidc.AccessToken) error {
	_, err := t.ExecContext(ctx, `INSERT INTO oidc_access_tokens (id_hash, account_id, client_id, scopes, chain_id,
		auth_request_id, auth_time, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		at.IDHash, at.AccountID, at.ClientID, strings.Join(at.Scopes, " "), at.ChainID, at.AuthRequestID, ms(at.AuthTime),
		ms(at.CreatedAt), ms(at.ExpiresAt))
	if err != nil {
		return fmt.Errorf("sqlstore: store access token: %w", err)
	}
	return nil
}

func insertRefreshToken(ctx context.Context, t *tx, rt oidc.RefreshToken) error {
	_, err := t.ExecContext(ctx, `INSERT INTO oidc_refresh_tokens (id, token_hash, chain_id, account_id, client_id, scopes,
		auth_request_id, auth_time, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		rt.ID, rt.Hash, rt.ChainID, rt.AccountID, rt.ClientID, strings.Join(rt.Scopes, " "), rt.AuthRequestID,
		ms(rt.AuthTime), ms(rt.CreatedAt), ms(rt.ExpiresAt))
	if err != nil {
		return fmt.Errorf("sqlstore: store refresh token: %w", err)
	}
	return nil
}

// IssueTokens implements oidc.Store.
func (s *Store) IssueTokens(ctx context.Context, at oidc.AccessToken, rt *oidc.RefreshToken) error {
	return s.inPlatform(ctx, "oidc.issue_tokens", func(t *tx) error {
		if err := insertAccessToken(ctx, t, at); err != nil {
			return err
		}
		if rt != nil {
			return insertRefreshToken(ctx, t, *rt)
		}
		return nil
	})
}

// RotateRefreshToken implements oidc.Store.
func (s *Store) RotateRefreshToken(ctx context.Context, oldHash string, at oidc.AccessToken, next oidc.RefreshToken, now time.Time) error {
	var result error
	err := s.inPlatform(ctx, "oidc.rotate_refresh_token", func(t *tx) error {
		res, err := t.ExecContext(ctx, `UPDATE oidc_refresh_tokens SET used_at = $1
			WHERE token_hash = $2 AND chain_id = $3 AND used_at IS NULL AND revoked_at IS NULL`, ms(now), oldHash, next.ChainID)
		if err != nil {
			return fmt.Errorf("sqlstore: rotate refresh token: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			result = oidc.ErrRefreshReused
			return revokeChain(ctx, t, next.ChainID, now)
		}
		if err := insertAccessToken(ctx, t, at); err != nil {
			return err
		}
		return insertRefreshToken(ctx, t, next)
	})
	if err != nil {
		return err
	}
	return result
}

func revokeChain(ctx context.Context, t *tx, chainID string, now time.Time) error {
	if _, err := t.ExecContext(ctx, `UPDATE oidc_refresh_tokens SET revoked_at = $1 WHERE chain_id = $2 AND revoked_at IS NULL`,
		ms(now), chainID); err != nil {
		return fmt.Errorf("sqlstore: revoke chain: %w", err)
	}
	if _, err := t.ExecContext(ctx, `DELETE FROM oidc_access_tokens WHERE chain_id = $1`, chainID); err != nil {
		return fmt.Errorf("sqlstore: revoke chain: %w", err)
	}
	return nil
}

// AccessToken implements oidc.Store.
func (s *Store) AccessToken(ctx context.Context, idHash string) (oidc.AccessToken, error) {
	var at oidc.AccessToken
	err := s.readPlatform(ctx, "oidc.access_token", func(q queryer) error {
		var scopes string
		var authTime, created, expires int64
		err := q.QueryRowContext(ctx, `SELECT id_hash, account_id, client_id, scopes, chain_id, auth_request_id, auth_time,
			created_at, expires_at FROM oidc_access_tokens WHERE id_hash = $1`, idHash).
			Scan(&at.IDHash, &at.AccountID, &at.ClientID, &scopes, &at.ChainID, &at.AuthRequestID, &authTime, &created, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return oidc.ErrTokenNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlstore: access token: %w", err)
		}
		at.Scopes = strings.Fields(scopes)
		at.AuthTime, at.CreatedAt, at.ExpiresAt = fromMS(authTime), fromMS(created), fromMS(expires)
		return nil
	})
	return at, err
}

// DeleteAccessToken implements oidc.Store.
func (s *Store) DeleteAccessToken(ctx context.Context, idHash string) error {
	return s.inPlatform(ctx, "oidc.delete_access_token", func(t *tx) error {
		_, err := t.ExecContext(ctx, `DELETE FROM oidc_access_tokens WHERE id_hash = $1`, idHash)
		return err
	})
}

const refreshColumns = `id, token_hash, chain_id, account_id, client_id, scopes, auth_request_id, auth_time, created_at,
	expires_at, used_at, revoked_at`

func scanRefreshToken(row interface{ Scan(...any) error }) (oidc.RefreshToken, error) {
	var rt oidc.RefreshToken
	var scopes string
	var authTime, created, expires int64
	var used, revoked sql.NullInt64
	err := row.Scan(&rt.ID, &rt.Hash, &rt.ChainID, &rt.AccountID, &rt.ClientID, &scopes, &rt.AuthRequestID, &authTime,
		&created, &expires, &used, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return rt, oidc.ErrTokenNotFound
	}
	if err != nil {
		return rt, fmt.Errorf("sqlstore: scan refresh token: %w", err)
	}
	rt.Scopes = strings.Fields(scopes)
	rt.AuthTime, rt.CreatedAt, rt.ExpiresAt = fromMS(authTime), fromMS(created), fromMS(expires)
	rt.UsedAt, rt.RevokedAt = nullMS(used), nullMS(revoked)
	return rt, nil
}

// RefreshToken implements oidc.Store.
func (s *Store) RefreshToken(ctx context.Context, hash string) (oidc.RefreshToken, error) {
	var rt oidc.RefreshToken
	err := s.readPlatform(ctx, "oidc.refresh_token", func(q queryer) (err error) {
		rt, err = scanRefreshToken(q.QueryRowContext(ctx, `SELECT `+refreshColumns+` FROM oidc_refresh_tokens WHERE token_hash = $1`, hash))
		return err
	})
	return rt, err
}

// RefreshTokenByID implements oidc.Store.
func (s *Store) RefreshTokenByID(ctx context.Context, id string) (oidc.RefreshToken, error) {
	var rt oidc.RefreshToken
	err := s.readPlatform(ctx, "oidc.refresh_token", func(q queryer) (err error) {
		rt, err = scanRefreshToken(q.QueryRowContext(ctx, `SELECT `+refreshColumns+` FROM oidc_refresh_tokens WHERE id = $1`, id))
		return err
	})
	return rt, err
}

// RevokeChain implements oidc.Store.
func (s *Store) RevokeChain(ctx context.Context, chainID string, now time.Time) error {
	return s.inPlatform(ctx, "oidc.revoke_chain", func(t *tx) error { return revokeChain(ctx, t, chainID, now) })
}

// RevokeGrants implements oidc.Store.
func (s *Store) RevokeGrants(ctx context.Context, accountID, clientID string, now time.Time) error {
	return s.inPlatform(ctx, "oidc.revoke_grants", func(t *tx) error { return revokeGrants(ctx, t, accountID, clientID, now) })
}

func revokeGrants(ctx context.Context, t *tx, accountID, clientID string, now time.Time) error {
	if _, err := t.ExecContext(ctx, `UPDATE oidc_refresh_tokens SET revoked_at = $1
		WHERE account_id = $2 AND client_id = $3 AND revoked_at IS NULL`, ms(now), accountID, clientID); err != nil {
		return fmt.Errorf("sqlstore: revoke grants: %w", err)
	}
	if _, err := t.ExecContext(ctx, `DELETE FROM oidc_access_tokens WHERE account_id = $1 AND client_id = $2`, accountID, clientID); err != nil {
		return fmt.Errorf("sqlstore: revoke grants: %w", err)
	}
	return nil
}

// SigningKeys implements oidc.Store.
func (s *Store) SigningKeys(ctx context.Context) ([]oidc.StoredKey, error) {
	var out []oidc.StoredKey
	err := s.readPlatform(ctx, "oidc.signing_keys", func(q queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT id, generation, algorithm, public_key, private_key, created_at, active_at, expires_at
			FROM oidc_signing_keys ORDER BY generation`)
		if err != nil {
			return fmt.Errorf("sqlstore: signing keys: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k oidc.StoredKey
			var created, active int64
			var expires sql.NullInt64
			if err := rows.Scan(&k.ID, &k.Generation, &k.Algorithm, &k.PublicKey, &k.PrivateKey, &created, &active, &expires); err != nil {
				return fmt.Errorf("sqlstore: scan signing key: %w", err)
			}
			k.CreatedAt, k.ActiveAt, k.ExpiresAt = fromMS(created), fromMS(active), nullMS(expires)
			out = append(out, k)
		}
		return rows.Err()
	})
	return out, err
}

// AddSigningKey implements oidc.Store.
func (s *Store) AddSigningKey(ctx context.Context, k oidc.StoredKey, retire, now time.Time) error {
	return s.inPlatform(ctx, "oidc.add_signing_key", func(t *tx) error {
		var newest sql.NullInt64
		if err := t.QueryRowContext(ctx, `SELECT max(generation) FROM oidc_signing_keys`).Scan(&newest); err != nil {
			return fmt.Errorf("sqlstore: signing keys: %w", err)
		}
		if newest.Int64+1 != k.Generation {
			return oidc.ErrKeyRace
		}
		if _, err := t.ExecContext(ctx, `UPDATE oidc_signing_keys SET expires_at = $1 WHERE expires_at IS NULL OR expires_at > $1`,
			ms(retire)); err != nil {
			return fmt.Errorf("sqlstore: retire signing keys: %w", err)
		}
		if _, err := t.ExecContext(ctx, `DELETE FROM oidc_signing_keys WHERE expires_at < $1`, ms(now)); err != nil {
			return fmt.Errorf("sqlstore: delete old signing keys: %w", err)
		}
		_, err := t.ExecContext(ctx, `INSERT INTO oidc_signing_keys (id, generation, algorithm, public_key, private_key,
			created_at, active_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			k.ID, k.Generation, k.Algorithm, k.PublicKey, k.PrivateKey, ms(k.CreatedAt), ms(k.ActiveAt))
		if isUniqueViolation(err) {
			return oidc.ErrKeyRace
		}
		if err != nil {
			return fmt.Errorf("sqlstore: add signing key: %w", err)
		}
		return t.record("oidc_signing_key", k.ID, "created", k.Generation, nil)
	})
}

// Consent implements oidc.Store.
func (s *Store) Consent(ctx context.Context, accountID, clientID string) (oidc.Consent, error) {
	var c oidc.Consent
	err := s.readPlatform(ctx, "oidc.consent", func(q queryer) error {
		var scopes string
		var created, updated int64
		err := q.QueryRowContext(ctx, `SELECT c.account_id, c.client_id, k.name, c.scopes, c.created_at, c.updated_at
			FROM oidc_consents c JOIN oidc_clients k ON k.id = c.client_id WHERE c.account_id = $1 AND c.client_id = $2`,
			accountID, clientID).Scan(&c.AccountID, &c.ClientID, &c.ClientName, &scopes, &created, &updated)
		if errors.Is(err, sql.ErrNoRows) {
			return oidc.ErrConsentNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlstore: consent: %w", err)
		}
		c.Scopes, c.CreatedAt, c.UpdatedAt = strings.Fields(scopes), fromMS(created), fromMS(updated)
		return nil
	})
	return c, err
}

// SaveConsent implements oidc.Store.
func (s *Store) SaveConsent(ctx context.Context, c oidc.Consent) error {
	return s.inPlatform(ctx, "oidc.save_consent", func(t *tx) error {
		_, err := t.ExecContext(ctx, `INSERT INTO oidc_consents (account_id, client_id, scopes, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, client_id) DO UPDATE SET scopes = excluded.scopes,
			updated_at = excluded.updated_at`, c.AccountID, c.ClientID, strings.Join(c.Scopes, " "), ms(c.CreatedAt), ms(c.UpdatedAt))
		if err != nil {
			return fmt.Errorf("sqlstore: save consent: %w", err)
		}
		t.ctx = activity.WithActor(ctx, c.AccountID)
		return t.record("oidc_consent", c.AccountID+":"+c.ClientID, "granted", 0,
			[]activity.Change{{Field: "scopes", After: mustJSON(c.Scopes)}})
	})
}

// Consents implements oidc.Store.
func (s *Store) Consents(ctx context.Context, accountID string) ([]oidc.Consent, error) {
	var out []oidc.Consent
	err := s.readPlatform(ctx, "oidc.consents", func(q queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT c.account_id, c.client_id, k.name, c.scopes, c.created_at, c.updated_at
			FROM oidc_consents c JOIN oidc_clients k ON k.id = c.client_id WHERE c.account_id = $1 ORDER BY k.name, c.client_id`,
			accountID)
		if err != nil {
			return fmt.Errorf("sqlstore: consents: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var c oidc.Consent
			var scopes string
			var created, updated int64
			if err := rows.Scan(&c.AccountID, &c.ClientID, &c.ClientName, &scopes, &created, &updated); err != nil {
				return fmt.Errorf("sqlstore: scan consent: %w", err)
			}
			c.Scopes, c.CreatedAt, c.UpdatedAt = strings.Fields(scopes), fromMS(created), fromMS(updated)
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// DeleteConsent implements oidc.Store.
func (s *Store) DeleteConsent(ctx context.Context, accountID, clientID string, now time.Time) error {
	return s.inPlatform(ctx, "oidc.delete_consent", func(t *tx) error {
		res, err := t.ExecContext(ctx, `DELETE FROM oidc_consents WHERE account_id = $1 AND client_id = $2`, accountID, clientID)
		if err != nil {
			return fmt.Errorf("sqlstore: delete consent: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return oidc.ErrConsentNotFound
		}
		if err := revokeGrants(ctx, t, accountID, clientID, now); err != nil {
			return err
		}
		return t.record("oidc_consent", accountID+":"+clientID, "revoked", 0, nil)
	})
}

// PurgeOIDC implements oidc.Store.
func (s *Store) PurgeOIDC(ctx context.Context, now time.Time) error {
	return s.inPlatform(ctx, "oidc.purge", func(t *tx) error {
		at := ms(now)
		for _, q := range []string{
			`DELETE FROM oidc_auth_requests WHERE expires_at < $1`,
			`DELETE FROM oidc_codes WHERE expires_at < $1`,
			`DELETE FROM oidc_access_tokens WHERE expires_at < $1`,
			`DELETE FROM oidc_refresh_tokens WHERE expires_at < $1`,
			`DELETE FROM external_sign_ins WHERE expires_at < $1`,
			`DELETE FROM passkey_ceremonies WHERE expires_at < $1`,
		} {
			if _, err := t.ExecContext(ctx, q, at); err != nil {
				return fmt.Errorf("sqlstore: purge: %w", err)
			}
		}
		return nil
	})
}

// SaveExternalSignIn implements oidc.ExternalStore.
func (s *Store) SaveExternalSignIn(ctx context.Context, e oidc.ExternalSignIn) error {
	return s.inPlatform(ctx, "oidc.save_external_sign_in", func(t *tx) error {
		_, err := t.ExecContext(ctx, `INSERT INTO external_sign_ins (state_hash, provider, nonce, verifier, return_to, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, e.StateHash, e.Provider, e.Nonce, e.Verifier, e.ReturnTo, ms(e.CreatedAt), ms(e.ExpiresAt))
		if err != nil {
			return fmt.Errorf("sqlstore: save external sign-in: %w", err)
		}
		return nil
	})
}

// TakeExternalSignIn implements oidc.ExternalStore.
func (s *Store) TakeExternalSignIn(ctx context.Context, stateHash string, now time.Time) (oidc.ExternalSignIn, error) {
	var e oidc.ExternalSignIn
	err := s.inPlatform(ctx, "oidc.take_external_sign_in", func(t *tx) error {
		var created, expires int64
		err := t.QueryRowContext(ctx, `DELETE FROM external_sign_ins WHERE state_hash = $1
			RETURNING state_hash, provider, nonce, verifier, return_to, created_at, expires_at`, stateHash).
			Scan(&e.StateHash, &e.Provider, &e.Nonce, &e.Verifier, &e.ReturnTo, &created, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return oidc.ErrExternalStateNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlstore: take external sign-in: %w", err)
		}
		e.CreatedAt, e.ExpiresAt = fromMS(created), fromMS(expires)
		if !now.Before(e.ExpiresAt) {
			return oidc.ErrExternalStateNotFound // the deletion is rolled back; the purge removes it
		}
		return nil
	})
	return e, err
}

func mustJSON(v any) json.RawMessage {
	raw, _ := json.Marshal(v)
	return raw
}

var (
	_ oidc.Store         = (*Store)(nil)
	_ oidc.ExternalStore = (*Store)(nil)
	_ identity.Store     = (*Store)(nil)
)
