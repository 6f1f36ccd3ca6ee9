"""Figures of a results file, each a function returning a matplotlib Figure.

Made to be printed: structures differ by line style, marker and grey, never by
colour alone; money is in pounds with thousands separators; every axis says
its unit. The functions take the Dataset of open_results(); `at` picks a design
point of a sweep ({"provider.opening_cash": 4.5e6} for a grid, {"scenario": 3}
otherwise); without it a sweep is shown at its base point (the level of each
swept key nearest the base scenario's value) and the title says which.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator, PercentFormatter

from .labels import format_millions, key_kind, plain_label
from .intervals import wilson_interval
from .results import design_dims, scenario_settings, swept_keys

# One look per structure, in the file's order, for up to twelve structures:
# each has its own marker (filled or hollow) and line style, and the greys
# alternate dark and light so that neighbours differ in print as well.
_LINE_STYLES = ["-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (8, 3)),
                (0, (1, 3)), (0, (3, 1, 1, 1)), (0, (10, 2, 2, 2)), (0, (2, 2)),
                (0, (6, 2, 1, 2, 1, 2)), (0, (12, 4))]
_MARKERS = ["o", "s", "^", "D", "v", "x", "P", "*", "h", "<", ">", "p"]
_GREYS = ["0.0", "0.45", "0.25", "0.6", "0.15", "0.35", "0.0", "0.5", "0.2", "0.55", "0.1", "0.4"]
MAX_DISTINCT_STYLES = len(_MARKERS)

_VARIABLE_LABELS = {
    "p_shortfall": "P(shortfall) (% of runs)",
    "p_shortfall_diff": "difference in P(shortfall) (percentage points)",
    "p_any_shortfall": "P(any provider short) (% of runs)",
    "support_mean": "mean support needed (£m)",
    "min_cash_mean": "mean minimum cash (£m)",
    "earned_fraction_mean": "share of the outcome pot earned (%)",
}
_PERCENT_VARIABLES = {"p_shortfall", "p_any_shortfall", "earned_fraction_mean", "shortfall_by_month"}
_PROBABILITY_VARIABLES = {"p_shortfall", "p_any_shortfall"}
_MONEY_VARIABLES = {"support_mean", "support_p95", "min_cash_mean", "min_cash_cvar05",
                    "outcome_received_mean", "receivable_mean", "commissioner_cost_mean"}


def style(index):
    """(line style, marker, grey) of the INDEX-th structure: distinct for the
    first MAX_DISTINCT_STYLES, then repeating."""
    return (_LINE_STYLES[index % len(_LINE_STYLES)], _MARKERS[index % len(_MARKERS)],
            _GREYS[index % len(_GREYS)])


def marker_face(index, grey):
    """The fill of the INDEX-th structure's markers: hollow for every other one."""
    return "white" if index % 2 else grey


def _look(ds, name):
    """The style of structure NAME: by its place in the file, so a structure
    looks the same in every figure of that file."""
    return style(list(ds.structure.values).index(name))


def format_money(value, decimals=0):
    """£ with thousands separators and a true minus: -1234567 -> '−£1,234,567'."""
    if value is None or not np.isfinite(value):
        return "n/a"
    sign = "−" if value < 0 else ""
    return f"{sign}£{abs(value):,.{decimals}f}"


class MillionsFormatter(Formatter):
    """Money ticks in £ millions, with as few decimals as keep neighbouring
    ticks apart (£0.5m, £1.0m, £1.5m; £10m, £20m): short labels that do not
    collide. One instance per axis (a formatter belongs to its axis)."""

    def _decimals(self):
        locs = [v for v in getattr(self, "locs", []) if np.isfinite(v)]
        for decimals in range(0, 4):
            texts = [f"{v / 1e6:.{decimals}f}" for v in locs]
            if len(set(texts)) == len(texts):
                return decimals
        return 3

    def __call__(self, value, position=None):
        return format_millions(value, self._decimals())


def money_formatter():
    """A new MillionsFormatter for one axis."""
    return MillionsFormatter()


_key_kind = key_kind


def key_label(key):
    """An axis label for the swept KEY: its plain label and its unit."""
    unit = {"money": "£m", "share": "%", "logit": "logit points", "months": "months",
            "days": "days of operating cost", "number": ""}[key_kind(key)]
    label = plain_label(key)
    return f"{label} ({unit})" if unit else label


def format_value(key, value):
    """VALUE of the swept KEY as text, in its unit."""
    if isinstance(value, (str, bytes, np.str_)):
        return value.decode() if isinstance(value, bytes) else str(value)
    kind = _key_kind(key)
    if kind == "money":
        return format_millions(float(value))
    if kind == "share":
        return f"{100 * float(value):.4g} %"
    if kind == "months":
        return f"{int(value)} months"
    if kind == "days":
        return f"{float(value):.4g} days"
    return f"{float(value):.4g}"


def _format_axis(axis, key, levels=None):
    """Ticks of a swept KEY's axis in its unit: at the grid's LEVELS when there
    are few, otherwise a handful (long money labels must not collide)."""
    kind = _key_kind(key)
    if levels is not None and len(levels) <= 8 and np.asarray(levels).dtype.kind in "iuf":
        axis.set_ticks(levels, [format_value(key, v) for v in levels])
        return
    axis.set_major_locator(MaxNLocator(nbins=5))
    if kind == "money":
        axis.set_major_formatter(money_formatter())
    elif kind == "share":
        axis.set_major_formatter(PercentFormatter(xmax=1))


