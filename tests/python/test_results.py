"""shortfall.open_results and to_frame against files made by the real binary:
values equal to what h5py reads, grid unstacking, and the refusals."""

import shutil

import h5py
import numpy as np
import pytest

import shortfall
from conftest import (GRID_CASH, GRID_SHARES, LHS_POINTS, STRUCTURES, make_results, run_shortfall,
                      scenario_text, GRID_SWEEP)


def h5_values(path, name):
    with h5py.File(path, "r") as f:
        return f[name][()]


def test_a_single_point_keeps_the_file_layout_and_values(single_file):
    ds = shortfall.open_results(single_file)
    assert dict(ds.sizes) == {"scenario": 1, "structure": 4, "month": 36, "quantile": 5, "indicator": 6}
    assert list(ds.structure.values) == STRUCTURES
    assert ds.cash_quantiles.dims == ("scenario", "structure", "month", "quantile")
    for name in ["p_shortfall", "p_shortfall_diff_se", "cash_quantiles", "shortfall_by_month",
                 "indicator_achievement_mean", "runs_done", "withhold_fraction", "quantile", "month"]:
        assert np.array_equal(ds[name].values, h5_values(single_file, name), equal_nan=True), name
    assert ds.attrs["seed"] == 424242 and isinstance(ds.attrs["seed"], int)
    assert ds.attrs["format_version"] == "1.3"
    assert ds.attrs["complete"] == 1
    assert ds.attrs["program_version"]
    assert 'title = "End-to-end test trust"' in ds.attrs["scenario_toml"]
    assert shortfall.scenario_settings(ds)["provider"]["stress_start_cash"] == 12.0e6
    assert shortfall.swept_keys(ds) == []
    assert shortfall.sweep_mode(ds) is None


def test_a_grid_unstacks_into_one_dimension_per_swept_key(grid_file):
    ds = shortfall.open_results(grid_file)
    assert "scenario" not in ds.dims
    assert ds.p_shortfall.dims == ("contract.outcome_share", "provider.opening_cash", "structure")
    assert ds.cash_quantiles.dims == ("contract.outcome_share", "provider.opening_cash", "structure",
                                      "month", "quantile")
    assert list(ds["contract.outcome_share"].values) == GRID_SHARES
    assert list(ds["provider.opening_cash"].values) == GRID_CASH
    assert ds["contract.outcome_share"].attrs["swept_key"] == 1
    assert shortfall.design_dims(ds) == ["contract.outcome_share", "provider.opening_cash"]

    # Row-major in the file, the first key slowest: point 4 is share 0.03 with £1m.
    flat = h5_values(grid_file, "p_shortfall")
    assert np.array_equal(ds.p_shortfall.values.reshape(12, 4), flat, equal_nan=True)
    picked = ds.p_shortfall.sel(structure="withhold", **{"contract.outcome_share": 0.03})
    assert np.array_equal(picked.values, flat[4:8, 1], equal_nan=True)
    one = ds.cash_quantiles.sel(**{"contract.outcome_share": 0.04, "provider.opening_cash": 3.0e6})
    assert np.array_equal(one.values, h5_values(grid_file, "cash_quantiles")[9], equal_nan=True)
    assert ds.scenario.sel(**{"contract.outcome_share": 0.04, "provider.opening_cash": 3.0e6}) == 9
    assert ds.runs_done.dtype.kind == "i" and (ds.runs_done == 500).all()


def test_unstack_false_keeps_the_scenario_dimension(grid_file):
    ds = shortfall.open_results(grid_file, unstack=False)
    assert ds.p_shortfall.dims == ("scenario", "structure")
    assert ds["provider.opening_cash"].dims == ("scenario",)
    assert "provider.opening_cash" in ds.coords


def test_text_grid_levels_keep_the_order_of_the_file(text_grid_file):
    ds = shortfall.open_results(text_grid_file)
    assert list(ds["contract.assessment"].values) == ["quarterly", "monthly", "annual"]
    assert list(ds["contract.settlement_lag_months"].values) == [0, 2]
    flat = h5_values(text_grid_file, "p_shortfall")
    assert np.array_equal(
        ds.p_shortfall.sel(**{"contract.assessment": "annual", "contract.settlement_lag_months": 2}).values,
        flat[5], equal_nan=True)


def test_a_grid_without_its_mode_is_detected_from_the_coordinates(grid_file, tmp_path):
    copy = tmp_path / "no-mode.h5"
    shutil.copy(grid_file, copy)
    with h5py.File(copy, "r+") as f:
        text = f.attrs["scenario_toml"]
        text = text.decode() if isinstance(text, bytes) else text
        f.attrs["scenario_toml"] = text.replace('mode = "grid"', "")
    ds = shortfall.open_results(copy)
    assert shortfall.sweep_mode(ds) is None
    assert ds.p_shortfall.dims == ("contract.outcome_share", "provider.opening_cash", "structure")


def test_an_lhs_study_stays_along_scenario(lhs_file):
    ds = shortfall.open_results(lhs_file)
    assert ds.p_shortfall.dims == ("scenario", "structure")
    assert ds.sizes["scenario"] == LHS_POINTS
    keys = ["provider.stress_penalty", "indicator.*.volatility", "provider.underlying_deficit"]
    assert shortfall.swept_keys(ds) == keys
    for key in keys:
        assert key in ds.coords and ds[key].dims == ("scenario",)
        assert np.array_equal(ds[key].values, h5_values(lhs_file, key))
    assert shortfall.sweep_mode(ds) == "lhs"
    with pytest.raises(shortfall.ResultsFileError, match="do not form a full grid"):
        shortfall.open_results(lhs_file, unstack=True)


