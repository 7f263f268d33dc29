#!/bin/sh
# snmp_recordings: snmpsimd serves every recording in $SHARED/testdata/snmprec
# on a loopback port; for each, the agent's --snmp-once JSON (AP list, status
# counts, clients, interface speeds and status, neighbour count, controller
# totals) must equal what net-snmp's snmpbulkwalk/snmpget return for the same
# OIDs (the oracle: counted and summed with awk, never with our code). Also:
# GETNEXT (bulk off) and a small max_repetitions give the same answer, a
# target with nothing listening fails clearly in bounded time, and a target
# slower than its timeout is reported unreachable (and works with a longer
# timeout).
. "$(dirname "$0")/../lib.sh"
umask 077   # config files hold communities: the agent refuses group/world-readable ones

for c in snmpsimd snmpbulkwalk snmpget jq python3; do
    command -v $c > /dev/null || skip "snmp_recordings: $c not installed"
done
REC=$SHARED/testdata/snmprec
[ -d "$REC" ] || skip "snmp_recordings: no $REC"
export CLASSBAND_SNMP_PROFILES="$TOP/agent/profiles"

# The agent binary once it has --snmp-once, else the helper tool.
once() { # once SPEC [extra args]
    if "$B/classband-agent" --help 2>&1 | grep -q -- --snmp-once; then
        "$B/classband-agent" --snmp-once --target "$@"
    else
        "$B/tools/snmponce" -t "$@"
    fi
}
once_conf() { # once_conf FILE
    if "$B/classband-agent" --help 2>&1 | grep -q -- --snmp-once; then
        "$B/classband-agent" -c "$1" --snmp-once
    else
        "$B/tools/snmponce" -c "$1"
    fi
}

start_snmpsim "$REC" routeros
PORT=$SNMPSIM_PORT
H=127.0.0.1:$PORT

# ---- oracle helpers (net-snmp tools + awk) ----
# rows COMM OID: number of varbinds under OID
rows() {
    snmpbulkwalk -v2c -c "$1" -On -Cr25 -t 5 $H "$2" 2>/dev/null |
        awk -v p=".$2." 'index($0, p) == 1 { n++ } END { print n + 0 }'
}
# wsum COMM OID: sum of the integer values under OID
wsum() {
    snmpbulkwalk -v2c -c "$1" -On -Oe -Cr25 -t 5 $H "$2" 2>/dev/null |
        awk -v p=".$2." 'index($0, p) == 1 { s += $NF; n++ } END { print (n ? s : "null") }'
}
# get COMM OID: integer value, or null
get() {
    v=$(snmpget -v2c -c "$1" -On -Oe -t 5 $H "$2" 2>/dev/null | awk 'NF > 2 && !/No Such/ { print $NF }')
    echo "${v:-null}"
}
# idx COMM OID KEYLEN: the first KEYLEN index sub-ids of every row, unique
idx() {
    snmpbulkwalk -v2c -c "$1" -On -Cr25 -t 5 $H "$2" 2>/dev/null |
        awk -v p=".$2." -v k="$3" 'index($0, p) == 1 {
            s = substr($1, length(p) + 1); n = split(s, a, ".")
            o = a[1]; for (i = 2; i <= k; i++) o = o "." a[i]; print o }' | sort -u
}
# vals COMM OID: string values, one per line (quotes removed)
vals() {
    snmpbulkwalk -v2c -c "$1" -On -Oqv -Cr25 -t 5 $H "$2" 2>/dev/null | sed 's/^"//; s/"$//'
}
# sum_keys COMM KEYOID COLOID KEYLEN: sum of COLOID rows whose first KEYLEN
# index sub-ids are an index of KEYOID (rows of APs not in the AP table out)
sum_keys() {
    idx "$1" "$2" "$4" > "$T/keys"
    snmpbulkwalk -v2c -c "$1" -On -Oe -Cr25 -t 5 $H "$3" 2>/dev/null |
        awk -v p=".$3." -v k="$4" -v kf="$T/keys" '
            BEGIN { while ((getline l < kf) > 0) keep[l] = 1 }
            index($0, p) == 1 { s2 = substr($1, length(p) + 1); split(s2, a, ".")
                o = a[1]; for (i = 2; i <= k; i++) o = o "." a[i]
                if (o in keep) { s += $NF; n++ } } END { print (n ? s : "null") }'
}


