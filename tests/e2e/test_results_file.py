"""The results file as a user reads it: h5py, xarray, ncdump (docs/model.md section 7, docs/python.md).

The statistics at the root are checked against the per-run records of
--keep-runs, recomputed here in NumPy with the conventions of docs/model.md
section 7, independently of the C++ estimators.
"""

import math
import re
import subprocess
import tomllib

import numpy as np
import pytest
import xarray as xr

from conftest import (QUANTILES, SMALL_SCENARIO, STRUCTURES, SOURCE_DIR, dimension_names,
                      open_results, run_ok, text_attribute)

RUNS = 2000
HORIZON = 36
STRUGGLING = SOURCE_DIR / "scenarios" / "struggling-trust.toml"

# docs/model.md section 7.
WILSON_Z = 1.959964
# Means may differ from NumPy's in the last bits because the engine sums in
# another order; the rounding error of a sum scales with the summands, so the
# tolerance is 1e-12 relative to the mean |summand| (or the mean, if larger).
MEAN_RTOL = 1e-12

# docs/model.md section 7, the per-scenario variables.
S, ST, MO, Q, IND = "scenario", "structure", "month", "quantile", "indicator"
ROOT_VARIABLES = {
    "p_shortfall": (S, ST),
    "p_shortfall_ci_low": (S, ST),
    "p_shortfall_ci_high": (S, ST),
    "p_shortfall_diff": (S, ST),
    "p_shortfall_diff_se": (S, ST),
    "shortfall_by_month": (S, ST, MO),
    "cash_quantiles": (S, ST, MO, Q),
    "min_cash_quantiles": (S, ST, Q),
    "end_cash_quantiles": (S, ST, Q),
    "min_cash_mean": (S, ST),
    "min_cash_cvar05": (S, ST),
    "support_mean": (S, ST),
    "support_p95": (S, ST),
    "first_shortfall_month_mean": (S, ST),
    "earned_fraction_mean": (S, ST),
    "outcome_received_mean": (S, ST),
    "receivable_mean": (S, ST),
    "commissioner_cost_mean": (S, ST),
    "indicator_achievement_mean": (S, ST, IND),
    "runs_done": (S,),
    # coordinates and their companions
    "scenario": (S,),
    "structure": (ST,),
    "withhold_fraction": (ST,),
    "month": (MO,),
    "quantile": (Q,),
    "indicator": (IND,),
    "indicator_name": (IND,),
}

RUN_RECORDS = ["shortfall", "first_shortfall_month", "months_in_shortfall", "min_cash", "end_cash",
               "support", "earned", "received", "receivable", "earned_fraction",
               "commissioner_cost"]

ROOT_ATTRIBUTES = ["format", "format_version", "seed", "runs", "horizon_months", "scenario_toml",
                   "command_line", "complete", "created_utc", "program_version",
                   "elapsed_seconds", "host", "isa"]


# ---------------------------------------------------------------------------
# Files, written once per module.

@pytest.fixture(scope="module")
def plain_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("plain") / "struggling.h5"
    run_ok("run", STRUGGLING, "--runs", RUNS, "-o", path, "--quiet")
    return path


def _kept_struggling(tmp_path_factory):
    path = tmp_path_factory.mktemp("kept") / "struggling-kept.h5"
    run_ok("run", STRUGGLING, "--runs", RUNS, "--keep-runs", "-o", path, "--quiet")
    return path


def _kept_threshold(tmp_path_factory):
    # A working capital facility: shortfall below -2m, not below 0.
    path = tmp_path_factory.mktemp("threshold") / "threshold-kept.h5"
    run_ok("run", STRUGGLING, "--runs", 1000, "--keep-runs", "-o", path, "--quiet",
           "--set", "provider.shortfall_threshold=-2.0e6")
    return path


def _kept_no_shortfall(tmp_path_factory):
    # Rich enough never to fall short: p = 0, every mean over shortfalls is NaN.
    folder = tmp_path_factory.mktemp("rich")
    scenario = folder / "small.toml"
    scenario.write_text(SMALL_SCENARIO)
    path = folder / "rich-kept.h5"
    run_ok("run", scenario, "--runs", 1000, "--keep-runs", "-o", path, "--quiet",
           "--set", "provider.opening_cash=1.0e9", "--set", "provider.stress_start_cash=2.0e9")
    return path