def _base_values(ds):
    """{swept key: its value in the base scenario}, where the scenario text says."""
    try:
        settings = scenario_settings(ds)
    except Exception:  # noqa: BLE001 - no readable text: no base point
        return {}
    found = {}
    for key in swept_keys(ds):
        parts = key.split(".")
        node = settings
        if parts[0] == "indicator" and len(parts) == 3:
            indicators = settings.get("indicator", [])
            match = [i for i in indicators if parts[1] in ("*", i.get("id"))]
            node = match[0] if match else {}
            parts = parts[2:]
        for part in parts:
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            found[key] = node
    return found


def base_point(ds):
    """{design dimension: level} of the base point: each swept key's level
    nearest its base value (the first level when not numeric)."""
    base = _base_values(ds)
    point = {}
    for dim in design_dims(ds):
        if dim == "scenario":
            continue
        levels = ds[dim].values
        value = base.get(dim)
        if levels.dtype.kind in "iuf" and isinstance(value, (int, float)):
            point[dim] = levels[int(np.argmin(np.abs(levels.astype(float) - float(value))))]
        else:
            point[dim] = levels[0]
    return point


def select_point(ds, at=None, keep=()):
    """DS at one design point (keeping the dimensions in KEEP), and a label
    naming the point ('' for a file of one point)."""
    at = dict(at or {})
    chosen = {}
    defaults = base_point(ds)
    for dim in design_dims(ds):
        if dim in keep:
            continue
        if dim in at:
            chosen[dim] = at[dim]
        elif dim == "scenario":
            chosen[dim] = 0
        else:
            chosen[dim] = defaults[dim]
    # A network's file has a provider axis: the figures show one provider,
    # the first (the scenario's order) unless `at` names another.
    if "provider" in ds.dims and "provider" not in keep:
        chosen["provider"] = at.get("provider", ds.provider.values[0])
    unknown = set(at) - set(chosen) - set(keep)
    if unknown:
        raise ValueError(f"`at` names {sorted(unknown)}, not design dimensions of this file "
                         f"({', '.join(design_dims(ds))})")
    selected = ds.sel(chosen)
    parts = []
    for dim, value in chosen.items():
        if dim == "scenario":
            if ds.sizes["scenario"] > 1:
                parts.append(f"design point {value}")
        else:
            parts.append(f"{plain_label(dim)} = {format_value(dim, value)}")
    return selected, ", ".join(parts)


def _structures(ds, structures):
    names = list(ds.structure.values)
    if structures is None:
        return names
    missing = [s for s in structures if s not in names]
    if missing:
        raise ValueError(f"no structure {missing} in this file (it has {', '.join(names)})")
    return list(structures)


def _title(text, point_label, width=72):
    """A title and the point it shows, each wrapped to fit over a figure."""
    lines = [text, point_label] if point_label else [text]
    return "\n".join(textwrap.fill(part, width) for line in lines for part in line.split("\n"))


def _new_figure(width=7.5, height=4.8, **kwargs):
    # Figure objects rather than pyplot: no global state, nothing left open.
    figure = Figure(figsize=(width, height), layout="constrained")
    return figure, figure.subplots(**kwargs)


def _legend(ax, entries, **kwargs):
    """A legend of ENTRIES lines: inside the axes for a few, beside them (not
    over the lines) for more than six."""
    if entries > 6:
        return ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", **kwargs)
    return ax.legend(frameon=False, **kwargs)


def draw_appetite(ax, appetite, vertical=False):
    """The board's risk appetite (a probability) as a dotted black line on AX,
    labelled for the legend; nothing when APPETITE is None."""
    if appetite is None:
        return
    line = ax.axvline if vertical else ax.axhline
    line(appetite, color="black", linestyle=(0, (1, 1.5)), linewidth=1.4,
         label=f"risk appetite {100 * appetite:g} %")


