#!/usr/bin/env bash
# Sets up everything the tests need on a fresh Debian machine, then runs them all:
# lint, the unit/integration suites (SQLite and PostgreSQL), then the browser tests
# in their own pytest process (Playwright's sync API and asyncio clash in one).
#   scripts/test.sh              everything; fails if PostgreSQL or Chromium cannot be had
#   scripts/test.sh --quick      skip slow, PostgreSQL and browser suites
#   scripts/test.sh --explore    the sync model (CI size) and schemathesis from a fresh
#                                random seed, printed first; replay a run with
#                                ORDO_EXPLORE_SEED=<seed> scripts/test.sh --explore
set -euo pipefail
cd "$(dirname "$0")/.."

mode=all
case "${1:-}" in
  "") ;;
  --quick) mode=quick ;;
  --explore) mode=explore ;;
  *) echo "usage: scripts/test.sh [--quick | --explore]" >&2; exit 2 ;;
esac

fail() {
  echo "scripts/test.sh: $*" >&2
  exit 1
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

if [ "$mode" = explore ]; then
  # Fixed CI profiles stay as they are; this draws new cases. A fresh seed unless one
  # is given to replay (tests/fuzzkit.py), printed before anything else.
  seed="${ORDO_EXPLORE_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
  echo "Explore seed: $seed   (replay: ORDO_EXPLORE_SEED=$seed scripts/test.sh --explore)"
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"

if [ "$mode" = explore ]; then
  ORDO_EXPLORE_SEED="$seed" exec .venv/bin/pytest -m slow -p no:cacheprovider \
    tests/property/test_sync_model.py::test_sync_model_ci tests/server/test_schemathesis.py
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .

if [ "$mode" = quick ]; then
  exec .venv/bin/pytest -m "not slow and not ui and not postgres"
fi

# Debian's Chromium drives the web view (Playwright cannot download a browser here).
if [ ! -x /usr/bin/chromium ]; then
  as_root apt-get update -qq && as_root apt-get install -y -qq chromium || true
  [ -x /usr/bin/chromium ] || fail "Chromium is missing and apt-get could not install it (apt-get install -y chromium); the browser tests need it"
fi

# PostgreSQL on 127.0.0.1:5432 (trust auth, database `test`): install it on a machine that
# lacks it, and start the local cluster if it is down.
if ! command -v pg_isready >/dev/null; then
  as_root apt-get update -qq && as_root apt-get install -y -qq postgresql || true
  command -v pg_isready >/dev/null || PATH="$PATH:$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | head -n1)"
  command -v pg_isready >/dev/null ||
    fail "PostgreSQL is not installed and apt-get could not install it; the postgres tests need it on 127.0.0.1:5432"
  installed=1
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  command -v pg_ctlcluster >/dev/null || fail "PostgreSQL is down on 127.0.0.1:5432 and pg_ctlcluster is missing to start it"
  version="$(ls /etc/postgresql 2>/dev/null | head -n1)"
  [ -n "$version" ] || fail "PostgreSQL is down on 127.0.0.1:5432 and no cluster is configured in /etc/postgresql"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start ||
    fail "could not start PostgreSQL $version/main (pg_ctlcluster failed; see its log in /var/log/postgresql)"
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
  done
  pg_isready -q -h 127.0.0.1 -p 5432 || fail "PostgreSQL $version/main started but does not answer on 127.0.0.1:5432"
fi
if [ "${installed:-0}" = 1 ]; then
  # A cluster installed just now: the tests' trust auth on loopback and their database.
  hba="$(ls /etc/postgresql/*/main/pg_hba.conf | head -n1)"
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' | as_root tee "$hba" >/dev/null
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main reload
  psql -h 127.0.0.1 -U postgres -lqt | cut -d'|' -f1 | grep -qw test ||
    createdb -h 127.0.0.1 -U postgres test || fail "could not create the database test"
fi

.venv/bin/pytest -m "not ui"
.venv/bin/pytest -m ui tests/ui
