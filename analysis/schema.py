"""
analysis.schema — the layout of an smsim file as markdown tables (one per
group: dataset, dimensions, type, units, long name), read with h5py.

    /usr/bin/python3 -m analysis.schema RUN.h5            # print the tables
    /usr/bin/python3 -m analysis.schema RUN.h5 --update analysis/README.md

--update replaces the text between the `<!-- schema:begin -->` and
`<!-- schema:end -->` markers of the README, so the documented schema is the
one the simulator writes; tests/python/test_analysis.py checks they agree.
Sizes are left out: they depend on the scenario.
"""
from __future__ import annotations

import argparse
import re
import sys
from typing import Any, Optional, Sequence

BEGIN, END = "<!-- schema:begin -->", "<!-- schema:end -->"


def _s(v: Any) -> str:
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if hasattr(v, "tolist"):
        v = v.tolist()
        if isinstance(v, bytes):
            return v.decode("utf-8", "replace")
    return str(v)


def rows(path: str) -> list[tuple[str, str, str, str, str, str]]:
    """[(group, name, dims, type, units, long_name)] for every dataset, sorted by
    group, with each group's coordinates (dimension scales) first."""
    import h5py
    out = []

    def visit(name, obj):
        if not isinstance(obj, h5py.Dataset):
            return
        group, _, base = name.rpartition("/")
        is_scale = h5py.h5ds.is_scale(obj.id)
        dims = []
        for i, d in enumerate(obj.dims):
            dims.append(d[0].name.rsplit("/", 1)[-1] if len(d) else f"(axis {i}, no scale)")
        if is_scale and obj.ndim == 1:
            dims = [base]
        if h5py.check_string_dtype(obj.dtype):
            typ = "string"
        else:
            typ = obj.dtype.name
        if obj.maxshape and obj.maxshape[0] is None:
            typ += ", unlimited" if is_scale else ""
        # The epoch of a time unit is the scenario's start date: documented generically.
        units = re.sub(r" since \d{4}-\d{2}-\d{2}[^ ]*( [0-9:]+)?", " since <start_date>",
                       _s(obj.attrs.get("units", "")))
        out.append(("/" + group, base, "(" + ", ".join(dims) + ")", typ, units, _s(obj.attrs.get("long_name", "")),
                    0 if is_scale else 1))

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    out.sort(key=lambda r: (r[0], r[6], r[1]))
    return [r[:6] for r in out]


def markdown(path: str) -> str:
    lines, group = [], None
    for g, name, dims, typ, units, long_name in rows(path):
        if g != group:
            if group is not None:
                lines.append("")
            lines += [f"#### `{g}`", "", "| dataset | dimensions | type | units | long_name |",
                      "|---|---|---|---|---|"]
            group = g
        lines.append(f"| `{name}` | {dims} | {typ} | {units.replace('|', '/')} | "
                     f"{long_name.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def parse_markdown(text: str) -> list[tuple[str, str, str, str]]:
    """The (group, name, dims, units) rows documented between the markers."""
    if BEGIN not in text or END not in text:
        return []
    body = text.split(BEGIN, 1)[1].split(END, 1)[0]
    out, group = [], None
    for line in body.splitlines():
        if line.startswith("#### `"):
            group = line.split("`")[1]
        elif line.startswith("| `") and group:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            out.append((group, cells[0].strip("`"), cells[1], cells[3]))
    return out


def update(readme: str, path: str) -> None:
    text = open(readme, encoding="utf-8").read()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{readme}: no {BEGIN} ... {END} markers")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    with open(readme, "w", encoding="utf-8") as f:
        f.write(head + BEGIN + "\n" + markdown(path) + END + tail)


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m analysis.schema")
    p.add_argument("run")
    p.add_argument("--update", metavar="README")
    a = p.parse_args(argv)
    if a.update:
        update(a.update, a.run)
    else:
        sys.stdout.write(markdown(a.run))
    return 0


if __name__ == "__main__":
    sys.exit(main())
