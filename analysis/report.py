"""
analysis.report — the report command: PNG figures and HTML pages that show
them with the run's metadata and key totals.

    /usr/bin/python3 -m analysis.report RUN.h5 [--compare OTHER.h5] -o DIR
    /usr/bin/python3 -m analysis.report EXPERIMENT.h5 [--compare] -o DIR   (analysis.experiment_report)
    /usr/bin/python3 -m analysis.report SIZE.h5 -o DIR                     (analysis.sizing)

Exit status: 0 written; 2 bad arguments, an output target that is not a
directory this command may replace, or an input file that is missing,
unreadable, not from smsim, incomplete or lacking a dataset the report reads
(one line on stderr says which and why, never a traceback); 1 interrupted or
a failure while writing.  A figure whose data the run lacks (the detail-day
figures of a scenario without DCC detail days) is listed in the page as
skipped.

DIR appears complete or not at all: the report is built in a temporary
sibling directory (.DIR.tmp.XXXXXXXX) and renamed to DIR at the end.  An
existing DIR is replaced only when it is empty or holds nothing but report
pages and PNG files (an earlier report); anything else is refused.

The report is a list of pages (PAGES), each a list of sections (functions of
a Report returning HTML fragments); a new page or section is one more entry.
Not for interactive use: call analysis.plots from a notebook instead.
"""
from __future__ import annotations

import argparse
import html
import os
import shutil
import signal
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from . import event_plots, plots  # noqa: E402
from .load import Run, RunError, key_totals, open_run  # noqa: E402

__all__ = ["Report", "Page", "PAGES", "TargetError", "write_report", "main"]

GENERATOR = "smsim analysis.report"


class TargetError(Exception):
    """The output directory cannot be (re)placed (the message says why)."""


class Interrupted(BaseException):
    """A termination signal arrived while the report was being written."""


# --------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------

META = [("scenario", "scenario_path"), ("seed", "seed"), ("smsim version", "smsim_version"),
        ("command line", "command_line"), ("households", "households"),
        ("simulated period", None), ("threads", "threads"), ("ranks", "ranks"),
        ("shards", "shards"), ("started", "started_at"), ("finished", "finished_at"),
        ("wall time", "wall_time_s"), ("events", "events"), ("status", "status")]


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1 else f"{v:,.2f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _fmt_total(key: str, v: Any) -> str:
    if "share" in key and isinstance(v, float):
        return f"{100 * v:.2f} %"
    return _fmt(v)


def _meta_rows(run: Run) -> list[tuple[str, str]]:
    a = run.attrs
    rows = []
    for label, key in META:
        if key is None:
            v = f"{a['start_date']} to {a['end_date']}"
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


def _table(rows: Sequence[Sequence[Any]], header: Optional[Sequence[str]] = None) -> str:
    h = ""
    if header:
        h = "<tr>" + "".join(f"<th>{html.escape(str(c))}</th>" for c in header) + "</tr>"
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f"<table>{h}{body}</table>"


CSS = """body{font-family:sans-serif;max-width:1400px;margin:1em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;
text-align:left;vertical-align:top}td:nth-child(n+2){font-family:monospace}
img{max-width:100%;border:1px solid #eee}.note{color:#a40}nav a{margin-right:1em}
details pre{background:#f6f6f6;padding:0.5em;overflow:auto;max-height:30em}"""


# --------------------------------------------------------------------------
# The report: its inputs, its figures, its pages
# --------------------------------------------------------------------------

@dataclass
class FigureEntry:
    name: str
    title: str
    file: Optional[str]   # the PNG's name in the report directory; None when not drawn
    note: str = ""        # why not drawn


@dataclass
class Report:
    """What sections read: the run(s), and where figures go while the
    report is built (`outdir`, the temporary directory)."""
    run: Run
    other: Optional[Run]
    outdir: str
    figures: list[FigureEntry] = field(default_factory=list)   # every figure drawn or skipped

    def draw(self, figs: Sequence[tuple[str, str, Callable[..., Any]]], *runs: Run) -> list[FigureEntry]:
        """Draw each (name, title, function) of runs into outdir/NAME.png."""
        out = []
        for name, title, fn in figs:
            try:
                fig = fn(*runs)
                fig.savefig(os.path.join(self.outdir, f"{name}.png"), dpi=110)
                plt.close(fig)
                out.append(FigureEntry(name, title, f"{name}.png"))
            except plots.MissingData as e:
                out.append(FigureEntry(name, title, None, f"skipped: {e}"))
            except (Interrupted, KeyboardInterrupt, OSError):
                raise
            except Exception as e:  # a plotting bug must not lose the rest of the report
                plt.close("all")
                out.append(FigureEntry(name, title, None, f"failed: {type(e).__name__}: {e}"))
                traceback.print_exc(file=sys.stderr)
        self.figures += out
        return out


