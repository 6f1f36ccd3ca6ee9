"""One study over the ranks of an MPI job (docs/hpc.md): any
number of ranks and threads writes the file of a single process, bit for
bit; bad input ends every rank with one message; an interrupted MPI run
resumes to the same file.
"""

import os
import shutil
import signal
import subprocess
import time

import pytest

from conftest import (BINARY, SMALL_SCENARIO, assert_same_bits, assert_same_work_attributes, run_binary,
                      run_ok)

MPIRUN = shutil.which("mpirun")


def built_with_mpi():
    code, out, _ = run_binary("--version")
    return code == 0 and "with MPI" in out


pytestmark = pytest.mark.skipif(MPIRUN is None or not built_with_mpi(),
                                reason="built without MPI, or no mpirun (Debian: openmpi-bin)")

# Open MPI as root, on two cores, without probing the network.
MPI_ENVIRONMENT = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                       OMPI_MCA_btl="self,vader", OMPI_MCA_btl_vader_single_copy_mechanism="none",
                       OMPI_MCA_rmaps_base_oversubscribe="1")

SWEEP = SMALL_SCENARIO.replace("runs = 1000", "runs = 2500") + """
[sweep]
mode = "grid"
[sweep.parameters]
"contract.outcome_share" = [0.02, 0.03, 0.04]
"provider.opening_cash" = [1.0e6, 3.0e6, 6.0e6, 9.0e6]
"""


def mpirun(ranks, *args, **popen):
    command = [MPIRUN, "--oversubscribe", "-n", str(ranks), str(BINARY), *[str(a) for a in args]]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=MPI_ENVIRONMENT, **popen)


def mpirun_ok(ranks, *args):
    run = mpirun(ranks, *args)
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, f"mpirun -n {ranks} exited {run.returncode}\n{err}"
    return out, err


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mpi")
    scenario = folder / "sweep.toml"
    scenario.write_text(SWEEP)
    single = folder / "single.h5"
    run_ok("run", scenario, "-o", single, "--quiet", "--threads", "1", "--keep-runs")
    return scenario, single


@pytest.mark.parametrize("ranks, threads", [(1, 1), (2, 1), (3, 1), (2, 2)])
def test_any_ranks_and_threads_give_the_single_process_file(sweep, tmp_path, ranks, threads):
    scenario, single = sweep
    out = tmp_path / f"ranks-{ranks}-threads-{threads}.h5"
    mpirun_ok(ranks, "run", scenario, "-o", out, "--quiet", "--threads", threads, "--keep-runs")
    assert_same_bits(single, out)
    assert_same_work_attributes(single, out)


def test_bad_input_ends_every_rank_with_one_message(tmp_path):
    scenario = tmp_path / "bad.toml"
    scenario.write_text(SMALL_SCENARIO.replace("outcome_share = 0.03", "outcome_share = 1.3"))
    run = mpirun(2, "run", scenario, "-o", tmp_path / "bad.h5")
    _, err = run.communicate(timeout=120)
    assert run.returncode != 0
    ours = [line for line in err.splitlines() if line.startswith("shortfall:")]
    assert len(ours) == 1, err
    assert "contract.outcome_share = 1.3 is outside [0, 1]" in ours[0]
    assert not (tmp_path / "bad.h5").exists()


def test_an_interrupted_mpi_run_resumes_to_the_same_file(sweep, tmp_path):
    scenario, _ = sweep
    # Long enough (12 points x 10 blocks) to be stopped in the middle.
    reference = tmp_path / "reference.h5"
    run_ok("run", scenario, "-o", reference, "--quiet", "--runs", "10000")
    out = tmp_path / "interrupted.h5"
    run = mpirun(2, "run", scenario, "-o", out, "--threads", "1", "--runs", "10000")
    folder = tmp_path / "interrupted.h5.checkpoint"
    deadline = time.monotonic() + 120
    while not list(folder.glob("scenario-*.result")) and time.monotonic() < deadline:
        time.sleep(0.02)
    run.send_signal(signal.SIGTERM)  # mpirun passes it to every rank; rank 0 stops the run
    stdout, err = run.communicate(timeout=120)
    if "results:" in stdout:
        pytest.skip("the run finished before the signal")
    assert "SIGTERM: stopped" in err and "--resume" in err, (run.returncode, err)
    mpirun_ok(2, "run", scenario, "-o", out, "--threads", "1", "--runs", "10000", "--resume")
    assert_same_bits(reference, out)
