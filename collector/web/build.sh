#!/bin/sh
# Bundles the dashboard into BUILD_DIR/web (index.html, app.js, app.css),
# the directory the collector serves at /ui/ (config http_web_dir, or
# installed to /usr/share/classband/web). Front-end libraries come from
# the npm registry at build time (package-lock.json pins them); nothing is
# ever loaded from a CDN at run time, so the page works on an offline NOC.
# Usage: sh collector/web/build.sh BUILD_DIR
# Exits 77 when npm is missing (the collector builds and serves the API
# without the dashboard; / then says how to build it).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh BUILD_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)/web
if ! command -v npm >/dev/null 2>&1; then
    echo "web: npm not found; the dashboard is not built" >&2
    exit 77
fi
cd "$here"
# npm ci installs exactly the locked versions; skipped when they are there
if [ ! -x node_modules/.bin/esbuild ] ||
   [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
mkdir -p "$out"
node_modules/.bin/esbuild src/main.js --bundle --minify --sourcemap \
    --target=es2019 --format=iife --outfile="$out/app.js" \
    --log-level=warning
# uPlot's stylesheet first, ours after it
cat node_modules/uplot/dist/uPlot.min.css app.css > "$out/app.css"
cp index.html "$out/index.html"
echo "web: dashboard in $out"
