-- 002: the school registry, the district calendar, policy packs and stored
-- evaluations (collector/registry.c, calendar.c, packs.c, evaluate.c).
-- Formats and meanings: docs/COMPLIANCE.md. `code` is the school id the
-- agents send (class_minute.school).

CREATE TABLE schools (
    code                TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    district            TEXT NOT NULL,
    region              TEXT NOT NULL
        CHECK (region IN ('urban', 'county', 'township', 'village')),
    type                TEXT NOT NULL
        CHECK (type IN ('primary', 'junior', 'senior', 'vocational',
                        'kindergarten', 'teaching_point')),
    students            INTEGER NOT NULL CHECK (students >= 0),
    teachers            INTEGER NOT NULL CHECK (teachers >= 0),
    classes             INTEGER NOT NULL CHECK (classes >= 0),
    contracted_kbps     INTEGER,            -- NULL: not declared
    declared_student_computers INTEGER,
    declared_teacher_computers INTEGER,
    updated             INTEGER NOT NULL    -- unix seconds of last import
);
CREATE INDEX schools_district ON schools (district);

-- A school's traffic classes as the agent knows them (class map).
CREATE TABLE classes (
    school      TEXT NOT NULL REFERENCES schools (code),
    class       TEXT NOT NULL,
    name        TEXT NOT NULL,
    grade       TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL
        CHECK (kind IN ('classroom', 'computer_room', 'staff_office',
                        'wifi', 'other')),
    subnets     TEXT NOT NULL DEFAULT '',   -- blank-separated CIDR prefixes
    vlan        INTEGER,                    -- NULL: none
    PRIMARY KEY (school, class)
) WITHOUT ROWID;

-- Rooms and public areas, for Wi-Fi coverage; aps lists what serves each.
CREATE TABLE areas (
    school      TEXT NOT NULL REFERENCES schools (code),
    area        TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL
        CHECK (kind IN ('classroom', 'office', 'public', 'other')),
    required    INTEGER NOT NULL CHECK (required IN (0, 1)),
    aps         TEXT NOT NULL DEFAULT '',   -- ';'-separated names, MACs, globs
    PRIMARY KEY (school, area)
) WITHOUT ROWID;

