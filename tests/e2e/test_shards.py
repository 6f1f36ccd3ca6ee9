"""Job-array shards (docs/hpc.md, `--shard K/N` and `shortfall merge`): the
parts of a study merged give the file one process writes, bit for bit; merge
refuses parts that do not make one study.
"""

import shutil

import pytest

from conftest import (SMALL_SCENARIO, assert_same_bits, assert_same_work_attributes, open_results,
                      run_binary, run_ok, text_attribute)

# 12 points x 2 blocks: 3 shards cut some scenarios between shards.
SWEEP = SMALL_SCENARIO.replace("runs = 1000", "runs = 1500") + """
[sweep]
mode = "grid"
[sweep.parameters]
"contract.outcome_share" = [0.02, 0.03, 0.04]
"provider.opening_cash" = [1.0e6, 3.0e6, 6.0e6, 9.0e6]
"""


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shards")
    scenario = folder / "sweep.toml"
    scenario.write_text(SWEEP)
    whole = folder / "whole.h5"
    run_ok("run", scenario, "-o", whole, "--quiet")
    parts = []
    for k in (1, 2, 3):
        part = folder / f"part-{k}.h5"
        run_ok("run", scenario, "--shard", f"{k}/3", "-o", part, "--quiet")
        parts.append(part)
    return scenario, whole, parts


def test_merged_shards_equal_the_unsharded_file(study, tmp_path):
    _, whole, parts = study
    merged = tmp_path / "merged.h5"
    run_ok("merge", "-o", merged, *reversed(parts), "--quiet")  # any order
    assert_same_bits(whole, merged)
    assert_same_work_attributes(whole, merged)
    with open_results(merged) as f:
        assert "shard" not in f.attrs and "shard" not in f
    with open_results(parts[1]) as f:
        assert text_attribute(f.attrs["shard"]) == "2/3"
        # A part shows the scenarios it finished, the rest as not run.
        done = f["runs_done"][()]
        assert 0 < (done > 0).sum() < 12


def test_one_scenario_split_with_kept_runs(tmp_path):
    scenario = tmp_path / "one.toml"
    scenario.write_text(SMALL_SCENARIO.replace("runs = 1000", "runs = 4500"))
    whole = tmp_path / "whole.h5"
    run_ok("run", scenario, "-o", whole, "--quiet", "--keep-runs")
    parts = [tmp_path / f"p{k}.h5" for k in range(1, 5)]
    for k, part in enumerate(parts, start=1):
        run_ok("run", scenario, "--shard", f"{k}/4", "-o", part, "--quiet", "--keep-runs")
    merged = tmp_path / "merged.h5"
    run_ok("merge", "-o", merged, *parts, "--quiet")
    assert_same_bits(whole, merged)


def test_shards_on_different_instruction_paths_merge_to_the_same_bits(study, tmp_path):
    # Nodes of one cluster may differ in CPU: parts run on different paths
    # (SHORTFALL_ISA, docs/model.md) merge to the unsharded file's bits, and
    # the merged file lists the paths its parts used, in shard order.
    scenario, whole, _ = study
    out, _ = run_ok("--version")
    paths = out.split("can use:", 1)[1].split("(")[0].replace(" ", "").split(",")
    chosen = [paths[0], paths[-1], paths[0]]  # scalar, the best, scalar
    parts = []
    for k, isa in enumerate(chosen, start=1):
        part = tmp_path / f"part-{k}.h5"
        run_ok("run", scenario, "--shard", f"{k}/3", "-o", part, "--quiet", env={"SHORTFALL_ISA": isa})
        parts.append(part)
    merged = tmp_path / "merged.h5"
    run_ok("merge", "-o", merged, *parts, "--quiet")
    assert_same_bits(whole, merged)
    assert_same_work_attributes(whole, merged)
    expected = ",".join(dict.fromkeys(chosen))
    with open_results(merged) as f:
        assert text_attribute(f.attrs["isa"]) == expected


