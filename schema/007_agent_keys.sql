-- 007: agent credentials (collector/keys.c). Each agent has its own
-- TLS 1.3 pre-shared key, bound to one school: an agent can only write the
-- figures of the school its key was issued for. The keys are secrets: the
-- database file must be readable by the collector's user only.
CREATE TABLE agent_keys (
    identity    TEXT PRIMARY KEY,   -- the agent id; the TLS PSK identity
    school      TEXT NOT NULL,
    key_hex     TEXT NOT NULL,      -- 256-bit key, hex
    created     INTEGER NOT NULL,
    expires     INTEGER,            -- unix seconds; NULL: never
    revoked     INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
