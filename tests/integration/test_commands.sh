#!/usr/bin/env bash
# Every command a script under tests/ calls comes from the minimal Debian
# base system or from a package `make` installs (DEB_PKGS, with what they
# depend on): `make test` must pass on a fresh minimal machine.  The
# commands are read from the scripts (comments and quoted text left out)
# and each one that is a program on this machine must also be in the PATH
# tests/tools/minimal-path.sh builds from the package lists.  Skips (and
# passes) where the package database is not available.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()   { passes=$((passes+1)); echo "  ok: $*"; }
bad()  { fails=$((fails+1)); echo "  FAIL: $*"; }
if ! command -v dpkg-query >/dev/null || ! command -v apt-cache >/dev/null; then
  echo "  skip: no dpkg-query/apt-cache; commands not checked"; exit 0
fi
mkdir "$tmp/bin"
bash tests/tools/minimal-path.sh --bin "$tmp/bin" >"$tmp/log" 2>&1 || { bad "minimal-path.sh: $(tail -3 "$tmp/log")"; exit 1; }
[ -e "$tmp/bin/bash" ] && [ -e "$tmp/bin/make" ] && [ -e "$tmp/bin/grep" ] && ok "minimal PATH built: $(head -1 "$tmp/log")" \
  || { bad "minimal PATH lacks bash/make/grep"; exit 1; }
[ ! -e "$tmp/bin/pgrep" ] && ok "pgrep (procps) is not in the minimal PATH" || bad "pgrep in the minimal PATH: the package lists are wrong"

# Words in command position: at a line start or after | ; & ( ! $( && || then do else if while.
/usr/bin/python3 - tests/integration/*.sh tests/tools/*.sh .ci/run > "$tmp/words" <<'PYEOF'
import re, sys

def strip_quotes(line):
    """Quoted text is data; only the $(...) inside double quotes is code."""
    out, i = [], 0
    while i < len(line):
        c = line[i]
        if c == "'":
            j = line.find("'", i + 1)
            if j < 0:
                break
            out.append("''")
            i = j + 1
        elif c == '"':
            j, subs = i + 1, []
            while j < len(line) and line[j] != '"':
                if line[j] == '\\':
                    j += 2
                elif line.startswith('$(', j):
                    depth, k = 1, j + 2
                    while k < len(line) and depth:
                        depth += {'(': 1, ')': -1}.get(line[k], 0)
                        k += 1
                    subs.append(line[j:k])
                    j = k
                else:
                    j += 1
            out.append('"" ' + ' ; '.join(subs) + ' ')
            i = j + 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)
for f in sys.argv[1:]:
    src = open(f).read()
    funcs = set(re.findall(r'^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*\(\)', src, re.M))
    body = re.sub(r"<<'?(\w+)'?\n.*?\n\1\n", "\n", src, flags=re.S)    # here-documents are data
    for line in body.split('\n'):
        if line.lstrip().startswith('#'):
            continue
        line = strip_quotes(line)
        line = re.sub(r'\s#.*$', '', line)
        for m in re.finditer(r'(?:^|[|;&(`!]|\$\(|\bthen\b|\bdo\b|\belse\b|\bif\b|\bwhile\b)\s*([A-Za-z_/][A-Za-z0-9_./+-]*)', line):
            w = m.group(1)
            rest = line[m.end(1):]
            if w in funcs or rest.startswith('='):
                continue
            print(f"{w} {f}")
PYEOF
n=0
while read -r w f; do
  path=$(command -v "$w" 2>/dev/null) || continue
  case $path in /*) ;; *) continue ;; esac          # a builtin or keyword
  n=$((n+1))
  name=${path##*/}
  if [ ! -e "$tmp/bin/$name" ]; then
    owner=$(dpkg-query -S "$(readlink -f "$path")" 2>/dev/null | cut -d: -f1 | head -1)
    bad "$f calls $w ($path, package ${owner:-none}), which a minimal Debian with DEB_PKGS does not have"
  fi
done < <(sort -u "$tmp/words")
[ "$fails" = 0 ] && ok "$n commands in the scripts, each in the base system or DEB_PKGS"
echo "commands: $passes passed, $fails failed"
[ "$fails" = 0 ]
