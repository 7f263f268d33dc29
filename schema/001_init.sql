-- 001: agents, delivery state, and the per-minute traffic the agents send.
-- Integers hold unsigned 64-bit counters that never reach 2^63 in practice;
-- a counter the agent could not read is stored as NULL, never as 0.

CREATE TABLE agents (
    agent_id    TEXT PRIMARY KEY,
    school      TEXT NOT NULL,
    version     TEXT,
    boot_id     TEXT,
    peer        TEXT,
    first_seen  INTEGER NOT NULL,   -- unix seconds
    last_seen   INTEGER NOT NULL
);

-- One row per (agent, spool stream): the highest committed sequence. A
-- batch whose sequence is at or below last_seq is acknowledged, not stored.
CREATE TABLE streams (
    agent_id    TEXT NOT NULL,
    stream      INTEGER NOT NULL,
    last_seq    INTEGER NOT NULL,
    batches     INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL,
    PRIMARY KEY (agent_id, stream)
) WITHOUT ROWID;

-- Raw per-class minutes. Append-only (rowid order = arrival order); the
-- index serves per-school time ranges.
CREATE TABLE class_minute (
    minute          INTEGER NOT NULL,   -- unix seconds, multiple of 60
    school          TEXT NOT NULL,
    class           TEXT NOT NULL,
    bytes_up        INTEGER NOT NULL,
    bytes_down      INTEGER NOT NULL,
    pkts_up         INTEGER NOT NULL,
    pkts_down       INTEGER NOT NULL,
    peak_up_bps     INTEGER NOT NULL,
    peak_down_bps   INTEGER NOT NULL,
    devices         INTEGER NOT NULL,
    agent_id        TEXT NOT NULL
);
CREATE INDEX class_minute_school ON class_minute (school, minute);

-- Per capture source per minute: how complete the capture was.
CREATE TABLE capture_minute (
    minute              INTEGER NOT NULL,
    school              TEXT NOT NULL,
    agent_id            TEXT NOT NULL,
    source              TEXT NOT NULL,
    pkts_seen           INTEGER NOT NULL,
    pcap_recv           INTEGER,
    pcap_drop           INTEGER,
    pcap_ifdrop         INTEGER,
    if_pkts             INTEGER,
    if_bytes            INTEGER,
    egress_bytes        INTEGER NOT NULL,
    unclassified_pkts   INTEGER NOT NULL,
    unclassified_bytes  INTEGER NOT NULL
);
CREATE INDEX capture_minute_school ON capture_minute (school, minute);
