"""The command line as a user types it (README, "Command line")."""

import re
import tomllib

import numpy as np

from conftest import (STRUCTURES, certain_shortfall_warnings, late_settlement_warning, open_results,
                      run_binary, run_ok,
                      text_attribute)

MAX_SEED = 2**64 - 1


def table_rows(text):
    """{structure: row text} of a printed summary table."""
    rows = {}
    for line in text.splitlines():
        first = line.split(" ", 1)[0]
        if first in STRUCTURES:
            rows[first] = line
    return rows


def stored_scenario(path):
    with open_results(path) as f:
        return tomllib.loads(text_attribute(f.attrs["scenario_toml"]))


def test_summary_prints_the_table_the_run_printed(tmp_path, small_scenario):
    output = tmp_path / "out.h5"
    run_out, _ = run_ok("run", small_scenario, "-o", output)
    summary_out, summary_err = run_ok("summary", output)
    assert summary_err == ""
    assert "P(shortfall)" in summary_out
    assert "End-to-end test trust" in summary_out  # the scenario's title
    assert run_out.rstrip().endswith(f"results: {output}")
    # the run printed the same table, then where it wrote the file
    assert run_out.startswith(summary_out)

    rows = table_rows(summary_out)
    assert list(rows) == STRUCTURES
    with open_results(output) as f:
        p = f["p_shortfall"][()][0]
    for structure, probability in zip(STRUCTURES, p):
        assert re.match(rf"{structure}\s+{100 * probability:.1f}% \[", rows[structure]), rows[structure]
    assert rows == table_rows(run_out)


def test_check_prints_the_resolved_scenario(tmp_path, small_scenario):
    out, err = run_ok("check", small_scenario)
    # the small scenario is inside the guidance: its one warning is of its last settlement
    assert err == late_settlement_warning(small_scenario)
    resolved = tomllib.loads(out)  # the whole output is TOML, the verdict a comment
    assert resolved["title"] == "End-to-end test trust"
    assert resolved["simulation"]["runs"] == 1000
    assert resolved["contract"]["structures"] == STRUCTURES
    assert [i["id"] for i in resolved["indicator"]][:2] == ["eip_two_weeks", "talking_six_weeks"]
    # a common correlation is resolved to the full matrix
    assert np.array(resolved["performance"]["correlation"]).shape == (6, 6)
    assert re.search(r"is valid: 1 design point, 3 structures", out)
    assert not list(tmp_path.glob("*.h5")), "check must not write a results file"

    # the resolved text is what a run stores
    output = tmp_path / "out.h5"
    run_ok("run", small_scenario, "-o", output, "--quiet")
    with open_results(output) as f:
        stored = text_attribute(f.attrs["scenario_toml"])
    assert out.startswith(stored)


def test_check_honours_set(small_scenario):
    out, _ = run_ok("check", small_scenario, "--set", "contract.outcome_share=0.04")
    assert tomllib.loads(out)["contract"]["outcome_share"] == 0.04


def test_quiet_prints_nothing(tmp_path, small_scenario):
    output = tmp_path / "quiet.h5"
    out, err = run_ok("run", small_scenario, "-o", output, "--quiet")
    assert out == ""
    # No progress; only the warnings (its withhold and advance are short in every run).
    assert err == certain_shortfall_warnings(small_scenario)
    with open_results(output) as f:
        assert int(f.attrs["complete"]) == 1


def test_set_changes_the_stored_scenario(tmp_path, small_scenario):
    plain, changed = tmp_path / "plain.h5", tmp_path / "changed.h5"
    run_ok("run", small_scenario, "-o", plain, "--quiet")
    run_ok("run", small_scenario, "-o", changed, "--quiet",
           "--set", "contract.outcome_share=0.04",
           "--set", "indicator.*.volatility=0",
           "--set", "contract.basis=capitation")
    before, after = stored_scenario(plain), stored_scenario(changed)
    assert before["contract"]["outcome_share"] == 0.03
    assert after["contract"]["outcome_share"] == 0.04
    assert before["contract"]["basis"] == "block"
    assert after["contract"]["basis"] == "capitation"
    assert [i["volatility"] for i in after["indicator"]] == [0.0] * 6
    assert [i["volatility"] for i in before["indicator"]] != [0.0] * 6
    with open_results(plain) as a, open_results(changed) as b:
        assert text_attribute(b.attrs["command_line"]).count("--set") == 3
        assert not np.array_equal(a["earned_fraction_mean"][()], b["earned_fraction_mean"][()])