def plot_p_shortfall(ds, key=None, structures=None, at=None, variable="p_shortfall", appetite=None):
    """P(shortfall) against the swept KEY, one line per structure, the 95 %
    Wilson interval as a band (a grid) or as error bars (points along
    `scenario`, e.g. an LHS study). VARIABLE "p_any_shortfall" shows a
    network's chance that any provider is short, "support_mean" the mean
    support needed (no interval); APPETITE, a probability, is drawn as a line."""
    keys = swept_keys(ds)
    if not keys:
        raise ValueError("P(shortfall) against a parameter needs a sweep; this file has one design point")
    key = key or keys[0]
    if key not in keys:
        raise ValueError(f"{key!r} is not a swept key of this file ({', '.join(keys)})")
    on_grid = key in ds.dims
    data, point_label = select_point(ds, at, keep=(key,) if on_grid else ("scenario",))
    probability = variable in ("p_shortfall", "p_any_shortfall")
    figure, ax = _new_figure()
    for index, name in enumerate(_structures(ds, structures)):
        line_style, marker, grey = _look(ds, name)
        one = data.sel(structure=name)
        x = one[key].values
        order = np.argsort(x, kind="stable") if x.dtype.kind in "iuf" else np.arange(len(x))
        x = x[order]
        p = one[variable].values[order]
        if variable == "p_shortfall":
            low, high = one.p_shortfall_ci_low.values[order], one.p_shortfall_ci_high.values[order]
        elif variable == "p_any_shortfall":
            runs = np.broadcast_to(one.runs_done.values, one[variable].shape)[order]
            low, high = wilson_interval(p, runs)
        else:
            low = high = None
        face = marker_face(index, grey)
        if on_grid or low is None:
            ax.plot(x, p, linestyle=line_style, marker=marker, color=grey, label=name, linewidth=1.8,
                    mfc=face)
            if low is not None:
                ax.fill_between(x, low, high, color=grey, alpha=0.18, linewidth=0)
        else:
            ax.errorbar(x, p, yerr=[p - low, high - p], linestyle="none", marker=marker, color=grey,
                        label=name, capsize=2, markersize=4, mfc=face)
    ax.set_xlabel(key_label(key))
    _format_axis(ax.xaxis, key, data[key].values if on_grid else None)
    what = {"p_shortfall": "a cash shortfall", "p_any_shortfall": "a shortfall at any provider"}.get(variable)
    if probability:
        ax.set_ylabel(("P(any provider short)" if variable == "p_any_shortfall" else "P(shortfall)")
                      + " (% of runs, 95 % interval)")
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
        ax.set_ylim(-0.02, 1.02)
        draw_appetite(ax, appetite)
        title = f"Probability of {what} against {plain_label(key)}"
    else:
        ax.set_ylabel(_VARIABLE_LABELS.get(variable, variable).replace("(£)", "(£m)"))
        ax.yaxis.set_major_formatter(money_formatter())
        title = f"{_VARIABLE_LABELS.get(variable, variable).split(' (')[0].capitalize()} against {plain_label(key)}"
    ax.grid(True, color="0.85", linewidth=0.6)
    _legend(ax, len(ax.get_legend_handles_labels()[1]), title="structure")
    ax.set_title(_title(title, point_label))
    return figure


