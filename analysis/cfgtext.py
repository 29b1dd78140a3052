"""
analysis.cfgtext — read the libconfig text smsim writes (a scenario file, or
a run's root attribute `scenario_effective`) into plain Python values, and
address its keys the way `smsim run --set` does (`rollout.suppliers.[0].share`).

Only what scenario files use: groups `{ }`, lists `( )`, arrays `[ ]`,
strings, integers (with an optional L suffix), floats, booleans, `#`, `//`
and `/* */` comments.  Not for writing scenarios (the calibration passes
values to smsim with --set, which validates them).
"""
from __future__ import annotations

import re

__all__ = ["parse", "get", "expand_key", "format_value"]

_TOKEN = re.compile(r"""
    (?P<ws>\s+|\#[^\n]*|//[^\n]*|/\*.*?\*/)
  | (?P<str>"(?:[^"\\]|\\.)*")
  | (?P<num>[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?L?)
  | (?P<name>[A-Za-z*][-A-Za-z0-9_*]*)
  | (?P<punct>[{}()\[\]=:;,])
""", re.X | re.S)


def _tokens(text):
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"libconfig text: cannot read at offset {pos}: {text[pos:pos + 20]!r}")
        pos = m.end()
        if m.lastgroup != "ws":
            yield m.lastgroup, m.group()
    yield "end", ""


class _Parser:
    def __init__(self, text):
        self.toks = list(_tokens(text))
        self.i = 0

    def peek(self):
        return self.toks[self.i]

    def take(self, want=None):
        kind, val = self.toks[self.i]
        if want is not None and val != want:
            raise ValueError(f"libconfig text: expected {want!r}, got {val!r}")
        self.i += 1
        return kind, val

    def settings(self, close):
        out = {}
        while self.peek()[1] != close and self.peek()[0] != "end":
            _, name = self.take()
            self.take("=" if self.peek()[1] == "=" else ":")
            out[name] = self.value()
            if self.peek()[1] in (";", ","):
                self.take()
        return out

    def value(self):
        kind, val = self.take()
        if kind == "str":
            s = val[1:-1].encode().decode("unicode_escape")
            while self.peek()[0] == "str":          # adjacent strings concatenate
                s += self.take()[1][1:-1]
            return s
        if kind == "num":
            v = val.rstrip("L")
            return float(v) if any(c in v for c in ".eE") else int(v)
        if kind == "name" and val.lower() in ("true", "false"):
            return val.lower() == "true"
        if val == "{":
            g = self.settings("}")
            self.take("}")
            return g
        if val in "([":
            close = ")" if val == "(" else "]"
            items = []
            while self.peek()[1] != close:
                items.append(self.value())
                if self.peek()[1] == ",":
                    self.take()
            self.take(close)
            return items
        raise ValueError(f"libconfig text: unexpected {val!r}")


def parse(text: str) -> dict:
    """libconfig text -> nested dicts (groups) and lists (lists, arrays)."""
    p = _Parser(text)
    out = p.settings("")
    if p.peek()[0] != "end":
        raise ValueError(f"libconfig text: unexpected {p.peek()[1]!r}")
    return out


def _parts(key: str):
    return [p for p in key.split(".") if p]


def get(cfg: dict, key: str):
    """The value at a dotted key (`rollout.suppliers.[2].share`); KeyError if absent."""
    node = cfg
    for p in _parts(key):
        if p.startswith("[") and p.endswith("]"):
            node = node[int(p[1:-1])]
        else:
            node = node[p]
    return node


def expand_key(cfg: dict, key: str) -> list[str]:
    """Expand `[*]` (every element of a list) into concrete keys, in order."""
    parts = _parts(key)
    for i, p in enumerate(parts):
        if p == "[*]":
            head = ".".join(parts[:i])
            n = len(get(cfg, head))
            tail = ".".join(parts[i + 1:])
            out = []
            for k in range(n):
                out += expand_key(cfg, f"{head}.[{k}]" + (f".{tail}" if tail else ""))
            return out
    return [key]


def format_value(v) -> str:
    """A Python value as smsim's --set accepts it (floats keep a decimal point)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        s = repr(float(v))
        return s if any(c in s for c in ".eEn") else s + ".0"
    if isinstance(v, str):
        return '"' + v + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(format_value(x) for x in v) + "]"
    raise TypeError(f"cannot format {v!r}")
