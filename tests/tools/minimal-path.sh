#!/usr/bin/env bash
# Run the test suite with a PATH that holds only the commands a fresh
# minimal Debian would have after `make deps`: those of the base system
# (packages that are Essential or of Priority required, what
# `debootstrap --variant=minbase` and the debian:bookworm image install) and
# of DEB_PKGS with everything they depend on (apt installs dependencies,
# not recommendations: --no-install-recommends).  A test that calls a
# command from any other package (procps's pgrep, bc, xxd, file, curl ...)
# then fails with "command not found" here instead of on a user's machine.
#
#   bash tests/tools/minimal-path.sh [COMMAND ...]
#   default: make test-c test-integration test-fuzz test-python
#   e.g.     bash tests/tools/minimal-path.sh bash tests/integration/test_mpi.sh
#
# Needs dpkg-query and apt-cache (this machine's package database); it
# checks commands, not libraries or files.  Not part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/../.."
#   bash tests/tools/minimal-path.sh --bin DIR   only fill DIR with the commands (for tests)
if [ "${1:-}" = --bin ]; then keep_bin=$2; shift 2; else keep_bin=; fi
[ $# -gt 0 ] || [ -n "$keep_bin" ] || set -- make --no-print-directory test-c test-integration test-fuzz test-python
bin=${keep_bin:-$(mktemp -d)}

base=$(dpkg-query -W -f='${Package} ${Essential} ${Priority}\n' | awk '$2=="yes" || $3=="required" {print $1}')
deb_pkgs=$(make -s --no-print-directory -f Makefile -f - print-deb-pkgs <<'MK'
print-deb-pkgs: ; @echo $(DEB_PKGS)
MK
)
# Dependencies, recursively, without recommends; keep the installed ones.
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
            --no-replaces --no-enhances $base $deb_pkgs 2>/dev/null | sed -n 's/^\([a-z0-9][^ <>:]*\).*/\1/p' | sort -u)
allowed=$(mktemp)
if [ -n "$keep_bin" ]; then trap 'rm -f "$allowed"' EXIT; else trap 'rm -rf "$bin" "$allowed"' EXIT; fi
for p in $closure; do dpkg-query -L "$p" 2>/dev/null || true; done | sort -u > "$allowed"
# A command is allowed when it, or what it resolves to (update-alternatives
# links such as awk -> mawk, mpirun -> mpirun.openmpi), belongs to one.
for d in /usr/local/bin /usr/bin /bin /usr/sbin /sbin; do
  for f in "$d"/*; do
    [ -x "$f" ] && [ ! -d "$f" ] && printf '%s\t%s\n' "$f" "$(readlink -f "$f")"
  done
done | awk -F'\t' 'NR == FNR { ok[$0] = 1; next } ok[$1] || ok[$2] { print $1 }' "$allowed" - |
while read -r f; do
  [ -e "$bin/${f##*/}" ] || ln -s "$f" "$bin/${f##*/}"
done
echo "minimal PATH: $(ls "$bin" | wc -l) commands from $(echo "$closure" | wc -w) packages" \
     "(base: $(echo "$base" | wc -w); DEB_PKGS: $(echo "$deb_pkgs" | wc -w))"
for c in pgrep pkill ps bc xxd file curl wget; do
  [ -e "$bin/$c" ] && echo "  note: $c is available (from a dependency)"
done
[ -z "$keep_bin" ] || exit 0
# Tests run `make` in sub-makes and scripts: both see only this PATH.
env -i HOME="$HOME" PATH="$bin" LANG=C.UTF-8 SMSIM="${SMSIM:-build/smsim}" "$bin/bash" -c '"$@"' bash "$@"
