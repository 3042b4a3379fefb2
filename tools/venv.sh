#!/usr/bin/env bash
# Makes (or refreshes) a venv with Python 3.11 and installs a hashed lock into it:
#
#   bash tools/venv.sh VENV LOCK      e.g. bash tools/venv.sh .venv tools/requirements.txt
#
# LOCK is one of the pip-compile outputs under tools/ (requirements.txt, codegen-requirements.txt):
# every package pinned with ==, each with its hashes, resolved for Python 3.11. pip installs
# exactly the lock's lines (--no-deps: pip's resolver would take a dependency that names an extra,
# such as uvicorn[standard], for an unpinned requirement) with --require-hashes, so a file whose
# hash is not in the lock stops the install; `pip check` then stops the run if a dependency is
# missing from the lock or at a version that does not fit.
#
# The interpreter is $PYTHON, python3.11 by default; it must be Python 3.11. A venv made with
# another Python, or cut short while it was being made (no pip yet), is made again from scratch.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 VENV LOCK" >&2
  exit 2
fi
venv=$1
lock=$2
python=${PYTHON:-python3.11}

if ! command -v "$python" >/dev/null 2>&1; then
  echo "error: $python not found. The Python tools run on Python 3.11 only (the locks under tools/" >&2
  echo "are resolved for it): install CPython 3.11 so that python3.11 is on PATH, or set PYTHON to" >&2
  echo "a Python 3.11 interpreter." >&2
  exit 1
fi
is_311='import sys; sys.exit(sys.version_info[:2] != (3, 11))'
if ! "$python" -c "$is_311"; then
  echo "error: $python is Python $("$python" -c 'import platform; print(platform.python_version())'), not 3.11." >&2
  echo "The Python tools run on Python 3.11 only: set PYTHON to a Python 3.11 interpreter." >&2
  exit 1
fi
if [ ! -x "$venv/bin/pip" ] || ! "$venv/bin/python" -c "$is_311" 2>/dev/null; then
  "$python" -m venv --clear "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --no-deps -r "$lock"
if ! problems=$("$venv/bin/pip" check 2>&1); then
  echo "error: the packages of $lock do not fit together in $venv:" >&2
  echo "$problems" >&2
  exit 1
fi
