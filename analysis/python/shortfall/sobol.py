"""Variance-based (Sobol') sensitivity indices from a `mode = "sobol"` sweep.

The sweep runs Saltelli's design (docs/sweeps.md): N base rows in blocks of N
design points along `scenario`, block 0 the sample matrix A, block 1 the
matrix B, block 2 + i the matrix A_B^(i) (A with key i taken from B). From the
values y of one statistic at those points:

    V        = variance of y over the 2N points of A and B (divisor 2N)
    first_i  = mean_n( y_B[n] (y_AB_i[n] - y_A[n]) ) / V     (Saltelli et al. 2010)
    total_i  = mean_n( (y_A[n] - y_AB_i[n])^2 ) / (2 V)       (Jansen 1999)

with y first centred on its mean over the 2N points of A and B. Centring
leaves both estimators' expected values as they are (a constant added to y
cancels in y_AB_i - y_A) but takes the mean out of the first-order
estimator's noise: for a statistic whose mean is far from 0 against its
spread, such as a P(shortfall) near 100 %, the uncentred estimator's
standard error is many times the index itself.

first_i is the share of the statistic's variance over the ranges that key i
explains alone; total_i the share it has a hand in, alone or with other keys.
Their intervals are bootstrap percentiles: the N rows are resampled with
replacement (the same rows in every block, so each resample is a Saltelli
design of N rows), the indices recomputed, and the 2.5 and 97.5 percentiles
kept. The resampling generator is numpy's default_rng(seed), so the result is
a function of the file, the variable, `resamples` and `seed`.

    PYTHONPATH=analysis/python /usr/bin/python3
    >>> import shortfall
    >>> ds = shortfall.open_results("sobol-struggling-trust.h5")
    >>> shortfall.sobol_indices(ds).first.sel(structure="withhold")
"""

from __future__ import annotations

import tomllib

import numpy as np
import xarray as xr

from .results import scenario_settings, swept_keys, sweep_mode

INDEX_VARIABLES = ("first", "total", "first_low", "first_high", "total_low", "total_high")

# Bootstrap resamples are computed in chunks of about this many numbers.
_CHUNK_VALUES = 4_000_000


def saltelli_layout(ds):
    """(swept keys in design order, N base rows) of a sobol sweep's Dataset.

    Reads `mode` and `points` from the [sweep] table of the resolved scenario
    text (root attribute scenario_toml) and checks that the design points
    along `scenario` have Saltelli's block structure: N (k + 2) points, and
    in block 2 + i key i equal to block 1's and every other key to block 0's.
    Raises ValueError naming what is missing or does not fit."""
    if "scenario" not in ds.dims:
        raise ValueError("Sobol indices need the design points along `scenario` "
                         "(open the file with shortfall.open_results)")
    try:
        settings = scenario_settings(ds)
    except (KeyError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"no readable scenario text (root attribute scenario_toml): {error}") from None
    mode = sweep_mode(ds)
    if mode != "sobol":
        raise ValueError(f"Sobol indices need a sweep with mode = \"sobol\"; this file's is "
                         f"{'no sweep' if mode is None else repr(mode)}")
    sweep = settings["sweep"]
    rows = sweep.get("points")
    if not isinstance(rows, int) or rows < 1:
        raise ValueError(f"[sweep] points = {rows!r} is not a number of base rows")
    keys = list(sweep.get("parameters", {}))
    in_file = set(swept_keys(ds))
    missing = [key for key in keys if key not in in_file]
    if not keys or missing:
        raise ValueError(f"the swept keys {missing or keys} of [sweep.parameters] are not variables "
                         "along `scenario` of the file")
    points = ds.sizes["scenario"]
    if points != rows * (len(keys) + 2):
        raise ValueError(f"a Saltelli design of N = {rows} rows and {len(keys)} keys has "
                         f"{rows * (len(keys) + 2)} points; the file has {points}")
    design = np.column_stack([np.asarray(ds[key].values, dtype=float) for key in keys])
    blocks = design.reshape(len(keys) + 2, rows, len(keys))
    for i, key in enumerate(keys):
        expected = blocks[0].copy()
        expected[:, i] = blocks[1][:, i]
        if not np.array_equal(blocks[2 + i], expected):
            raise ValueError(f"design points {(2 + i) * rows}..{(3 + i) * rows - 1} are not A with "
                             f"{key} from B (Saltelli's block of that key)")
    return keys, rows


def _indices(y_a, y_b, y_ab):
    """first and total indices of every key: y_a and y_b (..., N, M), y_ab
    (k, ..., N, M), rows on axis -2; returns two arrays (k, ..., M)."""
    both = np.concatenate([y_a, y_b], axis=-2)
    variance = both.var(axis=-2)
    with np.errstate(divide="ignore", invalid="ignore"):
        first = (y_b * (y_ab - y_a)).mean(axis=-2) / variance
        total = 0.5 * ((y_a - y_ab) ** 2).mean(axis=-2) / variance
    # No variance, no shares: NaN, not ±inf.
    first = np.where(variance > 0, first, np.nan)
    total = np.where(variance > 0, total, np.nan)
    return first, total


