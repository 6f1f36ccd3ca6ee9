"""Long runs that are interrupted (docs/resume.md):
kill -9 at random moments, SIGTERM, refusal of a mismatched resume, and
extending a finished file to the bits of a fresh larger run.
"""

import os
import random
import signal
import subprocess
import time

import pytest

from conftest import (BINARY, SMALL_SCENARIO, assert_same_bits, assert_same_work_attributes,
                      datasets_of, open_results, run_binary, run_ok)

# 16 points x 2,000 runs x 3 structures: about 2 s on two threads here, so
# random moments in it fall before, during and after finished scenarios.
SWEEP = SMALL_SCENARIO.replace("runs = 1000", "runs = 2000") + """
[sweep]
mode = "grid"
[sweep.parameters]
"contract.outcome_share" = [0.02, 0.03, 0.035, 0.04]
"provider.opening_cash" = [1.0e6, 3.0e6, 6.0e6, 9.0e6]
"""


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep")
    scenario = folder / "sweep.toml"
    scenario.write_text(SWEEP)
    reference = folder / "reference.h5"
    run_ok("run", scenario, "-o", reference, "--quiet", "--keep-runs")
    return scenario, reference


def checkpoint_of(path):
    return path.parent / (path.name + ".checkpoint")


def start(*args):
    return subprocess.Popen([str(BINARY), *[str(a) for a in args]], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finished_scenarios(folder):
    return sorted(p.name for p in folder.glob("scenario-*.result")) if folder.exists() else []


def wait_for_a_finished_scenario(out, seconds=60):
    deadline = time.monotonic() + seconds
    while not finished_scenarios(checkpoint_of(out)) and time.monotonic() < deadline:
        time.sleep(0.02)


def test_kill_9_at_random_moments_then_resume_gives_the_same_bits(sweep, tmp_path):
    scenario, reference = sweep
    moments = random.Random(20170401)  # fixed, so a failure can be replayed
    resumed_some = False
    for attempt in range(5):
        out = tmp_path / f"killed-{attempt}.h5"
        run = start("run", scenario, "-o", out, "--quiet", "--keep-runs", "--threads", "2")
        time.sleep(moments.uniform(0.05, 2.0))
        run.send_signal(signal.SIGKILL)
        run.communicate()
        saved = finished_scenarios(checkpoint_of(out))
        code, _, err = run_binary("run", scenario, "--resume", "-o", out, "--keep-runs")
        assert code == 0, err
        if saved:
            # No finished scenario is computed again.
            resumed_some = True
            assert f"resuming: {len(saved)} of 16 scenarios already finished" in err, (saved, err)
        assert_same_bits(reference, out)
        assert_same_work_attributes(reference, out)
        assert not checkpoint_of(out).exists()
    assert resumed_some, "no kill landed after a finished scenario: the test did not test resuming"


def test_sigterm_saves_the_work_in_flight_and_exits_2(sweep, tmp_path):
    scenario, reference = sweep
    out = tmp_path / "terminated.h5"
    run = start("run", scenario, "-o", out, "--keep-runs", "--threads", "2")
    wait_for_a_finished_scenario(out)
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 2, err
    assert "SIGTERM: stopped" in err
    assert f"continue with: shortfall run {scenario} --resume -o {out}" in err
    # The finished scenarios are in a results file marked incomplete...
    with open_results(out) as f:
        assert int(f.attrs["complete"]) == 0
        done = f["runs_done"][()]
        assert (done > 0).sum() >= 1
    # ...and in the checkpoint, with the unfinished scenarios' finished blocks.
    folder = checkpoint_of(out)
    assert finished_scenarios(folder)
    run_ok("run", scenario, "--resume", "-o", out, "--keep-runs")
    assert_same_bits(reference, out)


def test_sigint_on_a_single_long_scenario_saves_its_work(tmp_path):
    scenario = tmp_path / "single.toml"
    scenario.write_text(SMALL_SCENARIO.replace("runs = 1000", "runs = 60000"))
    reference = tmp_path / "reference.h5"
    run_ok("run", scenario, "-o", reference, "--quiet")
    out = tmp_path / "interrupted.h5"
    run = start("run", scenario, "-o", out, "--threads", "2")
    # Once the saved state exists the run is under way (its signal handler
    # is installed right after); then let some blocks finish.
    deadline = time.monotonic() + 60
    while not (checkpoint_of(out) / "manifest").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.4)
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=120)
    if run.returncode == 0:
        pytest.skip("the run finished before the signal; nothing to resume")
    assert run.returncode == 2, err
    # The merged state of the blocks merged so far, and any block finished
    # out of turn.
    saved = (list(checkpoint_of(out).glob("scenario-000000.block-*")) +
             list(checkpoint_of(out).glob("scenario-000000.state")))
    assert saved, "no finished work was saved"
    run_ok("run", scenario, "--resume", "-o", out)
    assert_same_bits(reference, out)


