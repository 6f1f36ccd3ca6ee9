"""Networks of providers (docs/model.md 9, docs/scenario-keys.md "Networks") end to end:
the results file's provider axis read by xarray and ncdump, p_any_shortfall
against the per-run records, a network of one provider against the same
provider written as a single-provider file, and bit-identity across threads,
shards, ranks and an interrupted run.
"""

import os
import shutil
import signal
import subprocess
import time

import numpy as np
import pytest
import xarray as xr

from conftest import (BINARY, SMALL_SCENARIO, SOURCE_DIR, assert_same_bits, dimension_names,
                      open_results, run_binary, run_ok, text_attribute)

PRIME = SOURCE_DIR / "scenarios" / "prime-contractor.toml"
SWEEP = SOURCE_DIR / "scenarios" / "pass-through-sweep.toml"
PROVIDERS = ["trust", "vcs_recovery", "vcs_crisis"]


@pytest.fixture(scope="module")
def prime(tmp_path_factory):
    out = tmp_path_factory.mktemp("networks") / "prime.h5"
    run_ok("run", PRIME, "-o", out, "--runs", "2000", "--keep-runs", "--quiet", "--threads", "2")
    return out


def test_provider_axis_in_h5py_xarray_and_ncdump(prime):
    with open_results(prime) as f:
        assert [text_attribute(p) for p in f["provider"][()]] == PROVIDERS
        assert dimension_names(f["p_shortfall"]) == ["scenario", "structure", "provider"]
        assert dimension_names(f["cash_quantiles"]) == ["scenario", "structure", "provider", "month",
                                                        "quantile"]
        assert dimension_names(f["p_any_shortfall"]) == ["scenario", "structure"]
        assert dimension_names(f["indicator_achievement_mean"]) == ["scenario", "structure", "indicator"]
        assert dimension_names(f["runs/cash"]) == ["scenario", "structure", "provider", "run", "month"]
        assert dimension_names(f["runs/shortfall"]) == ["scenario", "structure", "provider", "run"]
    with xr.open_dataset(prime, engine="h5netcdf") as ds:
        assert list(ds["provider"].values) == PROVIDERS
        assert ds["support_mean"].dims == ("scenario", "structure", "provider")
        # A subcontractor has no contract, so nothing to earn and no commissioner money.
        assert np.isnan(ds["earned_fraction_mean"].sel(provider="vcs_crisis")).all()
        assert (ds["commissioner_cost_mean"].sel(provider="vcs_recovery") == 0).all()
    header = subprocess.run(["ncdump", "-h", str(prime)], capture_output=True, text=True, check=True).stdout
    assert "provider = 3 ;" in header
    assert "double p_any_shortfall(scenario, structure) ;" in header


def test_statistics_match_the_per_run_records(prime):
    with open_results(prime) as f:
        short = f["runs/shortfall"][()].astype(bool)  # (scenario, structure, provider, run)
        runs = short.shape[-1]
        assert np.array_equal(f["p_shortfall"][()], short.sum(axis=-1) / runs)
        # Any provider short in a run: the any-over-providers of the records.
        assert np.array_equal(f["p_any_shortfall"][()], short.any(axis=2).sum(axis=-1) / runs)
        support = f["runs/support"][()]
        assert np.allclose(f["support_mean"][()], support.mean(axis=-1), rtol=1e-12, atol=1e-6)
        assert np.allclose(f["runs/end_cash"][()], f["runs/cash"][()][..., -1], rtol=0, atol=0)


def network_of_one(text):
    """SMALL_SCENARIO written as an alliance of one provider."""
    text = text.replace("[provider]\n", '[network]\nmodel = "alliance"\n\n[[provider]]\nid = "trust"\n', 1)
    for table in ("demand", "contract", "performance"):
        text = text.replace(f"[{table}]\n", f"[provider.{table}]\n", 1)
    return text.replace("[[indicator]]\n", "[[provider.indicator]]\n")