# ---- profile-driven oracle (also for recordings this script does not
# know, such as a held-out set): the profile file says which OIDs to read;
# snmpbulkwalk/snmpget read them and awk counts, independently of our C. ----
PROFILES=$TOP/agent/profiles
# normalized profile lines: KIND MODE OID KEY IFNAME UP DOWN
prof_lines() {
    awk '{ sub(/#.*/, "") } NF == 0 { next }
        $1 == "ap_self" { self = 1; next }
        $1 ~ /^(ap_name|ap_status|ap_clients|total_aps|total_aps_up|total_clients)$/ {
            mode = "-"; i = 2
            if ($1 ~ /^total_/) { mode = $2; i = 3 }
            oid = $i; key = self ? 0 : 6; ifn = 0; up = "-"; down = "-"
            for (j = i + 1; j <= NF; j++) {
                if ($j == "key") key = $(++j)
                else if ($j == "ifname") ifn = 1
                else if ($j == "up") up = $(++j)
                else if ($j == "down") down = $(++j)
                else if ($j == "unit") j++
            }
            print $1, mode, oid, key, ifn, up, down
        }' "$1"
}
prof_file() { grep -l "^profile $1\$" "$PROFILES"/*.profile | head -n 1; }
prof_get() { awk -v k="$2" '{ sub(/#.*/, "") } $1 == k { $1 = ""; sub(/^ /, ""); print }' "$1"; }

# expected_profile COMM: the profile the documented rules pick, or null
expected_profile() {
    so=$(snmpget -v2c -c "$1" -On -Oqv $H 1.3.6.1.2.1.1.2.0 2>/dev/null | sed 's/^\.//')
    for f in "$PROFILES"/*.profile; do
        awk -v so="$so" '{ sub(/#.*/, "") } $1 == "profile" { name = $2 } $1 == "require" { req = $2 }
            $1 == "match" && (so == $2 || index(so, $2 ".") == 1) { n = split($2, a, "."); if (n > best) best = n }
            END { if (best) print best, name, (req == "" ? "-" : req) }' "$f"
    done | sort -s -k1,1nr | while read -r len name req; do
        if [ "$req" = - ] ||
           snmpgetnext -v2c -c "$1" -On $H "$req" 2>/dev/null | grep -q "^\.$req\."; then
            echo "$name"; exit 0
        fi
    done | head -n 1 | grep . || echo null
}

# walk_kv COMM OID KEYLEN: "key<TAB>value" per row (key "self" for KEYLEN 0)
walk_kv() {
    snmpbulkwalk -v2c -c "$1" -On -Oe -Oq -Cr25 -t 5 $H "$2" 2>/dev/null |
        awk -v p=".$2." -v k="$3" 'index($0, p) == 1 {
            s = substr($1, length(p) + 1); n = split(s, a, ".")
            if (n < k) next
            o = "self"; if (k > 0) { o = a[1]; for (i = 2; i <= k; i++) o = o "." a[i] }
            v = $0; sub(/^[^ ]+ /, "", v); gsub(/^"|"$/, "", v); print o "\t" v }'
}

