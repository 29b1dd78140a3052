#!/usr/bin/env bash
# The key reference in scenarios/README.md is generated from the schema
# tables (`smsim keys`); this fails when code and documentation drift apart.
# Regenerate with `make docs`.
set -u
SMSIM=${SMSIM:-build/smsim}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$SMSIM" keys > "$tmp/keys.md" || { echo "smsim keys failed"; exit 1; }
sed -n '/<!-- BEGIN KEYS -->/,/<!-- END KEYS -->/p' scenarios/README.md | sed '1d;$d' > "$tmp/readme.md"
if diff -q "$tmp/keys.md" "$tmp/readme.md" >/dev/null; then
  echo "docs: 1 passed, 0 failed"
else
  diff "$tmp/keys.md" "$tmp/readme.md" | head -20
  echo "scenarios/README.md key reference is out of date: run 'make docs'"
  echo "docs: 0 passed, 1 failed"; exit 1
fi
