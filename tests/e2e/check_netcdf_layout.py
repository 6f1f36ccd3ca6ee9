#!/usr/bin/python3
"""Checks a shortfall results file through the eyes of its Python readers.

Usage: check_netcdf_layout.py RESULTS.h5 [--structures bonus,withhold,advance]

Opens the file with xarray (engine h5netcdf), the root and, when present, the
`runs` group, and checks that every variable has named dimensions (never
phony_dim_*), the dimensions docs/model.md section 7 gives, `long_name` and `units`
where they apply, and the same values h5py reads directly. Exits non-zero
with a message on the first failure.
"""

import argparse
import sys

import h5py
import numpy as np
import xarray as xr

ROOT_DIMS = {
    "p_shortfall": ("scenario", "structure"),
    "p_shortfall_ci_low": ("scenario", "structure"),
    "p_shortfall_ci_high": ("scenario", "structure"),
    "p_shortfall_diff": ("scenario", "structure"),
    "p_shortfall_diff_se": ("scenario", "structure"),
    "shortfall_by_month": ("scenario", "structure", "month"),
    "cash_quantiles": ("scenario", "structure", "month", "quantile"),
    "min_cash_quantiles": ("scenario", "structure", "quantile"),
    "end_cash_quantiles": ("scenario", "structure", "quantile"),
    "min_cash_mean": ("scenario", "structure"),
    "min_cash_cvar05": ("scenario", "structure"),
    "support_mean": ("scenario", "structure"),
    "support_p95": ("scenario", "structure"),
    "first_shortfall_month_mean": ("scenario", "structure"),
    "earned_fraction_mean": ("scenario", "structure"),
    "outcome_received_mean": ("scenario", "structure"),
    "receivable_mean": ("scenario", "structure"),
    "commissioner_cost_mean": ("scenario", "structure"),
    "indicator_achievement_mean": ("scenario", "structure", "indicator"),
    "runs_done": ("scenario",),
    "withhold_fraction": ("structure",),
    "indicator_name": ("indicator",),
}

RUN_RECORDS = [
    "shortfall", "first_shortfall_month", "months_in_shortfall", "min_cash", "end_cash",
    "support", "earned", "received", "receivable", "earned_fraction", "commissioner_cost",
]

ROOT_ATTRIBUTES = [
    "format", "format_version", "program_version", "git_revision", "seed", "runs",
    "horizon_months", "created_utc", "scenario_toml", "command_line", "complete",
    "elapsed_seconds", "host", "isa",
]


def fail(message):
    print(f"check_netcdf_layout: {message}", file=sys.stderr)
    sys.exit(1)


def as_text(values):
    """h5py gives bytes or str for text; xarray gives str."""
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in np.ravel(values)]


def same_values(xarray_values, h5py_values):
    if xarray_values.dtype.kind in "OSU" or h5py_values.dtype.kind in "OSU":
        return as_text(xarray_values) == as_text(h5py_values)
    if xarray_values.shape != h5py_values.shape:
        return False
    return np.array_equal(xarray_values, h5py_values, equal_nan=h5py_values.dtype.kind == "f")


def check_dataset(ds, h5, where, expected_dims):
    for dim in ds.dims:
        if str(dim).startswith("phony_dim"):
            fail(f"{where}: unnamed dimension {dim}")
    for name, dims in expected_dims.items():
        if name not in ds.variables:
            fail(f"{where}: variable {name} missing")
        if ds[name].dims != dims:
            fail(f"{where}: {name} has dims {ds[name].dims}, expected {dims}")
    for name, variable in ds.variables.items():
        values = variable.values
        direct = h5[name][()]
        if not same_values(values, np.asarray(direct)):
            fail(f"{where}: {name} differs between xarray and h5py")
        if "long_name" not in variable.attrs:
            fail(f"{where}: {name} has no long_name")
        is_number = variable.dtype.kind not in "OSU"
        if is_number and name in expected_dims and "units" not in variable.attrs:
            fail(f"{where}: {name} has no units")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path")
    parser.add_argument("--structures", help="expected structure names, comma-separated")
    args = parser.parse_args()

    with h5py.File(args.path, "r") as h5:
        with xr.open_dataset(args.path, engine="h5netcdf") as ds:
            for attribute in ROOT_ATTRIBUTES:
                if attribute not in ds.attrs:
                    fail(f"root attribute {attribute} missing")
            if ds.attrs["format"] != "shortfall-results":
                fail(f"format is {ds.attrs['format']!r}")
            for text in ["format", "format_version", "scenario_toml", "host", "isa"]:
                if not isinstance(ds.attrs[text], str):
                    fail(f"attribute {text} reads as {type(ds.attrs[text]).__name__}, not str")

            check_dataset(ds, h5, "root", ROOT_DIMS)
            for coordinate in ["scenario", "structure", "month", "quantile", "indicator"]:
                if coordinate not in ds.coords or ds[coordinate].dims != (coordinate,):
                    fail(f"{coordinate} is not a coordinate along its own dimension")
            structures = list(ds["structure"].values)
            if structures != as_text(h5["structure"][()]):
                fail(f"structure coordinate {structures} differs from h5py's")
            if args.structures is not None and structures != args.structures.split(","):
                fail(f"structure coordinate {structures}, expected {args.structures}")
            if not np.array_equal(ds["month"].values, np.arange(1, ds.sizes["month"] + 1)):
                fail("month is not 1..T")
            if not np.array_equal(ds["quantile"].values, [0.05, 0.25, 0.5, 0.75, 0.95]):
                fail(f"quantile is {ds['quantile'].values}")
            for name, variable in ds.variables.items():
                if h5[name].attrs.get("swept_key") == 1 and variable.dims != ("scenario",):
                    fail(f"swept key {name} has dims {variable.dims}")

        if "runs" in h5:
            with xr.open_dataset(args.path, engine="h5netcdf", group="runs") as runs:
                expected = {name: ("scenario", "structure", "run") for name in RUN_RECORDS}
                expected["cash"] = ("scenario", "structure", "run", "month")
                check_dataset(runs, h5["runs"], "runs", expected)
                if not np.array_equal(runs["run"].values, np.arange(runs.sizes["run"])):
                    fail("run is not 0..N-1")

    print("check_netcdf_layout: ok")


if __name__ == "__main__":
    main()
