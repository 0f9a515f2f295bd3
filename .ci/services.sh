#!/usr/bin/env bash
# Install (from Debian) and start what the test suite needs: PostgreSQL for the
# database layer, Chromium for browser tests, poppler for reading PDFs, nginx for the
# two-server deployment journey (tests/deploy/: it starts its own nginx, not the service).
# Idempotent: safe to run again on a machine that already has them.
set -euo pipefail

packages=(postgresql chromium fonts-dejavu-core poppler-utils nginx)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
# npm usually comes with the machine's Node.js; Debian's package only when it does not.
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# axe-core for the accessibility checks in the browser tests and scorm-again, the LMS side of
# the SCORM package's test (npm registry; no browser download).
if [ ! -f node_modules/axe-core/axe.min.js ] || [ ! -f node_modules/scorm-again/dist/scorm12.js ]; then
    echo "== npm ci (axe-core, scorm-again)"
    npm ci --no-audit --no-fund --silent
fi

# PostgreSQL: the packaged cluster, started if it is down.
read -r version cluster _ < <(pg_lsclusters -h | head -n 1) || true
if [ -z "${version:-}" ]; then
    version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
    cluster=main
    pg_createcluster "$version" "$cluster" >/dev/null
fi
pg_ctlcluster "$version" "$cluster" start 2>/dev/null || true
for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 && break
    sleep 1
done
su postgres -c "psql -q -tc \"SELECT 1 FROM pg_roles WHERE rolname='dobro'\" | grep -q 1 \
    || psql -q -c \"CREATE ROLE dobro LOGIN PASSWORD 'dobro'\""
su postgres -c "psql -q -tc \"SELECT 1 FROM pg_database WHERE datname='dobro_test'\" | grep -q 1 \
    || createdb -O dobro dobro_test"
echo "== PostgreSQL $version/$cluster ready"