def test_set_one_indicator_by_id(tmp_path, small_scenario):
    output = tmp_path / "one.h5"
    run_ok("run", small_scenario, "-o", output, "--quiet", "--set", "indicator.care_plan_review.target=0.85")
    targets = {i["id"]: i["target"] for i in stored_scenario(output)["indicator"]}
    assert targets["care_plan_review"] == 0.85
    assert targets["eip_two_weeks"] == 0.6


def test_largest_seed_is_accepted_and_stored(tmp_path, small_scenario):
    output = tmp_path / "seed.h5"
    run_ok("run", small_scenario, "--seed", str(MAX_SEED), "--runs", 1000, "-o", output, "--quiet")
    with open_results(output) as f:
        seed = f.attrs["seed"]
        assert int(seed) == MAX_SEED
        assert np.asarray(seed).dtype == np.uint64
    # TOML integers stop at 2^63 - 1: the resolved scenario holds the seed as digits
    assert int(stored_scenario(output)["simulation"]["seed"]) == MAX_SEED
    out, _ = run_ok("summary", output)
    assert f"seed {MAX_SEED}" in out


def test_runs_option_overrides_the_scenario(tmp_path, small_scenario):
    output = tmp_path / "runs.h5"
    run_ok("run", small_scenario, "--runs", 1234, "-o", output, "--quiet")
    with open_results(output) as f:
        assert int(f.attrs["runs"]) == 1234
        assert f["runs_done"][()].tolist() == [1234]
    assert stored_scenario(output)["simulation"]["runs"] == 1234


def test_default_output_is_the_scenario_stem_in_the_working_folder(tmp_path, small_scenario):
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    scenario = scenarios / "my-trust.toml"
    scenario.write_text(small_scenario.read_text())
    work = tmp_path / "work"
    work.mkdir()
    out, _ = run_ok("run", scenario, "--runs", 1000, cwd=work)
    assert (work / "my-trust.h5").is_file()
    assert not (scenarios / "my-trust.h5").exists()
    assert out.rstrip().endswith("results: my-trust.h5")
    with open_results(work / "my-trust.h5") as f:
        assert int(f.attrs["complete"]) == 1


def test_force_overwrites_an_existing_file(tmp_path, small_scenario):
    output = tmp_path / "out.h5"
    output.write_bytes(b"an old file\n")
    run_ok("run", small_scenario, "-o", output, "--force", "--quiet")
    with open_results(output) as f:
        assert text_attribute(f.attrs["format"]) == "shortfall-results"


def test_keep_runs_file_summarises_like_a_plain_one(tmp_path, small_scenario):
    plain, kept = tmp_path / "plain.h5", tmp_path / "kept.h5"
    run_ok("run", small_scenario, "-o", plain, "--quiet")
    run_ok("run", small_scenario, "-o", kept, "--quiet", "--keep-runs")
    assert run_ok("summary", plain)[0] == run_ok("summary", kept)[0]


def test_version_and_help():
    out, _ = run_ok("--version")
    assert re.match(r"\d+\.\d+\.\d+", out.strip())
    code, out, _ = run_binary("--help")
    assert code == 0
    for command in ["run", "check", "summary"]:
        assert command in out
    code, out, _ = run_binary("run", "--help")
    assert code == 0
    for option in ["--runs", "--seed", "--threads", "--keep-runs", "--force", "--quiet", "--set"]:
        assert option in out
