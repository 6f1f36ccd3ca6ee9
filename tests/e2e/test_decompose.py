"""`shortfall decompose` like a user (docs/model.md, "Decomposition"; the
README's "Answering the decision"): the parts add up to the total; the
total is `run`'s paired difference; with no outcome money every part is 0;
without stress feedback or effort effect the feedback is exactly 0; without
noise the parts are what the deterministic cash paths give; 1, 2 and 8
threads and 2 MPI ranks give the same bits; -o writes `run`'s file plus the
decomposition, which xarray and the Python package read; bad input is one
clear line and exit 1, with nothing written.
"""

import json
import re
import subprocess

import h5py
import numpy as np
import pytest
import xarray as xr

from conftest import SMALL_SCENARIO, datasets_of, run_binary, run_ok

PARTS = ("price", "timing", "feedback")


def decompose_json(scenario, *options):
    out, _ = run_ok("decompose", scenario, "--json", "--quiet", *options)
    return json.loads(out)


def check_parts_add_up(entry):
    for total, parts, errors in ((entry["p_shortfall_diff"], entry, entry["se"]),
                                 (entry["support_diff"], entry["support"], entry["support"]["se"])):
        found = sum(parts[p] for p in PARTS)
        scale = max(abs(total), *(abs(parts[p]) for p in PARTS), 1e-300)
        assert abs(found - total) <= 1e-12 * scale, (found, total)
        assert all(errors[p] >= 0 for p in PARTS)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("decompose")
    scenario = folder / "small.toml"
    scenario.write_text(SMALL_SCENARIO.replace("runs = 1000", "runs = 2000"))
    return scenario


def test_parts_add_up_and_the_total_is_runs_paired_difference(small, tmp_path):
    found = decompose_json(small, "--threads", "2")
    assert found["reference"] == "bonus"
    assert found["runs"] == 2000 and found["pilot_runs"] == 10000 and found["seed"] == 424242
    assert list(found["structures"]) == ["withhold", "advance"]
    run_ok("run", small, "-o", tmp_path / "run.h5", "--quiet", "--threads", "2")
    with h5py.File(tmp_path / "run.h5", "r") as f:
        diff, se = f["p_shortfall_diff"][0], f["p_shortfall_diff_se"][0]
        support, cost = f["support_mean"][0], f["commissioner_cost_mean"][0]
    for s, name in ((1, "withhold"), (2, "advance")):
        entry = found["structures"][name]
        check_parts_add_up(entry)
        # The same runs as `run`, so the same paired difference, bit for bit.
        assert entry["p_shortfall_diff"] == diff[s]
        assert entry["se"]["p_shortfall_diff"] == se[s]
        assert entry["support_diff"] == pytest.approx(support[s] - support[0], rel=1e-12)
        assert entry["cost_diff"] == cost[s] - cost[0]
        assert 0.2 < entry["pilot_earned_fraction"] < 0.9
    # Here nearly every run short under the withhold is already short under
    # its flat comparator: the difference in P(shortfall) is the price. The
    # support needed shows the timing gap too (over 3 standard errors).
    withhold = found["structures"]["withhold"]
    assert withhold["price"] > 0.9 * withhold["p_shortfall_diff"]
    support = withhold["support"]
    assert support["price"] > support["timing"] > 3 * support["se"]["timing"]