def plot_shortfall_by_month(ds, structures=None, at=None, appetite=None):
    """The share of runs that have been in shortfall by each month, per
    structure; APPETITE, a probability, is drawn as a line."""
    data, point_label = select_point(ds, at)
    figure, ax = _new_figure()
    months = data.month.values
    for index, name in enumerate(_structures(ds, structures)):
        line_style, marker, grey = _look(ds, name)
        ax.plot(months, data.shortfall_by_month.sel(structure=name).values, linestyle=line_style,
                marker=marker, markevery=max(1, len(months) // 12), color=grey, label=name,
                linewidth=1.8, drawstyle="steps-post", mfc=marker_face(index, grey))
    draw_appetite(ax, appetite)
    ax.set_xlabel("month of the horizon (1 = April of the first year)")
    ax.set_ylabel("runs in shortfall by then (% of runs)")
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(months[0], months[-1])
    ax.set_xticks([m for m in months if m == 1 or m % 6 == 0])
    ax.grid(True, color="0.85", linewidth=0.6)
    _legend(ax, len(ax.get_legend_handles_labels()[1]), title="structure")
    ax.set_title(_title("Cumulative share of runs with a cash shortfall", point_label))
    return figure


def _provider_line(ds, data, leaf):
    """provider.LEAF at the selected point: the swept value, or the scenario's."""
    key = f"provider.{leaf}"
    if key in data.coords and data[key].size == 1:
        return float(data[key].values)
    settings = scenario_settings(ds)["provider"]
    if isinstance(settings, list):  # a network: the selected provider's table
        chosen = str(data["provider"].values)
        settings = next(table for table in settings if table["id"] == chosen)
    return float(settings[leaf])


def plot_cash_fan(ds, structures=None, at=None):
    """Cash at the end of each month: the median and the 25-75 % and 5-95 %
    bands across runs, one panel per structure, with the shortfall threshold
    (provider.shortfall_threshold) and the stress line (provider.stress_start_cash)."""
    data, point_label = select_point(ds, at)
    names = _structures(ds, structures)
    columns = 2 if len(names) == 4 else min(len(names), 3)
    rows = math.ceil(len(names) / columns)
    figure, axes = _new_figure(width=3.6 * columns + 0.8, height=3.3 * rows + 1.0, nrows=rows,
                               ncols=columns, sharex=True, sharey=True, squeeze=False)
    threshold = _provider_line(ds, data, "shortfall_threshold")
    stress = _provider_line(ds, data, "stress_start_cash")
    months = data.month.values
    quantiles = list(np.round(data["quantile"].values, 6))
    for index, ax in enumerate(axes.flat):
        if index >= len(names):
            ax.set_visible(False)
            continue
        cash = data.cash_quantiles.sel(structure=names[index])
        q = {level: cash.isel(quantile=quantiles.index(level)).values for level in quantiles}
        ax.fill_between(months, q[0.05], q[0.95], color="0.85", linewidth=0)
        ax.fill_between(months, q[0.25], q[0.75], color="0.6", linewidth=0)
        ax.plot(months, q[0.5], color="black", linewidth=1.8)
        ax.axhline(threshold, color="black", linestyle="--", linewidth=1.2)
        ax.axhline(stress, color="0.3", linestyle="-.", linewidth=1.2)
        ax.set_title(names[index])
        ax.yaxis.set_major_formatter(money_formatter())
        ax.set_xlim(months[0], months[-1])
        ax.set_xticks([m for m in months if m == 1 or m % 12 == 0])
        ax.grid(True, color="0.9", linewidth=0.5)
        if index % columns == 0:
            ax.set_ylabel("cash at month end (£m)")
        if index + columns >= len(names):  # no panel below: this one carries the month axis
            ax.set_xlabel("month of the horizon")
            ax.xaxis.set_tick_params(labelbottom=True)
    legend = [
        Patch(color="0.85", label="5–95 % of runs"), Patch(color="0.6", label="25–75 % of runs"),
        Line2D([], [], color="black", linewidth=1.8, label="median"),
        Line2D([], [], color="black", linestyle="--", label=f"shortfall threshold {format_millions(threshold)}"),
        Line2D([], [], color="0.3", linestyle="-.", label=f"stress starts {format_millions(stress)}"),
    ]
    # Below the panels: room kept by the layout's rect (matplotlib 3.6 has no "outside" legends).
    legend_height = 0.55 / figure.get_figheight()
    figure.get_layout_engine().set(rect=(0, legend_height, 1, 1 - legend_height))
    figure.legend(handles=legend, loc="lower center", ncols=3, frameon=False, fontsize="small")
    figure.suptitle(_title("Cash across runs, month by month", point_label))
    return figure


def _value_format(variable):
    if variable == "p_shortfall_diff":
        return lambda v: f"{100 * v:+.1f}"
    if variable in _PERCENT_VARIABLES:
        return lambda v: f"{100 * v:.0f} %"
    if variable in _MONEY_VARIABLES:
        return lambda v: format_millions(v)
    return lambda v: f"{v:.3g}"


def plot_heatmap(ds, x=None, y=None, variable="p_shortfall", structure="withhold", at=None, appetite=None):
    """VARIABLE (default P(shortfall)) of STRUCTURE over two swept keys of a
    grid, one cell per pair of levels, each cell labelled with its value.
    variable="p_shortfall_diff" shows the paired difference against the
    file's first structure, in percentage points. For a probability,
    APPETITE draws the contour where it crosses the board's risk appetite."""
    grid = [dim for dim in design_dims(ds) if dim != "scenario"]
    if len(grid) < 2:
        raise ValueError("a heatmap needs a grid sweep over at least two keys")
    y = y or grid[0]
    x = x or next(dim for dim in grid if dim != y)
    data, point_label = select_point(ds, at, keep=(x, y))
    values = data[variable].sel(structure=_structures(ds, [structure])[0]).transpose(y, x).values
    figure, ax = _new_figure()
    finite = values[np.isfinite(values)]
    if variable in _PERCENT_VARIABLES:
        low, high = 0.0, 1.0
    elif variable == "p_shortfall_diff":
        reach = float(np.max(np.abs(finite))) if finite.size else 1.0
        low, high = -reach or -1.0, reach or 1.0
    else:
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    image = ax.imshow(values, cmap="Greys", vmin=low, vmax=high, aspect="auto", origin="lower")
    fmt = _value_format(variable)
    for row in range(values.shape[0]):
        for column in range(values.shape[1]):
            value = values[row, column]
            shade = (value - low) / (high - low) if high > low and np.isfinite(value) else 0.0
            ax.text(column, row, fmt(value) if np.isfinite(value) else "n/a", ha="center", va="center",
                    color="white" if shade > 0.55 else "black", fontsize="small")
    if appetite is not None and variable in _PROBABILITY_VARIABLES and min(values.shape) >= 2 \
            and np.nanmin(values) < appetite < np.nanmax(values):
        ax.contour(np.arange(values.shape[1]), np.arange(values.shape[0]), values, levels=[appetite],
                   colors="black", linestyles="dotted", linewidths=2.0)
        ax.plot([], [], color="black", linestyle="dotted", linewidth=2.0,
                label=f"risk appetite {100 * appetite:g} %")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False, fontsize="small")
    ax.set_xticks(range(data.sizes[x]), [format_value(x, v) for v in data[x].values])
    ax.set_yticks(range(data.sizes[y]), [format_value(y, v) for v in data[y].values])
    ax.set_xlabel(key_label(x))
    ax.set_ylabel(key_label(y))
    label = _VARIABLE_LABELS.get(variable, variable)
    if variable == "p_shortfall_diff":
        label = f"P(shortfall) {structure} − {ds.structure.values[0]} (percentage points)"
    bar = figure.colorbar(image, ax=ax, label=label)
    if variable in _PERCENT_VARIABLES:
        bar.formatter = PercentFormatter(xmax=1)
    elif variable == "p_shortfall_diff":
        bar.formatter = FuncFormatter(lambda v, _p: f"{100 * v:+.0f}")
    elif variable in _MONEY_VARIABLES:
        bar.formatter = money_formatter()
    bar.update_ticks()
    title = (f"Paired difference in P(shortfall), {structure} − {ds.structure.values[0]}"
             if variable == "p_shortfall_diff" else f"{label.split(' (')[0]}, {structure}")
    ax.set_title(_title(title, point_label))
    return figure


