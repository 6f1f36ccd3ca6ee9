"""Opening a results file of `shortfall run` as an xarray.Dataset.

The file is HDF5 laid out as netCDF-4 (docs/model.md section 7), so
xarray reads it through h5netcdf with named dimensions. What this module adds:
it checks that the file is a finished shortfall results file of a format it
knows, turns the swept keys into coordinates, and unstacks a grid sweep's
`scenario` dimension into one dimension per swept key.
"""

from __future__ import annotations

import math
import os
import tomllib

import h5py
import numpy as np
import pandas as pd
import xarray as xr

FORMAT_NAME = "shortfall-results"
# Major versions of the results format this reader understands. A new minor
# version only adds, so it is read; a new major version may rename or remove.
KNOWN_MAJOR_VERSIONS = {1}

# Statistics that have one value per design point and structure: the columns
# of to_frame() by default.
_DESIGN_DIMENSION = "scenario"


class ResultsFileError(ValueError):
    """A file that open_results() will not read; the message names the file."""


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.ndarray) and value.shape == ():
        return _text(value[()])
    return str(value)


def _plain(value):
    """An attribute as a plain Python value: text as str, numbers as int or float."""
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.str_):
        return str(value)
    return value


def _check_header(path, allow_incomplete):
    """Reads the root attributes with h5py and refuses what this reader must not
    read. Returns the attributes as plain Python values."""
    if not os.path.exists(path):
        raise ResultsFileError(f"{path}: no such file")
    try:
        with h5py.File(path, "r") as f:
            attrs = {key: _plain(f.attrs[key]) for key in f.attrs}
    except OSError as error:
        raise ResultsFileError(f"{path}: not a readable HDF5 file ({error})") from None

    format_name = attrs.get("format")
    if format_name != FORMAT_NAME:
        found = "no 'format' attribute" if format_name is None else f"format = {format_name!r}"
        raise ResultsFileError(
            f"{path}: not a shortfall results file ({found}; expected format = {FORMAT_NAME!r})")

    version = str(attrs.get("format_version", ""))
    major = version.split(".", 1)[0]
    if not major.isdigit() or int(major) not in KNOWN_MAJOR_VERSIONS:
        known = ", ".join(f"{m}.x" for m in sorted(KNOWN_MAJOR_VERSIONS))
        raise ResultsFileError(
            f"{path}: results format_version {version!r} is not one this reader knows ({known}); "
            "use the analysis/python of the shortfall version that wrote the file "
            f"(program_version {attrs.get('program_version', '?')})")

    if "shard" in attrs and not allow_incomplete:
        raise ResultsFileError(
            f"{path}: a part file of shard {attrs['shard']} of a sharded run, holding only that "
            "shard's design points; join the parts with `shortfall merge -o FILE part-*.h5` and open "
            "the merged file (or pass allow_incomplete=True to read this part as it is)")

    if attrs.get("complete") != 1 and not allow_incomplete:
        raise ResultsFileError(
            f"{path}: the run that writes this file is not complete (complete = "
            f"{attrs.get('complete', 'missing')}); finish it with `shortfall run ... --resume`, "
            "or pass allow_incomplete=True to read it as it is")
    return attrs


def swept_keys(ds):
    """Names of the swept scenario keys of DS, in the file's order (the first
    key of a grid varies slowest)."""
    return [name for name, var in ds.variables.items() if var.attrs.get("swept_key") == 1]


def design_dims(ds):
    """The dimensions that index design points: the swept keys of an unstacked
    grid, otherwise `scenario`."""
    if _DESIGN_DIMENSION in ds.dims:
        return [_DESIGN_DIMENSION]
    return [key for key in swept_keys(ds) if key in ds.dims]


def scenario_settings(ds):
    """The resolved scenario (root attribute scenario_toml) as a dict."""
    return tomllib.loads(ds.attrs["scenario_toml"])


def sweep_mode(ds):
    """'grid', 'zip', 'lhs' or 'sobol' from the scenario text; None without a sweep or
    without readable text."""
    try:
        settings = scenario_settings(ds)
    except (KeyError, tomllib.TOMLDecodeError):
        return None
    sweep = settings.get("sweep")
    return sweep.get("mode") if isinstance(sweep, dict) else None


def _grid_levels(ds, keys):
    """For a full cartesian product of the keys' values along `scenario`:
    (levels per key, in order of first appearance; the scenario positions in
    row-major order of those levels). None when the points are not one."""
    levels, codes = [], []
    for key in keys:
        values = ds[key].values
        level = pd.unique(values)
        levels.append(level)
        codes.append(pd.Index(level).get_indexer(values))
    shape = tuple(len(level) for level in levels)
    size = ds.sizes[_DESIGN_DIMENSION]
    if math.prod(shape) != size:
        return None
    flat = np.ravel_multi_index(codes, shape)
    if len(np.unique(flat)) != size:
        return None
    return levels, np.argsort(flat, kind="stable")


