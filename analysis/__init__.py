"""
analysis — read smsim's HDF5 output into xarray, plot it, report it.

    from analysis import open_run, plots
    run = open_run("results/default.h5")
    run.rollout            # xarray.Dataset of /rollout (decoded dates, labelled dims)
    plots.s_curve_region(run)

The schema of the file is in analysis/README.md; the report command is
`/usr/bin/python3 -m analysis.report RUN.h5 [--compare OTHER.h5] -o DIR`.
"""
from .load import (SMART_METER_STATES, SMART_STATE, Run, RunError, causes_total,
                   cumulative_installs, date_reaching, key_totals, meters_installed, open_group,
                   open_run, sla_targets, smart_commissionings, smart_households, smart_share,
                   sum_but_time, time_dim)

__all__ = ["Run", "RunError", "open_run", "open_group", "sum_but_time", "time_dim",
           "meters_installed", "cumulative_installs", "smart_households", "smart_share",
           "smart_commissionings", "date_reaching", "causes_total", "sla_targets", "key_totals",
           "SMART_STATE", "SMART_METER_STATES"]
