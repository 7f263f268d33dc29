-- 004: the agents' own health, one row per agent per minute. Counts are
-- cumulative over the life of the agent's spool (see docs/PROTOCOL.md).
CREATE TABLE agent_status (
    minute           INTEGER NOT NULL,
    school           TEXT NOT NULL,
    agent_id         TEXT NOT NULL,
    backlog_batches  INTEGER NOT NULL,
    dropped_batches  INTEGER NOT NULL,
    dropped_rows     INTEGER NOT NULL,
    uptime_s         INTEGER NOT NULL
);
CREATE INDEX agent_status_agent ON agent_status (agent_id, minute);
