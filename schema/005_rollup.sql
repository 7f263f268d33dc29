-- 005: rollups of the raw per-minute rows, kept for years after the raw
-- rows expire (collector/rollup.c). Written by the rollup thread from the
-- hours marked dirty by ingest, so annual reports never scan raw minutes.

-- (school, hour) that received rows since they were last rolled up.
CREATE TABLE rollup_dirty (
    school  TEXT NOT NULL,
    hour    INTEGER NOT NULL,     -- unix seconds, multiple of 3600
    PRIMARY KEY (school, hour)
) WITHOUT ROWID;

CREATE TABLE class_hour (
    school          TEXT NOT NULL,
    class           TEXT NOT NULL,
    hour            INTEGER NOT NULL,
    minutes         INTEGER NOT NULL, -- minutes with a row
    bytes_up        INTEGER NOT NULL,
    bytes_down      INTEGER NOT NULL,
    pkts_up         INTEGER NOT NULL,
    pkts_down       INTEGER NOT NULL,
    peak_up_bps     INTEGER NOT NULL, -- busiest second in the hour
    peak_down_bps   INTEGER NOT NULL,
    max_devices     INTEGER NOT NULL,
    PRIMARY KEY (school, class, hour)
) WITHOUT ROWID;

-- Per class per local day, over the school hours of the district calendar
-- only (a non-school day has no row). Rates are bits/s; a minute's rate is
-- its bytes * 8 / 60. p95 is over the day's school-hour minutes, counting
-- a minute without a row as 0 (no traffic is a rate of 0).
CREATE TABLE class_day (
    school          TEXT NOT NULL,
    class           TEXT NOT NULL,
    day             INTEGER NOT NULL, -- local days since 1970-01-01
    minutes         INTEGER NOT NULL, -- school-hour minutes with a row
    bytes_up        INTEGER NOT NULL,
    bytes_down      INTEGER NOT NULL,
    p95_up_bps      INTEGER NOT NULL,
    p95_down_bps    INTEGER NOT NULL,
    peak_up_bps     INTEGER NOT NULL,
    peak_down_bps   INTEGER NOT NULL,
    max_devices     INTEGER NOT NULL,
    PRIMARY KEY (school, class, day)
) WITHOUT ROWID;

-- Per school per local school day: how much data, and the school's
-- aggregate observed peak (the busiest school-hour minute, all classes
-- summed; per-second peaks of different classes need not coincide, so the
-- sum of class peaks is kept beside it as an upper bound).
CREATE TABLE school_day (
    school              TEXT NOT NULL,
    day                 INTEGER NOT NULL,
    school_minutes      INTEGER NOT NULL, -- school-hour minutes in the day
    minutes_with_data   INTEGER NOT NULL, -- of those, minutes with any row
    agg_peak_up_bps     INTEGER NOT NULL,
    agg_peak_down_bps   INTEGER NOT NULL,
    sum_class_peak_up_bps   INTEGER NOT NULL,
    sum_class_peak_down_bps INTEGER NOT NULL,
    PRIMARY KEY (school, day)
) WITHOUT ROWID;