def interrupted_run(scenario, tmp_path):
    """A run stopped by SIGTERM after its first finished scenario: its output and checkpoint."""
    out = tmp_path / "partial.h5"
    run = start("run", scenario, "-o", out, "--quiet", "--threads", "1")
    wait_for_a_finished_scenario(out)
    run.send_signal(signal.SIGTERM)
    run.communicate(timeout=120)
    assert checkpoint_of(out).exists()
    return out


def test_resume_refuses_another_scenario_seed_or_format(sweep, tmp_path):
    scenario, _ = sweep
    out = interrupted_run(scenario, tmp_path)
    before = sorted(os.listdir(checkpoint_of(out)))

    code, _, err = run_binary("run", scenario, "--resume", "-o", out, "--seed", "99")
    assert code == 1 and "seed" in err and "99" in err and str(checkpoint_of(out)) in err, err
    code, _, err = run_binary("run", scenario, "--resume", "-o", out, "--set", "provider.stress_penalty=0.5")
    assert code == 1 and "scenario" in err and str(checkpoint_of(out)) in err, err
    manifest = checkpoint_of(out) / "manifest"
    text = manifest.read_text()
    manifest.write_text(text.replace("checkpoint 1", "checkpoint 9"))
    code, _, err = run_binary("run", scenario, "--resume", "-o", out)
    assert code == 1 and "format" in err and "checkpoint 9" in err, err
    manifest.write_text(text)
    assert sorted(os.listdir(checkpoint_of(out))) == before  # nothing changed

    # Without --resume or --force the saved state is not silently discarded.
    code, _, err = run_binary("run", scenario, "-o", tmp_path / "elsewhere.h5")
    assert code == 0, err  # another output has no saved state
    code, _, err = run_binary("run", scenario, "-o", out, "--force", "--quiet")
    assert code == 0, err
    assert not checkpoint_of(out).exists()


def test_rerun_without_resume_names_the_saved_state(sweep, tmp_path):
    scenario, _ = sweep
    out = interrupted_run(scenario, tmp_path)
    out.unlink(missing_ok=True)  # only the checkpoint is left
    code, _, err = run_binary("run", scenario, "-o", out)
    assert code == 1
    assert str(checkpoint_of(out)) in err and "--resume" in err and "--force" in err


def test_resume_of_a_finished_file(sweep, tmp_path):
    scenario, reference = sweep
    out = tmp_path / "done.h5"
    run_ok("run", scenario, "-o", out, "--quiet", "--keep-runs")
    stamp = out.stat().st_mtime_ns
    stdout, _ = run_ok("run", scenario, "--resume", "-o", out, "--keep-runs")
    assert "16 scenarios" in stdout
    assert out.stat().st_mtime_ns == stamp  # nothing to do, nothing rewritten
    code, _, err = run_binary("run", scenario, "--resume", "-o", out, "--seed", "5")
    assert code == 1 and "seed" in err


def test_extend_gives_the_file_of_a_fresh_larger_run(tmp_path):
    scenario = tmp_path / "sweep.toml"
    scenario.write_text(SWEEP.replace("runs = 2000", "runs = 1500"))
    fresh = tmp_path / "fresh.h5"
    run_ok("run", scenario, "-o", fresh, "--quiet", "--keep-runs", "--runs", "3500")
    extended = tmp_path / "extended.h5"
    run_ok("run", scenario, "-o", extended, "--quiet", "--keep-runs")
    run_ok("run", "--extend", extended, "--runs", "3500", "--quiet")
    assert_same_bits(fresh, extended)
    with open_results(fresh) as a, open_results(extended) as b:
        assert a.attrs["scenario_toml"] == b.attrs["scenario_toml"]
        assert int(b.attrs["runs"]) == 3500

    code, _, err = run_binary("run", "--extend", extended, "--runs", "1000")
    assert code == 1 and "--extend only adds runs" in err
    code, _, err = run_binary("run", "--extend", extended)
    assert code == 1 and "--extend needs --runs" in err
    code, _, err = run_binary("run", "--extend", extended, "--runs", "5000", "--seed", "3")
    assert code == 1 and "cannot be combined with --seed" in err


# A single scenario of 2,500 runs: not a whole number of 1,000-run blocks, so
# an extension continues inside a block.
EXTENDABLE = SMALL_SCENARIO.replace("runs = 1000", "runs = 2500")


