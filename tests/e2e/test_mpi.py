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


def rank_pid(rank, marker):
    """The pid of the MPI rank `rank` whose command line holds `marker`."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                command = f.read().decode(errors="replace")
            with open(f"/proc/{entry}/environ", "rb") as f:
                environment = f.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        if marker in command and f"OMPI_COMM_WORLD_RANK={rank}" in environment:
            return int(entry)
    return None


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
    # As a scheduler's SIGTERM reaches every rank; rank 0 stops the run, the
    # others ignore it. (mpirun itself, signalled, does not pass it on in
    # time: the run finished first.)
    for rank in (1, 0):
        pid = rank_pid(rank, str(out))
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
    stdout, err = run.communicate(timeout=120)
    if "results:" in stdout:
        pytest.skip("the run finished before the signal")
    assert "SIGTERM: stopped" in err and "--resume" in err, (run.returncode, err)
    mpirun_ok(2, "run", scenario, "-o", out, "--threads", "1", "--runs", "10000", "--resume")
    assert_same_bits(reference, out)


def test_a_killed_worker_rank_ends_the_job_naming_it_and_resume_finishes(sweep, tmp_path):
    scenario, _ = sweep
    reference = tmp_path / "reference.h5"
    run_ok("run", scenario, "-o", reference, "--quiet", "--runs", "10000")
    out = tmp_path / "killed.h5"
    run = mpirun(3, "run", scenario, "-o", out, "--threads", "1", "--runs", "10000")
    folder = tmp_path / "killed.h5.checkpoint"
    deadline = time.monotonic() + 120
    while not list(folder.glob("scenario-*.result")) and time.monotonic() < deadline:
        time.sleep(0.02)
    pid = rank_pid(1, str(out))
    if pid is None:
        run.communicate(timeout=120)
        pytest.skip("rank 1 was gone before it could be killed")
    os.kill(pid, signal.SIGKILL)
    stdout, err = run.communicate(timeout=120)
    if "results:" in stdout:
        pytest.skip("the run finished before the kill")
    assert run.returncode != 0
    assert "rank 1" in err, err  # the launcher names the rank that died
    # The finished scenarios were saved as they finished; the rest resumes.
    assert list(folder.glob("scenario-*.result"))
    mpirun_ok(2, "run", scenario, "-o", out, "--threads", "1", "--runs", "10000", "--resume")
    assert_same_bits(reference, out)


def test_rank_0_receives_states_whose_size_does_not_grow_with_the_runs(tmp_path):
    scenario = tmp_path / "single.toml"
    scenario.write_text(SMALL_SCENARIO)
    received = {}
    for runs in (20000, 200000):
        out = tmp_path / f"traffic-{runs}.h5"
        run = subprocess.run([MPIRUN, "--oversubscribe", "-n", "3", "-x", "SHORTFALL_MPI_TRAFFIC",
                              str(BINARY), "run", str(scenario), "-o", str(out), "--runs", str(runs),
                              "--threads", "1", "--quiet"],
                             capture_output=True, text=True, timeout=300,
                             env=dict(MPI_ENVIRONMENT, SHORTFALL_MPI_TRAFFIC="1"))
        assert run.returncode == 0, run.stderr
        line = next(l for l in run.stderr.splitlines() if "rank 0 received" in l)
        received[runs] = (int(line.split("received ")[1].split(" bytes")[0]),
                          int(line.split(" in ")[1].split(" messages")[0]))
        single = tmp_path / f"single-{runs}.h5"
        run_ok("run", scenario, "-o", single, "--runs", runs, "--quiet")
        assert_same_bits(single, out)
    # Two worker ranks of one thread: about two spans per worker thread, at
    # most 5 messages of a merged state each, whatever the runs (a block
    # each would be about 313 bytes a run-structure: 188 MB at 200,000).
    for runs, (bytes_received, messages) in received.items():
        assert messages <= 5, received
        assert bytes_received < 5 * 600_000, received