def _check_paired(ds, structures):
    first = ds.structure.values[0]
    names = [s for s in _structures(ds, structures) if s != first]
    if not names:
        raise ValueError(f"a paired difference needs a structure besides {first!r}")
    return first, names


def plot_paired_difference(ds, key=None, structures=None, at=None):
    """P(shortfall) of each structure minus that of the file's first structure
    (bonus, in the shipped scenarios), paired over the same runs, with the
    95 % interval p_shortfall_diff ± 1.96 p_shortfall_diff_se. Without KEY:
    one point per structure at one design point; with KEY: against that
    swept key, the interval as a band."""
    first, names = _check_paired(ds, structures or [s for s in ds.structure.values if s != ds.structure.values[0]])
    if key is None:
        figure, ax = _new_figure(height=2.0 + 0.8 * len(names))
        data, point_label = select_point(ds, at)
        positions = np.arange(len(names))[::-1]
        for index, (position, name) in enumerate(zip(positions, names)):
            _, marker, grey = _look(ds, name)
            diff = float(data.p_shortfall_diff.sel(structure=name))
            half = 1.96 * float(data.p_shortfall_diff_se.sel(structure=name))
            ax.errorbar([100 * diff], [position], xerr=[[100 * half]], marker=marker, color="black",
                        markersize=7, capsize=4, linestyle="none")
            ax.annotate(f"{100 * diff:+.1f} pp (± {100 * half:.1f})", (100 * diff, position),
                        xytext=(0, 9), textcoords="offset points", ha="center", fontsize="small")
        ends = [100 * (float(data.p_shortfall_diff.sel(structure=n)) + sign * 1.96 * float(
            data.p_shortfall_diff_se.sel(structure=n))) for n in names for sign in (-1, 1)] + [0.0]
        ends = [e for e in ends if np.isfinite(e)]
        pad = max(5.0, 0.15 * (max(ends) - min(ends)))
        ax.set_xlim(min(ends) - pad, max(ends) + pad)
        ax.set_yticks(positions, [f"{name} − {first}" for name in names])
        ax.set_ylim(-0.7, len(names) - 0.3)
        ax.axvline(0, color="0.4", linewidth=1)
        ax.set_xlabel("difference in P(shortfall) (percentage points, 95 % interval)")
        ax.set_ylabel("structure compared")
        ax.grid(True, axis="x", color="0.85", linewidth=0.6)
    else:
        figure, ax = _new_figure()
        if key not in ds.dims:
            raise ValueError(f"{key!r} is not a grid dimension of this file ({', '.join(design_dims(ds))})")
        data, point_label = select_point(ds, at, keep=(key,))
        x = data[key].values
        for index, name in enumerate(names):
            line_style, marker, grey = _look(ds, name)
            diff = 100 * data.p_shortfall_diff.sel(structure=name).values
            half = 196 * data.p_shortfall_diff_se.sel(structure=name).values
            ax.plot(x, diff, linestyle=line_style, marker=marker, color=grey, label=f"{name} − {first}",
                    linewidth=1.8)
            ax.fill_between(x, diff - half, diff + half, color=grey, alpha=0.18, linewidth=0)
        ax.axhline(0, color="0.4", linewidth=1)
        ax.set_xlabel(key_label(key))
        _format_axis(ax.xaxis, key, x)
        ax.set_ylabel("difference in P(shortfall) (percentage points)")
        ax.grid(True, color="0.85", linewidth=0.6)
        _legend(ax, len(names))
    ax.set_title(_title(f"Paired difference in P(shortfall) against {first} (95 % interval)", point_label))
    return figure


def one_at_a_time(ds, structure="withhold", variable="p_shortfall", provider=None):
    """For each swept key of a grid, VARIABLE of STRUCTURE at the key's lowest
    and highest level with every other key at the base point: a DataFrame
    (key, low level, high level, value at low, value at high), plus the base
    value. In a network, of PROVIDER (the first by default)."""
    grid = [dim for dim in design_dims(ds) if dim != "scenario"]
    if not grid:
        raise ValueError("one-at-a-time sensitivity needs a grid sweep")
    base = base_point(ds)
    series = ds[variable].sel(structure=_structures(ds, [structure])[0])
    if "provider" in series.dims:
        series = series.sel(provider=ds.provider.values[0] if provider is None else provider)
    base_value = float(series.sel(base))
    rows = []
    for key in grid:
        others = {k: v for k, v in base.items() if k != key}
        along = series.sel(others)
        levels = along[key].values
        low_index, high_index = (int(np.argmin(levels)), int(np.argmax(levels))) \
            if levels.dtype.kind in "iuf" else (0, len(levels) - 1)
        rows.append({"key": key, "low": levels[low_index], "high": levels[high_index],
                     "at_low": float(along.isel({key: low_index})),
                     "at_high": float(along.isel({key: high_index}))})
    frame = pd.DataFrame(rows)
    frame["swing"] = (frame.at_high - frame.at_low).abs()
    return frame.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True), base_value


