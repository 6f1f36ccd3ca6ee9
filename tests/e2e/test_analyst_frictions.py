"""What stood in an analyst's way on the command line (issue 15): a
scenario without randomness said nothing, `check` took no --threads, a sweep
needed a file edit, --set on a swept key was an error, and the summary came
only as a table. Each is fixed here, end to end on the real binary."""

import csv
import io
import json

import h5py
import numpy as np
import pytest

from conftest import SMALL_SCENARIO, STRUCTURES, run_binary, run_ok

# No noise key set: every run is the same (the analyst's minimal scenario).
DETERMINISTIC = """\
title = "No randomness"

[simulation]
runs = 200
horizon_months = 24
seed = 1

[provider]
opening_cash = 2.0e6

[contract]
annual_value = 120e6
outcome_share = 0.03
structures = ["bonus", "withhold"]
assessment = "annual"
settlement_lag_months = 0

[[indicator]]
id = "eip"
weight = 1.0
baseline = 0.55
target = 0.6
floor = 0.5
"""


@pytest.fixture
def deterministic(tmp_path):
    path = tmp_path / "det.toml"
    path.write_text(DETERMINISTIC)
    return path


def test_check_and_run_warn_of_a_scenario_without_randomness(deterministic, tmp_path):
    out, err = run_ok("check", deterministic)
    assert f"{deterministic}: warning: the scenario has no randomness" in err
    assert "demand.volatility, provider.cost_noise" in err
    assert "is valid" in out
    _, err = run_ok("run", deterministic, "-o", tmp_path / "det.h5", "--quiet", "--threads", "1")
    assert f"{deterministic}: warning: the scenario has no randomness" in err
    # And P(shortfall) is 0 or 1 for each structure, which is said after the results.
    with h5py.File(tmp_path / "det.h5", "r") as f:
        p = f["p_shortfall"][0, :]
    assert set(np.unique(p)) <= {0.0, 1.0}
    for name, value in zip(["bonus", "withhold"], p):
        assert f"warning: P(shortfall) of {name} is {int(value)} in every run" in err


def test_no_warning_with_randomness(small_scenario, tmp_path):
    _, err = run_ok("check", small_scenario)
    assert "no randomness" not in err
    # A noise key swept from zero: some point has randomness, so no warning.
    _, err = run_ok("check", small_scenario, "--set", "provider.cost_noise=0", "--set", "indicator.*.volatility=0",
                    "--set", "indicator.*.cases_per_month=0", "--sweep",
                    "demand.volatility=0,0.05")
    assert "no randomness" not in err


def test_certain_answer_warning_at_every_design_point(small_scenario, tmp_path):
    # Cash so large the bonus never falls short at either point; the withhold still can.
    _, err = run_ok("run", small_scenario, "--runs", "200", "--threads", "1", "--quiet",
                    "-o", tmp_path / "rich.h5", "--sweep", "provider.opening_cash=2e8,3e8")
    assert "warning: P(shortfall) of bonus is 0 at every design point" in err
    assert "no randomness" not in err


def test_check_takes_threads(small_scenario):
    out, _ = run_ok("check", small_scenario, "--threads", "1")
    assert "on 1 threads" in out or "estimated run time" not in out
    code, _, err = run_binary("check", small_scenario, "--threads", "0")
    assert code == 1 and "--threads" in err


def test_sweep_from_the_command_line_matches_the_file(small_scenario, tmp_path):
    """--sweep gives the same study, to the bit, as the same [sweep] in the file."""
    options = ["--runs", "300", "--threads", "1", "--quiet"]
    given = tmp_path / "given.h5"
    run_ok("run", small_scenario, "-o", given, *options,
           "--sweep", "contract.outcome_share=0.02,0.04", "--sweep", "provider.opening_cash=1e6,5e6")
    in_file = tmp_path / "in-file.toml"
    in_file.write_text(SMALL_SCENARIO + """
[sweep]
[sweep.parameters]
"contract.outcome_share" = [0.02, 0.04]
"provider.opening_cash" = [1.0e6, 5.0e6]
""")
    written = tmp_path / "in-file.h5"
    run_ok("run", in_file, "-o", written, *options)
    with h5py.File(given, "r") as a, h5py.File(written, "r") as b:
        assert a.attrs["scenario_toml"] == b.attrs["scenario_toml"]
        for name in ["p_shortfall", "support_mean", "contract.outcome_share", "provider.opening_cash"]:
            np.testing.assert_array_equal(a[name][()], b[name][()])
    # `check` shows the grid it makes.
    out, _ = run_ok("check", small_scenario, "--sweep", "contract.assessment=quarterly,annual")
    assert '"contract.assessment" = ["quarterly", "annual"]' in out
    assert "2 design points" in out


