-- 003: what the agents learn over SNMP (docs/SNMP.md). Raw rows are
-- append-only and keyed by (school, ts) for day ranges. A value the agent
-- could not read is NULL, never 0. States: poll 1 ok, 2 partial,
-- 3 unreachable, 4 auth_error, 5 error. AP status 0 unknown, 1 up, 2 down.
-- Area state 1 up, 2 down, 3 missing, 4 unreachable, 5 unknown.

CREATE TABLE snmp_poll (
    ts              INTEGER NOT NULL,   -- unix seconds, poll start
    school          TEXT NOT NULL,
    agent_id        TEXT NOT NULL,
    target          TEXT NOT NULL,
    state           INTEGER NOT NULL,
    error           TEXT,
    profile         TEXT,
    duration_ms     INTEGER NOT NULL,
    interval_s      INTEGER NOT NULL,
    uptime          INTEGER,            -- sysUpTime, 1/100 s
    rebooted        INTEGER NOT NULL,
    aps             INTEGER NOT NULL,   -- APs listed by the device
    aps_up          INTEGER NOT NULL,
    aps_down        INTEGER NOT NULL,
    aps_unknown     INTEGER NOT NULL,
    total_aps       INTEGER,            -- the controller's own totals
    total_aps_up    INTEGER,
    clients         INTEGER,            -- Wi-Fi clients
    neighbours      INTEGER,            -- ARP/ND entries
    neighbour_macs  INTEGER,
    access_mbps     INTEGER             -- lowest AP speed reported
);
CREATE INDEX snmp_poll_school ON snmp_poll (school, ts);

CREATE TABLE snmp_ap (
    ts          INTEGER NOT NULL,
    school      TEXT NOT NULL,
    agent_id    TEXT NOT NULL,
    target      TEXT NOT NULL,
    name        TEXT NOT NULL,
    mac         TEXT,                   -- aa:bb:cc:dd:ee:ff
    location    TEXT,
    status      INTEGER NOT NULL,
    status_src  INTEGER NOT NULL,       -- 0 none 1 column 2 presence 3 count
    clients     INTEGER,
    speed_mbps  INTEGER
);
CREATE INDEX snmp_ap_school ON snmp_ap (school, ts);

CREATE TABLE snmp_if (
    ts          INTEGER NOT NULL,
    school      TEXT NOT NULL,
    agent_id    TEXT NOT NULL,
    target      TEXT NOT NULL,
    ifindex     INTEGER NOT NULL,
    name        TEXT NOT NULL,
    alias       TEXT NOT NULL,
    speed_mbps  INTEGER,
    oper        INTEGER NOT NULL,       -- ifOperStatus, 0 not reported
    hc          INTEGER NOT NULL,       -- 64-bit counters
    in_bytes    INTEGER,                -- since the previous poll, NULL after
    out_bytes   INTEGER,                -- a reboot or a counter reset
    elapsed_s   INTEGER NOT NULL
);
CREATE INDEX snmp_if_school ON snmp_if (school, ts);

-- One row per area per agent evaluation, standing for [ts, ts+interval_s).
CREATE TABLE wifi_area_sample (
    ts          INTEGER NOT NULL,
    school      TEXT NOT NULL,
    agent_id    TEXT NOT NULL,
    area        TEXT NOT NULL,
    required    INTEGER NOT NULL,
    state       INTEGER NOT NULL,
    interval_s  INTEGER NOT NULL,
    aps         INTEGER NOT NULL,
    aps_up      INTEGER NOT NULL,
    aps_down    INTEGER NOT NULL
);
CREATE INDEX wifi_area_sample_school ON wifi_area_sample (school, ts);

-- Per area per school day, over school hours: seconds up, down and of
-- unknown state; covered is NULL when too little is known.
CREATE TABLE wifi_area_day (
    school      TEXT NOT NULL,
    day         INTEGER NOT NULL,       -- unix seconds of the day's start
    area        TEXT NOT NULL,
    required    INTEGER NOT NULL,
    school_s    INTEGER NOT NULL,
    up_s        INTEGER NOT NULL,
    down_s      INTEGER NOT NULL,
    unknown_s   INTEGER NOT NULL,
    covered     INTEGER,
    PRIMARY KEY (school, day, area)
) WITHOUT ROWID;

-- Per school day: wifi_coverage_pct, wifi_full_coverage, wifi_access_mbps
-- and Wi-Fi clients as DESIGN.md defines them.
CREATE TABLE wifi_day (
    school          TEXT NOT NULL,
    day             INTEGER NOT NULL,
    required_areas  INTEGER NOT NULL,
    covered_areas   INTEGER NOT NULL,
    uncovered_areas INTEGER NOT NULL,
    unknown_areas   INTEGER NOT NULL,
    coverage_pct    REAL,               -- NULL: nothing known
    full_coverage   INTEGER,            -- 1, 0, or NULL (unknown)
    access_mbps     INTEGER,
    clients_peak    INTEGER,
    aps_seen        INTEGER NOT NULL,
    computed        INTEGER NOT NULL,
    PRIMARY KEY (school, day)
) WITHOUT ROWID;