generic_checks() { # generic_checks COMM (after $T/out.json holds its poll)
    c=$1
    want=$(expected_profile "$c")
    check "$c profile by sysObjectID (+require)" "$(J '.targets[0].profile')" "$want"
    [ "$want" = null ] && { check "$c no APs without a profile" "$(J '.targets[0].ap_count')" 0; return; }
    pf=$(prof_file "$want")
    prof_lines "$pf" > "$T/pl"
    walk_kv "$c" 1.3.6.1.2.1.31.1.1.1.1 1 > "$T/ifnames"
    : > "$T/apnames"
    if grep -q '^ap_self' "$pf"; then
        printf 'self\t%s\n' "$(snmpget -v2c -c "$c" -Oqv $H 1.3.6.1.2.1.1.5.0 | sed 's/^"//; s/"$//')" > "$T/apnames"
    fi
    while read -r kind mode oid key ifn up down; do
        [ "$kind" = ap_name ] || continue
        if [ "$ifn" = 1 ]; then
            walk_kv "$c" "$oid" "$key" | awk -F '\t' -v f="$T/ifnames" '
                BEGIN { while ((getline l < f) > 0) { split(l, x, "\t"); nm[x[1]] = x[2] } }
                ($1 in nm) { print $1 "\t" nm[$1] }' >> "$T/apnames"
        else
            walk_kv "$c" "$oid" "$key" >> "$T/apnames"
        fi
    done < "$T/pl"
    awk -F '\t' '!seen[$1]++' "$T/apnames" > "$T/aps"
    naps=$(wc -l < "$T/aps")
    check "$c [profile] AP count" "$(J '.targets[0].ap_count')" "$naps"
    check "$c [profile] AP names" "$(J '.targets[0].aps[].name' | sort | md5sum)" "$(cut -f2 "$T/aps" | sort | md5sum)"
    # Status: rows of the status columns for listed APs; any up wins.
    : > "$T/st"
    while read -r kind mode oid key ifn up down; do
        [ "$kind" = ap_status ] || continue
        walk_kv "$c" "$oid" "$key" | awk -F '\t' -v f="$T/aps" -v up=",$up," -v down=",$down," '
            BEGIN { while ((getline l < f) > 0) { split(l, x, "\t"); ap[x[1]] = 1 } }
            ($1 in ap) { s = index(up, "," $2 ",") ? "up" : index(down, "," $2 ",") ? "down" : "unknown"; print $1 "\t" s }' >> "$T/st"
    done < "$T/pl"
    if [ -s "$T/st" ]; then
        wup=$(awk -F '\t' '$2 == "up" { u[$1] = 1 } END { print length(u) }' "$T/st")
        wdown=$(awk -F '\t' '$2 == "up" { u[$1] = 1 } $2 == "down" { d[$1] = 1 } END { n = 0; for (k in d) if (!(k in u)) n++; print n }' "$T/st")
        wsrc=column
    else
        fb=$(prof_get "$pf" status_fallback)
        case "$fb" in
        presence*) wup=$naps; wsrc=presence ;;
        count*) n=$(snmpget -v2c -c "$c" -On -Oe -Oqv $H "${fb#count }" 2>/dev/null)
                if [ "$n" = "$naps" ]; then wup=$naps; wsrc=count; else wup=0; wsrc=none; fi ;;
        *) if grep -q '^ap_self' "$pf"; then wup=$naps; wsrc=presence; else wup=0; wsrc=none; fi ;;
        esac
        wdown=0
    fi
    [ "$naps" -gt 0 ] || wsrc=none
    check "$c [profile] status source" "$(J '.targets[0].status_source')" "$wsrc"
    check "$c [profile] APs up" "$(J '.targets[0].aps_up')" "$wup"
    check "$c [profile] APs down" "$(J '.targets[0].aps_down')" "$wdown"
    # Clients of listed APs.
    wcl=$(while read -r kind mode oid key ifn up down; do
              [ "$kind" = ap_clients ] || continue
              walk_kv "$c" "$oid" "$key"
          done < "$T/pl" | awk -F '\t' -v f="$T/aps" '
              BEGIN { while ((getline l < f) > 0) { split(l, x, "\t"); ap[x[1]] = 1 } }
              ($1 in ap) { s += $2; n++ } END { print (n ? s : "null") }')
    check "$c [profile] AP clients" "$(J '.targets[0].ap_clients_sum')" "$wcl"
    for tk in total_aps total_aps_up total_clients; do
        w=$(while read -r kind mode oid key ifn up down; do
                [ "$kind" = $tk ] || continue
                if [ "$mode" = get ]; then
                    snmpget -v2c -c "$c" -On -Oe -Oq $H "$oid" 2>/dev/null | awk '!/No Such/ { print $NF }'
                else
                    walk_kv "$c" "$oid" 0 | cut -f2
                fi
            done < "$T/pl" | awk '{ s += $1; n++ } END { print (n ? s : "null") }')
        [ "$tk" = total_clients ] && jk=clients_total || jk=$tk
        check "$c [profile] $tk" "$(J ".targets[0].$jk")" "$w"
    done
}

