"""The decomposition written by `shortfall decompose -o FILE`: each
structure's difference from the reference in P(shortfall) and in mean
support needed, split into price, timing and uncertainty, and outcome
feedback (docs/model.md, "Decomposition"; the README's "Answering the
decision"). The file's group `decomposition` holds it, with the root's
dimensions (scenario, structure[, provider]).
"""

from __future__ import annotations

import html
import os

import h5py
import numpy as np
import xarray as xr

from .results import ResultsFileError, _check_header

GROUP = "decomposition"
PARTS = ("diff", "price", "timing", "feedback")
QUANTITIES = ("p_shortfall", "support")


def has_decomposition(path):
    """Whether the results file PATH holds a decomposition."""
    with h5py.File(os.fspath(path), "r") as f:
        return GROUP in f


def open_decomposition(path, allow_incomplete=False):
    """The group `decomposition` of PATH as an xarray.Dataset, read into
    memory, with the group's attributes (reference, pilot_runs); the same
    refusals as open_results(), and ResultsFileError when the file holds no
    decomposition."""
    path = os.fspath(path)
    _check_header(path, allow_incomplete)
    if not has_decomposition(path):
        raise ResultsFileError(f"{path}: no decomposition (group '{GROUP}'); write one with "
                               "`shortfall decompose SCENARIO.toml -o FILE`")
    with xr.open_dataset(path, engine="h5netcdf", group=GROUP) as lazy:
        ds = lazy.load()
    # The group's axes are the root's dimensions, whose labels (structure
    # names, provider ids) a group opened alone does not carry.
    with xr.open_dataset(path, engine="h5netcdf") as root:
        labels = {dim: root[dim].values for dim in ds.dims if dim in root.variables}
    return ds.assign_coords(labels)


def decomposition(path, allow_incomplete=False):
    """A tidy pandas DataFrame of the decomposition in PATH: one row per
    compared structure (and provider, in a network), the reference left out;
    columns p_shortfall_diff, p_shortfall_price, ..._timing, ..._feedback
    and each one's _se, the same for support (GBP), cost_diff, flat_cost and
    pilot_earned_fraction. Probabilities are fractions."""
    ds = open_decomposition(path, allow_incomplete)
    frame = ds.to_dataframe().reset_index()
    frame = frame[frame.structure != ds.attrs["reference"]]
    if "scenario" in frame.columns and frame.scenario.nunique() == 1:
        frame = frame.drop(columns="scenario")
    return frame.reset_index(drop=True)


def _part(value, se, scale, digits):
    if not np.isfinite(value):
        return "n/a"
    error = "n/a" if not np.isfinite(se) else f"{scale * se:.{digits}f}"
    return f"{scale * value:+.{digits}f} ({error})"


def decomposition_table_html(path):
    """An HTML table of the decomposition in PATH for the report; '' when the
    file holds none."""
    if not has_decomposition(path):
        return ""
    ds = open_decomposition(path, allow_incomplete=True)
    reference = ds.attrs["reference"]
    frame = decomposition(path, allow_incomplete=True)
    network = "provider" in frame.columns
    who = ["structure", *(["provider"] if network else [])]

    def names(row):
        return [row.structure, *([row.provider] if network else [])]

    # Three narrow tables rather than one of 11-13 columns: each fits A4 portrait.
    p_rows, support_rows, money_rows = [], [], []
    for _, row in frame.iterrows():
        p_rows.append(names(row) + [_part(row[f"p_shortfall_{p}"], row[f"p_shortfall_{p}_se"], 100, 1)
                                    for p in PARTS])
        support_rows.append(names(row) + [_part(row[f"support_{p}"], row[f"support_{p}_se"], 1e-6, 2)
                                          for p in PARTS])
        money_rows.append(names(row) + [
            "n/a" if not np.isfinite(row.pilot_earned_fraction) else f"{100 * row.pilot_earned_fraction:.1f} %",
            "n/a" if not np.isfinite(row.cost_diff) else f"{1e-6 * row.cost_diff:+.2f}",
            "n/a" if not np.isfinite(row.flat_cost) else f"{1e-6 * row.flat_cost:.2f}"])
    parts = ["total", "price", "timing and uncertainty", "outcome feedback"]
    caption = (f"Why each structure differs from {reference}: P(shortfall) in percentage points, "
               "split into price (the same expected money paid flat "
               f"and certain, against {reference}), timing and uncertainty (the structure on "
               f"{reference}'s outcomes, against the flat comparator) and outcome feedback (the "
               f"structure against itself on {reference}'s outcomes); paired standard errors in "
               "brackets")
    return "\n".join([
        _table("decomposition", caption, who + parts, p_rows),
        _table("decomposition-support",
               f"The same split of the difference from {reference} in mean support needed, £m "
               "(paired standard errors in brackets)", who + parts, support_rows),
        _table("decomposition-cost",
               f"What each is paid: mean earned fraction ē from a pilot of {int(ds.attrs['pilot_runs']):,} "
               "runs on futures of its own, and mean commissioner cost over the horizon",
               who + ["ē (pilot)", f"cost vs {reference} (£m)", "flat comparator cost (£m)"], money_rows),
    ])


def _table(table_id, caption, header, rows):
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>\n"
                   for row in rows)
    return (f'<table id="{table_id}">\n<caption>{html.escape(caption)}</caption>\n'
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>")


__all__ = ["GROUP", "decomposition", "decomposition_table_html", "has_decomposition",
           "open_decomposition"]
