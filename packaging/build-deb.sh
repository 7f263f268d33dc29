#!/bin/sh
# `make deb`: builds the classband-agent and classband-collector binary
# packages into OUT (default build/deb) and checks them with lintian.
# dpkg-buildpackage wants debian/ at the top of the source, and the shared
# working tree must not grow one, so a copy of the tree is staged in
# OUT/classband-VERSION with packaging/debian as its debian/ and the units
# from packaging/systemd beside it.
# Usage: packaging/build-deb.sh OUT
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-build/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
version=$(cat "$top/VERSION")
stage=$out/classband-$version

for tool in dpkg-buildpackage dh lintian fakeroot; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "deb: $tool missing: apt-get install debhelper lintian fakeroot" >&2
        exit 3
    fi
done
# the changelog names the version the packages get; they must agree
chver=$(dpkg-parsechangelog -l "$top/packaging/debian/changelog" -S Version)
if [ "$chver" != "$version" ]; then
    echo "deb: VERSION says $version but packaging/debian/changelog says" \
         "$chver; add a changelog entry (dch -v $version)" >&2
    exit 1
fi

rm -rf "$stage"
mkdir -p "$stage"
# everything but build trees, VCS data and local run leftovers
(cd "$top" && tar --exclude='./build*' --exclude=./.git --exclude=./debian \
    --exclude=./tmp --exclude=./demo-run --exclude='*.db' \
    --exclude='*.db-wal' --exclude='*.db-shm' -cf - .) |
    (cd "$stage" && tar -xf - --no-same-owner)
cp -R "$top/packaging/debian" "$stage/debian"
cp "$top/packaging/systemd/classband-agent.service" \
   "$top/packaging/systemd/classband-collector.service" "$stage/debian/"
rm -f "$out"/classband-*.deb "$out"/classband_*.changes \
      "$out"/classband_*.buildinfo "$out"/classband-*.ddeb
(cd "$stage" && dpkg-buildpackage -b -us -uc -j"$(nproc)")
changes=$(ls "$out"/classband_"${version}"_*.changes)
echo "deb: lintian $changes"
# Tags that remain are explained in packaging/debian/*.lintian-overrides.
lintian --fail-on error,warning --info --display-info "$changes"
ls -l "$out"/*.deb