errors=0
check() { # check WHAT GOT WANT
    if [ "$2" = "$3" ]; then echo "ok   $1 = $2"
    else echo "FAIL $1: agent $2, oracle $3"; errors=$((errors + 1)); fi
}
J() { jq -r "$1" "$T/out.json"; }

IFNAME=1.3.6.1.2.1.31.1.1.1.1
IFOPER=1.3.6.1.2.1.2.2.1.8
IFHS=1.3.6.1.2.1.31.1.1.1.15

for f in "$REC"/*.snmprec; do
    c=$(basename "$f" .snmprec)
    echo "== $c"
    once "v2c:$c@$H" > "$T/out.json" 2> "$T/err" || { cat "$T/err"; fail "$c: poll failed"; }
    J '.targets[0] | "   profile=\(.profile) aps=\(.ap_count) \(.duration_ms) ms, \(.requests) requests"'
    check "$c state" "$(J '.targets[0].state')" ok
    # Interfaces: the union of ifName, ifOperStatus, ifHighSpeed rows.
    ni=$( { idx $c $IFNAME 1; idx $c $IFOPER 1; idx $c $IFHS 1; } | sort -u | wc -l)
    check "$c interfaces" "$(J '.targets[0].interfaces | length')" "$ni"
    snmpbulkwalk -v2c -c $c -On -Cr25 $H $IFHS 2>/dev/null |
        awk -v p=".$IFHS." 'index($0, p) == 1 { print substr($1, length(p) + 1), $NF }' |
        sort > "$T/speed.oracle"
    J '.targets[0].interfaces[] | select(.speed_mbps != null) | "\(.index) \(.speed_mbps)"' |
        sort > "$T/speed.agent"
    check "$c ifHighSpeed per interface" "$(cmp -s "$T/speed.agent" "$T/speed.oracle" && echo same || echo differ)" same
    up=$(snmpbulkwalk -v2c -c $c -On -Oe -Cr25 $H $IFOPER 2>/dev/null | awk '$NF == 1' | wc -l)
    check "$c interfaces up" "$(J '[.targets[0].interfaces[] | select(.status == "up")] | length')" "$up"
    # 64-bit counters where both ifHCInOctets and ifHCOutOctets answer.
    hc=$( { idx $c 1.3.6.1.2.1.31.1.1.1.6 1; idx $c 1.3.6.1.2.1.31.1.1.1.10 1; } | sort | uniq -d | wc -l)
    check "$c interfaces with 64-bit counters" "$(J '[.targets[0].interfaces[] | select(.hc_counters)] | length')" "$hc"
    n=$(rows $c 1.3.6.1.2.1.4.35.1.4)
    [ "$n" -gt 0 ] || n=$(rows $c 1.3.6.1.2.1.4.22.1.2)
    check "$c neighbours" "$(J '.targets[0].neighbours')" "$n"

    generic_checks "$c"
    A=.targets[0]
    case $c in
    vrp_ac6605-26)
        T6=1.3.6.1.4.1.2011.6.139
        check "$c profile" "$(J "$A.profile")" huawei-ac
        check "$c AP count" "$(J "$A.ap_count")" "$(rows $c $T6.13.3.3.1.4)"
        check "$c AP names" "$(J "$A.aps[].name" | sort | tr '\n' ,)" "$(vals $c $T6.13.3.3.1.4 | sort | tr '\n' ,)"
        # No hwWlanApRunState in the recording: documented rule = joined count.
        check "$c status column absent" "$(rows $c $T6.13.3.3.1.6)" 0
        joined=$(get $c $T6.12.1.2.1.0)
        if [ "$joined" = "$(rows $c $T6.13.3.3.1.4)" ]; then want=count; wup=$joined; else want=none; wup=0; fi
        check "$c status source" "$(J "$A.status_source")" $want
        check "$c APs up" "$(J "$A.aps_up")" "$wup"
        check "$c AP clients" "$(J "$A.ap_clients_sum")" "$(wsum $c $T6.17.1.1.1.9)"
        check "$c clients total" "$(J "$A.clients_total")" "$(( $(wsum $c $T6.17.1.2.1.2) + $(wsum $c $T6.17.1.2.1.3) ))"
        check "$c total APs" "$(J "$A.total_aps")" "$joined"
        ;;
    arubaos)
        W=1.3.6.1.4.1.14823.2.2.1
        check "$c profile" "$(J "$A.profile")" aruba-controller
        check "$c AP count (distinct radio-table MACs)" "$(J "$A.ap_count")" "$(idx $c $W.5.2.1.5.1.16 6 | wc -l)"
        check "$c AP names" "$(J "$A.aps[].name" | sort -u | md5sum)" "$(vals $c $W.5.2.1.5.1.16 | sort -u | md5sum)"
        check "$c wlanAPStatus absent" "$(rows $c $W.5.2.1.4.1.19)" 0
        check "$c status source (presence rule)" "$(J "$A.status_source")" presence
        check "$c APs up" "$(J "$A.aps_up")" "$(J "$A.ap_count")"
        check "$c AP clients" "$(J "$A.ap_clients_sum")" "$(wsum $c $W.5.2.1.5.1.7)"
        check "$c clients total" "$(J "$A.clients_total")" "$(get $c $W.1.3.2.0)"
        check "$c total APs" "$(J "$A.total_aps")" "$(get $c $W.1.3.1.0)"
        ;;
    ciscowlc_cbw240ac)
        B1=1.3.6.1.4.1.14179.2
        check "$c profile" "$(J "$A.profile")" cisco-wlc
        check "$c AP count" "$(J "$A.ap_count")" "$(rows $c $B1.2.1.1.3)"
        check "$c AP names" "$(J "$A.aps[].name" | sort | tr '\n' ,)" "$(vals $c $B1.2.1.1.3 | sort | tr '\n' ,)"
        check "$c status column absent" "$(rows $c $B1.2.1.1.6)" 0
        joined=$(get $c 1.3.6.1.4.1.9.9.618.1.8.4.0)
        if [ "$joined" = "$(rows $c $B1.2.1.1.3)" ]; then want=count; wup=$joined; else want=none; wup=0; fi
        check "$c status source" "$(J "$A.status_source")" $want
        check "$c APs up" "$(J "$A.aps_up")" "$wup"
        check "$c AP clients" "$(J "$A.ap_clients_sum")" "$(sum_keys $c $B1.2.1.1.3 $B1.2.2.1.15 6)"
        check "$c clients total" "$(J "$A.clients_total")" "$(wsum $c $B1.1.1.1.38)"
        ;;
    aruba-instant)
        AI=1.3.6.1.4.1.14823.2.3.3.1
        check "$c profile" "$(J "$A.profile")" aruba-instant
        check "$c AP count" "$(J "$A.ap_count")" "$(rows $c $AI.2.1.1.2)"
        check "$c AP names" "$(J "$A.aps[].name" | sort | tr '\n' ,)" "$(vals $c $AI.2.1.1.2 | sort | tr '\n' ,)"
        check "$c status source" "$(J "$A.status_source")" column
        check "$c APs up" "$(J "$A.aps_up")" "$(snmpbulkwalk -v2c -c $c -On -Oe $H $AI.2.1.1.11 | awk '$NF == 1' | wc -l)"
        check "$c APs down" "$(J "$A.aps_down")" "$(snmpbulkwalk -v2c -c $c -On -Oe $H $AI.2.1.1.11 | awk '$NF == 2' | wc -l)"
        check "$c AP clients (rows of listed APs)" "$(J "$A.ap_clients_sum")" "$(sum_keys $c $AI.2.1.1.2 $AI.2.2.1.21 6)"
        check "$c clients total" "$(J "$A.clients_total")" "$(wsum $c $AI.1.7.1.4)"
        ;;
    ruckuswireless-sz)
        R=1.3.6.1.4.1.25053.1
        check "$c profile" "$(J "$A.profile")" ruckus-sz
        check "$c AP list (none in this MIB)" "$(J "$A.ap_count")" 0
        check "$c total APs" "$(J "$A.total_aps")" "$(get $c $R.4.1.1.1.15.1.0)"
        check "$c total APs up" "$(J "$A.total_aps_up")" "$(wsum $c $R.8.1.1.1.1.1.1.19)"
        check "$c clients total" "$(J "$A.clients_total")" "$(get $c $R.4.1.1.1.15.2.0)"
        ;;
    unifi_nanohd)
        check "$c profile" "$(J "$A.profile")" unifi-ap
        check "$c AP count (the device)" "$(J "$A.ap_count")" 1
        check "$c AP name = sysName" "$(J "$A.aps[0].name")" "$(snmpget -v2c -c $c -Oqv $H 1.3.6.1.2.1.1.5.0 | sed 's/^"//; s/"$//')"
        check "$c clients" "$(J "$A.ap_clients_sum")" "$(wsum $c 1.3.6.1.4.1.41112.1.6.1.2.1.8)"
        check "$c clients total" "$(J "$A.clients_total")" "$(wsum $c 1.3.6.1.4.1.41112.1.6.1.2.1.8)"
        ;;
    routeros)
        M=1.3.6.1.4.1.14988.1.1.1.3.1
        check "$c profile" "$(J "$A.profile")" mikrotik
        check "$c AP count (AP-mode wlans)" "$(J "$A.ap_count")" "$(rows $c $M.4)"
        idx $c $M.4 1 > "$T/wl"
        # AP names are the ifName of each mtxrWlApTable ifIndex.
        names=$(snmpbulkwalk -v2c -c $c -On $H $IFNAME | awk -v p=".$IFNAME." -v kf="$T/wl" '
            BEGIN { while ((getline l < kf) > 0) k[l] = 1 }
            index($0, p) == 1 { i = substr($1, length(p) + 1); if (i in k) { v = $NF; gsub(/"/, "", v); print v } }' | sort | tr '\n' ,)
        check "$c AP names" "$(J "$A.aps[].name" | sort | tr '\n' ,)" "$names"
        wup=$(snmpbulkwalk -v2c -c $c -On -Oe $H $IFOPER | awk -v p=".$IFOPER." -v kf="$T/wl" '
            BEGIN { while ((getline l < kf) > 0) k[l] = 1 }
            index($0, p) == 1 { i = substr($1, length(p) + 1); if ((i in k) && $NF == 1) n++ } END { print n + 0 }')
        check "$c APs up (ifOperStatus)" "$(J "$A.aps_up")" "$wup"
        check "$c AP clients" "$(J "$A.ap_clients_sum")" "$(wsum $c $M.6)"
        ;;
    comware|ruijie|vrp_5720|ios_2960x)
        check "$c no wireless profile" "$(J "$A.profile")" null
        check "$c no APs" "$(J "$A.ap_count")" 0
        ;;
    *)  echo "   (not a known recording: profile-driven checks only)" ;;
    esac
done

# ---- GETNEXT and small max-repetitions give the same answer ----
cat > "$T/bulk.conf" <<CONF
snmp_target nb v2c:arubaos@$H bulk off timeout 3000
snmp_target mr v2c:arubaos@$H max_repetitions 3
snmp_target big v2c:arubaos@$H max_repetitions 200
CONF
once_conf "$T/bulk.conf" > "$T/out.json" 2> "$T/err" || { cat "$T/err"; fail "bulk variants failed"; }
base=$(once "v2c:arubaos@$H" | jq -c '.targets[0] | [.ap_count, .ap_clients_sum, (.interfaces | length), .neighbours]')
for i in 0 1 2; do
    check "arubaos $(J ".targets[$i].name") same data" "$(jq -c ".targets[$i] | [.ap_count, .ap_clients_sum, (.interfaces | length), .neighbours]" "$T/out.json")" "$base"
done
check "GETNEXT needs more requests than GETBULK" \
    "$(J '.targets[0].requests > .targets[2].requests')" true

# ---- an agent that drops GETBULK answers too big for a datagram ----
# vrp_ac6605-26's Q-BRIDGE egress bitmaps are 12 KB each: a GETBULK of 25
# of them gets no answer from snmpsim. A profile walking that column must
# still complete (max-repetitions shrinks after a timeout) and find every
# row that GETNEXT (snmpwalk) finds.
mkdir -p "$T/prof"
cp "$TOP"/agent/profiles/*.profile "$T/prof/"
cat > "$T/prof/bigwalk.profile" <<'PROF'
profile bigwalk
ap_name 1.3.6.1.2.1.17.7.1.4.2.1.4 key 2
status_fallback presence
PROF
cat > "$T/big.conf" <<CONF
snmp_profile_dir $T/prof
snmp_target big v2c:vrp_ac6605-26@$H profile bigwalk timeout 1500 retries 0 max_repetitions 25
CONF
once_conf "$T/big.conf" > "$T/out.json" 2> "$T/err" || { cat "$T/err"; errors=$((errors + 1)); }
check "oversized GETBULK answers: state" "$(J '.targets[0].state')" ok
check "oversized GETBULK answers: rows" "$(J '.targets[0].ap_count')" \
    "$(snmpwalk -v2c -c vrp_ac6605-26 -On -t 5 $H 1.3.6.1.2.1.17.7.1.4.2.1.4 | grep -c '^\.1\.3\.6\.1\.2\.1\.17\.7\.1\.4\.2\.1\.4\.')"

# ---- nothing listening: clear error, bounded time ----
DEAD=$(free_udp_port)
s0=$(date +%s%N)
once "v2c:public@127.0.0.1:$DEAD" > "$T/out.json" 2> "$T/err"; rc=$?
ms=$(( ($(date +%s%N) - s0) / 1000000 ))
check "dead target exit code" "$rc" 1
check "dead target state" "$(J '.targets[0].state')" unreachable
grep -q "timeout" "$T/err" || { errors=$((errors + 1)); echo "FAIL dead target: no timeout message: $(cat "$T/err")"; }
# default timeout 2000 ms x 2 tries: well under 6 s
[ $ms -lt 6000 ] || { errors=$((errors + 1)); echo "FAIL dead target took $ms ms"; }
echo "ok   dead target: $(cat "$T/err") ($ms ms)"

# ---- a target slower than its timeout ----
SLOW=$(free_udp_port)
cat > "$T/slow.py" <<'PY'
import socket, sys, threading, time
lport, up, delay = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", lport))
def relay(data, addr):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(10)
    u.sendto(data, ("127.0.0.1", up))
    try:
        r = u.recv(65535)
    except OSError:
        return
    time.sleep(delay)
    s.sendto(r, addr)
while True:
    d, a = s.recvfrom(65535)
    threading.Thread(target=relay, args=(d, a), daemon=True).start()
PY
python3 "$T/slow.py" $SLOW $PORT 0.8 &
PIDS="$PIDS $!"
sleep 0.5
cat > "$T/slow.conf" <<CONF
snmp_target slow v2c:ciscowlc_cbw240ac@127.0.0.1:$SLOW timeout 300 retries 1
CONF
s0=$(date +%s%N)
once_conf "$T/slow.conf" > "$T/out.json" 2> "$T/err"; rc=$?
ms=$(( ($(date +%s%N) - s0) / 1000000 ))
check "slow target (300 ms timeout, 800 ms device) exit" "$rc" 1
check "slow target state" "$(J '.targets[0].state')" unreachable
[ $ms -lt 3000 ] || { errors=$((errors + 1)); echo "FAIL slow target took $ms ms"; }
cat > "$T/slow2.conf" <<CONF
snmp_target slow v2c:ciscowlc_cbw240ac@127.0.0.1:$SLOW timeout 3000 retries 0 max_repetitions 50
CONF
once_conf "$T/slow2.conf" > "$T/out.json" 2> "$T/err" || { cat "$T/err"; errors=$((errors + 1)); }
check "slow target with 3 s timeout state" "$(J '.targets[0].state')" ok
check "slow target with 3 s timeout AP count" "$(J '.targets[0].ap_count')" 4

[ $errors -eq 0 ] || fail "$errors check(s) failed"
echo "all checks passed"