-- Which network interfaces (as the agent's SNMP polls name them) are the
-- school's WAN link, its access uplink, classroom access ports, backbone.
CREATE TABLE links (
    school      TEXT NOT NULL REFERENCES schools (code),
    link        TEXT NOT NULL,
    role        TEXT NOT NULL
        CHECK (role IN ('wan', 'uplink', 'class_access', 'backbone')),
    target      TEXT NOT NULL DEFAULT '*',  -- SNMP target name or glob
    interface   TEXT NOT NULL,              -- ifName or ifAlias, or glob
    PRIMARY KEY (school, link)
) WITHOUT ROWID;

-- Inventory facts a district declares (recording classrooms, labs): the
-- pack format can hold targets on them; nothing measures them.
CREATE TABLE inventory (
    school      TEXT NOT NULL REFERENCES schools (code),
    year        INTEGER NOT NULL,
    item        TEXT NOT NULL,
    value       REAL NOT NULL,
    PRIMARY KEY (school, year, item)
) WITHOUT ROWID;

-- District calendar. district '' is the default for every district that
-- has none of its own. Times are minutes after local midnight.
CREATE TABLE calendar (
    district    TEXT PRIMARY KEY,
    utc_offset  INTEGER NOT NULL,           -- minutes east of UTC
    weekdays    INTEGER NOT NULL,           -- bit 0 = Monday ... bit 6 = Sunday
    start_min   INTEGER NOT NULL,
    end_min     INTEGER NOT NULL,
    source      TEXT NOT NULL,
    loaded      INTEGER NOT NULL
);
CREATE TABLE calendar_day (
    district    TEXT NOT NULL,
    day         TEXT NOT NULL,              -- YYYY-MM-DD, local
    school_day  INTEGER NOT NULL,           -- 0 holiday, 1 extra school day
    PRIMARY KEY (district, day)
) WITHOUT ROWID;

-- Policy packs. A (pack, version) is immutable once loaded: evaluations
-- point at it, so a past report can be rebuilt exactly.
CREATE TABLE packs (
    pack        TEXT NOT NULL,
    version     TEXT NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    digest      TEXT NOT NULL,              -- FNV-1a 64 of the file bytes
    loaded      INTEGER NOT NULL,
    PRIMARY KEY (pack, version)
) WITHOUT ROWID;
CREATE TABLE pack_rules (
    pack        TEXT NOT NULL,
    version     TEXT NOT NULL,
    rule        TEXT NOT NULL,
    year        INTEGER NOT NULL,
    regions     TEXT NOT NULL,              -- ';'-separated, or '*'
    types       TEXT NOT NULL,
    metric      TEXT NOT NULL,
    op          TEXT NOT NULL CHECK (op IN ('>=', '<=', '>', '<', '=')),
    threshold   TEXT NOT NULL,              -- decimal text, compared exactly
    share_num   INTEGER NOT NULL,
    share_den   INTEGER NOT NULL,
    source      TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL DEFAULT '',
    line        INTEGER NOT NULL,           -- line in the pack file
    PRIMARY KEY (pack, version, rule)
) WITHOUT ROWID;

CREATE TABLE evaluations (
    id          INTEGER PRIMARY KEY,
    pack        TEXT NOT NULL,
    version     TEXT NOT NULL,
    year        INTEGER NOT NULL,
    rules_year  INTEGER NOT NULL,           -- year of the rules applied
    district    TEXT NOT NULL,              -- '' = all districts
    period_from INTEGER NOT NULL,           -- unix seconds
    period_to   INTEGER NOT NULL,           -- exclusive; capped at "now"
    min_days    INTEGER NOT NULL,
    stale_days  INTEGER NOT NULL,
    calendar    TEXT NOT NULL,              -- calendar source used
    created     INTEGER NOT NULL
);
CREATE INDEX evaluations_key ON evaluations (pack, year, district, id);

CREATE TABLE evaluation_school (
    eval_id     INTEGER NOT NULL REFERENCES evaluations (id),
    rule        TEXT NOT NULL,
    school      TEXT NOT NULL,
    name        TEXT NOT NULL,
    district    TEXT NOT NULL,
    region      TEXT NOT NULL,
    type        TEXT NOT NULL,
    metric      TEXT NOT NULL,
    value       TEXT,                       -- NULL: no value
    value_num   INTEGER,                    -- exact value as a fraction
    value_den   INTEGER,
    declared    TEXT,                       -- registry figure shown beside
    status      TEXT NOT NULL,              -- meets, fails, insufficient_data,
                                            -- not_reporting, no_data
    days        INTEGER NOT NULL,           -- school days with data
    school_days INTEGER NOT NULL,           -- school days in the period
    completeness TEXT NOT NULL,             -- percent of school-hour minutes
    source      TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (eval_id, rule, school)
) WITHOUT ROWID;

-- Every metric of every school evaluated, rule or not (the report's
-- "measurements" section): the figure, its source and evidence.
CREATE TABLE evaluation_metric (
    eval_id     INTEGER NOT NULL REFERENCES evaluations (id),
    school      TEXT NOT NULL,
    metric      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    value       TEXT,
    value_num   INTEGER,
    value_den   INTEGER,
    source      TEXT NOT NULL,
    declared    TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    days        INTEGER NOT NULL,
    school_days INTEGER NOT NULL,
    completeness TEXT NOT NULL,
    PRIMARY KEY (eval_id, school, metric)
) WITHOUT ROWID;

CREATE TABLE evaluation_rule (
    eval_id     INTEGER NOT NULL REFERENCES evaluations (id),
    rule        TEXT NOT NULL,
    seq         INTEGER NOT NULL,           -- order of the pack file
    metric      TEXT NOT NULL,
    op          TEXT NOT NULL,
    threshold   TEXT NOT NULL,
    regions     TEXT NOT NULL,
    types       TEXT NOT NULL,
    in_scope    INTEGER NOT NULL,
    meeting     INTEGER NOT NULL,
    failing     INTEGER NOT NULL,
    undetermined INTEGER NOT NULL,          -- insufficient, not reporting, no data
    share_num   INTEGER NOT NULL,           -- meeting / in_scope
    share_den   INTEGER NOT NULL,
    req_num     INTEGER NOT NULL,
    req_den     INTEGER NOT NULL,
    verdict     TEXT NOT NULL,              -- pass, fail, undetermined
    text        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (eval_id, rule)
) WITHOUT ROWID;
