package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/identity"
)

// Secret returns the platform secret name, creating it with gen once.
func (s *Store) Secret(ctx context.Context, name string, gen func() ([]byte, error)) ([]byte, error) {
	var val string
	err := s.inPlatform(ctx, "secret.get", func(t *tx) error {
		err := t.QueryRowContext(ctx, `SELECT value FROM platform_secrets WHERE name = $1`, name).Scan(&val)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqlstore: read secret: %w", err)
		}
		b, err := gen()
		if err != nil {
			return err
		}
		val = hex.EncodeToString(b)
		if _, err := t.ExecContext(ctx, `INSERT INTO platform_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, val); err != nil {
			return fmt.Errorf("sqlstore: save secret: %w", err)
		}
		return t.QueryRowContext(ctx, `SELECT value FROM platform_secrets WHERE name = $1`, name).Scan(&val)
	})
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(val)
}

// UpdateSignInCode implements identity.Store.
func (s *Store) UpdateSignInCode(ctx context.Context, email string, fn func(prev *identity.SignInCode) (*identity.SignInCode, error)) error {
	var result error
	err := s.inPlatform(ctx, "identity.update_code", func(t *tx) error {
		var prev *identity.SignInCode
		var c identity.SignInCode
		var created, expires, window int64
		err := t.QueryRowContext(ctx, `SELECT email, code_hash, created_at, expires_at, attempts, sends, window_start
			FROM sign_in_codes WHERE email = $1`, email).
			Scan(&c.Email, &c.CodeHash, &created, &expires, &c.Attempts, &c.Sends, &window)
		switch {
		case err == nil:
			c.CreatedAt, c.ExpiresAt, c.WindowStart = fromMS(created), fromMS(expires), fromMS(window)
			prev = &c
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("sqlstore: read sign-in code: %w", err)
		}
		next, ferr := fn(prev)
		result = ferr
		if next == nil {
			if prev != nil {
				if _, err := t.ExecContext(ctx, `DELETE FROM sign_in_codes WHERE email = $1`, email); err != nil {
					return fmt.Errorf("sqlstore: delete sign-in code: %w", err)
				}
			}
			return nil
		}
		if prev != nil && *next == *prev {
			return nil
		}
		_, err = t.ExecContext(ctx, `INSERT INTO sign_in_codes (email, code_hash, created_at, expires_at, attempts, sends, window_start)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (email) DO UPDATE SET code_hash = excluded.code_hash, created_at = excluded.created_at,
				expires_at = excluded.expires_at, attempts = excluded.attempts, sends = excluded.sends,
				window_start = excluded.window_start`,
			email, next.CodeHash, ms(next.CreatedAt), ms(next.ExpiresAt), next.Attempts, next.Sends, ms(next.WindowStart))
		if err != nil {
			return fmt.Errorf("sqlstore: save sign-in code: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return result
}

const accountColumns = `id, email, display_name, avatar, password_hash <> '', operator, created_at, updated_at, version`

func scanAccount(row interface{ Scan(...any) error }) (identity.Account, error) {
	var a identity.Account
	var created, updated int64
	err := row.Scan(&a.ID, &a.Email, &a.DisplayName, &a.Avatar, &a.HasPassword, &a.Operator, &created, &updated, &a.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return a, identity.ErrAccountNotFound
	}
	if err != nil {
		return a, fmt.Errorf("sqlstore: scan account: %w", err)
	}
	a.CreatedAt, a.UpdatedAt = fromMS(created), fromMS(updated)
	return a, nil
}

// CreateAccount implements identity.Store.
func (s *Store) CreateAccount(ctx context.Context, a identity.Account) (identity.Account, error) {
	err := s.inPlatform(ctx, "identity.create_account", func(t *tx) error {
		a.ID, a.CreatedAt, a.UpdatedAt, a.Version = newID(), t.now, t.now, 1
		_, err := t.ExecContext(ctx, `INSERT INTO accounts (id, email, display_name, avatar, operator, created_at, updated_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 1)`, a.ID, a.Email, a.DisplayName, a.Avatar, a.Operator, ms(t.now), ms(t.now))
		if isUniqueViolation(err) {
			return identity.ErrEmailTaken
		}
		if err != nil {
			return fmt.Errorf("sqlstore: create account: %w", err)
		}
		t.ctx = activity.WithActor(ctx, a.ID)
		return t.record("account", a.ID, "created", 1, activity.Diff(nil, a))
	})
	return a, err
}

// Account implements identity.Store.
func (s *Store) Account(ctx context.Context, id string) (identity.Account, error) {
	var a identity.Account
	err := s.readPlatform(ctx, "identity.account", func(q queryer) (err error) {
		a, err = scanAccount(q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = $1`, id))
		return err
	})
	return a, err
}

