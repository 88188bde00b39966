-- +goose Up
-- Pama ID as an OpenID Connect provider, sign-in through external providers, passkeys.

-- Applications registered by an operator to sign in with Pama ID.
CREATE TABLE oidc_clients (
    id            TEXT PRIMARY KEY,                -- the client_id
    name          TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,                   -- JSON array, matched exactly
    public        BOOLEAN NOT NULL,                -- no secret; PKCE required
    secret_hash   TEXT NOT NULL DEFAULT '',        -- SHA-256 of the secret (confidential clients)
    scopes        TEXT NOT NULL,                   -- allowed scopes, space-separated
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1
);

-- Authorization requests between /authorize and the code exchange.
CREATE TABLE oidc_auth_requests (
    id                    TEXT PRIMARY KEY,
    client_id             TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    redirect_uri          TEXT NOT NULL,
    scopes                TEXT NOT NULL,
    state                 TEXT NOT NULL DEFAULT '',
    nonce                 TEXT NOT NULL DEFAULT '',
    response_type         TEXT NOT NULL,
    response_mode         TEXT NOT NULL DEFAULT '',
    code_challenge        TEXT NOT NULL DEFAULT '',
    code_challenge_method TEXT NOT NULL DEFAULT '',
    prompt                TEXT NOT NULL DEFAULT '',
    max_age               BIGINT,                 -- seconds; NULL when not asked
    login_hint            TEXT NOT NULL DEFAULT '',
    account_id            TEXT NOT NULL DEFAULT '', -- set when the person has signed in and agreed
    auth_time             BIGINT NOT NULL DEFAULT 0,
    done                  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at            BIGINT NOT NULL,
    expires_at            BIGINT NOT NULL
);
CREATE INDEX oidc_auth_requests_expires ON oidc_auth_requests (expires_at);

-- Authorization codes: single use, short-lived, kept hashed. A used code is
-- kept until it expires so that a replay can revoke what it produced.
CREATE TABLE oidc_codes (
    code_hash       TEXT PRIMARY KEY,
    auth_request_id TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    used_at         BIGINT
);

-- Access tokens (opaque): only a hash of the token id is kept.
CREATE TABLE oidc_access_tokens (
    id_hash         TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    client_id       TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    scopes          TEXT NOT NULL,
    chain_id        TEXT NOT NULL DEFAULT '',      -- the refresh chain it came from
    auth_request_id TEXT NOT NULL DEFAULT '',
    auth_time       BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX oidc_access_tokens_chain ON oidc_access_tokens (chain_id);
CREATE INDEX oidc_access_tokens_account ON oidc_access_tokens (account_id, client_id);

-- Refresh tokens, rotated on every use. Tokens of one login share a chain;
-- presenting a rotated token again revokes the whole chain.
CREATE TABLE oidc_refresh_tokens (
    id              TEXT PRIMARY KEY,
    token_hash      TEXT NOT NULL UNIQUE,
    chain_id        TEXT NOT NULL,
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    client_id       TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    scopes          TEXT NOT NULL,
    auth_request_id TEXT NOT NULL DEFAULT '',
    auth_time       BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    used_at         BIGINT,
    revoked_at      BIGINT
);
CREATE INDEX oidc_refresh_tokens_chain ON oidc_refresh_tokens (chain_id);
CREATE INDEX oidc_refresh_tokens_account ON oidc_refresh_tokens (account_id, client_id);

-- Token signing keys (RS256). The private key is stored encrypted and never served.
CREATE TABLE oidc_signing_keys (
    id          TEXT PRIMARY KEY,                  -- the kid
    generation  BIGINT NOT NULL UNIQUE,
    algorithm   TEXT NOT NULL,
    public_key  TEXT NOT NULL,                     -- PKIX, base64
    private_key TEXT NOT NULL,                     -- PKCS #8, encrypted
    created_at  BIGINT NOT NULL,
    active_at   BIGINT NOT NULL,                  -- signs from then on (published before)
    expires_at  BIGINT                            -- leaves the key set then; NULL while current
);

-- What a person agreed to share with an application.
CREATE TABLE oidc_consents (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    scopes     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, client_id)
);

-- Accounts linked to an identity at an external provider, by the provider's
-- subject (never by email, which can change there).
CREATE TABLE external_identities (
    provider     TEXT NOT NULL,
    subject      TEXT NOT NULL,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email        TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE UNIQUE INDEX external_identities_account ON external_identities (account_id, provider);

-- Sign-ins through an external provider that have started and not returned.
CREATE TABLE external_sign_ins (
    state_hash TEXT PRIMARY KEY,
    provider   TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    verifier   TEXT NOT NULL,
    return_to  TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Passkeys (WebAuthn credentials).
CREATE TABLE passkeys (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL UNIQUE,            -- base64url of the raw credential id
    name          TEXT NOT NULL,
    credential    TEXT NOT NULL,                   -- the credential record, JSON
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT
);
CREATE INDEX passkeys_account ON passkeys (account_id);

-- WebAuthn ceremonies between their options and their answer; single use.
CREATE TABLE passkey_ceremonies (
    id_hash    TEXT PRIMARY KEY,
    account_id TEXT NOT NULL DEFAULT '',           -- set for registration
    session    TEXT NOT NULL,                      -- the library's session data, JSON
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE passkey_ceremonies;
DROP TABLE passkeys;
DROP TABLE external_sign_ins;
DROP TABLE external_identities;
DROP TABLE oidc_consents;
DROP TABLE oidc_signing_keys;
DROP TABLE oidc_refresh_tokens;
DROP TABLE oidc_access_tokens;
DROP TABLE oidc_codes;
DROP TABLE oidc_auth_requests;
DROP TABLE oidc_clients;