def test_more_shards_than_blocks_leaves_some_empty(tmp_path):
    scenario = tmp_path / "small.toml"
    scenario.write_text(SMALL_SCENARIO)  # 1,000 runs: one block
    whole = tmp_path / "whole.h5"
    run_ok("run", scenario, "-o", whole, "--quiet")
    parts = [tmp_path / f"p{k}.h5" for k in (1, 2, 3)]
    for k, part in enumerate(parts, start=1):
        run_ok("run", scenario, "--shard", f"{k}/3", "-o", part, "--quiet")
    merged = tmp_path / "merged.h5"
    run_ok("merge", "-o", merged, *parts, "--quiet")
    assert_same_bits(whole, merged)


def test_precision_stopping_scenarios_merge_exactly(tmp_path):
    text = SMALL_SCENARIO.replace("runs = 1000", "runs = 8000\ntarget_halfwidth = 0.02\nmin_runs = 2000") + """
[sweep]
[sweep.parameters]
"provider.opening_cash" = [3.0e6, 9.0e6, 12.0e6]
"""
    scenario = tmp_path / "stop.toml"
    scenario.write_text(text)
    whole = tmp_path / "whole.h5"
    run_ok("run", scenario, "-o", whole, "--quiet")
    parts = [tmp_path / f"p{k}.h5" for k in (1, 2)]
    for k, part in enumerate(parts, start=1):
        run_ok("run", scenario, "--shard", f"{k}/2", "-o", part, "--quiet")
    merged = tmp_path / "merged.h5"
    run_ok("merge", "-o", merged, *parts, "--quiet")
    assert_same_bits(whole, merged)


def test_merge_refuses_missing_duplicate_and_foreign_parts(study, tmp_path):
    scenario, whole, parts = study
    out = tmp_path / "out.h5"

    code, _, err = run_binary("merge", "-o", out, parts[0], parts[2])
    assert code == 1 and "shard 2/3 missing" in err, err

    copy = tmp_path / "copy-of-part-1.h5"
    shutil.copy(parts[0], copy)
    code, _, err = run_binary("merge", "-o", out, parts[0], copy, parts[1], parts[2])
    assert code == 1 and "are both shard 1/3" in err and str(copy) in err, err

    other_seed = tmp_path / "seed-part-2.h5"
    run_ok("run", scenario, "--shard", "2/3", "-o", other_seed, "--quiet", "--seed", "5")
    code, _, err = run_binary("merge", "-o", out, parts[0], other_seed, parts[2])
    assert code == 1 and str(other_seed) in err and "seed 5" in err, err

    other_split = tmp_path / "of-four.h5"
    run_ok("run", scenario, "--shard", "2/4", "-o", other_split, "--quiet")
    code, _, err = run_binary("merge", "-o", out, parts[0], other_split, parts[2])
    assert code == 1 and str(other_split) in err and "split into 4" in err, err

    other_scenario = tmp_path / "other.toml"
    other_scenario.write_text(SWEEP.replace("stress_penalty = 0.3", "stress_penalty = 0.4"))
    foreign = tmp_path / "foreign-2.h5"
    run_ok("run", other_scenario, "--shard", "2/3", "-o", foreign, "--quiet")
    code, _, err = run_binary("merge", "-o", out, parts[0], foreign, parts[2])
    assert code == 1 and str(foreign) in err and "different scenario" in err, err

    code, _, err = run_binary("merge", "-o", out, parts[0], whole, parts[2])
    assert code == 1 and str(whole) in err and "not a shard's part file" in err, err

    assert not out.exists()
    run_ok("merge", "-o", out, *parts, "--quiet")
    code, _, err = run_binary("merge", "-o", out, *parts)
    assert code == 1 and "--force" in err  # never overwritten silently


@pytest.mark.parametrize("shard", ["0/3", "4/3", "two/3", "3"])
def test_bad_shard_option(study, tmp_path, shard):
    scenario, _, _ = study
    code, out, err = run_binary("run", scenario, "--shard", shard, "-o", tmp_path / "x.h5")
    assert code == 1 and out == ""
    assert f"--shard {shard}: expected K/N with 1 <= K <= N" in err
    assert not (tmp_path / "x.h5").exists()
