"""
analysis — read smsim's HDF5 output into xarray, plot it, report it.

    from analysis import open_run, plots
    run = open_run("results/default.h5")
    run.rollout            # xarray.Dataset of /rollout (decoded dates, labelled dims)
    plots.s_curve_region(run)

The schema of the file is in analysis/README.md; the report command is
`/usr/bin/python3 -m analysis.report RUN.h5 [--compare OTHER.h5] -o DIR`.
"""
from .load import (Run, RunError, cumulative_installs, date_reaching, key_totals, national,
                   open_group, open_run, smart_households, smart_share, time_dim)

__all__ = ["Run", "RunError", "open_run", "open_group", "national", "cumulative_installs",
           "smart_households", "smart_share", "date_reaching", "key_totals", "time_dim"]