def test_set_fixes_a_swept_key(small_scenario, tmp_path):
    swept = tmp_path / "swept.toml"
    swept.write_text(SMALL_SCENARIO + """
[sweep]
[sweep.parameters]
"contract.outcome_share" = [0.02, 0.04]
"provider.opening_cash" = [1.0e6, 5.0e6]
""")
    out, _ = run_ok("check", swept, "--set", "provider.opening_cash=3e6")
    assert "2 design points" in out
    assert '"provider.opening_cash" =' not in out
    assert "opening_cash = 3000000.0" in out


def test_phased_share_and_integer_lhs_on_the_command_line(small_scenario, tmp_path):
    out, _ = run_ok("run", small_scenario, "--runs", "100", "--threads", "1", "-o",
                    tmp_path / "phased.h5", "--sweep",
                    "contract.outcome_share=[0.02,0.03,0.04],[0.01,0.02,0.03]")
    with h5py.File(tmp_path / "phased.h5", "r") as f:
        shares = [v.decode() if isinstance(v, bytes) else v for v in f["contract.outcome_share"][()]]
    assert shares == ["[0.02, 0.03, 0.04]", "[0.01, 0.02, 0.03]"]
    lhs = tmp_path / "lhs.toml"
    lhs.write_text(SMALL_SCENARIO + """
[sweep]
mode = "lhs"
points = 6
[sweep.parameters]
"contract.settlement_lag_months" = [0, 2]
"provider.opening_cash" = [1.0e6, 5.0e6]
""")
    out, _ = run_ok("check", lhs)
    assert "6 design points" in out


def test_sweep_is_refused_with_extend(small_scenario, tmp_path):
    out = tmp_path / "x.h5"
    run_ok("run", small_scenario, "--runs", "100", "--threads", "1", "--quiet", "-o", out)
    code, _, err = run_binary("run", "--extend", out, "--runs", "200", "--sweep",
                              "provider.opening_cash=1,2")
    assert code == 1 and "cannot be combined with --sweep" in err


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    scenario = folder / "small.toml"
    scenario.write_text(SMALL_SCENARIO)
    out = folder / "sweep.h5"
    run_ok("run", scenario, "--runs", "300", "--threads", "1", "--quiet", "-o", out,
           "--sweep", "provider.opening_cash=1e6,4e6", "--sweep", "contract.assessment=quarterly,annual")
    return out


def test_summary_table_is_the_default(sweep_file):
    table, _ = run_ok("summary", sweep_file)
    same, _ = run_ok("summary", sweep_file, "--format", "table")
    assert table == same
    code, _, err = run_binary("summary", sweep_file, "--format", "xls")
    assert code == 1 and "--format" in err


def test_summary_csv_and_json_hold_the_file_values(sweep_file):
    text, _ = run_ok("summary", sweep_file, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    document = json.loads(run_ok("summary", sweep_file, "--format", "json")[0])
    assert document["swept_keys"] == ["provider.opening_cash", "contract.assessment"]
    assert len(rows) == len(document["rows"]) == 4 * len(STRUCTURES)
    assert list(rows[0].keys()) == document["columns"]
    with h5py.File(sweep_file, "r") as f:
        p = f["p_shortfall"][()]
        low = f["p_shortfall_ci_low"][()]
        high = f["p_shortfall_ci_high"][()]
        support = f["support_mean"][()]
        diff = f["p_shortfall_diff"][()]
        se = f["p_shortfall_diff_se"][()]
        cash = f["provider.opening_cash"][()]
        assessment = [v.decode() if isinstance(v, bytes) else v for v in f["contract.assessment"][()]]
        min_cash = f["min_cash_quantiles"][()]
        runs = f["runs_done"][()]
    for row, record in zip(rows, document["rows"]):
        s, k = int(row["scenario"]), STRUCTURES.index(row["structure"])
        assert record["scenario"] == s and record["structure"] == row["structure"]
        for got in (row, record):
            assert float(got["p_shortfall"]) == p[s, k]
            assert float(got["p_shortfall_low"]) == low[s, k]
            assert float(got["p_shortfall_high"]) == high[s, k]
            assert float(got["support_mean"]) == support[s, k]
            assert float(got["provider.opening_cash"]) == cash[s]
            assert got["contract.assessment"] == assessment[s]
            assert float(got["min_cash_p05"]) == min_cash[s, k, 0]
            assert int(got["runs"]) == runs[s]
            assert float(got["p_shortfall_diff_high"]) == pytest.approx(
                diff[s, k] + 1.959963984540054 * se[s, k], rel=1e-15, abs=1e-15)
