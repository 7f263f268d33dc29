#!/bin/sh
# The man pages keep up with the programs: every config key in the key
# tables (agent/agent_conf.c, the modules' *_conf_keys lists in agent/,
# collector/collector_conf.c) is described in the .5 page, every long
# option that --help prints (for the agent, the collector and each collector
# subcommand) and every collector subcommand is in the .8 page, `--version`
# prints the VERSION file, and the pages format without groff warnings.
# Several engineers add keys and subcommands in parallel; this is what
# tells them the manual needs a line.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-build}
A=$BUILD/classband-agent
C=$BUILD/classband-collector
[ -x "$A" ] && [ -x "$C" ] || { echo "build $BUILD first"; exit 77; }
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# the roff source with escapes removed: \- -> -, \fB etc. gone
plain() {
    sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(en/-/g' "$1"
}
has_word() { # has_word FILE WORD: WORD appears delimited in the page
    plain "$1" | grep -q -- "\(^\|[^a-z_-]\)$2\([^a-z_]\|$\)"
}

# ---- config keys ------------------------------------------------------------
keys_of() { sed -n 's/^ *{ *"\([a-z_]*\)", *CONF_.*/\1/p' "$@"; }
akeys="$(keys_of agent/agent_conf.c)
$(for f in agent/*.c; do sed -n '/_conf_keys\[\] = {/,/};/p' "$f"; done |
    grep -o '"[a-z_]*"' | tr -d '"')"
ckeys=$(keys_of collector/collector_conf.c)
[ -n "$akeys" ] && [ -n "$ckeys" ] || bad "no keys found in the key tables"
n=0
for k in $akeys; do
    n=$((n + 1))
    has_word man/classband-agent.conf.5 "$k" ||
        bad "agent key '$k' is not in man/classband-agent.conf.5"
done
for k in $ckeys; do
    n=$((n + 1))
    has_word man/classband-collector.conf.5 "$k" ||
        bad "collector key '$k' is not in man/classband-collector.conf.5"
done
echo "config keys checked: $n"

# ---- options and subcommands ----------------------------------------------------
opts_of() { grep -o -- '--[a-z][a-z-]*' | sort -u; }
n=0
for o in $("$A" --help | opts_of); do
    n=$((n + 1))
    has_word man/classband-agent.8 "$o" ||
        bad "agent option $o is not in man/classband-agent.8"
done
subs=$(sed -n '/commands\[\] = {/,/^};/p' collector/main.c |
    sed -n 's/^ *{ *"\([a-z-]*\)".*/\1/p')
[ -n "$subs" ] || bad "no subcommands found in collector/main.c"
copts=$("$C" --help | opts_of)
for s in $subs; do
    n=$((n + 1))
    has_word man/classband-collector.8 "$s" ||
        bad "collector subcommand '$s' is not in man/classband-collector.8"
    copts="$copts
$("$C" "$s" --help 2>/dev/null | opts_of)"
done
for o in $(echo "$copts" | sort -u); do
    n=$((n + 1))
    has_word man/classband-collector.8 "$o" ||
        bad "collector option $o is not in man/classband-collector.8"
done
echo "options and subcommands checked: $n"

# ---- --version, formatting ----------------------------------------------------------
v=$(cat VERSION)
[ "$("$A" --version)" = "classband-agent $v" ] || bad "agent --version"
[ "$("$C" --version)" = "classband-collector $v" ] || bad "collector --version"
for m in man/*.[58]; do
    grep -q "\"classband $v\"" "$m" || bad "$m: .TH does not say classband $v"
    if command -v groff >/dev/null 2>&1; then
        w=$(LC_ALL=C.UTF-8 groff -k -man -Tutf8 -ww -z "$m" 2>&1)
        [ -z "$w" ] || bad "$m: groff: $w"
    fi
done
[ $fail -eq 0 ] && echo "pkg_manpages: passed"
exit $fail