KEPT_MAKERS = {
    "struggling": _kept_struggling,
    "threshold": _kept_threshold,
    "no_shortfall": _kept_no_shortfall,
}


@pytest.fixture(scope="module", params=list(KEPT_MAKERS))
def kept_file(request, tmp_path_factory):
    return KEPT_MAKERS[request.param](tmp_path_factory)


@pytest.fixture(scope="module")
def struggling_kept_file(tmp_path_factory):
    return _kept_struggling(tmp_path_factory)


def read_root(path):
    with open_results(path) as f:
        data = {name: f[name][()] for name in ROOT_VARIABLES if name in f}
        attrs = dict(f.attrs)
    return data, attrs


def read_records(path):
    with open_results(path) as f:
        records = {name: f["runs"][name][()] for name in RUN_RECORDS + ["cash"]}
        threshold = tomllib.loads(text_attribute(f.attrs["scenario_toml"]))["provider"][
            "shortfall_threshold"]
    return records, threshold


@pytest.fixture(scope="module")
def kept(kept_file):
    """(root variables, root attributes, per-run records, shortfall threshold)."""
    data, attrs = read_root(kept_file)
    records, threshold = read_records(kept_file)
    return data, attrs, records, threshold


# ---------------------------------------------------------------------------
# Root attributes and layout.

def test_root_attributes(plain_file):
    with open_results(plain_file) as f:
        attrs = dict(f.attrs)
    missing = [name for name in ROOT_ATTRIBUTES if name not in attrs]
    assert not missing, f"missing root attributes: {missing}"
    assert text_attribute(attrs["format"]) == "shortfall-results"
    assert text_attribute(attrs["format_version"]).startswith("1.")
    assert int(attrs["seed"]) == 20170401  # scenarios/struggling-trust.toml
    assert int(attrs["runs"]) == RUNS
    assert int(attrs["horizon_months"]) == HORIZON
    assert int(attrs["complete"]) == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", text_attribute(attrs["created_utc"]))
    assert text_attribute(attrs["program_version"])
    assert text_attribute(attrs["host"])
    assert text_attribute(attrs["isa"]) in {"scalar", "avx2", "avx512"}
    assert float(attrs["elapsed_seconds"]) >= 0.0
    command_line = text_attribute(attrs["command_line"])
    assert " run " in command_line and str(STRUGGLING) in command_line
    assert "--runs 2000" in command_line
    scenario = tomllib.loads(text_attribute(attrs["scenario_toml"]))
    assert scenario["simulation"]["runs"] == RUNS
    assert scenario["simulation"]["seed"] == 20170401
    assert scenario["contract"]["structures"] == STRUCTURES


@pytest.mark.parametrize("name", list(ROOT_VARIABLES))
def test_variable_has_listed_dimensions(plain_file, name):
    with open_results(plain_file) as f:
        assert name in f, f"variable {name} missing"
        assert tuple(dimension_names(f[name])) == ROOT_VARIABLES[name]


def test_coordinates(plain_file):
    with open_results(plain_file) as f:
        assert [text_attribute(s) for s in f["structure"][()]] == STRUCTURES
        assert f["withhold_fraction"][()].tolist() == [0.0, 1.0, 1.0]
        assert f["month"][()].tolist() == list(range(1, HORIZON + 1))
        assert f["quantile"][()].tolist() == QUANTILES
        assert f["scenario"][()].tolist() == [0]
        assert f["runs_done"][()].tolist() == [RUNS]
        assert len(f["indicator"]) == 10  # the ten [[indicator]] of the scenario
        assert text_attribute(f["indicator"][0]) == "eip_two_weeks"


def test_probabilities_and_wilson_interval_are_ordered(plain_file):
    data, _ = read_root(plain_file)
    p, low, high = data["p_shortfall"], data["p_shortfall_ci_low"], data["p_shortfall_ci_high"]
    assert np.all((0 <= p) & (p <= 1))
    assert np.all((0 <= low) & (low <= p) & (p <= high) & (high <= 1))


def test_shortfall_by_month_rises_to_p_shortfall(plain_file):
    data, _ = read_root(plain_file)
    by_month = data["shortfall_by_month"]
    assert np.all(np.diff(by_month, axis=-1) >= 0)
    assert np.all((0 <= by_month) & (by_month <= 1))
    assert np.array_equal(by_month[..., -1], data["p_shortfall"])


