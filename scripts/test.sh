#!/usr/bin/env bash
# Sets up everything the tests need on a fresh Debian machine, then runs them all:
# lint, the unit/integration suites (SQLite and PostgreSQL), then the browser tests
# in their own pytest process (Playwright's sync API and asyncio clash in one).
#   scripts/test.sh            everything
#   scripts/test.sh --quick    skip slow, PostgreSQL and browser suites
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
[ "${1:-}" = "--quick" ] && quick=1

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"

.venv/bin/ruff check .
.venv/bin/ruff format --check .

if [ "$quick" = 1 ]; then
  exec .venv/bin/pytest -m "not slow and not ui and not postgres"
fi

# Debian's Chromium drives the web view (Playwright cannot download a browser here).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq chromium
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq chromium
  fi
fi

# PostgreSQL on 127.0.0.1:5432 (trust auth): start the local cluster if it is down.
if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
fi

.venv/bin/pytest -m "not ui"
.venv/bin/pytest -m ui tests/ui
