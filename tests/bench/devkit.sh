#!/usr/bin/env bash
# tests/bench/devkit.sh — pack build/smsim, h5diff and every shared library
# they load (the dynamic loader included) into build/devkit/, so a scaling
# measurement can run on a bigger machine that has none of smsim's
# dependencies installed:
#   build/devkit/run smsim run scenarios/default.cfg --threads 16 ...
set -eu
BUILD=${BUILD:-build}
kit=$BUILD/devkit
rm -rf "$kit"; mkdir -p "$kit/lib"
bins="$BUILD/smsim $(command -v h5diff)"
for b in "$BUILD"/bench/bench_rollout "$BUILD"/bench/bench_dcc; do [ -x "$b" ] && bins="$bins $b"; done
for bin in $bins; do
    cp "$bin" "$kit/"
    ldd "$bin" | awk '/=>/ { print $3 } /ld-linux/ { print $1 }' | while read -r lib; do
        [ -f "$lib" ] && cp -L "$lib" "$kit/lib/"
    done
done
cat > "$kit/run" <<'RUN'
#!/usr/bin/env bash
# run PROGRAM ARGS...: start a packed program with the packed loader and libraries.
here=$(cd "$(dirname "$0")" && pwd)
prog=$1; shift
exec "$here/lib/ld-linux-x86-64.so.2" --library-path "$here/lib" "$here/$prog" "$@"
RUN
chmod +x "$kit/run"
du -sh "$kit"