def test_a_network_of_one_gives_the_single_provider_numbers(tmp_path):
    single, network = tmp_path / "single.toml", tmp_path / "network.toml"
    single.write_text(SMALL_SCENARIO)
    network.write_text(network_of_one(SMALL_SCENARIO))
    run_ok("run", single, "-o", tmp_path / "single.h5", "--quiet", "--keep-runs")
    run_ok("run", network, "-o", tmp_path / "network.h5", "--quiet", "--keep-runs")
    with open_results(tmp_path / "single.h5") as a, open_results(tmp_path / "network.h5") as b:
        assert "provider" not in a and [text_attribute(p) for p in b["provider"][()]] == ["trust"]
        compared = 0
        for name, dataset in a.items():
            if not hasattr(dataset, "shape") or name in ("scenario", "structure", "month", "quantile",
                                                         "indicator", "indicator_name",
                                                         "withhold_fraction", "runs_done"):
                continue
            ours = b[name][()]
            if b[name].ndim == dataset.ndim + 1:
                ours = ours[:, :, 0]  # the provider axis follows structure
            assert np.array_equal(dataset[()], ours, equal_nan=True), name
            compared += 1
        for name in ("shortfall", "min_cash", "received", "commissioner_cost", "cash"):
            assert np.array_equal(a["runs"][name][()], b["runs"][name][()][:, :, 0], equal_nan=True), name
        assert np.array_equal(a["p_shortfall"][()], b["p_any_shortfall"][()])
        assert compared >= 18


def test_threads_shards_and_merge_give_the_same_bits(tmp_path):
    one = tmp_path / "one.h5"
    run_ok("run", SWEEP, "-o", one, "--runs", "1500", "--quiet", "--threads", "1")
    two = tmp_path / "two.h5"
    run_ok("run", SWEEP, "-o", two, "--runs", "1500", "--quiet", "--threads", "2")
    assert_same_bits(one, two)
    parts = []
    for k in (1, 2, 3):
        part = tmp_path / f"part-{k}.h5"
        run_ok("run", SWEEP, "-o", part, "--runs", "1500", "--quiet", "--shard", f"{k}/3")
        parts.append(part)
    merged = tmp_path / "merged.h5"
    run_ok("merge", *parts, "-o", merged)
    assert_same_bits(one, merged)
    summary, _ = run_ok("summary", merged)
    assert "withhold vcs_recovery" in summary and "any withhold" in summary


def test_sigterm_then_resume_gives_the_same_bits(tmp_path):
    reference = tmp_path / "reference.h5"
    run_ok("run", SWEEP, "-o", reference, "--runs", "3000", "--quiet", "--threads", "2")
    out = tmp_path / "resumed.h5"
    run = subprocess.Popen([str(BINARY), "run", str(SWEEP), "-o", str(out), "--runs", "3000",
                            "--quiet", "--threads", "2"], stderr=subprocess.PIPE, text=True)
    checkpoint = tmp_path / "resumed.h5.checkpoint"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and run.poll() is None:
        if checkpoint.is_dir() and any(checkpoint.glob("scenario-*.result")):
            break
        time.sleep(0.05)
    assert run.poll() is None, "the run finished before a scenario was saved: nothing to resume"
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 2, err
    run_ok("run", SWEEP, "--resume", "-o", out, "--runs", "3000", "--quiet")
    assert_same_bits(reference, out)


MPIRUN = shutil.which("mpirun")


@pytest.mark.skipif(MPIRUN is None or "with MPI" not in run_binary("--version")[1],
                    reason="built without MPI, or no mpirun")
def test_two_ranks_give_the_same_bits(prime, tmp_path):
    environment = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                       OMPI_MCA_btl="self,vader", OMPI_MCA_btl_vader_single_copy_mechanism="none")
    out = tmp_path / "ranks.h5"
    subprocess.run([MPIRUN, "--oversubscribe", "-n", "2", str(BINARY), "run", str(PRIME), "-o", str(out),
                    "--runs", "2000", "--keep-runs", "--quiet", "--threads", "1"],
                   env=environment, check=True, capture_output=True, timeout=300)
    assert_same_bits(prime, out)