@pytest.mark.parametrize("name", ["cash_quantiles", "min_cash_quantiles", "end_cash_quantiles"])
def test_quantiles_rise_along_quantile(plain_file, name):
    data, _ = read_root(plain_file)
    assert np.all(np.diff(data[name], axis=-1) >= 0)


def test_min_cash_five_percent_below_median(plain_file):
    data, _ = read_root(plain_file)
    q = data["min_cash_quantiles"]
    assert np.all(q[..., QUANTILES.index(0.05)] <= q[..., QUANTILES.index(0.5)])
    # the worst 5 % average lies below the 5 % quantile
    assert np.all(data["min_cash_cvar05"] <= q[..., QUANTILES.index(0.05)])


def test_support_and_fractions_in_range(plain_file):
    data, _ = read_root(plain_file)
    assert np.all(data["support_mean"] >= 0)
    assert np.all(data["support_p95"] >= 0)
    assert np.all((0 <= data["earned_fraction_mean"]) & (data["earned_fraction_mean"] <= 1))
    achievement = data["indicator_achievement_mean"]
    assert np.all((0 <= achievement) & (achievement <= 1))


def test_paired_difference_of_first_structure_is_zero(plain_file):
    data, _ = read_root(plain_file)
    assert np.all(data["p_shortfall_diff"][:, 0] == 0.0)
    assert np.all(data["p_shortfall_diff_se"][:, 0] == 0.0)
    # (plus - minus)/N against short_s/N - short_0/N: the same fraction
    # rounded differently, so equal within a few ulp of 1, not bit for bit.
    np.testing.assert_allclose(data["p_shortfall_diff"],
                               data["p_shortfall"] - data["p_shortfall"][:, :1],
                               rtol=0, atol=1e-15)


# ---------------------------------------------------------------------------
# xarray and ncdump read the same file with no extra code.

def test_xarray_reads_named_dimensions_and_coordinates(plain_file):
    with xr.open_dataset(plain_file, engine="h5netcdf") as ds:
        assert not [d for d in ds.dims if str(d).startswith("phony_dim")]
        assert list(ds["structure"].values) == STRUCTURES
        assert ds["month"].values.tolist() == list(range(1, HORIZON + 1))
        assert ds["quantile"].values.tolist() == QUANTILES
        for name, dims in ROOT_VARIABLES.items():
            assert ds[name].dims == dims, name
        assert ds.attrs["format"] == "shortfall-results"


def test_xarray_values_equal_h5py(plain_file):
    data, _ = read_root(plain_file)
    with xr.open_dataset(plain_file, engine="h5netcdf") as ds:
        for name, values in data.items():
            if values.dtype.kind in "OS":
                assert [text_attribute(v) for v in values] == list(ds[name].values), name
            else:
                # exact: NaN-safe comparison of the bits
                assert ds[name].values.dtype == values.dtype, name
                assert np.array_equal(ds[name].values.view(np.uint8), values.view(np.uint8)), name


def test_xarray_reads_runs_group(struggling_kept_file):
    with xr.open_dataset(struggling_kept_file, engine="h5netcdf", group="runs") as ds:
        assert not [d for d in ds.dims if str(d).startswith("phony_dim")]
        assert ds["min_cash"].dims == ("scenario", "structure", "run")
        assert ds["cash"].dims == ("scenario", "structure", "run", "month")
        assert ds.sizes["run"] == RUNS