def _figure_html(entries: list[FigureEntry]) -> str:
    parts = []
    for e in entries:
        if e.file:
            parts.append(f'<figure id="{e.name}"><h3>{html.escape(e.title)}</h3>'
                         f'<img src="{html.escape(e.file)}" alt="{html.escape(e.title)}"></figure>')
        else:
            parts.append(f'<p class="note"><b>{html.escape(e.title)}</b>: {html.escape(e.note)}</p>')
    return "\n".join(parts)


def run_section(r: Report) -> list[str]:
    parts = [f"<p>file: <code>{html.escape(os.path.abspath(r.run.path))}</code></p>",
             "<h2>Run</h2>", _table(_meta_rows(r.run))]
    if r.other is not None:
        parts += [f"<p>compared with <code>{html.escape(os.path.abspath(r.other.path))}</code></p>",
                  _table(_meta_rows(r.other))]
    return parts


def totals_section(r: Report) -> list[str]:
    totals = key_totals(r.run)
    if r.other is None:
        return ["<h2>Key totals</h2>", _table([(k, _fmt_total(k, v)) for k, v in totals.items()])]
    tb = key_totals(r.other)
    keys = list(totals) + [k for k in tb if k not in totals]
    rows = [(k, _fmt_total(k, totals.get(k, "")), _fmt_total(k, tb.get(k, ""))) for k in keys]
    return ["<h2>Key totals</h2>", _table(rows, ("", r.run.name, r.other.name))]


def figures_section(r: Report) -> list[str]:
    return ["<h2>Figures</h2>", _figure_html(r.draw(plots.FIGURES, r.run))]


def comparison_section(r: Report) -> list[str]:
    if r.other is None:
        return []
    return ["<h2>Comparison</h2>", _figure_html(r.draw(plots.COMPARE_FIGURES, r.run, r.other))]


def scenario_section(r: Report) -> list[str]:
    scen = r.run.attrs.get("scenario_effective") or r.run.attrs.get("scenario_text") or ""
    if not scen:
        return []
    return ["<h2>Scenario</h2><details><summary>effective scenario (every key)</summary>",
            f"<pre>{html.escape(str(scen))}</pre></details>"]


def events_section(r: Report) -> list[str]:
    """The DCC's worst days: a figure per dated event type the run has, and
    per request-level day and service the capacity engineer's figures."""
    out = ["<h2>Worst days (dated DCC events)</h2>", _figure_html(r.draw(event_plots.EVENT_FIGURES, r.run))]
    rows = event_plots.capacity_rows(r.run)
    if rows:
        out += ["<h3>Per service and request-level day</h3>",
                _table([(d, s, _fmt(100 * sh) + " %", *(_fmt(v) for v in (p50, p95, p99)), _fmt(w / 60) + " h")
                        for d, s, sh, p50, p95, p99, w in rows],
                       ("day", "service", "within target", "p50 [s]", "p95 [s]", "p99 [s]",
                        "worst minute (highest p99)"))]
    return out


Section = Callable[[Report], list[str]]


@dataclass
class Page:
    file: str            # name in the report directory
    title: str           # its link in the navigation bar
    sections: list[Section]


# The report's pages, in order; the first is index.html.
PAGES: list[Page] = [
    Page("index.html", "Run", [run_section, totals_section, figures_section, comparison_section,
                               scenario_section]),
    Page("events.html", "Worst days", [events_section]),
]


def _page_html(r: Report, page: Page) -> str:
    a = r.run.attrs
    title = f"smsim report: {a.get('scenario_path', r.run.name)} (seed {a.get('seed', '?')})"
    head = ["<!DOCTYPE html><html><head><meta charset='utf-8'>",
            f"<meta name='generator' content='{GENERATOR}'><title>{html.escape(title)}</title>",
            f"<style>{CSS}</style></head><body>", f"<h1>{html.escape(title)}</h1>"]
    if len(PAGES) > 1:
        links = "".join(f'<a href="{html.escape(p.file)}">{html.escape(p.title)}</a>' for p in PAGES)
        head.append(f"<nav>{links}</nav>")
    body = [part for section in page.sections for part in section(r)]
    return "\n".join(head + body + ["</body></html>"])


# --------------------------------------------------------------------------
# The output directory: checked first, built aside, renamed at the end
# --------------------------------------------------------------------------

