#!/bin/sh
# OpenWrt package without the SDK: the procd init script's UCI-to-config
# translation (files/classband-agent-uci2conf) is run against a UCI file
# with every kind of section, through a stand-in for OpenWrt's
# /lib/functions.sh (tests/cross/uci_functions.sh), and the result must be
# accepted by the real agent's `-n -v` and read back with the same classes,
# targets and areas. Also: the init script and the translator parse as sh,
# and every file the package Makefile installs exists.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-build}
pkg=packaging/openwrt/classband-agent
agent=$BUILD/classband-agent
[ -x "$agent" ] || { echo "no $agent: run make BUILD=$BUILD first"; exit 77; }

tmp=$(mktemp -d /tmp/cross_openwrt_uci.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {
    d=$1; shift
    if "$@"; then echo "ok:   $d"; else echo "FAIL: $d"; fail=1; fi
}

for f in files/classband-agent.init files/classband-agent-uci2conf; do
    check "$f parses as sh" sh -n "$pkg/$f"
done
for f in $(sed -n 's|.*\./\(files/[^ ]*\).*|\1|p' "$pkg/Makefile"); do
    check "Makefile installs $f, which exists" test -f "$pkg/$f"
done
check "the shipped UCI file loads, disabled by default" sh -c "
    . tests/cross/uci_functions.sh; UCI_CONFIG_DIR=$pkg/files
    mkdir -p $tmp/shipped; cp $pkg/files/classband-agent.config \
        $tmp/shipped/classband-agent
    UCI_CONFIG_DIR=$tmp/shipped; config_load classband-agent
    config_get_bool e agent enabled 1; test \"\$e\" = 0"

mkdir -p "$tmp/config"
printf 'v2c-secret\n' > "$tmp/community"
cat > "$tmp/config/classband-agent" <<EOF2
config agent 'agent'
	option enabled '1'
	option school '440306001'
	option collector '127.0.0.1:7411'
	option agent_id 'gw one'
	option tls_key '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'
	option probe_collector '127.0.0.1:7412'
	option probe_schedule '02:30'
	option wan_interface 'eth1'
	list reach_target 'tcp:192.0.2.1:443'
	list reach_target 'tcp:198.51.100.1:80'
	list interface 'br-lan'
	list interface 'eth0.2'
	option snaplen '128'
	option promisc '1'
	option user 'classband'
	option spool '$tmp/spool'
	option spool_max_mb '8'
	option bpf_filter 'not port 7411'
	list local '192.168.0.0/16'

config class
	option name '一年级1班'
	list prefix '10.16.1.0/24'
	list prefix '2001:db8:16:1::/64'

config class
	option name 'lab "A"'
	list vlan '120'

config snmp_target
	option name 'wlc'
	option spec 'v2c:file:$tmp/community@192.0.2.10'
	option interval '60'
	option bulk 'off'

config area
	option name 'Classroom 101'
	option required '1'
	list ap 'AP-101*'
	list ap 'aa:bb:cc:dd:ee:ff'

config area
	option name 'Yard'
	option required '0'
	list ap 'AP-YARD'
EOF2
CLASSBAND_FUNCTIONS=$top/tests/cross/uci_functions.sh \
UCI_CONFIG_DIR=$tmp/config sh "$pkg/files/classband-agent-uci2conf" \
    > "$tmp/agent.conf" 2> "$tmp/uci2conf.err"
chmod 600 "$tmp/agent.conf" "$tmp/community"  # as the init script makes it
check "uci2conf ran without complaints" test ! -s "$tmp/uci2conf.err"
echo "---- generated:"; cat "$tmp/agent.conf"; echo "----"
if "$agent" -n -v -c "$tmp/agent.conf" > "$tmp/print" 2> "$tmp/check.err"; then
    echo "ok:   the agent accepts the generated config"
else
    echo "FAIL: the agent rejects the generated config:"
    cat "$tmp/check.err"; fail=1
fi
cat "$tmp/print"
for want in "school 440306001" "collector 127.0.0.1:7411" "agent_id gw one" \
            "snaplen 128" "一年级1班" "10.16.1.0/24" "2001:db8:16:1::/64" \
            'lab ""A""' "120" "br-lan" "eth0.2" "192.168.0.0/16" \
            "not port 7411"; do
    check "read back: $want" grep -qF -- "$want" "$tmp/print"
done
check "generated: two classes for 一年级1班" \
    test "$(grep -c '^class "一年级1班"' "$tmp/agent.conf")" = 2
check "generated: the VLAN class" grep -qF 'class "lab \"A\"" "vlan:120"' \
    "$tmp/agent.conf"
check "generated: snmp target with its options" grep -qF \
    "snmp_target \"wlc\" \"v2c:file:$tmp/community@192.0.2.10\" interval \"60\" bulk \"off\"" \
    "$tmp/agent.conf"
check "generated: required and optional areas" sh -c \
    "grep -qF 'area \"Classroom 101\" required \"AP-101*\" \"aa:bb:cc:dd:ee:ff\"' $tmp/agent.conf &&
     grep -qF 'area \"Yard\" optional \"AP-YARD\"' $tmp/agent.conf"
check "generated: promisc yes" grep -qx "promisc yes" "$tmp/agent.conf"
check "generated: tls_key and probes" sh -c \
    "grep -qx 'tls_key \"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"' $tmp/agent.conf &&
     grep -qx 'probe_collector \"127.0.0.1:7412\"' $tmp/agent.conf &&
     grep -qx 'reach_target \"tcp:198.51.100.1:80\"' $tmp/agent.conf"
check "generated: no plaintext unless asked" sh -c "! grep -q plaintext $tmp/agent.conf"
# a broken value is caught by the agent with the generated file's line
sed -i 's/^snaplen .*/snaplen "12"/' "$tmp/agent.conf"
if "$agent" -n -c "$tmp/agent.conf" > /dev/null 2> "$tmp/bad.err"; then
    echo "FAIL: snaplen 12 was accepted"; fail=1
else
    check "a bad value is refused with file:line" \
        grep -q "^$tmp/agent.conf:[0-9]*: " "$tmp/bad.err"
fi
exit $fail