def plot_tornado(ds, structure="withhold", variable="p_shortfall", provider=None, appetite=None):
    """Tornado chart of one-at-a-time sensitivity from a grid sweep: for each
    swept key, VARIABLE of STRUCTURE (of PROVIDER in a network, the first by
    default) as the key goes from its lowest to its highest level with the
    other keys at the base point; widest bar on top. For a probability,
    APPETITE is drawn as a line."""
    frame, base_value = one_at_a_time(ds, structure, variable, provider)
    if "provider" in ds.dims and provider is None and variable != "p_any_shortfall":
        provider = ds.provider.values[0]
    scale = 1.0
    figure, ax = _new_figure(height=2.2 + 0.9 * len(frame) + 0.25 * len(frame))
    positions = np.arange(len(frame))[::-1]
    for position, row in zip(positions, frame.itertuples()):
        ax.barh(position, (row.at_low - base_value) * scale, left=base_value * scale, height=0.6,
                color="white", edgecolor="black", hatch="///")
        ax.barh(position, (row.at_high - base_value) * scale, left=base_value * scale, height=0.6,
                color="0.35", edgecolor="black")
    ax.set_yticks(positions, [f"{textwrap.fill(plain_label(row.key), 28)}\n{format_value(row.key, row.low)} → "
                              f"{format_value(row.key, row.high)}" for row in frame.itertuples()])
    ax.axvline(base_value * scale, color="black", linewidth=1)
    label = _VARIABLE_LABELS.get(variable, variable)
    ax.set_xlabel(label)
    if variable in _PERCENT_VARIABLES:
        ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    elif variable in _MONEY_VARIABLES:
        ax.xaxis.set_major_formatter(money_formatter())
    ax.grid(True, axis="x", color="0.85", linewidth=0.6)
    handles = [Patch(facecolor="white", edgecolor="black", hatch="///", label="key at its lowest level"),
               Patch(facecolor="0.35", edgecolor="black", label="key at its highest level")]
    if appetite is not None and variable in _PROBABILITY_VARIABLES:
        draw_appetite(ax, appetite, vertical=True)
        handles.append(Line2D([], [], color="black", linestyle=(0, (1, 1.5)), linewidth=1.4,
                              label=f"risk appetite {100 * appetite:g} %"))
        low, high = ax.get_xlim()
        ax.set_xlim(min(low, appetite - 0.02), max(high, appetite + 0.02))
    ax.legend(handles=handles, frameon=False, loc="best", fontsize="small")
    base_label = "\n".join(f"{plain_label(k)} = {format_value(k, v)}" for k, v in base_point(ds).items())
    who = f"{structure}, {provider}" if provider is not None else structure
    ax.set_title(_title(f"One at a time: {label.split(' (')[0]}, {who}, from the base point", base_label),
                 fontsize="medium")
    return figure


def _ranks(values):
    return pd.Series(values).rank(method="average").to_numpy()


def rank_regression(ds, structure="withhold", variable="p_shortfall"):
    """Standardised rank regression coefficients (SRRC) of VARIABLE of
    STRUCTURE on the swept keys of a study along `scenario` (an LHS design):
    least squares of the standardised ranks of the output on those of the
    inputs. Returns (Series of coefficients by key, R² of the rank regression);
    NaN coefficients when the output does not vary."""
    if "scenario" not in ds.dims:
        raise ValueError("rank regression needs design points along `scenario` (an LHS or zip study)")
    keys = [k for k in swept_keys(ds) if ds[k].dtype.kind in "iuf"]
    if not keys:
        raise ValueError("rank regression needs numeric swept keys")
    output = ds[variable].sel(structure=_structures(ds, [structure])[0]).values
    keep = np.isfinite(output)
    y = _ranks(output[keep])
    columns = [_ranks(ds[k].values[keep]) for k in keys]
    if y.std() == 0 or len(y) <= len(keys) + 1:
        return pd.Series(np.nan, index=keys, name="srrc"), math.nan
    x = np.column_stack([(c - c.mean()) / c.std() if c.std() > 0 else np.zeros_like(c) for c in columns])
    z = (y - y.mean()) / y.std()
    coefficients, *_ = np.linalg.lstsq(x, z, rcond=None)
    residual = z - x @ coefficients
    r_squared = 1.0 - float(residual @ residual) / float(z @ z)
    return pd.Series(coefficients, index=keys, name="srrc"), r_squared