def check_target(outdir: str) -> None:
    """Raise TargetError unless outdir is absent, or a directory that is
    empty or holds only an earlier report (pages and PNG files)."""
    if os.path.islink(outdir):
        raise TargetError(f"{outdir}: is a symbolic link; name a directory")
    if not os.path.exists(outdir):
        return
    if not os.path.isdir(outdir):
        raise TargetError(f"{outdir}: exists and is not a directory")
    pages = {p.file for p in PAGES}
    for name in sorted(os.listdir(outdir)):
        p = os.path.join(outdir, name)
        ours = name in pages or name.endswith(".png")
        if not ours or os.path.islink(p) or not os.path.isfile(p):
            raise TargetError(f"{outdir}: exists and holds {name!r}, which is not part of a "
                              f"report: not replaced (remove it or choose another directory)")


def _staging_dir(outdir: str) -> str:
    parent = os.path.dirname(os.path.abspath(outdir))
    try:
        os.makedirs(parent, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(os.path.abspath(outdir))}.tmp.", dir=parent)
    except OSError as e:
        raise TargetError(f"{outdir}: cannot create a directory beside it: {e.strerror or e}") from None
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)   # mkdtemp makes it private; a report is not
    return tmp


def _publish(tmp: str, outdir: str) -> None:
    """Rename tmp to outdir; an earlier report there is moved aside first
    and removed once the new one is in place."""
    check_target(outdir)   # again: it may have changed while the report was drawn
    old = None
    if os.path.isdir(outdir):
        old = tempfile.mkdtemp(prefix=f".{os.path.basename(os.path.abspath(outdir))}.old.",
                               dir=os.path.dirname(os.path.abspath(outdir)))
        os.rename(outdir, os.path.join(old, "report"))
    try:
        os.rename(tmp, outdir)
    except OSError:
        if old:
            os.rename(os.path.join(old, "report"), outdir)
            os.rmdir(old)
        raise
    if old:
        shutil.rmtree(old, ignore_errors=True)


def write_report(run_path: str, outdir: str, compare_path: Optional[str] = None) -> dict[str, Any]:
    """Write the report; returns {'index': path, 'figures': [...], 'skipped': [(name, note)]}.
    Raises RunError for a bad input file and TargetError for a bad output
    directory, in both cases before anything is written."""
    outdir = os.fspath(outdir)
    check_target(outdir)
    run = open_run(run_path)
    other = open_run(compare_path) if compare_path else None
    tmp = _staging_dir(outdir)
    try:
        r = Report(run, other, tmp)
        for page in PAGES:
            with open(os.path.join(tmp, page.file), "w", encoding="utf-8") as f:
                f.write(_page_html(r, page))
        _publish(tmp, outdir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        plt.close("all")
        raise
    return {"index": os.path.join(outdir, PAGES[0].file),
            "figures": [os.path.join(outdir, e.file) for e in r.figures if e.file],
            "skipped": [(e.name, e.note) for e in r.figures if not e.file]}


# --------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------

def _on_signal(signum: int, frame: Any) -> None:
    raise Interrupted(signum)


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m analysis.report",
                                description="Write PNG figures and HTML pages for an smsim run.")
    p.add_argument("run", help="the run's HDF5 file, or an experiment's manifest")
    p.add_argument("--compare", metavar="OTHER.h5", nargs="?", const="",
                   help="a second run to compare with; for an experiment, no value: each variant "
                        "against the first, with paired intervals")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="directory to write")
    try:
        args = p.parse_args(argv)
    except SystemExit as e:  # argparse exits 2 on bad usage, 0 on --help
        return int(e.code or 0)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    try:
        from .experiment import is_experiment
        from .sizing import is_size
        if is_size(args.run):
            from .sizing import write_report as write_size_report
            res = write_size_report(args.run, args.output)
        elif is_experiment(args.run):
            from .experiment_report import write_report as write_experiment_report
            res = write_experiment_report(args.run, args.output, args.compare is not None)
        elif args.compare == "":
            raise RunError("--compare needs OTHER.h5 for a single run (no value only for an experiment)")
        else:
            res = write_report(args.run, args.output, args.compare)
    except (RunError, TargetError) as e:
        print(f"analysis.report: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"analysis.report: {args.output}: not written: {' '.join(str(e).split())}", file=sys.stderr)
        return 1
    except (Interrupted, KeyboardInterrupt):
        print(f"analysis.report: interrupted; {args.output} not written", file=sys.stderr)
        return 1
    for name, note in res["skipped"]:
        print(f"analysis.report: {name}: {note}", file=sys.stderr)
    print(f"{res['index']} ({len(res['figures'])} figures)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