def test_extend_simulates_only_the_new_runs_and_gives_a_fresh_runs_bits(tmp_path):
    scenario = tmp_path / "single.toml"
    scenario.write_text(EXTENDABLE)
    fresh = tmp_path / "fresh.h5"
    run_ok("run", scenario, "-o", fresh, "--quiet", "--runs", "6000")
    extended = tmp_path / "extended.h5"
    run_ok("run", scenario, "-o", extended, "--quiet")
    with open_results(extended) as f:
        assert "state_000000" in f["state"]  # the merged state, for this
    code, _, err = run_binary("run", "--extend", extended, "--runs", "4000")
    assert code == 0, err
    assert "reused for 1 of 1 scenarios" in err, err
    code, _, err = run_binary("run", "--extend", extended, "--runs", "6000")
    assert code == 0, err
    assert "reused for 1 of 1 scenarios" in err, err
    # Every dataset, the saved state included, as a fresh run of 6,000.
    assert_same_bits(fresh, extended)


def test_extend_a_sweep_after_an_interrupted_run_was_resumed(sweep, tmp_path):
    scenario, _ = sweep
    fresh = tmp_path / "fresh.h5"
    run_ok("run", scenario, "-o", fresh, "--quiet", "--runs", "2700")
    out = tmp_path / "resumed.h5"
    run = start("run", scenario, "-o", out, "--threads", "2")
    wait_for_a_finished_scenario(out)
    run.send_signal(signal.SIGINT)
    run.communicate(timeout=120)
    run_ok("run", scenario, "--resume", "-o", out, "--quiet")
    code, _, err = run_binary("run", "--extend", out, "--runs", "2700")
    assert code == 0, err
    assert "reused for 16 of 16 scenarios" in err, err
    assert_same_bits(fresh, out)


def test_extend_a_sharded_and_merged_file(tmp_path):
    # Three shards of 2,500 runs cut the scenario between parts; the merged
    # file carries the merged state, and extends like an unsharded one.
    scenario = tmp_path / "single.toml"
    scenario.write_text(EXTENDABLE)
    fresh = tmp_path / "fresh.h5"
    run_ok("run", scenario, "-o", fresh, "--quiet", "--runs", "5000")
    parts = []
    for k in (1, 2, 3):
        part = tmp_path / f"part-{k}.h5"
        run_ok("run", scenario, "--shard", f"{k}/3", "-o", part, "--quiet")
        parts.append(part)
    merged = tmp_path / "merged.h5"
    run_ok("merge", *parts, "-o", merged, "--quiet")
    code, _, err = run_binary("run", "--extend", merged, "--runs", "5000")
    assert code == 0, err
    assert "reused for 1 of 1 scenarios" in err, err
    assert_same_bits(fresh, merged)


def test_extend_continues_precision_stopping_to_a_tighter_target(tmp_path):
    stopping = EXTENDABLE.replace(
        "seed = 424242", "seed = 424242\ntarget_halfwidth = 0.02\nmin_runs = 1500\nmax_runs = 40000")
    scenario = tmp_path / "stopping.toml"
    scenario.write_text(stopping)
    fresh = tmp_path / "fresh.h5"
    run_ok("run", scenario, "-o", fresh, "--quiet", "--set", "simulation.target_halfwidth=0.012")
    extended = tmp_path / "extended.h5"
    run_ok("run", scenario, "-o", extended, "--quiet")
    with open_results(extended) as f, open_results(fresh) as g:
        loose = f["runs_done"][()].max()
        assert 0 < loose < g["runs_done"][()].max()  # the tighter target needs more runs
    code, _, err = run_binary("run", "--extend", extended, "--target-halfwidth", "0.012")
    assert code == 0, err
    assert "reused for 1 of 1 scenarios" in err, err
    assert_same_bits(fresh, extended)

    code, _, err = run_binary("run", scenario, "-o", tmp_path / "x.h5", "--target-halfwidth", "0.01")
    assert code == 1 and "--set simulation.target_halfwidth=0.01" in err, err


def test_no_state_leaves_the_states_out_and_extend_simulates_everything(tmp_path):
    scenario = tmp_path / "single.toml"
    scenario.write_text(EXTENDABLE)
    with_state = tmp_path / "with.h5"
    run_ok("run", scenario, "-o", with_state, "--quiet")
    without = tmp_path / "without.h5"
    run_ok("run", scenario, "-o", without, "--quiet", "--no-state")
    with open_results(without) as f:
        assert "state" not in f
    # Every statistic is the same; only the group `state` is missing.
    kept, stripped = datasets_of(with_state), datasets_of(without)
    assert {name for name in kept if not name.startswith("state/")} == set(stripped)
    for name, value in stripped.items():
        assert kept[name] == value, name
    assert without.stat().st_size < with_state.stat().st_size
    # Without a state, --extend simulates every run again, to the same bits.
    fresh = tmp_path / "fresh.h5"
    run_ok("run", scenario, "-o", fresh, "--quiet", "--runs", "4000")
    code, _, err = run_binary("run", "--extend", without, "--runs", "4000")
    assert code == 0, err
    assert "reused for 0 of 1 scenarios" in err, err
    assert_same_bits(fresh, without)
