"""
analysis.report — the report command: PNG figures and an index.html that
shows them with the run's metadata and key totals.

    /usr/bin/python3 -m analysis.report RUN.h5 [--compare OTHER.h5] -o DIR

Exit status: 0 written; 2 a missing, unreadable or incomplete input file or
bad arguments; 1 anything else.  A figure whose data the run lacks is left
out with a note in the page (never a crash): reports of runs without DCC
detail days are still useful.

Not for interactive use: call analysis.plots from a notebook instead.
"""
from __future__ import annotations

import argparse
import html
import os
import sys
import traceback

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from . import plots  # noqa: E402
from .load import RunError, key_totals, open_run  # noqa: E402

META = [("scenario", "scenario_path"), ("seed", "seed"), ("smsim version", "smsim_version"),
        ("command line", "command_line"), ("households", "households"),
        ("simulated period", None), ("threads", "threads"), ("ranks", "ranks"),
        ("shards", "shards"), ("started", "started_at"), ("finished", "finished_at"),
        ("wall time", "wall_time_s"), ("events", "events"), ("status", "status")]


def _fmt(v):
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1 else f"{v:,.2f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _fmt_total(key, v):
    if "share" in key and isinstance(v, float):
        return f"{100 * v:.2f} %"
    return _fmt(v)


def _meta_rows(run):
    a = run.attrs
    rows = []
    for label, key in META:
        if key is None:
            v = f"{a.get('start_date', '?')} to {a.get('end_date', '?')}"
        elif key not in a:
            continue
        else:
            v = a[key]
            if key == "wall_time_s":
                v = f"{float(v):.2f} s"
            elif key == "seed":
                v = str(v)   # an identifier, not a quantity: no thousands separators
        rows.append((label, _fmt(v)))
    return rows


def _save(fig, path):
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_figures(figs, args, outdir, prefix=""):
    """Run each (name, title, fn) on args; returns [(name, title, file or None, note)]."""
    out = []
    for name, title, fn in figs:
        fname = f"{prefix}{name}.png"
        try:
            fig = fn(*args)
            _save(fig, os.path.join(outdir, fname))
            out.append((name, title, fname, ""))
        except plots.MissingData as e:
            out.append((name, title, None, f"skipped: {e}"))
        except Exception as e:  # a plotting bug must not lose the rest of the report
            plt.close("all")
            out.append((name, title, None, f"failed: {type(e).__name__}: {e}"))
            traceback.print_exc(file=sys.stderr)
    return out


def _table(rows, header=None):
    h = ""
    if header:
        h = "<tr>" + "".join(f"<th>{html.escape(str(c))}</th>" for c in header) + "</tr>"
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f"<table>{h}{body}</table>"


def _figure_html(entries):
    parts = []
    for name, title, fname, note in entries:
        if fname:
            parts.append(f'<figure id="{name}"><h3>{html.escape(title)}</h3>'
                         f'<img src="{html.escape(fname)}" alt="{html.escape(title)}"></figure>')
        else:
            parts.append(f'<p class="note"><b>{html.escape(title)}</b>: {html.escape(note)}</p>')
    return "\n".join(parts)


CSS = """body{font-family:sans-serif;max-width:1400px;margin:1em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;
text-align:left;vertical-align:top}td:nth-child(n+2){font-family:monospace}
img{max-width:100%;border:1px solid #eee}.note{color:#a40}
details pre{background:#f6f6f6;padding:0.5em;overflow:auto;max-height:30em}"""


def write_report(run_path, outdir, compare_path=None) -> dict:
    """Write the report; returns {'index': path, 'figures': [...], 'skipped': [...]}.
    Raises RunError for a bad input file."""
    run = open_run(run_path)
    other = open_run(compare_path) if compare_path else None
    os.makedirs(outdir, exist_ok=True)
    entries = write_figures(plots.FIGURES, (run,), outdir)
    cmp_entries = write_figures(plots.COMPARE_FIGURES, (run, other), outdir) if other else []

    totals = key_totals(run)
    if other is not None:
        tb = key_totals(other)
        keys = list(totals) + [k for k in tb if k not in totals]
        trows = [(k, _fmt_total(k, totals.get(k, "")), _fmt_total(k, tb.get(k, ""))) for k in keys]
        theader = ("", run.name, other.name)
    else:
        trows = [(k, _fmt_total(k, v)) for k, v in totals.items()]
        theader = None

    title = f"smsim report: {run.attrs.get('scenario_path', run.name)} (seed {run.attrs.get('seed', '?')})"
    page = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
            f"<style>{CSS}</style></head><body>",
            f"<h1>{html.escape(title)}</h1>",
            f"<p>file: <code>{html.escape(os.path.abspath(run_path))}</code></p>",
            "<h2>Run</h2>", _table(_meta_rows(run))]
    if other is not None:
        page += [f"<p>compared with <code>{html.escape(os.path.abspath(compare_path))}</code></p>",
                 _table(_meta_rows(other))]
    page += ["<h2>Key totals</h2>", _table(trows, theader), "<h2>Figures</h2>", _figure_html(entries)]
    if cmp_entries:
        page += ["<h2>Comparison</h2>", _figure_html(cmp_entries)]
    scen = run.attrs.get("scenario_effective") or run.attrs.get("scenario_text") or ""
    if scen:
        page += ["<h2>Scenario</h2><details><summary>effective scenario (every key)</summary>",
                 f"<pre>{html.escape(str(scen))}</pre></details>"]
    page.append("</body></html>")
    index = os.path.join(outdir, "index.html")
    with open(index, "w", encoding="utf-8") as f:
        f.write("\n".join(page))
    all_entries = entries + cmp_entries
    return {"index": index,
            "figures": [os.path.join(outdir, e[2]) for e in all_entries if e[2]],
            "skipped": [(e[0], e[3]) for e in all_entries if not e[2]]}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m analysis.report",
                                description="Write PNG figures and index.html for an smsim run.")
    p.add_argument("run", help="the run's HDF5 file")
    p.add_argument("--compare", metavar="OTHER.h5", help="a second run to compare with")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="directory to write")
    try:
        args = p.parse_args(argv)
    except SystemExit as e:  # argparse exits 2 on bad usage, 0 on --help
        return int(e.code or 0)
    try:
        res = write_report(args.run, args.output, args.compare)
    except RunError as e:
        print(f"analysis.report: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"analysis.report: {e}", file=sys.stderr)
        return 1
    for name, note in res["skipped"]:
        print(f"analysis.report: {name}: {note}", file=sys.stderr)
    print(f"{res['index']} ({len(res['figures'])} figures)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
