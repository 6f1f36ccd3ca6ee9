"""Same work, same bits (docs/model.md sections 7 and 8).

Every dataset, at the root and in the runs group, must be bit-identical for
any number of threads; of the root attributes only the ones that describe the
invocation may differ.
"""

import h5py
import numpy as np
import pytest

from conftest import (SOURCE_DIR, assert_same_bits, assert_same_work_attributes, datasets_of,
                      open_results, root_attributes, run_binary, run_ok, text_attribute)

STRUGGLING = SOURCE_DIR / "scenarios" / "struggling-trust.toml"
# Not a multiple of any plausible block size, so a partial last block is exercised.
RUNS = 2003
THREAD_COUNTS = [1, 2, 3, 8]


@pytest.fixture(scope="module")
def by_threads(tmp_path_factory):
    folder = tmp_path_factory.mktemp("threads")
    files = {}
    for threads in THREAD_COUNTS:
        files[threads] = folder / f"threads-{threads}.h5"
        run_ok("run", STRUGGLING, "--runs", RUNS, "--keep-runs", "--threads", threads,
               "-o", files[threads], "--quiet")
    return files


@pytest.mark.parametrize("threads", THREAD_COUNTS[1:])
def test_thread_count_changes_no_bit(by_threads, threads):
    assert_same_bits(by_threads[1], by_threads[threads])
    assert_same_work_attributes(by_threads[1], by_threads[threads])


def test_files_hold_the_runs_group(by_threads):
    # the comparison above is only as good as what it compared
    names = datasets_of(by_threads[1])
    for name in ["p_shortfall", "cash_quantiles", "runs/cash", "runs/min_cash", "runs/shortfall"]:
        assert name in names, name


def test_same_seed_twice_is_identical(tmp_path, small_scenario):
    first, second = tmp_path / "first.h5", tmp_path / "second.h5"
    run_ok("run", small_scenario, "--keep-runs", "--seed", 77, "-o", first, "--quiet")
    run_ok("run", small_scenario, "--keep-runs", "--seed", 77, "-o", second, "--quiet")
    assert_same_bits(first, second)
    assert_same_work_attributes(first, second)


def test_seed_option_equal_to_scenario_seed_changes_nothing(tmp_path, small_scenario):
    # SMALL_SCENARIO has seed = 424242
    implicit, explicit = tmp_path / "implicit.h5", tmp_path / "explicit.h5"
    run_ok("run", small_scenario, "-o", implicit, "--quiet")
    run_ok("run", small_scenario, "--seed", 424242, "-o", explicit, "--quiet")
    assert_same_bits(implicit, explicit)
    assert_same_work_attributes(implicit, explicit)


def test_two_seeds_give_different_results(tmp_path, small_scenario):
    one, two = tmp_path / "seed-1.h5", tmp_path / "seed-2.h5"
    run_ok("run", small_scenario, "--seed", 1, "-o", one, "--quiet")
    run_ok("run", small_scenario, "--seed", 2, "-o", two, "--quiet")
    with open_results(one) as a, open_results(two) as b:
        assert int(a.attrs["seed"]) == 1 and int(b.attrs["seed"]) == 2
        # the bonus structure's p is inside (0, 1), so it moves with the futures
        p_a, p_b = a["p_shortfall"][()], b["p_shortfall"][()]
        assert 0 < p_a[0, 0] < 1
        assert p_a[0, 0] != p_b[0, 0]
        assert not np.array_equal(a["cash_quantiles"][()], b["cash_quantiles"][()])
        assert not np.array_equal(a["min_cash_mean"][()], b["min_cash_mean"][()])
        toml_a = text_attribute(a.attrs["scenario_toml"])
        toml_b = text_attribute(b.attrs["scenario_toml"])
        assert "seed = 1\n" in toml_a and "seed = 2\n" in toml_b


# SHORTFALL_ISA (docs/model.md, "The same bits on every CPU"): every
# instruction-set path this CPU has gives the same bits, and the file says
# which path made it.
def _paths_this_cpu_has():
    out, _ = run_ok("--version")
    line = next(line for line in out.splitlines() if line.startswith("instruction paths this CPU can use:"))
    return line.split(":", 1)[1].split("(")[0].replace(" ", "").split(",")


def test_version_lists_the_paths_this_cpu_has():
    paths = _paths_this_cpu_has()
    assert paths[0] == "scalar"
    assert set(paths) <= {"scalar", "avx2", "avx512"}


def test_every_instruction_path_gives_the_same_bits(tmp_path):
    paths = _paths_this_cpu_has()
    files = {}
    for isa in paths:
        files[isa] = tmp_path / f"{isa}.h5"
        run_ok("run", STRUGGLING, "--runs", 1500, "--keep-runs", "-o", files[isa], "--quiet",
               env={"SHORTFALL_ISA": isa})
        assert text_attribute(root_attributes(files[isa])["isa"]) == isa
    default = tmp_path / "default.h5"
    run_ok("run", STRUGGLING, "--runs", 1500, "--keep-runs", "-o", default, "--quiet")
    assert text_attribute(root_attributes(default)["isa"]) == paths[-1]  # the best the CPU has
    for isa in paths:
        assert_same_bits(files[paths[0]], files[isa])
        assert_same_work_attributes(files[paths[0]], files[isa])


@pytest.mark.parametrize("value, says", [
    ("sse9", "SHORTFALL_ISA=sse9 is not a path: one of scalar, avx2, avx512"),
    ("AVX2", "SHORTFALL_ISA=AVX2 is not a path"),
])
def test_an_unknown_instruction_path_is_refused_before_any_output(tmp_path, value, says):
    output = tmp_path / "never.h5"
    code, _, err = run_binary("run", STRUGGLING, "--runs", 100, "-o", output, "--quiet",
                              env={"SHORTFALL_ISA": value})
    assert code == 1, err  # invalid input
    assert says in err and "this CPU can run scalar" in err
    assert not output.exists()