// AccountByEmail implements identity.Store.
func (s *Store) AccountByEmail(ctx context.Context, email string) (identity.Account, error) {
	var a identity.Account
	err := s.readPlatform(ctx, "identity.account_by_email", func(q queryer) (err error) {
		a, err = scanAccount(q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE email = $1`, email))
		return err
	})
	return a, err
}

// Accounts implements identity.Store.
func (s *Store) Accounts(ctx context.Context, ids []string) ([]identity.Account, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []identity.Account
	err := s.readPlatform(ctx, "identity.accounts", func(q queryer) error {
		for chunk := range chunks(ids, 500) {
			args := make([]any, len(chunk))
			marks := make([]string, len(chunk))
			for i, id := range chunk {
				args[i], marks[i] = id, fmt.Sprintf("$%d", i+1)
			}
			rows, err := q.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id IN (`+strings.Join(marks, ",")+`)`, args...)
			if err != nil {
				return fmt.Errorf("sqlstore: accounts: %w", err)
			}
			for rows.Next() {
				a, err := scanAccount(rows)
				if err != nil {
					rows.Close()
					return err
				}
				out = append(out, a)
			}
			if err := rows.Close(); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// chunks yields s in pieces of at most n.
func chunks[T any](s []T, n int) func(func([]T) bool) {
	return func(yield func([]T) bool) {
		for len(s) > 0 {
			k := min(n, len(s))
			if !yield(s[:k]) {
				return
			}
			s = s[k:]
		}
	}
}

// UpdateAccount implements identity.Store.
func (s *Store) UpdateAccount(ctx context.Context, id string, version int64, fn func(*identity.Account) error) (identity.Account, error) {
	var after identity.Account
	err := s.inPlatform(ctx, "identity.update_account", func(t *tx) error {
		before, err := scanAccount(t.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = $1`, id))
		if err != nil {
			return err
		}
		if before.Version != version {
			return &errkind.VersionConflict{Entity: "account", Version: before.Version, Current: before}
		}
		after = before
		if err := fn(&after); err != nil {
			return err
		}
		after.Version, after.UpdatedAt = before.Version+1, t.now
		_, err = t.ExecContext(ctx, `UPDATE accounts SET display_name = $1, avatar = $2, updated_at = $3, version = $4
			WHERE id = $5 AND version = $6`, after.DisplayName, after.Avatar, ms(t.now), after.Version, id, version)
		if err != nil {
			return fmt.Errorf("sqlstore: update account: %w", err)
		}
		return t.record("account", id, "updated", after.Version, activity.Diff(before, after))
	})
	return after, err
}

// PasswordHash implements identity.Store.
func (s *Store) PasswordHash(ctx context.Context, accountID string) (string, error) {
	var h string
	err := s.readPlatform(ctx, "identity.password_hash", func(q queryer) error {
		err := q.QueryRowContext(ctx, `SELECT password_hash FROM accounts WHERE id = $1`, accountID).Scan(&h)
		if errors.Is(err, sql.ErrNoRows) {
			return identity.ErrAccountNotFound
		}
		return err
	})
	return h, err
}

// SetPasswordHash implements identity.Store. The record notes that the
// password changed, never the hash.
func (s *Store) SetPasswordHash(ctx context.Context, accountID, hash string) error {
	return s.inPlatform(ctx, "identity.set_password", func(t *tx) error {
		var v int64
		err := t.QueryRowContext(ctx, `UPDATE accounts SET password_hash = $1, updated_at = $2, version = version + 1
			WHERE id = $3 RETURNING version`, hash, ms(t.now), accountID).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			return identity.ErrAccountNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlstore: set password: %w", err)
		}
		return t.record("account", accountID, "password_changed", v, nil)
	})
}

// RecordSignIn implements identity.Store: an audit entry per sign-in.
func (s *Store) RecordSignIn(ctx context.Context, accountID, method string) error {
	return s.inPlatform(ctx, "identity.record_sign_in", func(t *tx) error {
		t.ctx = activity.WithActor(ctx, accountID)
		return t.record("account", accountID, "signed_in_"+method, 0, nil)
	})
}

// CreateSession implements identity.Store.
func (s *Store) CreateSession(ctx context.Context, se identity.Session) error {
	return s.inPlatform(ctx, "identity.create_session", func(t *tx) error {
		_, err := t.ExecContext(ctx, `INSERT INTO sessions (id_hash, account_id, created_at, expires_at, last_seen_at, user_agent, ip)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, se.IDHash, se.AccountID, ms(se.CreatedAt), ms(se.ExpiresAt), ms(se.LastSeenAt), se.UserAgent, se.IP)
		if err != nil {
			return fmt.Errorf("sqlstore: create session: %w", err)
		}
		return nil
	})
}

// Session implements identity.Store.
func (s *Store) Session(ctx context.Context, idHash string) (identity.Session, error) {
	var se identity.Session
	err := s.readPlatform(ctx, "identity.session", func(q queryer) error {
		var c, e, l int64
		err := q.QueryRowContext(ctx, `SELECT id_hash, account_id, created_at, expires_at, last_seen_at, user_agent, ip
			FROM sessions WHERE id_hash = $1`, idHash).Scan(&se.IDHash, &se.AccountID, &c, &e, &l, &se.UserAgent, &se.IP)
		if errors.Is(err, sql.ErrNoRows) {
			return identity.ErrNoSession
		}
		if err != nil {
			return fmt.Errorf("sqlstore: session: %w", err)
		}
		se.CreatedAt, se.ExpiresAt, se.LastSeenAt = fromMS(c), fromMS(e), fromMS(l)
		return nil
	})
	return se, err
}

// TouchSession implements identity.Store.
func (s *Store) TouchSession(ctx context.Context, idHash string, seen, expires time.Time) error {
	return s.inPlatform(ctx, "identity.touch_session", func(t *tx) error {
		_, err := t.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3`, ms(seen), ms(expires), idHash)
		return err
	})
}

// DeleteSession implements identity.Store.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	return s.inPlatform(ctx, "identity.delete_session", func(t *tx) error {
		_, err := t.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, idHash)
		return err
	})
}

const tokenColumns = `id, account_id, name, prefix, scopes, created_at, expires_at, last_used_at, revoked_at`

func scanToken(row interface{ Scan(...any) error }) (identity.Token, error) {
	var t identity.Token
	var scopes string
	var created int64
	var expires, used, revoked sql.NullInt64
	err := row.Scan(&t.ID, &t.AccountID, &t.Name, &t.Prefix, &scopes, &created, &expires, &used, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return t, identity.ErrTokenNotFound
	}
	if err != nil {
		return t, fmt.Errorf("sqlstore: scan token: %w", err)
	}
	for _, sc := range strings.Fields(scopes) {
		t.Scopes = append(t.Scopes, identity.Scope(sc))
	}
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt = fromMS(created), nullMS(expires), nullMS(used), nullMS(revoked)
	return t, nil
}

// CreateToken implements identity.Store. It refuses when the account already
// has maxActive usable tokens.
func (s *Store) CreateToken(ctx context.Context, tk identity.Token, hash string, maxActive int) (identity.Token, error) {
	err := s.inPlatform(ctx, "identity.create_token", func(t *tx) error {
		var n int
		if err := t.QueryRowContext(ctx, `SELECT count(*) FROM api_tokens WHERE account_id = $1 AND revoked_at IS NULL
			AND (expires_at IS NULL OR expires_at > $2)`, tk.AccountID, ms(t.now)).Scan(&n); err != nil {
			return fmt.Errorf("sqlstore: count tokens: %w", err)
		}
		if n >= maxActive {
			return identity.ErrTokenLimit
		}
		tk.ID = newID()
		scopes := make([]string, len(tk.Scopes))
		for i, sc := range tk.Scopes {
			scopes[i] = string(sc)
		}
		_, err := t.ExecContext(ctx, `INSERT INTO api_tokens (id, account_id, name, prefix, token_hash, scopes, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, tk.ID, tk.AccountID, tk.Name, tk.Prefix, hash, strings.Join(scopes, " "),
			ms(tk.CreatedAt), optMS(tk.ExpiresAt))
		if err != nil {
			return fmt.Errorf("sqlstore: create token: %w", err)
		}
		return t.record("api_token", tk.ID, "created", 1, activity.Diff(nil, tk))
	})
	return tk, err
}

// TokenByHash implements identity.Store.
func (s *Store) TokenByHash(ctx context.Context, hash string) (identity.Token, error) {
	var tk identity.Token
	err := s.readPlatform(ctx, "identity.token_by_hash", func(q queryer) (err error) {
		tk, err = scanToken(q.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE token_hash = $1`, hash))
		return err
	})
	return tk, err
}

// Tokens implements identity.Store.
func (s *Store) Tokens(ctx context.Context, accountID string) ([]identity.Token, error) {
	var out []identity.Token
	err := s.readPlatform(ctx, "identity.tokens", func(q queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE account_id = $1 ORDER BY created_at DESC, id DESC`, accountID)
		if err != nil {
			return fmt.Errorf("sqlstore: tokens: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			tk, err := scanToken(rows)
			if err != nil {
				return err
			}
			out = append(out, tk)
		}
		return rows.Err()
	})
	return out, err
}

// RevokeToken implements identity.Store.
func (s *Store) RevokeToken(ctx context.Context, accountID, tokenID string, at time.Time) (identity.Token, error) {
	var tk identity.Token
	err := s.inPlatform(ctx, "identity.revoke_token", func(t *tx) error {
		var err error
		tk, err = scanToken(t.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE id = $1 AND account_id = $2`, tokenID, accountID))
		if err != nil {
			return err
		}
		if !tk.RevokedAt.IsZero() {
			return identity.ErrTokenRevoked
		}
		tk.RevokedAt = at
		if _, err := t.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2`, ms(at), tokenID); err != nil {
			return fmt.Errorf("sqlstore: revoke token: %w", err)
		}
		return t.record("api_token", tokenID, "revoked", 2, nil)
	})
	return tk, err
}

// TouchToken implements identity.Store.
func (s *Store) TouchToken(ctx context.Context, tokenID string, at time.Time) error {
	return s.inPlatform(ctx, "identity.touch_token", func(t *tx) error {
		_, err := t.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, ms(at), tokenID)
		return err
	})
}
