-- 006: how complete the capture was (a view over capture_minute), and the
-- capacity and reachability probes (collector/store_probe.c, record types
-- 20 and 21 in docs/PROTOCOL.md). docs/MEASUREMENT.md explains the rules.

-- Per school per minute: packets the agent's captures parsed against the
-- packets the kernel counted on the same interfaces (rx + tx). A capture
-- that misses traffic (flow offload, hardware NAT, a filter, ring drops)
-- shows as completeness below 1; below 0.98 is a shortfall. A minute with
-- an unknown or negative interface delta (counter reset: the agent sends
-- new - old, which goes negative when the interface was re-created) is
-- unknown (NULL), never a spike. Minutes with fewer than 100 interface
-- packets are too small to judge and never flagged.
CREATE VIEW capture_completeness AS
SELECT school,
       minute,
       count(*)                                AS sources,
       sum(pkts_seen)                          AS pkts_seen,
       sum(CASE WHEN if_pkts >= 0 THEN if_pkts END) AS if_pkts,
       sum(CASE WHEN if_bytes >= 0 THEN if_bytes END) AS if_bytes,
       sum(pcap_drop)                          AS pcap_drop,
       CASE WHEN count(CASE WHEN if_pkts >= 0 THEN 1 END) < count(*) THEN NULL
            WHEN sum(if_pkts) = 0 THEN 1.0
            ELSE min(1.0, CAST(sum(pkts_seen) AS REAL) / sum(if_pkts))
       END                                     AS completeness,
       CASE WHEN count(CASE WHEN if_pkts >= 0 THEN 1 END) < count(*) THEN NULL
            WHEN sum(if_pkts) < 100 THEN 0
            WHEN CAST(sum(pkts_seen) AS REAL) / sum(if_pkts) < 0.98 THEN 1
            ELSE 0
       END                                     AS shortfall
FROM capture_minute
GROUP BY school, minute;

-- Record 20: one capacity probe (both directions) against the collector.
-- *_mbps NULL when that direction did not run; link_mbps NULL when the OS
-- did not say (no wan_interface, or a virtual link without a speed).
CREATE TABLE probe_capacity (
    ts          INTEGER NOT NULL,   -- unix seconds, probe start
    school      TEXT NOT NULL,
    agent_id    TEXT NOT NULL,
    target      TEXT NOT NULL,      -- the collector's probe endpoint
    wan_if      TEXT NOT NULL,      -- '' when not configured
    link_mbps   INTEGER,
    status      INTEGER NOT NULL,   -- 0 ok, 1 connect, 2 i/o, 3 busy, 4 timeout
    error       TEXT NOT NULL,
    up_bytes    INTEGER NOT NULL,
    up_ms       INTEGER NOT NULL,
    up_mbps     REAL,
    down_bytes  INTEGER NOT NULL,
    down_ms     INTEGER NOT NULL,
    down_mbps   REAL
);
CREATE INDEX probe_capacity_school ON probe_capacity (school, ts);

-- Record 21: reachability of one target in one minute.
CREATE TABLE reach_minute (
    minute      INTEGER NOT NULL,
    school      TEXT NOT NULL,
    agent_id    TEXT NOT NULL,
    target      TEXT NOT NULL,      -- tcp:HOST:PORT
    probes      INTEGER NOT NULL,
    ok          INTEGER NOT NULL,
    rtt_ms      REAL                -- mean connect time of the good ones
);
CREATE INDEX reach_minute_school ON reach_minute (school, minute);

-- A minute is up when a probe of any target got through, down when probes
-- ran and none did (the broadband line, not one far host, is what is down).
CREATE VIEW reach_school_minute AS
SELECT school, minute,
       sum(probes) AS probes,
       sum(ok)     AS ok,
       CASE WHEN sum(ok) > 0 THEN 1 ELSE 0 END AS up
FROM reach_minute
WHERE probes > 0
GROUP BY school, minute;

-- Capacity used for compliance: the lowest of contracted, link speed and
-- the latest probe's slower direction; a probe below 80% of the contracted
-- bandwidth is flagged.
CREATE VIEW capacity_evidence AS
SELECT s.code AS school,
       s.contracted_kbps / 1000.0 AS contracted_mbps,
       p.link_mbps,
       min(p.up_mbps, p.down_mbps) AS probe_mbps,
       p.ts AS probe_ts,
       CAST(nullif(min(coalesce(s.contracted_kbps / 1000.0, 1e18),
                       coalesce(p.link_mbps, 1e18),
                       coalesce(min(p.up_mbps, p.down_mbps), 1e18)), 1e18)
            AS REAL)               AS capacity_mbps,
       CASE WHEN s.contracted_kbps IS NULL OR p.up_mbps IS NULL
                 OR p.down_mbps IS NULL THEN NULL
            WHEN min(p.up_mbps, p.down_mbps) < 0.8 * s.contracted_kbps / 1000.0
            THEN 1 ELSE 0
       END AS probe_flag
FROM schools s
LEFT JOIN probe_capacity p
       ON p.school = s.code
      AND p.ts = (SELECT max(ts) FROM probe_capacity q
                  WHERE q.school = s.code AND q.status = 0);