def plot_lhs_ranking(ds, structure="withhold", variable="p_shortfall"):
    """The swept keys of an LHS study ranked by their standardised rank
    regression coefficient on VARIABLE of STRUCTURE, largest effect on top."""
    coefficients, r_squared = rank_regression(ds, structure, variable)
    label = _VARIABLE_LABELS.get(variable, variable).split(" (")[0]
    figure, ax = _new_figure(height=1.6 + 0.7 * len(coefficients))
    if coefficients.isna().all():
        ax.text(0.5, 0.5, f"{label} of {structure} does not vary over the design:\nno ranking",
                ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
    else:
        ordered = coefficients.reindex(coefficients.abs().sort_values(ascending=True).index)
        positions = np.arange(len(ordered))
        for position, value in zip(positions, ordered.values):
            ax.barh(position, value, height=0.6, edgecolor="black",
                    color="0.35" if value >= 0 else "white", hatch=None if value >= 0 else "///")
            ax.annotate(f"{value:+.2f}", (value, position), xytext=(4 if value >= 0 else -4, 0),
                        textcoords="offset points", ha="left" if value >= 0 else "right", va="center")
        ax.set_yticks(positions, [plain_label(k) for k in ordered.index])
        ax.axvline(0, color="black", linewidth=1)
        ax.set_xlim(-1.35, 1.35)
        ax.legend(handles=[Patch(facecolor="0.35", edgecolor="black", label="raises it"),
                           Patch(facecolor="white", edgecolor="black", hatch="///", label="lowers it")],
                  frameon=False, fontsize="small", loc="lower right")
    ax.set_xlabel("standardised rank regression coefficient (1 = perfectly monotone, unitless)")
    ax.grid(True, axis="x", color="0.85", linewidth=0.6)
    points = ds.sizes["scenario"]
    fit = f", R² {r_squared:.2f}" if np.isfinite(r_squared) else ""
    ax.set_title(f"What drives {label} of {structure}?\nrank regression over {points} design points{fit}")
    return figure


def plot_sobol_indices(indices, structures=None, provider=None):
    """Bar chart of the Sobol' indices of shortfall.sobol_indices(): for each
    swept key a first-order bar (white, hatched) and a total bar (grey), each
    with its bootstrap interval as a black whisker; one panel per structure,
    keys ordered by their total index in the first panel, largest on top. A
    network's indices (a `provider` dimension) are shown for PROVIDER, the
    first by default."""
    data = indices
    provider_label = ""
    if "provider" in data.dims:
        provider = data.provider.values[0] if provider is None else provider
        data = data.sel(provider=provider)
        provider_label = f", provider {provider}"
    extra = [dim for dim in data.first.dims if dim not in ("key", "structure")]
    if extra:
        raise ValueError(f"the indices have dimensions {extra} besides key and structure; "
                         "select one value of each first (e.g. .sel(month=36))")
    names = list(data.structure.values)
    chosen = names if structures is None else list(structures)
    missing = [s for s in chosen if s not in names]
    if missing:
        raise ValueError(f"no structure {missing} in these indices (they have {', '.join(names)})")
    keys = list(data.key.values)
    # The axis from 0 (or the lowest interval end) to 1 (or the highest, up to
    # 1.3: a wider interval runs off the edge rather than squeeze the bars).
    highs = np.concatenate([data.first_high.values.ravel(), data.total_high.values.ravel()])
    lows = np.concatenate([data.first_low.values.ravel(), data.total_low.values.ravel()])
    right = min(1.3, max(1.0, float(np.nanmax(highs)))) if np.isfinite(highs).any() else 1.0
    left = max(-0.3, min(0.0, float(np.nanmin(lows)))) if np.isfinite(lows).any() else 0.0
    order_by = data.total.sel(structure=chosen[0]).values
    order = sorted(range(len(keys)), key=lambda i: (np.nan_to_num(order_by[i], nan=-np.inf), -i))
    positions = np.arange(len(keys))
    height = 0.36
    figure, axes = _new_figure(height=1.3 + len(chosen) * (0.5 + 0.55 * len(keys)),
                               nrows=len(chosen), sharex=True, squeeze=False)
    variable = indices.attrs.get("variable", "the statistic")
    label = _VARIABLE_LABELS.get(variable, variable).split(" (")[0]
    for ax, structure in zip(axes[:, 0], chosen):
        one = data.sel(structure=structure)
        for offset, (name, look) in enumerate([("first", dict(color="white", hatch="///")),
                                               ("total", dict(color="0.45"))]):
            values = one[name].values[order]
            low = one[f"{name}_low"].values[order]
            high = one[f"{name}_high"].values[order]
            y = positions + (height / 2 if name == "first" else -height / 2)
            ax.barh(y, np.nan_to_num(values), height=height, edgecolor="black", **look)
            errors = np.vstack([np.clip(values - low, 0, None), np.clip(high - values, 0, None)])
            ax.errorbar(values, y, xerr=np.nan_to_num(errors), fmt="none", ecolor="black",
                        elinewidth=1.2, capsize=3)
            for yy, value in zip(y, values):
                # The value in figures, in a column right of the panel.
                text = f"{value:.2f}".replace("-0.00", "0.00") if np.isfinite(value) else "n/a"
                ax.annotate(text, (1.0, yy), xycoords=("axes fraction", "data"), xytext=(4, 0),
                            textcoords="offset points", va="center", fontsize="x-small")
        ax.set_yticks(positions, [plain_label(keys[i]) for i in order])
        ax.axvline(0, color="black", linewidth=1)
        ax.set_title(f"{structure}{provider_label}", fontsize="medium", loc="left")
        ax.grid(True, axis="x", color="0.85", linewidth=0.6)
    axes[-1, 0].set_xlim(left - 0.02, right + 0.02)
    axes[-1, 0].set_xlabel(f"Sobol' index: share of the variance of {label} over the ranges (unitless)")
    axes[0, 0].legend(handles=[Patch(facecolor="white", edgecolor="black", hatch="///",
                                     label="first order: the key alone"),
                               Patch(facecolor="0.45", edgecolor="black",
                                     label="total: alone and with other keys"),
                               Line2D([], [], color="black", marker="|", markersize=8, linewidth=1.2,
                                      label=f"{100 * indices.attrs.get('confidence', 0.95):g} % bootstrap interval")],
                      frameon=False, fontsize="small", loc="lower right")
    rows = indices.attrs.get("base_points")
    points = indices.attrs.get("design_points")
    size = f"\nSaltelli design of N = {rows} base rows, {points} design points" if rows else ""
    figure.suptitle(f"Which inputs matter for {label}?{size}")
    return figure


def draw_distribution(ds, variable="p_shortfall", provider=None):
    """Across the design points of a study along `scenario` (LHS or Sobol'
    draws of the uncertain keys): per structure, the median, the 5 % and
    95 % quantiles of VARIABLE (of PROVIDER in a network, the first by
    default), and the values themselves; a DataFrame indexed by structure."""
    if "scenario" not in ds.dims:
        raise ValueError("a distribution across draws needs design points along `scenario` (LHS or Sobol')")
    values = ds[variable]
    if "provider" in values.dims:
        values = values.sel(provider=ds.provider.values[0] if provider is None else provider)
    rows = {}
    for name in ds.structure.values:
        one = values.sel(structure=name).values.astype(float)
        one = one[np.isfinite(one)]
        rows[str(name)] = {"median": float(np.median(one)) if one.size else math.nan,
                           "low": float(np.quantile(one, 0.05)) if one.size else math.nan,
                           "high": float(np.quantile(one, 0.95)) if one.size else math.nan,
                           "draws": one}
    return pd.DataFrame.from_dict(rows, orient="index")


def plot_distribution(ds, variable="p_shortfall", provider=None, appetite=None):
    """The distribution of P(shortfall) (or VARIABLE) across the parameter
    draws of an LHS or Sobol' study, one row per structure: every draw as a
    small mark, the 5-95 % range as a bar and the median as a large marker;
    APPETITE as a vertical line with the share of draws above it."""
    frame = draw_distribution(ds, variable, provider)
    names = list(frame.index)
    figure, ax = _new_figure(height=1.8 + 0.75 * len(names))
    positions = np.arange(len(names))[::-1]
    jitter = np.random.default_rng(0)  # fixed: the same figure every time
    for position, name in zip(positions, names):
        row = frame.loc[name]
        index = names.index(name)
        _, marker, grey = _look(ds, name)
        draws = row["draws"]
        ax.plot(draws, position + jitter.uniform(-0.18, 0.18, draws.size), linestyle="none", marker="|",
                color="0.55", markersize=6)
        ax.plot([row["low"], row["high"]], [position, position], color="black", linewidth=3, solid_capstyle="butt")
        ax.plot([row["median"]], [position], marker=marker, color="black", markersize=9,
                mfc=marker_face(index, "black"), linestyle="none")
        text = f"median {100 * row['median']:.0f} %, 5–95 %: {100 * row['low']:.0f}–{100 * row['high']:.0f} %"
        if appetite is not None:
            text += f"; {100 * np.mean(draws > appetite):.0f} % of draws above appetite"
        ax.annotate(text, (0.0, position + 0.3), fontsize="x-small", va="bottom")
    ax.set_yticks(positions, names)
    ax.set_ylim(-0.6, len(names) - 0.2)
    ax.set_xlim(-0.02, 1.02)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_xlabel(_VARIABLE_LABELS.get(variable, variable) + " at each parameter draw")
    ax.set_ylabel("structure")
    ax.grid(True, axis="x", color="0.85", linewidth=0.6)
    handles = [Line2D([], [], color="0.55", marker="|", linestyle="none", label="one parameter draw"),
               Line2D([], [], color="black", linewidth=3, label="5–95 % of draws"),
               Line2D([], [], color="black", marker="o", linestyle="none", label="median")]
    if appetite is not None:
        draw_appetite(ax, appetite, vertical=True)
        handles.append(Line2D([], [], color="black", linestyle=(0, (1, 1.5)), linewidth=1.4,
                              label=f"risk appetite {100 * appetite:g} %"))
    ax.legend(handles=handles, frameon=False, fontsize="small", loc="upper center",
              bbox_to_anchor=(0.5, -0.16), ncols=len(handles))
    who = f", provider {provider or ds.provider.values[0]}" if "provider" in ds[variable].dims else ""
    label = _VARIABLE_LABELS.get(variable, variable).split(" (")[0]
    ax.set_title(f"{label} across {ds.sizes['scenario']} parameter draws{who}")
    return figure


def save(figure, path_without_suffix, formats=("png", "svg"), dpi=150):
    """Writes FIGURE as PATH.png and PATH.svg; returns the paths written."""
    written = []
    for suffix in formats:
        path = f"{path_without_suffix}.{suffix}"
        figure.savefig(path, dpi=dpi)
        written.append(path)
    return written


__all__ = [
    "base_point", "draw_distribution", "draw_appetite", "format_money", "plot_distribution", "money_formatter", "format_value", "key_label", "one_at_a_time", "plot_cash_fan",
    "plot_heatmap", "plot_lhs_ranking", "plot_p_shortfall", "plot_paired_difference",
    "plot_shortfall_by_month", "plot_sobol_indices", "plot_tornado", "rank_regression", "save",
    "select_point", "style",
]
