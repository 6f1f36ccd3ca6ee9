"""shortfall.to_excel and the labels of open_runs: what an analyst takes out
of a results file, read back and compared with the file's own values."""

import numpy as np
import pytest

import shortfall
from conftest import SOURCE_DIR, make_results, run_shortfall, scenario_text

openpyxl = pytest.importorskip("openpyxl")


def _sheet_rows(path, title):
    """(names, units, rows) of one sheet: names in row 1, units in row 2."""
    book = openpyxl.load_workbook(path, read_only=True)
    rows = [list(row) for row in book[title].iter_rows(values_only=True)]
    return rows[0], rows[1], rows[2:]


def test_to_excel_of_a_grid_holds_the_file_values(tmp_path, grid_file):
    ds = shortfall.open_results(grid_file)
    path = shortfall.to_excel(ds, tmp_path / "grid.xlsx")
    names, units, rows = _sheet_rows(path, "P(shortfall)")
    assert names[:4] == ["contract.outcome_share", "provider.opening_cash", "scenario", "structure"]
    assert units[names.index("p_shortfall")] == "1"
    assert units[names.index("structure")] == "name"
    assert len(rows) == 12 * 4
    column = {name: i for i, name in enumerate(names)}
    for row in rows:
        point = ds.sel({"contract.outcome_share": row[column["contract.outcome_share"]],
                        "provider.opening_cash": row[column["provider.opening_cash"]],
                        "structure": row[column["structure"]]})
        # openpyxl writes 16 significant digits (Excel shows 15): equal to 1e-15.
        assert row[column["p_shortfall"]] == pytest.approx(float(point.p_shortfall), rel=1e-15)
        assert row[column["p_shortfall_ci_high"]] == pytest.approx(
            float(point.p_shortfall_ci_high), rel=1e-15)
    names, units, rows = _sheet_rows(path, "Support")
    assert units[names.index("support_mean")] == "GBP"
    assert sorted(r[names.index("support_mean")] for r in rows) == pytest.approx(
        sorted(ds.support_mean.values.ravel().tolist()), rel=1e-15)
    book = openpyxl.load_workbook(path, read_only=True)
    assert set(book.sheetnames) >= {"P(shortfall)", "Cash", "Support", "Contract money",
                                    "Shortfall by month", "Scenario"}
    text = "\n".join(row[0] or "" for row in book["Scenario"].iter_rows(min_row=2, values_only=True))
    assert text.strip() == ds.attrs["scenario_toml"].strip()


def test_to_excel_of_a_network_has_a_provider_column(tmp_path, network_sweep_file):
    ds = shortfall.open_results(network_sweep_file)
    path = shortfall.to_excel(ds, tmp_path / "network.xlsx")
    names, _, rows = _sheet_rows(path, "P(shortfall)")
    assert "provider" in names and "p_any_shortfall" in names
    column = {name: i for i, name in enumerate(names)}
    first = rows[0]
    key = {k: first[column[k]] for k in shortfall.design_dims(ds)}
    point = ds.sel(key).sel(structure=first[column["structure"]], provider=first[column["provider"]])
    assert first[column["p_shortfall"]] == pytest.approx(float(point.p_shortfall), rel=1e-15)


def test_open_runs_has_structure_and_provider_labels(tmp_path):
    kept = make_results(tmp_path, "kept", scenario_text(100), "--keep-runs")
    runs = shortfall.open_runs(kept)
    withhold = runs.months_in_shortfall.sel(structure="withhold")
    assert withhold.dims == ("scenario", "run")
    ds = shortfall.open_results(kept)
    assert list(runs.structure.values) == list(ds.structure.values)
    runs.close()
    network = tmp_path / "network.h5"
    run_shortfall("run", SOURCE_DIR / "scenarios" / "prime-contractor.toml", "-o", network,
                  "--quiet", "--runs", "200", "--keep-runs", "--threads", "1")
    runs = shortfall.open_runs(network)
    provider = str(runs.provider.values[0])
    cash = runs.cash.sel(structure=str(runs.structure.values[0]), provider=provider)
    assert "provider" not in cash.dims and "structure" not in cash.dims
    runs.close()


def test_open_runs_of_a_sweep_has_the_swept_keys(tmp_path):
    from conftest import GRID_SWEEP
    kept = make_results(tmp_path, "kept-grid", scenario_text(50, GRID_SWEEP), "--keep-runs")
    runs = shortfall.open_runs(kept)
    assert "provider.opening_cash" in runs.coords
    np.testing.assert_array_equal(runs["provider.opening_cash"].values[:4], [1e6, 3e6, 6e6, 9e6])
    runs.close()
