#!/bin/sh
# Storage behind an interface (issue 5, item 6): only the SQLite backend
# (collector/storage_sqlite*.c) may know SQLite. Checked three ways that do
# not trust the code's own comments:
#   1. every other collector source compiles with a sqlite3.h placed first
#      on the include path that is an #error, so no direct or indirect
#      include of SQLite slips through;
#   2. the objects built from them reference no sqlite3_* symbol and none
#      of the backend's private entry points (storage_db, storage_handle);
#   3. no SQL statement text appears in them.
# The backend-neutral headers collector/storage*.h are what a PostgreSQL
# backend would implement; the list of backend files is printed.
. "$(dirname "$0")/../lib.sh"

cd "$TOP" || fail "cd"
backend() {
    case "$(basename "$1")" in
    storage_sqlite*) return 0 ;;
    *) return 1 ;;
    esac
}

mkdir -p "$T/poison"
echo '#error "sqlite3.h outside the SQLite backend (collector/storage_sqlite*.c)"' \
    > "$T/poison/sqlite3.h"
cflags=$(pkg-config --cflags libuv jansson libmicrohttpd libssl 2>/dev/null)
bad=0; neutral=0; nb=0
for f in collector/*.c; do
    if backend "$f"; then
        nb=$((nb + 1)); echo "backend: $f"
        continue
    fi
    neutral=$((neutral + 1))
    o=$T/$(basename "$f" .c).o
    # shellcheck disable=SC2086
    if ! ${CC:-cc} -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -DCLASSBAND_VERSION='"0"' \
            -I"$T/poison" -Icommon -Icollector -Iagent $cflags \
            -c "$f" -o "$o" 2> "$T/cc.err"; then
        echo "$f: does not compile without SQLite:"; head -n 5 "$T/cc.err"
        bad=$((bad + 1)); continue
    fi
    syms=$(nm -u "$o" | awk '{print $NF}' |
           grep -E '^(sqlite3_|storage_db$|storage_handle$)' | tr '\n' ' ')
    if [ -n "$syms" ]; then
        echo "$f: uses the backend's symbols: $syms"; bad=$((bad + 1))
    fi
    if grep -nE '"[[:space:]]*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|PRAGMA|BEGIN|COMMIT|ROLLBACK|WITH)[[:space:]]' "$f" \
            > "$T/sql.txt"; then
        echo "$f: SQL text:"; head -n 3 "$T/sql.txt"; bad=$((bad + 1))
    fi
done
for h in collector/storage*.h; do
    backend "$h" && continue
    if grep -nE '#include[[:space:]]*[<"]sqlite3\.h|sqlite3[[:space:]]*\*' "$h"; then
        echo "$h: an interface header names SQLite"; bad=$((bad + 1))
    fi
done
echo "$neutral backend-neutral sources, $nb backend sources, $bad problems"
[ "$nb" -gt 0 ] || fail "no backend sources found (collector/storage_sqlite*.c)"
[ "$neutral" -gt 10 ] || fail "too few collector sources checked"
[ "$bad" -eq 0 ] || fail "$bad sources break the storage boundary"
echo "ok"
