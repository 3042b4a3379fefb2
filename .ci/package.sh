#!/usr/bin/env bash
# What each crate would publish: `cargo package --list` for the three crates, checked against the
# files each one is meant to ship. Fails when a file outside that set appears (a corpus, tools/,
# tests/, .ci/ ...) or when a file every crate must ship (README.md, LICENSE, its entry point) is
# missing. Runs offline: `--list` neither builds nor verifies the package.
set -euo pipefail
cd "$(dirname "$0")/.."

# Files cargo writes into every package itself.
generated='Cargo\.toml|Cargo\.toml\.orig|Cargo\.lock|\.cargo_vcs_info\.json'

# crate | what it may ship (an extended regex over the listed paths) | what it must ship
crates=(
  "airflow-comms|src/.+\.rs|schemas/README\.md|schemas/(validation|serialization)/[A-Za-z]+\.json|README\.md|CHANGELOG\.md|LICENSE|src/lib.rs README.md CHANGELOG.md LICENSE schemas/README.md"
  "airflow-comms-cli|src/.+\.rs|README\.md|LICENSE|src/main.rs README.md LICENSE"
  "airflow-comms-runtime|src/.+\.rs|examples/[a-z_]+\.rs|README\.md|LICENSE|src/lib.rs README.md LICENSE"
  "airflow-comms-supervisor|src/.+\.rs|openapi/execution-api-[0-9-]+\.json|README\.md|LICENSE|src/main.rs src/lib.rs README.md LICENSE"
)

status=0
for entry in "${crates[@]}"; do
  name=${entry%%|*}
  rest=${entry#*|}
  required=${rest##*|}
  allowed="^(${rest%|*}|$generated)\$"
  # `--allow-dirty`: the check is about the include lists, not about the work tree being committed.
  if ! list=$(cargo package --list --allow-dirty --quiet -p "$name"); then
    echo "package.sh: cargo package --list -p $name failed" >&2
    status=1
    continue
  fi
  unexpected=$(grep -Ev "$allowed" <<<"$list" || true)
  if [ -n "$unexpected" ]; then
    echo "package.sh: $name would ship files outside its include list:" >&2
    sed 's/^/  /' <<<"$unexpected" >&2
    status=1
  fi
  for file in $required; do
    if ! grep -Fxq "$file" <<<"$list"; then
      echo "package.sh: $name would not ship $file" >&2
      status=1
    fi
  done
  echo "$name: $(wc -l <<<"$list") files"
done
exit $status