def sobol_indices(ds, variable="p_shortfall", resamples=1000, seed=0, confidence=0.95):
    """First-order and total Sobol' indices of VARIABLE for every swept key of
    a `mode = "sobol"` sweep, with bootstrap intervals.

    DS is the Dataset of open_results() (or one of the same shape: the swept
    keys along `scenario`, the [sweep] table in attrs["scenario_toml"]).
    VARIABLE is any statistic along `scenario`: p_shortfall, support_mean,
    min_cash_mean, ..., or one with more axes (shortfall_by_month gives
    indices per month). Returns an xarray.Dataset with `first`, `total`,
    `first_low`, `first_high`, `total_low`, `total_high` (the CONFIDENCE
    bootstrap percentile interval over RESAMPLES resamples of the N rows, numpy
    default_rng(SEED)) and `variance` (the variance of VARIABLE over A and B),
    over dims (key, structure[, provider], ...): VARIABLE's dims with
    `scenario` replaced by `key`. An index is NaN where VARIABLE does not vary
    over the design (variance 0) or is NaN at some point.

    Estimators: Saltelli et al. (2010) for first order, Jansen (1999) for
    total (module docstring). Both are unbiased but not bounded: with few rows
    or a nearly constant output an estimate may fall a little below 0 or above 1.
    """
    if variable not in ds.variables:
        raise ValueError(f"no variable {variable!r} in the Dataset")
    values = ds[variable]
    if "scenario" not in values.dims:
        raise ValueError(f"{variable} has no `scenario` dimension: it is not a per-point statistic")
    if values.dtype.kind not in "biuf":
        raise ValueError(f"{variable} is not numeric")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence = {confidence} must be in (0, 1)")
    if int(resamples) < 1:
        raise ValueError(f"resamples = {resamples} must be at least 1")
    keys, rows = saltelli_layout(ds)
    k = len(keys)

    values = values.transpose("scenario", ...)
    rest_dims = values.dims[1:]
    rest_shape = values.shape[1:]
    y = np.asarray(values.values, dtype=float).reshape(k + 2, rows, -1)  # (block, N, M)
    # Centred on the mean over A and B: one constant per column, kept for the
    # bootstrap resamples too (any constant leaves the estimators unbiased).
    y = y - y[:2].mean(axis=(0, 1))
    y_a, y_b, y_ab = y[0], y[1], y[2:]
    first, total = _indices(y_a, y_b, y_ab)  # (k, M)
    both = np.concatenate([y_a, y_b], axis=0)
    variance = both.var(axis=0)

    # The bootstrap: row resamples shared by every block and key.
    generator = np.random.default_rng(seed)
    chosen = generator.integers(0, rows, size=(int(resamples), rows))
    columns = y.shape[-1]
    chunk = max(1, _CHUNK_VALUES // max(1, rows * columns * (k + 2)))
    boot_first = np.empty((int(resamples), k, columns))
    boot_total = np.empty((int(resamples), k, columns))
    for start in range(0, int(resamples), chunk):
        rows_of = chosen[start:start + chunk]                  # (R, N)
        r_a, r_b = y_a[rows_of], y_b[rows_of]                  # (R, N, M)
        r_ab = y_ab[:, rows_of]                                # (k, R, N, M)
        f, t = _indices(r_a, r_b, r_ab)                        # (k, R, M)
        boot_first[start:start + chunk] = np.moveaxis(f, 0, 1)
        boot_total[start:start + chunk] = np.moveaxis(t, 0, 1)
    tail = 100 * (1 - confidence) / 2
    with np.errstate(invalid="ignore"):
        # NaN in any resample makes the interval NaN: the index is undefined there.
        first_low, first_high = np.percentile(boot_first, [tail, 100 - tail], axis=0)
        total_low, total_high = np.percentile(boot_total, [tail, 100 - tail], axis=0)

    dims = ("key", *rest_dims)
    shape = (k, *rest_shape)

    def variable_of(array, long_name):
        return xr.Variable(dims, np.asarray(array).reshape(shape), attrs={"long_name": long_name,
                                                                          "units": "1"})

    percent = f"{100 * confidence:g} %"
    data = {
        "first": variable_of(first, f"first-order Sobol' index of {variable} (Saltelli 2010)"),
        "total": variable_of(total, f"total Sobol' index of {variable} (Jansen 1999)"),
        "first_low": variable_of(first_low, f"lower end of the {percent} bootstrap interval of first"),
        "first_high": variable_of(first_high, f"upper end of the {percent} bootstrap interval of first"),
        "total_low": variable_of(total_low, f"lower end of the {percent} bootstrap interval of total"),
        "total_high": variable_of(total_high, f"upper end of the {percent} bootstrap interval of total"),
        "variance": xr.Variable(rest_dims, variance.reshape(rest_shape),
                                attrs={"long_name": f"variance of {variable} over the points of A and B",
                                       "units": values.attrs.get("units", "")}),
    }
    coords = {"key": ("key", np.asarray(keys, dtype=object))}
    for dim in rest_dims:
        if dim in values.coords:
            coords[dim] = values.coords[dim].values
    attrs = {"variable": variable, "base_points": rows, "design_points": int(rows * (k + 2)),
             "resamples": int(resamples), "seed": int(seed), "confidence": float(confidence),
             "first_estimator": "Saltelli et al. (2010)", "total_estimator": "Jansen (1999)"}
    return xr.Dataset(data, coords=coords, attrs=attrs)


__all__ = ["INDEX_VARIABLES", "saltelli_layout", "sobol_indices"]