def test_to_frame_is_tidy(grid_file, lhs_file, single_file):
    ds = shortfall.open_results(grid_file)
    frame = shortfall.to_frame(ds)
    assert len(frame) == 3 * 4 * 4  # points x structures
    assert list(frame.columns[:4]) == ["contract.outcome_share", "provider.opening_cash", "scenario", "structure"]
    for column in ["p_shortfall", "p_shortfall_ci_low", "support_mean", "runs_done", "withhold_fraction"]:
        assert column in frame.columns
    assert "cash_quantiles" not in frame.columns
    row = frame[(frame["contract.outcome_share"] == 0.04) & (frame["provider.opening_cash"] == 3.0e6)
                & (frame.structure == "advance")]
    assert len(row) == 1
    assert row.p_shortfall.item() == h5_values(grid_file, "p_shortfall")[9, 2]
    assert row.scenario.item() == 9

    lhs = shortfall.to_frame(shortfall.open_results(lhs_file))
    assert len(lhs) == LHS_POINTS * 4
    assert "provider.stress_penalty" in lhs.columns

    monthly = shortfall.to_frame(shortfall.open_results(single_file), "shortfall_by_month")
    assert len(monthly) == 4 * 36
    assert list(monthly.columns) == ["scenario", "structure", "month", "shortfall_by_month"]


def with_attribute(source, tmp_path, name, value, remove=False):
    copy = tmp_path / f"{name}-{value}.h5"
    shutil.copy(source, copy)
    with h5py.File(copy, "r+") as f:
        if remove:
            del f.attrs[name]
        else:
            f.attrs[name] = value
    return copy


def test_refuses_an_unknown_major_version(single_file, tmp_path):
    newer = with_attribute(single_file, tmp_path, "format_version", "2.0")
    with pytest.raises(shortfall.ResultsFileError, match=r"format_version '2.0' is not one this reader knows") as e:
        shortfall.open_results(newer)
    assert str(newer) in str(e.value)
    # A newer minor version only adds: it is read.
    minor = with_attribute(single_file, tmp_path, "format_version", "1.7")
    assert shortfall.open_results(minor).attrs["format_version"] == "1.7"


def test_refuses_an_incomplete_run_unless_asked(single_file, tmp_path):
    partial = with_attribute(single_file, tmp_path, "complete", np.int32(0))
    with pytest.raises(shortfall.ResultsFileError, match="not complete .*allow_incomplete=True") as e:
        shortfall.open_results(partial)
    assert str(partial) in str(e.value)
    ds = shortfall.open_results(partial, allow_incomplete=True)
    assert ds.attrs["complete"] == 0


def test_refuses_a_shard_part_file(tmp_path):
    scenario = tmp_path / "sharded.toml"
    scenario.write_text(scenario_text(200, GRID_SWEEP))
    part = tmp_path / "part-1.h5"
    run_shortfall("run", scenario, "--shard", "1/2", "-o", part, "--quiet", "--threads", "1")
    with pytest.raises(shortfall.ResultsFileError, match=r"shard 1/2 .*shortfall merge") as e:
        shortfall.open_results(part)
    assert str(part) in str(e.value)
    assert shortfall.open_results(part, allow_incomplete=True).attrs["shard"] == "1/2"


def test_refuses_files_that_are_not_shortfall_results(single_file, tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = [1, 2, 3]
    with pytest.raises(shortfall.ResultsFileError, match=r"other.h5: not a shortfall results file"):
        shortfall.open_results(other)
    renamed = with_attribute(single_file, tmp_path, "format", "something-else")
    with pytest.raises(shortfall.ResultsFileError, match="format = 'something-else'"):
        shortfall.open_results(renamed)
    text = tmp_path / "notes.txt"
    text.write_text("not HDF5")
    with pytest.raises(shortfall.ResultsFileError, match=r"notes.txt: not a readable HDF5 file"):
        shortfall.open_results(text)
    with pytest.raises(shortfall.ResultsFileError, match=r"missing.h5: no such file"):
        shortfall.open_results(tmp_path / "missing.h5")


def test_per_run_records(tmp_path, single_file):
    kept = make_results(tmp_path, "kept", scenario_text(100), "--keep-runs")
    runs = shortfall.open_runs(kept)
    assert runs.cash.dims == ("scenario", "structure", "run", "month")
    assert runs.sizes["run"] == 100
    runs.close()
    with pytest.raises(shortfall.ResultsFileError, match="no per-run records"):
        shortfall.open_runs(single_file)


def test_lazy_reads_only_the_rows_asked_for(grid_file):
    eager = shortfall.open_results(grid_file, unstack=False)
    lazy = shortfall.open_results(grid_file, lazy=True)
    try:
        assert "scenario" in lazy.dims  # a lazy file is never unstacked
        assert not lazy.cash_quantiles.variable._in_memory
        one = lazy.isel(scenario=3).load()
        for name in ["p_shortfall", "cash_quantiles", "min_cash_cvar05"]:
            assert np.array_equal(one[name].values, eager[name].isel(scenario=3).values,
                                  equal_nan=True), name
        assert lazy.attrs["format_version"] == eager.attrs["format_version"]
    finally:
        lazy.close()
    with pytest.raises(ValueError, match="lazy=True"):
        shortfall.open_results(grid_file, lazy=True, unstack=True)
