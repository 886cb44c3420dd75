-- scs server schema, version 1 (SQLite). Keep in step with
-- migrations/postgres/0001_init.sql: the same tables, columns and meaning.
-- Times are Unix seconds (BIGINT); flags are 0/1 (BIGINT).

CREATE TABLE users (
    username         TEXT PRIMARY KEY NOT NULL,
    password_phc     TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    locked           BIGINT NOT NULL DEFAULT 0,
    cert_pem         TEXT,
    cert_serial      TEXT,
    cert_fingerprint TEXT,
    key_fingerprint  TEXT,
    cert_revoked     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX users_cert_serial ON users (cert_serial);

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY NOT NULL,
    username   TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    method     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX sessions_username ON sessions (username);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE throttle (
    tkey         TEXT PRIMARY KEY NOT NULL,
    failures     BIGINT NOT NULL,
    last_failure BIGINT NOT NULL,
    locked_until BIGINT NOT NULL
);

CREATE TABLE audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    ts       BIGINT NOT NULL,
    event    TEXT NOT NULL,
    username TEXT,
    source   TEXT,
    detail   TEXT
);
CREATE INDEX audit_ts ON audit (ts);
CREATE INDEX audit_username ON audit (username);

CREATE TABLE messages (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    sender     TEXT NOT NULL,
    recipients TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    size       BIGINT NOT NULL,
    ciphertext BLOB NOT NULL
);

CREATE TABLE mailbox (
    recipient  TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    size       BIGINT NOT NULL,
    is_read    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (recipient, message_id)
);
CREATE INDEX mailbox_message_id ON mailbox (message_id);