def test_ncdump_lists_dimensions_and_variables(plain_file):
    completed = subprocess.run(["ncdump", "-h", str(plain_file)], capture_output=True, text=True,
                               timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr
    header = completed.stdout
    for dimension, size in [("scenario", 1), ("structure", 3), ("month", HORIZON),
                            ("quantile", 5), ("indicator", 10)]:
        assert re.search(rf"^\s*{dimension} = {size} ;$", header, re.M), dimension
    assert "p_shortfall(scenario, structure)" in header
    assert "cash_quantiles(scenario, structure, month, quantile)" in header
    assert ':format = "shortfall-results"' in header


# ---------------------------------------------------------------------------
# --keep-runs: the per-run records and the statistics made from them.

def test_runs_group_layout(struggling_kept_file):
    with open_results(struggling_kept_file) as f:
        assert "runs" in f
        group = f["runs"]
        for name in RUN_RECORDS:
            assert name in group, name
            dataset = group[name]
            assert tuple(dimension_names(dataset)) == ("scenario", "structure", "run"), name
            assert dataset.shape == (1, 3, RUNS), name
            assert dataset.chunks is not None, f"{name} is not chunked"
            assert dataset.compression is not None, f"{name} is not compressed"
        cash = group["cash"]
        assert tuple(dimension_names(cash)) == ("scenario", "structure", "run", "month")
        assert cash.shape == (1, 3, RUNS, HORIZON)
        assert cash.chunks is not None and cash.compression is not None
        assert group["shortfall"].dtype.kind in "iub"
        assert group["first_shortfall_month"].dtype.kind in "iu"
        assert group["min_cash"].dtype == np.float64


def test_plain_run_has_no_runs_group(plain_file):
    with open_results(plain_file) as f:
        assert "runs" not in f


def test_records_agree_with_cash_paths(kept):
    _, _, r, threshold = kept
    cash = r["cash"]
    below = cash < threshold
    assert np.array_equal(r["min_cash"], cash.min(axis=-1))
    assert np.array_equal(r["end_cash"], cash[..., -1])
    assert np.array_equal(r["support"], np.maximum(0.0, threshold - r["min_cash"]))
    assert np.array_equal(r["shortfall"].astype(bool), r["min_cash"] < threshold)
    assert np.array_equal(r["months_in_shortfall"], below.sum(axis=-1))
    first = np.where(below.any(axis=-1), below.argmax(axis=-1) + 1, 0)
    assert np.array_equal(r["first_shortfall_month"], first)
    assert np.all((0 <= r["earned_fraction"]) & (r["earned_fraction"] <= 1))


def assert_mean_matches(stored, summands):
    """stored == mean of summands over the last axis, to the rounding of a sum
    taken in another order: 1e-12 of the mean |summand| (N eps is 2e-13 here)."""
    summands = np.asarray(summands, dtype=np.float64)
    expected = summands.mean(axis=-1)
    allowed = MEAN_RTOL * np.maximum(np.abs(expected), np.abs(summands).mean(axis=-1))
    assert stored.shape == expected.shape
    assert np.all(np.abs(stored - expected) <= allowed), (stored, expected)


def test_p_shortfall_is_mean_of_shortfall(kept):
    data, _, r, _ = kept
    assert_mean_matches(data["p_shortfall"], r["shortfall"])


def test_wilson_interval(kept):
    data, attrs, _, _ = kept
    n = int(attrs["runs"])
    p = data["p_shortfall"]
    z2 = WILSON_Z * WILSON_Z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = WILSON_Z / (1 + z2 / n) * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    np.testing.assert_allclose(data["p_shortfall_ci_low"], centre - half, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(data["p_shortfall_ci_high"], centre + half, rtol=1e-12, atol=1e-15)


def test_shortfall_by_month_from_first_shortfall_month(kept):
    data, _, r, _ = kept
    first = r["first_shortfall_month"]
    months = np.arange(1, HORIZON + 1)
    expected = ((first[..., None] > 0) & (first[..., None] <= months)).mean(axis=-2)
    np.testing.assert_allclose(data["shortfall_by_month"], expected, rtol=MEAN_RTOL, atol=0)


def test_first_shortfall_month_mean(kept):
    data, _, r, _ = kept
    first = r["first_shortfall_month"]
    stored = data["first_shortfall_month_mean"]
    for s, st in np.ndindex(stored.shape):
        months = first[s, st][first[s, st] > 0]
        if months.size == 0:
            assert math.isnan(stored[s, st]), "mean over no shortfalls must be NaN"
        else:
            np.testing.assert_allclose(stored[s, st], months.mean(), rtol=MEAN_RTOL)


def sketch_allowance(attrs, values, q, axis):
    """The stated accuracy of a sketch quantile (docs/model.md, "Quantiles
    from a sketch"): max(relative x |v|, absolute) of the larger of the two
    order statistics the quantile interpolates."""
    relative = float(attrs["quantile_relative_accuracy"])
    absolute = float(attrs["quantile_absolute_accuracy"])
    ordered = np.sort(values, axis=axis)
    n = ordered.shape[axis]
    position = (n - 1) * np.asarray(q)
    lower = np.floor(position).astype(int)
    upper = np.minimum(lower + 1, n - 1)
    magnitude = np.maximum(np.abs(np.take(ordered, lower, axis=axis)),
                           np.abs(np.take(ordered, upper, axis=axis)))
    allowed = np.maximum(relative * magnitude, absolute)
    # The quantile axis (where the runs were) last, as the file stores it.
    return allowed if np.ndim(q) == 0 else np.moveaxis(allowed, axis % np.ndim(values), -1)


def test_the_file_states_the_quantiles_accuracy(kept):
    _, attrs, _, _ = kept
    method = attrs["quantile_method"]
    assert (method.decode() if isinstance(method, bytes) else method) == "sketch"
    assert float(attrs["quantile_relative_accuracy"]) == 0.001
    assert float(attrs["quantile_absolute_accuracy"]) == 1000.0


@pytest.mark.parametrize("stored_name, record", [
    ("min_cash_quantiles", "min_cash"),
    ("end_cash_quantiles", "end_cash"),
])
def test_quantiles_of_records_within_the_stated_accuracy(kept, stored_name, record):
    data, attrs, r, _ = kept
    expected = np.moveaxis(np.quantile(r[record], QUANTILES, axis=-1), 0, -1)
    allowed = sketch_allowance(attrs, r[record], QUANTILES, -1)
    assert np.all(np.abs(data[stored_name] - expected) <= allowed)
    # The sketch is not the exact quantile in disguise: most values differ.
    assert np.mean(data[stored_name] != expected) > 0.5


def test_cash_quantiles_within_the_stated_accuracy(kept):
    data, attrs, r, _ = kept
    # cash: (scenario, structure, run, month) -> quantiles over run
    expected = np.moveaxis(np.quantile(r["cash"], QUANTILES, axis=2), 0, -1)
    allowed = sketch_allowance(attrs, r["cash"], QUANTILES, 2)
    assert np.all(np.abs(data["cash_quantiles"] - expected) <= allowed)


def test_support_p95_within_the_stated_accuracy(kept):
    data, attrs, r, _ = kept
    expected = np.quantile(r["support"], 0.95, axis=-1)
    allowed = sketch_allowance(attrs, r["support"], 0.95, -1)
    assert np.all(np.abs(data["support_p95"] - expected) <= allowed)
    # No support needed stays exactly 0.
    assert np.array_equal(data["support_p95"] == 0.0, expected == 0.0)


def test_min_cash_cvar05(kept):
    data, attrs, r, _ = kept
    n = int(attrs["runs"])
    worst = np.sort(r["min_cash"], axis=-1)[..., :math.ceil(0.05 * n)]
    # Each tail value stands as its bucket's middle: within its own allowance.
    allowed = np.mean(np.maximum(float(attrs["quantile_relative_accuracy"]) * np.abs(worst),
                                 float(attrs["quantile_absolute_accuracy"])), axis=-1)
    assert np.all(np.abs(data["min_cash_cvar05"] - worst.mean(axis=-1)) <= allowed * (1 + 1e-9))


@pytest.mark.parametrize("stored_name, record", [
    ("min_cash_mean", "min_cash"),
    ("support_mean", "support"),
    ("earned_fraction_mean", "earned_fraction"),
    ("outcome_received_mean", "received"),
    ("receivable_mean", "receivable"),
    ("commissioner_cost_mean", "commissioner_cost"),
])
def test_means_of_records(kept, stored_name, record):
    data, _, r, _ = kept
    assert_mean_matches(data[stored_name], r[record])


def test_paired_difference_and_standard_error(kept):
    data, attrs, r, _ = kept
    n = int(attrs["runs"])
    short = r["shortfall"].astype(np.float64)
    difference = short - short[:, :1, :]
    np.testing.assert_allclose(data["p_shortfall_diff"], difference.mean(axis=-1),
                               rtol=MEAN_RTOL, atol=1e-15)
    se = difference.std(axis=-1, ddof=1) / math.sqrt(n)
    np.testing.assert_allclose(data["p_shortfall_diff_se"], se, rtol=MEAN_RTOL, atol=1e-15)