def test_the_flat_comparator_costs_what_the_structure_costs_with_what_it_is_owed(tmp_path):
    """F_s pays s's base and e-bar of every pot within the horizon; s pays its
    base and the pots as earned, those settled after T owed (receivable). With
    a block basis the base is the same number in every run, and with no income
    growth the pots add up to p V T / 12 = 0.03 x £150m x 3 = £13.5m, so
    cost(F_s) - cost(s) - owed(s) = (e-bar - mean earned fraction of s) x £13.5m
    exactly: only the pilot's error in e-bar, which is small."""
    scenario = tmp_path / "flat.toml"
    scenario.write_text(SMALL_SCENARIO.replace("income_growth = 0.021", "income_growth = 0.0"))
    output = tmp_path / "flat.h5"
    out, _ = run_ok("decompose", scenario, "--json", "--quiet", "-o", output)
    found = json.loads(out)
    with h5py.File(output, "r") as f:
        cost, owed = f["commissioner_cost_mean"][0], f["receivable_mean"][0]
        earned_fraction = f["earned_fraction_mean"][0]
    pots = 0.03 * 150.0e6 * 3
    for s, name in ((1, "withhold"), (2, "advance")):
        entry = found["structures"][name]
        e_bar = entry["pilot_earned_fraction"]
        expected = cost[s] + owed[s] + (e_bar - earned_fraction[s]) * pots
        assert entry["flat_cost"] == pytest.approx(expected, abs=1e-6 * pots)
        # The pilot's runs are other futures: e-bar is close to, not equal to, the main runs' mean.
        assert e_bar != earned_fraction[s] and abs(e_bar - earned_fraction[s]) < 0.02


def test_the_table_names_every_part(small):
    out, _ = run_ok("decompose", small, "--quiet", "--runs", "500")
    assert "Difference from bonus in P(shortfall), percentage points (paired s.e.)" in out
    assert "Difference from bonus in mean support needed, £m (paired s.e.)" in out
    header = next(line for line in out.splitlines() if line.startswith("structure") and "price" in line)
    assert header.split() == ["structure", "total", "price", "timing", "feedback"]
    rows = [line for line in out.splitlines() if line.startswith(("withhold", "advance"))]
    assert len(rows) == 6  # two structures in each of the three tables
    assert re.match(r"withhold\s+[+-]\d+\.\d\d \(\d+\.\d\d\)", rows[0])
    assert "ē from a pilot of 10000 runs" in out


@pytest.mark.parametrize("threads", ["2", "8"])
def test_threads_give_the_same_bits(small, tmp_path, threads):
    one = tmp_path / "one.h5"
    many = tmp_path / f"threads-{threads}.h5"
    out_one, _ = run_ok("decompose", small, "--json", "--quiet", "--threads", "1", "-o", one)
    out_many, _ = run_ok("decompose", small, "--json", "--quiet", "--threads", threads, "-o", many)
    assert out_one == out_many
    assert datasets_of(one) == datasets_of(many)