def _unstack_grid(ds, keys, levels, order):
    """DS with `scenario` replaced by one dimension per key (each a coordinate
    holding that key's levels); `scenario` stays as a coordinate over the new
    dimensions, the design point's index in the file."""
    ds = ds.isel({_DESIGN_DIMENSION: order})
    shape = tuple(len(level) for level in levels)
    variables, coords = {}, {}
    for key, level in zip(keys, levels):
        coords[key] = xr.Variable((key,), np.asarray(level), attrs=dict(ds[key].attrs))
    for name, var in ds.variables.items():
        if name in keys:
            continue
        if _DESIGN_DIMENSION not in var.dims:
            target = coords if name in ds.coords else variables
            target[name] = var
            continue
        axis = var.dims.index(_DESIGN_DIMENSION)
        dims = var.dims[:axis] + tuple(keys) + var.dims[axis + 1:]
        values = np.asarray(var.values)
        values = values.reshape(values.shape[:axis] + shape + values.shape[axis + 1:])
        target = coords if name in ds.coords else variables
        target[name] = xr.Variable(dims, values, attrs=dict(var.attrs), encoding=dict(var.encoding))
    coords[_DESIGN_DIMENSION].attrs["long_name"] = "design point: index along the file's scenario dimension"
    return xr.Dataset(variables, coords=coords, attrs=dict(ds.attrs))


def open_results(path, allow_incomplete=False, unstack=None, lazy=False):
    """Opens the results file PATH as an xarray.Dataset, read into memory
    (with lazy=True, read as it is used: a sweep of many points costs only
    the rows asked for, e.g. `ds.isel(scenario=17).load()`; close it with
    `ds.close()`).

    Refuses (ResultsFileError, naming the file) a file that is not a shortfall
    results file, whose format major version this reader does not know, whose
    run is not complete, or that is one shard's part file; allow_incomplete=True
    reads the last two as they are.

    Swept keys become coordinates. unstack=None unstacks `scenario` into one
    dimension per swept key when the sweep is a grid (`mode = "grid"` in the
    scenario text, or, without one, when the points form a full cartesian
    product); True requires that, False never unstacks. Per-run records
    (`--keep-runs`) are in open_runs().
    """
    path = os.fspath(path)
    attrs = _check_header(path, allow_incomplete)
    if lazy and unstack:
        raise ValueError("open_results: unstack=True reads every point; with lazy=True use "
                         "unstack=None or False")
    if lazy:
        ds = xr.open_dataset(path, engine="h5netcdf")
    else:
        with xr.open_dataset(path, engine="h5netcdf") as opened:
            ds = opened.load()
    ds.attrs = attrs
    keys = swept_keys(ds)
    ds = ds.set_coords(keys)
    if unstack is False or not keys or lazy:
        return ds

    mode = sweep_mode(ds)
    grid = _grid_levels(ds, keys)
    if unstack is None and (mode not in (None, "grid") or grid is None):
        return ds
    if grid is None:
        raise ResultsFileError(
            f"{path}: the design points of the swept keys {', '.join(keys)} do not form a full grid, "
            "so `scenario` cannot be unstacked (open with unstack=None or False)")
    return _unstack_grid(ds, keys, *grid)


# The labels of the root group's dimensions that the `runs` group shares.
_SHARED_LABELS = ("scenario", "structure", "provider", "month", "indicator")


def open_runs(path, allow_incomplete=False):
    """The per-run records (group `runs`, written with `--keep-runs`) of PATH,
    opened lazily; the same refusals as open_results().

    The group's dimensions it shares with the file (scenario, structure,
    provider in a network, month, indicator) carry the file's labels as
    coordinates, and the swept keys are coordinates along `scenario`, so
    `.sel(structure="withhold")` and `.sel(provider="trust")` work as on
    open_results()."""
    path = os.fspath(path)
    _check_header(path, allow_incomplete)
    with h5py.File(path, "r") as f:
        if "runs" not in f:
            raise ResultsFileError(f"{path}: no per-run records (group 'runs'); run with --keep-runs")
    runs = xr.open_dataset(path, engine="h5netcdf", group="runs")
    with xr.open_dataset(path, engine="h5netcdf") as root:
        labels = {name: root[name].load().variable for name in _SHARED_LABELS
                  if name in runs.dims and name in root.variables and name not in runs.coords}
        for key in swept_keys(root):
            if _DESIGN_DIMENSION in runs.dims and key not in runs.variables:
                labels[key] = root[key].load().variable
    return runs.assign_coords(labels)


def to_frame(ds, variables=None):
    """A tidy pandas DataFrame of DS: one row per design point and structure
    (and per month, quantile or indicator when VARIABLES hold those), one
    column per swept key, dimension and variable.

    By default VARIABLES are every statistic with one value per design point
    and structure (p_shortfall, support_mean, ..., runs_done); in a network
    file (a `provider` dimension) one value per design point, structure and
    provider, so a row is one provider under one structure, and the network's
    own p_any_shortfall repeats on the rows of its providers."""
    allowed = set(design_dims(ds)) | {"structure", "provider"}
    if variables is None:
        variables = [name for name, var in ds.data_vars.items()
                     if var.dims and set(var.dims) <= allowed and var.dtype.kind in "biuf"]
    elif isinstance(variables, str):
        variables = [variables]
    frame = ds[list(variables)].to_dataframe().reset_index()
    first = [c for c in [*swept_keys(ds), _DESIGN_DIMENSION, "structure", "provider"]
             if c in frame.columns]
    return frame[first + [c for c in frame.columns if c not in first]]
