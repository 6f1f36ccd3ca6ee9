"""The results file of `shortfall solve -o FILE`: its answers and their figure.

The file is a sweep of the varied key over the points the solve evaluated
(open_results() reads it as any sweep, the key as a dimension); the group
`solve` holds what was asked and found, per structure (docs/model.md,
"Solving for a safe design").

    import shortfall.solve
    answers = shortfall.solve.open_solve("cash.h5")      # xarray.Dataset along structure
    shortfall.solve.plot_solve("cash.h5").savefig("cash.png")
"""

from __future__ import annotations

import os

import h5py
import numpy as np
import xarray as xr
from matplotlib.ticker import PercentFormatter

from . import plots
from .intervals import wilson_interval
from .results import open_results

GROUP = "solve"
# docs/model.md section 7: the Wilson interval's z.


def is_solve_file(path):
    """Whether PATH holds the group `solve` of `shortfall solve -o`."""
    with h5py.File(os.fspath(path), "r") as f:
        return GROUP in f


def open_solve(path):
    """The group `solve` of PATH as an xarray.Dataset along `structure` (its
    names as the coordinate), its attributes the request: key, statistic,
    target, bracket_low, bracket_high, tolerance, evaluations."""
    path = os.fspath(path)
    open_results(path)  # the same refusals as any results file
    with xr.open_dataset(path, engine="h5netcdf", group=GROUP) as lazy:
        answers = lazy.load()
    with h5py.File(path, "r") as f:
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in f["structure"][()]]
    answers = answers.assign_coords(structure=("structure", names))
    for name in ("safe_side", "reason"):
        answers[name] = answers[name].astype(str)
    return answers


def _curve(ds, statistic, key, structure):
    """(x, P̂, low, high) of STATISTIC along the key for STRUCTURE."""
    one = ds.sel(structure=structure)
    if statistic == "p_any_shortfall":
        p = one.p_any_shortfall
    elif statistic.startswith("p_shortfall of "):
        p = one.p_shortfall.sel(provider=statistic.removeprefix("p_shortfall of "))
    else:
        p = one.p_shortfall
    x = ds[key].values
    p = np.asarray(p.values, dtype=float)
    low, high = wilson_interval(p, ds.runs_done.values)
    return x, p, low, high


def _statistic_label(statistic):
    if statistic == "p_any_shortfall":
        return "P(any provider short)"
    if statistic.startswith("p_shortfall of "):
        return f"P(shortfall of {statistic.removeprefix('p_shortfall of ')})"
    return "P(shortfall)"


def plot_solve(path, structures=None):
    """P̂ against the varied key at every evaluated point, per structure, with
    its 95 % Wilson band, the target as a horizontal line, and each answer as
    a vertical line with its 95 % interval as a bracket on the target line.
    Structures differ by line style, marker and grey."""
    ds = open_results(path, unstack=False)
    answers = open_solve(path)
    key, statistic = answers.attrs["key"], answers.attrs["statistic"]
    target = float(answers.attrs["target"])
    names = list(answers.structure.values) if structures is None else list(structures)
    # The structures asked for: those with an answer or a reason of their own.
    names = [n for n in names if not str(answers.reason.sel(structure=n).values).startswith("not asked")]
    figure, ax = plots._new_figure(width=8.0, height=5.0)
    order = np.argsort(ds[key].values, kind="stable")
    for name in names:
        line_style, marker, grey = plots.style(list(ds.structure.values).index(name))
        x, p, low, high = (v[order] for v in _curve(ds, statistic, key, name))
        one = answers.sel(structure=name)
        found = bool(one.found)
        label = name
        if found:
            label += (f": {plots.format_value(key, float(one.value))} "
                      f"[{plots.format_value(key, float(one.low))}, {plots.format_value(key, float(one.high))}]")
        else:
            label += ": not found"
        ax.plot(x, p, linestyle=line_style, marker=marker, color=grey, markersize=3.5, linewidth=1.5,
                label=label)
        ax.fill_between(x, low, high, color=grey, alpha=0.15, linewidth=0)
        if found:
            ax.axvline(float(one.value), color=grey, linestyle=line_style, linewidth=1.0)
            ax.plot([float(one.low), float(one.high)], [target, target], color=grey, linewidth=5,
                    alpha=0.6, solid_capstyle="butt")
            for end in (float(one.low), float(one.high)):
                ax.plot([end, end], [target - 0.03, target + 0.03], color=grey, linewidth=1.2)
    ax.axhline(target, color="0.0", linestyle=(0, (1, 2)), linewidth=1.0,
               label=f"target {100 * target:g} %")
    ax.set_xlabel(plots.key_label(key))
    ax.set_ylabel(f"{_statistic_label(statistic)} (% of runs, 95 % interval)")
    plots._format_axis(ax.xaxis, key)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_ylim(-0.02, 1.02)
    ax.grid(True, color="0.85", linewidth=0.6)
    ax.legend(title="structure: answer [95 % interval]", frameon=False, fontsize="small")
    ax.set_title(f"Where {_statistic_label(statistic)} crosses {100 * target:g} % as {key} varies\n"
                 f"{int(answers.attrs['evaluations'])} points evaluated, "
                 f"{int(np.ravel(ds.runs_done.values)[0]):,} runs each, on the same random futures")
    return figure


def answers_caption(path):
    """One line per structure asked for: its answer and interval, or why none."""
    answers = open_solve(path)
    key = answers.attrs["key"]
    lines = []
    for name in answers.structure.values:
        one = answers.sel(structure=name)
        reason = str(one.reason.values)
        if reason.startswith("not asked"):
            continue
        if bool(one.found):
            lines.append(f"{name}: {plots.format_value(key, float(one.value))} "
                         f"[{plots.format_value(key, float(one.low))}, {plots.format_value(key, float(one.high))}], "
                         f"safe {one.safe_side.values} it")
        else:
            lines.append(f"{name}: not found ({reason})")
    return "; ".join(lines)


def solve_figures(path, ds=None):
    """The report's figures of a solve's results file PATH ([] for any other
    file), as report.figures_for gives them."""
    if not is_solve_file(path):
        return []
    answers = open_solve(path)
    target = float(answers.attrs["target"])
    caption = (f"Solve: where {_statistic_label(answers.attrs['statistic'])} crosses {100 * target:g} % "
               f"as {answers.attrs['key']} varies. {answers_caption(path)}")
    return [(f"solve_{answers.attrs['key']}", caption, lambda: plot_solve(path))]


__all__ = ["answers_caption", "is_solve_file", "open_solve", "plot_solve", "solve_figures"]