def test_the_file_is_runs_file_plus_the_decomposition(small, tmp_path):
    decomposed = tmp_path / "decomposed.h5"
    plain = tmp_path / "plain.h5"
    out, _ = run_ok("decompose", small, "--quiet", "-o", decomposed)
    assert out.rstrip().endswith(f"results: {decomposed}")
    run_ok("run", small, "-o", plain, "--quiet")
    decomposed_sets, plain_sets = datasets_of(decomposed), datasets_of(plain)
    # Only `run` keeps the merged states `run --extend` continues from.
    plain_sets = {name: value for name, value in plain_sets.items() if not name.startswith("state/")}
    group = {name for name in decomposed_sets if name.startswith("decomposition/")}
    assert {name for name in decomposed_sets if name not in group} == set(plain_sets)
    for name, contents in plain_sets.items():
        assert decomposed_sets[name] == contents, name
    # netCDF with named axes: the group's variables use the root's dimensions.
    ds = xr.open_dataset(decomposed, engine="h5netcdf", group="decomposition")
    assert ds.p_shortfall_price.dims == ("scenario", "structure")
    assert dict(ds.sizes) == {"scenario": 1, "structure": 3}
    assert ds.attrs["reference"] == "bonus" and int(ds.attrs["pilot_runs"]) == 10000
    assert np.isnan(ds.p_shortfall_diff.isel(structure=0)).all()  # the reference
    # netCDF's own reader sees the group and its named axes.
    completed = subprocess.run(["ncdump", "-h", str(decomposed)], capture_output=True, text=True,
                               timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    assert "group: decomposition {" in completed.stdout
    assert "double p_shortfall_price(scenario, structure) ;" in completed.stdout
    found = decompose_json(small)
    withhold = ds.isel(scenario=0, structure=1)
    assert float(withhold.p_shortfall_timing) == found["structures"]["withhold"]["timing"]
    assert float(withhold.support_feedback_se) == found["structures"]["withhold"]["support"]["se"]["feedback"]


def test_no_outcome_money_makes_every_part_zero(tmp_path):
    scenario = tmp_path / "no-pot.toml"
    scenario.write_text(SMALL_SCENARIO.replace("outcome_share = 0.03", "outcome_share = 0.0"))
    found = decompose_json(scenario)
    for entry in found["structures"].values():
        assert entry["pilot_earned_fraction"] == 0.0
        assert entry["cost_diff"] == 0.0
        for key in ("p_shortfall_diff", *PARTS):
            assert entry[key] == 0.0 and entry["se"][key] == 0.0
        assert entry["support_diff"] == 0.0
        for part in PARTS:
            assert entry["support"][part] == 0.0 and entry["support"]["se"][part] == 0.0


def test_without_feedback_the_feedback_part_is_exactly_zero(tmp_path):
    scenario = tmp_path / "no-feedback.toml"
    scenario.write_text(SMALL_SCENARIO.replace("stress_penalty = 0.3", "stress_penalty = 0.0"))
    found = decompose_json(scenario)
    for entry in found["structures"].values():
        assert entry["feedback"] == 0.0 and entry["se"]["feedback"] == 0.0
        assert entry["support"]["feedback"] == 0.0 and entry["support"]["se"]["feedback"] == 0.0
        assert entry["p_shortfall_diff"] > 0  # there is a difference, all of it price and timing


# No noise anywhere, one indicator always met: V/12 = £10m, p V / 12 = £0.3m,
# quarterly pots of £0.9m settled one month after the quarter, a 1 % deficit
# (£0.1m a month), £1m of opening cash. Bonus: lowest cash £1m - £0.3m at
# month 3, never short. Flat withhold: £10m a month, so £1m - 36 x £0.1m =
# -£2.6m at month 36. Withhold (and itself on the bonus's outcomes): £0.3m a
# month withheld, 11 pots back within the horizon: £1m - 36 x £0.4m +
# 11 x £0.9m = -£3.5m at month 36. So the timing part of the support is
# the timing gap, 3 months of withheld money: £0.9m.
DETERMINISTIC = """
title = "No noise"
[simulation]
runs = 50
horizon_months = 36
seed = 1
pilot_runs = 20
[provider]
opening_cash = 1.0e6
stress_start_cash = 20.0e6
stress_penalty = 0.0
underlying_deficit = 0.01
[demand]
volatility = 0.0
[contract]
annual_value = 120.0e6
outcome_share = 0.03
structures = ["bonus", "withhold"]
assessment = "quarterly"
settlement_lag_months = 1
payment_rule = "threshold"
[[indicator]]
id = "met"
name = "Always met"
measure = "m"
weight = 1.0
baseline = 0.9
target = 0.8
floor = 0.6
cases_per_month = 0
volatility = 0.0
"""


def test_without_noise_the_parts_are_the_deterministic_paths(tmp_path):
    scenario = tmp_path / "deterministic.toml"
    scenario.write_text(DETERMINISTIC)
    found = decompose_json(scenario)
    assert found["pilot_runs"] == 20
    withhold = found["structures"]["withhold"]
    assert withhold["pilot_earned_fraction"] == 1.0
    assert (withhold["p_shortfall_diff"], withhold["price"], withhold["timing"], withhold["feedback"]) == (1, 1, 0, 0)
    support = withhold["support"]
    assert withhold["support_diff"] == pytest.approx(3.5e6, rel=1e-9)
    assert support["price"] == pytest.approx(2.6e6, rel=1e-9)
    assert support["timing"] == pytest.approx(0.9e6, rel=1e-9)
    assert support["feedback"] == 0.0
    for key in ("p_shortfall_diff", *PARTS):
        assert withhold["se"][key] == 0.0  # every run is the same path
    # Costs: the withhold pays 36 x £0.3m less before its 11 pots, the bonus
    # its pots on top; the flat comparator pays exactly £10m a month.
    assert withhold["cost_diff"] == pytest.approx(-36 * 0.3e6, rel=1e-12)
    assert withhold["flat_cost"] == pytest.approx(360.0e6, rel=1e-12)


def test_the_reference_is_the_bonus_wherever_it_is_listed(small, tmp_path):
    scenario = tmp_path / "bonus-second.toml"
    scenario.write_text(SMALL_SCENARIO.replace('structures = ["bonus", "withhold", "advance"]',
                                               'structures = ["withhold", 0.5, "bonus"]'))
    found = decompose_json(scenario, "--runs", "500")
    assert found["reference"] == "bonus"
    assert list(found["structures"]) == ["withhold", "hybrid_0.5"]
    for entry in found["structures"].values():
        check_parts_add_up(entry)


def test_a_network_is_decomposed_per_provider(tmp_path):
    from conftest import SOURCE_DIR
    found = decompose_json(SOURCE_DIR / "scenarios" / "prime-contractor.toml", "--runs", "1000",
                           "--set", "simulation.pilot_runs=1000")
    providers = found["providers"]
    assert len(providers) == 3 and found["pilot_runs"] == 1000
    for structure in found["structures"].values():
        assert list(structure["providers"]) == providers
        for provider, entry in structure["providers"].items():
            check_parts_add_up(entry)
        # Subcontractors hold no contract: no earned fraction of their own.
        assert [entry["pilot_earned_fraction"] is None for entry in structure["providers"].values()] == \
            [False, True, True]


@pytest.mark.parametrize("case, edit, options, message", [
    ("sweep", lambda text: text + '\n[sweep]\n[sweep.parameters]\n"contract.outcome_share" = [0.02, 0.03]\n',
     (), r"decompose takes a single scenario, and this file's \[sweep\] has 2 design points "
         r"\(swept: contract.outcome_share\)"),
    ("one structure", lambda text: text.replace('["bonus", "withhold", "advance"]', '["withhold"]'),
     (), r'contract.structures = \["withhold"\] has one structure'),
    ("pilot runs", lambda text: text.replace("seed = 424242", "seed = 424242\npilot_runs = 0"),
     (), r"simulation.pilot_runs = 0 is outside \[1, 1000000000\]"),
    ("threads", lambda text: text, ("--threads", "0"), r"--threads: 0 is not an integer in \[1, 4096\]"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, case, edit, options, message):
    scenario = tmp_path / "bad.toml"
    scenario.write_text(edit(SMALL_SCENARIO))
    output = tmp_path / "out.h5"
    code, out, err = run_binary("decompose", scenario, "-o", output, *options)
    assert code == 1, (case, err)
    assert out == ""
    # One line (CLI11 adds its --help hint after an option's).
    lines = [line for line in err.strip().splitlines() if line != "Run with --help for more information."]
    assert len(lines) == 1, err
    assert re.search(message, err), err
    assert not output.exists()
    assert list(tmp_path.iterdir()) == [scenario]


def test_an_existing_output_needs_force(small, tmp_path):
    output = tmp_path / "out.h5"
    output.write_text("not mine")
    code, _, err = run_binary("decompose", small, "-o", output, "--runs", "100")
    assert code == 1 and "--force" in err
    assert output.read_text() == "not mine"
    run_ok("decompose", small, "-o", output, "--runs", "100", "--force", "--quiet")
    with h5py.File(output, "r") as f:
        assert "decomposition" in f


def test_two_mpi_ranks_give_the_single_process_bits(small, tmp_path):
    import test_mpi
    if test_mpi.MPIRUN is None or not test_mpi.built_with_mpi():
        pytest.skip("built without MPI, or no mpirun (Debian: openmpi-bin)")
    single = tmp_path / "single.h5"
    ranks = tmp_path / "ranks.h5"
    out_single, _ = run_ok("decompose", small, "--json", "--quiet", "--threads", "1", "-o", single)
    out_ranks, _ = test_mpi.mpirun_ok(2, "decompose", small, "--json", "--quiet", "--threads", "1",
                                      "-o", ranks)
    assert out_ranks == out_single
    assert datasets_of(ranks) == datasets_of(single)
