"""Files under fault (docs/reliability.md): a full disk, damaged and newer
results files, output paths that cannot be used, and two runs writing one
file at once.

Each must end in one clear error naming the file, with the README's exit
code (1 for input that cannot be used, 2 for a failure while running), and
lose no finished work: an existing results file is never changed by a run
that failed, and what a failed run finished can be resumed.
"""

import contextlib
import os
import pathlib
import random
import resource
import shutil
import signal
import struct
import subprocess
import tempfile
import time

import h5py
import pytest

from conftest import BINARY, SMALL_SCENARIO, assert_same_bits, run_binary, run_ok

ERROR_PREFIX = "shortfall: error: "
ENVELOPE_BYTES = 512


# ---------------------------------------------------------------------------
# Helpers.

def fnv1a64_words(data):
    """analysis/byte_codec.h's checksum(), written again from its description:
    FNV-1a over little-endian 64-bit words, seeded with the length, the tail
    bytes as one last word."""
    prime, mask = 0x100000001B3, (1 << 64) - 1
    value = 0xCBF29CE484222325 ^ len(data)
    whole = len(data) // 8 * 8
    for (word,) in struct.iter_unpack("<Q", data[:whole]):
        value = ((value ^ word) * prime) & mask
    return ((value ^ int.from_bytes(data[whole:], "little")) * prime) & mask


def seal(path, version):
    """Writes PATH's envelope as a shortfall writing format VERSION would."""
    data = path.read_bytes()
    body = data[ENVELOPE_BYTES:]
    header = (f"shortfall-results {version}\nbytes {len(data)}\n"
              f"checksum fnv1a64 0x{fnv1a64_words(body):016x}\n").encode()
    path.write_bytes(header.ljust(ENVELOPE_BYTES, b"\0") + body)


def files_in(folder):
    return sorted(p.name for p in folder.iterdir())


def one_error_line(err):
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one error line:\n{err}"
    return lines[0]


def limited_file_size(limit):
    """A preexec_fn: files may not grow beyond LIMIT bytes, and a write past it
    fails with EFBIG instead of killing the process with SIGXFSZ, as a full
    disk fails a write with ENOSPC."""
    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return apply


def run_limited(limit, *args):
    # Built with MPI, the program starts as an MPI singleton, whose PMIx
    # keeps its data in a shared-memory file larger than LIMIT; PMIx's
    # "hash" store keeps it in memory instead.
    env = dict(os.environ, PMIX_MCA_gds="hash")
    completed = subprocess.run([str(BINARY), *map(str, args)], capture_output=True, text=True,
                               timeout=300, preexec_fn=limited_file_size(limit), env=env,
                               check=False)
    # The singleton's helper process hits the limit too and says so; that is
    # Open MPI under this test's limit, not shortfall.
    err = "".join(line for line in completed.stderr.splitlines(keepends=True)
                  if not line.startswith("(null): Forwarding signal 25"))
    return completed.returncode, completed.stdout, err


def start(*args):
    return subprocess.Popen([str(BINARY), *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Results files made once: a finished file, its scenario, and the two
    part files of a sharded run."""
    folder = tmp_path_factory.mktemp("made")
    scenario = folder / "small.toml"
    scenario.write_text(SMALL_SCENARIO)
    finished = folder / "finished.h5"
    run_ok("run", scenario, "-o", finished, "--quiet")
    parts = []
    for k in (1, 2):
        part = folder / f"part-{k}.h5"
        run_ok("run", scenario, "-o", part, "--runs", 1500, "--shard", f"{k}/2", "--quiet")
        parts.append(part)
    return {"scenario": scenario, "finished": finished, "parts": parts}


@contextlib.contextmanager
def mounted_tmpfs(folder, options):
    """A tmpfs at FOLDER, or a skip where mounting is not permitted (the
    RLIMIT_FSIZE tests cover a full disk there)."""
    folder.mkdir()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                       check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"cannot mount a tmpfs here ({error})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


# ---------------------------------------------------------------------------
# A full disk.

def test_disk_full_while_writing_the_results_file_keeps_the_old_file(made, tmp_path):
    # A sweep of four points: each checkpoint file holds one point (its
    # statistics, or its merged state, whole), the results file all four
    # (the states deflated), so a file-size limit between them lets the
    # checkpoint be written and stops the results file.
    scenario = tmp_path / "sweep.toml"
    scenario.write_text(made["scenario"].read_text() + """
[sweep]
mode = "grid"
[sweep.parameters]
"provider.opening_cash" = [1.0e6, 3.0e6, 6.0e6, 9.0e6]
""")
    out = tmp_path / "out.h5"
    run_ok("run", scenario, "-o", out, "--quiet")
    before = out.read_bytes()
    with h5py.File(out, "r") as f:
        largest_state = max(f["state"][name].size for name in f["state"])
    assert largest_state + 40_000 < len(before)
    limit = (largest_state + 20_000 + len(before)) // 2
    code, stdout, err = run_limited(limit, "run", scenario, "-o", out, "--force",
                                    "--seed", 99, "--quiet")
    assert (code, stdout) == (2, ""), err
    line = one_error_line(err)
    assert line.startswith("shortfall: run failed: cannot write results file "), line
    assert str(out) in line and "File too large" in line, line
    assert out.read_bytes() == before
    # Nothing half-written is left beside it; the finished work is.
    assert files_in(tmp_path) == ["out.h5", "out.h5.checkpoint", "sweep.toml"]

    # With room again, the finished work is taken up, not recomputed, and the
    # file is the one an undisturbed run writes.
    code, _, err = run_binary("run", scenario, "-o", out, "--force", "--seed", 99,
                              "--resume")
    assert code == 0, err
    assert "resuming: 4 of 4 scenarios already finished" in err
    reference = tmp_path / "reference.h5"
    run_ok("run", scenario, "-o", reference, "--seed", 99, "--quiet")
    assert_same_bits(reference, out)


def test_disk_full_while_saving_the_checkpoint(made, tmp_path):
    out = tmp_path / "out.h5"
    shutil.copy(made["finished"], out)
    before = out.read_bytes()
    # --keep-runs saves every run's record in the checkpoint first: 4 kB is
    # not enough for it.
    code, stdout, err = run_limited(4096, "run", made["scenario"], "-o", out, "--force", "--keep-runs",
                                    "--quiet")
    assert (code, stdout) == (2, ""), err
    line = one_error_line(err)
    assert line.startswith("shortfall: run failed: "), line
    assert "out.h5.checkpoint" in line and "File too large" in line, line
    assert out.read_bytes() == before
    assert not list(tmp_path.glob(".out.h5*")), files_in(tmp_path)


def test_disk_full_on_a_small_tmpfs(made, tmp_path):
    with mounted_tmpfs(tmp_path / "small-disk", "size=160k") as disk:
        out = disk / "out.h5"
        shutil.copy(made["finished"], out)
        before = out.read_bytes()
        code, stdout, err = run_binary("run", made["scenario"], "-o", out, "--force", "--keep-runs",
                                       "--quiet")
        assert (code, stdout) == (2, ""), err
        line = one_error_line(err)
        assert line.startswith("shortfall: run failed: ") and str(disk) in line, line
        assert "No space left on device" in line, line
        assert out.read_bytes() == before
        assert not list(disk.glob(".out.h5*")), files_in(disk)


def test_disk_full_while_merging_keeps_the_old_file(made, tmp_path):
    out = tmp_path / "merged.h5"
    shutil.copy(made["finished"], out)
    before = out.read_bytes()
    code, stdout, err = run_limited(len(before) // 2, "merge", "-o", out, "--force", *made["parts"],
                                    "--quiet")
    assert (code, stdout) == (2, ""), err
    line = one_error_line(err)
    assert str(out) in line and "File too large" in line, line
    assert out.read_bytes() == before
    assert files_in(tmp_path) == ["merged.h5"]


# ---------------------------------------------------------------------------
# Damaged results files, given to every command that reads one.

def truncate_to(fraction):
    return lambda data: data[:int(len(data) * fraction)]


def flip_byte(fraction=None, at=None):
    def damage(data):
        position = at if at is not None else int(len(data) * fraction)
        return data[:position] + bytes([data[position] ^ 0x5A]) + data[position + 1:]
    return damage


def zero_range(fraction, length):
    def damage(data):
        start = int(len(data) * fraction)
        return data[:start] + bytes(length) + data[start + length:]
    return damage


def without_envelope(damage):
    """DAMAGE to a file whose envelope is gone (as in format 1.0): no checksum
    stands in front of HDF5, so the child process is what protects the reader."""
    return lambda data: damage(bytes(ENVELOPE_BYTES) + data[ENVELOPE_BYTES:])


DAMAGE = {
    "truncated_to_half": truncate_to(0.5),
    "truncated_to_the_envelope": lambda data: data[:ENVELOPE_BYTES],
    "one_byte_short": lambda data: data[:-1],
    "bytes_appended": lambda data: data + b"\0" * 100,
    "one_byte_flipped": flip_byte(0.6),
    "envelope_flipped": flip_byte(0.02),
    "a_4k_hole": zero_range(0.3, 4096),
    "no_envelope_truncated": without_envelope(truncate_to(0.7)),
    # HDF5's superblock follows the 512-byte user block: byte 40 of it is in
    # the end-of-file address.
    "no_envelope_superblock_flipped": without_envelope(flip_byte(at=ENVELOPE_BYTES + 40)),
    "no_envelope_a_4k_hole": without_envelope(zero_range(0.3, 4096)),
    "empty": lambda data: b"",
}


def damaged_copy(source, folder, name, damage):
    path = folder / name
    path.write_bytes(DAMAGE[damage](source.read_bytes()))
    return path


def assert_refused(code, out, err, path):
    """Exit 1, nothing on stdout, one error line naming PATH; never a crash."""
    assert code == 1 and out == "", (code, out, err)
    line = one_error_line(err)
    assert line.startswith(ERROR_PREFIX) and str(path) in line, line


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_summary_refuses_a_damaged_file(made, tmp_path, damage):
    path = damaged_copy(made["finished"], tmp_path, "damaged.h5", damage)
    before = path.read_bytes()
    assert_refused(*run_binary("summary", path), path)
    assert path.read_bytes() == before


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_extend_refuses_a_damaged_file_and_leaves_it(made, tmp_path, damage):
    path = damaged_copy(made["finished"], tmp_path, "damaged.h5", damage)
    before = path.read_bytes()
    assert_refused(*run_binary("run", "--extend", path, "--runs", 2000, "--quiet"), path)
    assert path.read_bytes() == before
    assert files_in(tmp_path) == ["damaged.h5"]


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_resume_refuses_a_damaged_file_and_leaves_it(made, tmp_path, damage):
    path = damaged_copy(made["finished"], tmp_path, "damaged.h5", damage)
    before = path.read_bytes()
    assert_refused(*run_binary("run", made["scenario"], "--resume", "-o", path, "--quiet"), path)
    assert path.read_bytes() == before
    assert files_in(tmp_path) == ["damaged.h5"]


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_merge_refuses_a_damaged_part(made, tmp_path, damage):
    first, second = made["parts"]
    damaged = damaged_copy(second, tmp_path, "part-2.h5", damage)
    out = tmp_path / "merged.h5"
    assert_refused(*run_binary("merge", "-o", out, first, damaged, "--quiet"), damaged)
    assert not out.exists()


def test_damaged_blocks_inside_a_sound_part_file_are_refused(made, tmp_path):
    # Damage behind the checksum (re-sealed, as a buggy or hostile writer
    # would leave it): merge's own checks of the blocks must hold.
    first, second = made["parts"]
    part = tmp_path / "part-2.h5"
    shutil.copy(second, part)
    with h5py.File(part, "r+") as f:
        name = sorted(f["shard"].keys() - {"whole_scenarios", "block_scenarios"})[0]
        blocks = f["shard"][name][()]
        blocks[len(blocks) // 2] ^= 0xFF
        f["shard"][name][...] = blocks
    seal(part, "1.3")
    out = tmp_path / "merged.h5"
    assert_refused(*run_binary("merge", "-o", out, first, part, "--quiet"), part)
    assert not out.exists()


def test_random_damage_never_crashes_a_reader(made, tmp_path):
    """Many damaged copies, with and without their envelope: each is refused
    cleanly (about 3 in 500 such copies crash HDF5 1.10 itself, which the
    child process must absorb)."""
    choices = random.Random(7)  # fixed, so a failure can be replayed
    source = made["finished"].read_bytes()
    outcomes = {"refused": 0, "read": 0}
    for attempt in range(120):
        data = bytearray(source)
        if attempt % 2:
            data[:ENVELOPE_BYTES] = bytes(ENVELOPE_BYTES)
        for _ in range(choices.randint(1, 8)):
            position = choices.randrange(ENVELOPE_BYTES, len(data))
            data[position] = choices.randrange(256)
        path = tmp_path / f"random-{attempt}.h5"
        path.write_bytes(bytes(data))
        code, out, err = run_binary("summary", path)
        assert code in (0, 1), f"attempt {attempt}: exit {code}\n{err}"
        if code == 1:
            assert_refused(code, out, err, path)
            outcomes["refused"] += 1
        else:
            # Only a copy without an envelope can be read despite damage, and
            # only when the damage missed everything summary reads.
            assert attempt % 2, f"attempt {attempt}: a damaged file with an envelope was read"
            outcomes["read"] += 1
        path.unlink()
    assert outcomes["refused"] >= 60, outcomes


HDF5_CRASHES = sorted((pathlib.Path(__file__).resolve().parents[1] / "fuzz" / "hdf5-crashes").glob("*.h5"))


def test_the_hdf5_crash_files_are_there():
    # An empty folder (a file lost to .gitignore, say) would skip the test below.
    assert len(HDF5_CRASHES) >= 4, HDF5_CRASHES


@pytest.mark.parametrize("crash", HDF5_CRASHES, ids=[p.name for p in HDF5_CRASHES])
@pytest.mark.parametrize("envelope", ["kept", "stripped"])
def test_files_that_crash_hdf5_are_refused_cleanly(tmp_path, crash, envelope):
    """Inputs the fuzzer found to crash or hang HDF5 1.10.8 itself
    (tests/fuzz/hdf5-crashes, named after the HDF5 function). With their
    envelope the checksum refuses them before HDF5 sees a byte; without it (as
    a format 1.0 file) HDF5 reads them in the child process, and every reader
    still ends in a clean error.

    Whether HDF5 dies on a crash file depends on the build: the H5Literate
    files make HDF5 free a garbage pointer, which AddressSanitizer always
    stops but glibc's allocator in a Release build may let pass, after which
    HDF5 returns its own error ("incorrect metadata checksum"). Either is a
    clean refusal; test_an_hdf5_crash_becomes_one_error_line requires a
    real crash to be reported as one."""
    data = crash.read_bytes()
    if envelope == "stripped":
        data = bytes(ENVELOPE_BYTES) + data[ENVELOPE_BYTES:]
    path = tmp_path / "crash.h5"
    path.write_bytes(data)
    hangs = "-hang-" in crash.name
    # A hang is cut short by the child's time limit, here 5 s instead of a minute.
    env = dict(os.environ, SHORTFALL_READ_CHECK_SECONDS="5")
    for args in (["summary", path], ["run", "--extend", path, "--runs", 10, "--quiet"],
                 ["merge", "-o", tmp_path / "merged.h5", path, "--quiet"]):
        completed = subprocess.run([str(BINARY), *map(str, args)], capture_output=True, text=True,
                                   timeout=120, env=env, check=False)
        code, out, err = completed.returncode, completed.stdout, completed.stderr
        assert_refused(code, out, err, path)
        if envelope == "kept":  # refused by the envelope, before HDF5
            assert "do not match the checksum" in err or "its header is damaged" in err, err
        elif hangs:
            assert "reading it did not finish within 5 s: the file is damaged" in err, err
        else:
            assert "the HDF5 library crashed reading it" in err or "incorrect metadata checksum" in err, err
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crash.h5"]


@pytest.mark.parametrize("name", ["H5HG_read-de7ac3319c50.h5", "H5HG_read-abort-0023384b6ba2.h5"])
def test_an_hdf5_crash_becomes_one_error_line(tmp_path, name):
    """Two ways HDF5 dies in every build, each reported as a crash in one line.
    H5HG_read-de7ac3319c50 reads a global heap at an address taken from the
    damaged bytes: signal 11 in Release, a SEGV report under AddressSanitizer.
    H5HG_read-abort-* copies past the end of a heap buffer: under
    AddressSanitizer that is its report; in Release glibc finds its heap
    corrupted at a later free, prints "double free or corruption" and aborts. That
    line once reached the user's terminal ahead of the error (the child's
    stderr is now /dev/null)."""
    crash = next(p for p in HDF5_CRASHES if p.name == name)
    data = crash.read_bytes()
    path = tmp_path / "crash.h5"
    path.write_bytes(bytes(ENVELOPE_BYTES) + data[ENVELOPE_BYTES:])
    code, out, err = run_binary("summary", path)
    assert_refused(code, out, err, path)
    assert "the HDF5 library crashed reading it" in err, err


# ---------------------------------------------------------------------------
# A file of a newer format version.

def test_the_python_checksum_agrees_with_the_program(made, tmp_path):
    # The envelope is documented well enough to be checked by another program.
    copy = tmp_path / "copy.h5"
    shutil.copy(made["finished"], copy)
    seal(copy, "1.3")
    assert copy.read_bytes() == made["finished"].read_bytes()


def newer_file(made, tmp_path):
    path = tmp_path / "newer.h5"
    shutil.copy(made["finished"], path)
    with h5py.File(path, "r+") as f:
        f.attrs["format_version"] = "2.0"
    seal(path, "2.0")
    return path


@pytest.mark.parametrize("command", ["summary", "extend", "resume", "merge"])
def test_a_newer_format_version_is_refused_by_every_reader(made, tmp_path, command):
    path = newer_file(made, tmp_path)
    before = path.read_bytes()
    args = {"summary": ["summary", path],
            "extend": ["run", "--extend", path, "--runs", 2000],
            "resume": ["run", made["scenario"], "--resume", "-o", path],
            "merge": ["merge", "-o", tmp_path / "merged.h5", path]}[command]
    code, out, err = run_binary(*args)
    assert_refused(code, out, err, path)
    assert "was written by format version 2.0; this shortfall reads 1.x" in err
    assert path.read_bytes() == before
    assert files_in(tmp_path) == ["newer.h5"]


def test_a_newer_minor_version_is_read(made, tmp_path):
    # Minor versions only add: 1.7 is read by a 1.x reader.
    path = tmp_path / "minor.h5"
    shutil.copy(made["finished"], path)
    with h5py.File(path, "r+") as f:
        f.attrs["format_version"] = "1.7"
    seal(path, "1.7")
    out, err = run_ok("summary", path)
    assert "P(shortfall)" in out and err == ""


def as_format_1_1(part, path):
    """A copy of PART at PATH as a shortfall of results format 1.1 wrote it."""
    shutil.copy(part, path)
    with h5py.File(path, "r+") as f:
        f.attrs["format_version"] = "1.1"
        del f.attrs["isa"]
    seal(path, "1.1")
    return path


def test_merge_refuses_parts_of_another_minor_version(made, tmp_path):
    # Runs of format 1.1 were drawn with other samplers (docs/model.md
    # section 8): a merged 1.2 file must not carry them, mixed or alone.
    first, second = made["parts"]
    older_first = as_format_1_1(first, tmp_path / "part-1.h5")
    older_second = as_format_1_1(second, tmp_path / "part-2.h5")
    out = tmp_path / "merged.h5"
    code, stdout, err = run_binary("merge", "-o", out, first, older_second, "--quiet")
    assert (code, stdout) == (1, "")
    assert "format version 1.1, but" in err or "format version 1.3, but" in err
    code, stdout, err = run_binary("merge", "-o", out, older_first, older_second, "--quiet")
    assert (code, stdout) == (1, "")
    assert ("written by results format 1.1; this shortfall merges parts of format 1.3: merge them "
            "with the shortfall that made them, or run the shards again") in err
    assert not out.exists()


# ---------------------------------------------------------------------------
# Output paths that cannot be used.

def test_merge_and_extend_refuse_a_directory(made, tmp_path):
    folder = tmp_path / "a-folder.h5"
    folder.mkdir()
    code, out, err = run_binary("merge", "-o", folder, *made["parts"])
    assert (code, out) == (1, "")
    assert one_error_line(err) == f"{ERROR_PREFIX}{folder}: the output path is a directory; give a file name"
    assert_refused(*run_binary("run", "--extend", folder, "--runs", 2000), folder)
    assert not any(folder.iterdir())


def test_merge_into_a_missing_folder(made, tmp_path):
    out = tmp_path / "nowhere" / "merged.h5"
    code, stdout, err = run_binary("merge", "-o", out, *made["parts"])
    assert (code, stdout) == (1, "")
    assert one_error_line(err) == f"{ERROR_PREFIX}{out}: the output folder {out.parent} does not exist"


@pytest.mark.parametrize("command", ["run", "merge"])
def test_a_read_only_file_system(made, tmp_path, command):
    # A read-only mount refuses even root, unlike folder permissions.
    with mounted_tmpfs(tmp_path / "read-only", "size=1m,ro") as folder:
        out = folder / "out.h5"
        args = ["run", made["scenario"], "-o", out] if command == "run" else \
            ["merge", "-o", out, *made["parts"]]
        code, stdout, err = run_binary(*args)
        assert (code, stdout) == (1, "")
        assert one_error_line(err) == f"{ERROR_PREFIX}{out}: the output folder {folder} is not writable"
        assert not any(folder.iterdir())


# ---------------------------------------------------------------------------
# Two runs writing one file at once.

LONG_SCENARIO = SMALL_SCENARIO.replace("runs = 1000", "runs = 400000")


def lock_of(out):
    return out.parent / f".{out.name}.lock"


@pytest.fixture
def running(tmp_path):
    """A run busy writing tmp_path/out.h5 (several seconds), stopped at the end."""
    scenario = tmp_path / "long.toml"
    scenario.write_text(LONG_SCENARIO)
    out = tmp_path / "out.h5"
    first = start("run", scenario, "-o", out, "--quiet", "--threads", "1")
    wait_for(lambda: (out.parent / "out.h5.checkpoint" / "manifest").exists())
    yield scenario, out, first
    if first.poll() is None:
        first.kill()
    first.communicate()


@pytest.mark.parametrize("how", [["--force"], ["--resume"], []])
def test_a_second_run_on_the_same_output_refuses(running, how):
    scenario, out, first = running
    code, stdout, err = run_binary("run", scenario, "-o", out, "--quiet", *how)
    assert (code, stdout) == (1, ""), err
    assert one_error_line(err) == (
        f"{ERROR_PREFIX}{out}: another shortfall run (process {first.pid}) is writing this results "
        "file; wait for it to finish, or write elsewhere with -o")
    assert first.poll() is None, "the first run must go on undisturbed"


def test_merge_into_a_file_being_written_refuses(running, made):
    _, out, first = running
    code, stdout, err = run_binary("merge", "-o", out, "--force", *made["parts"])
    assert (code, stdout) == (1, "")
    assert f"another shortfall run (process {first.pid})" in err


def test_a_decomposition_into_a_file_being_written_refuses(running):
    scenario, out, first = running
    code, stdout, err = run_binary("decompose", scenario, "-o", out, "--force", "--quiet", "--runs", "200",
                                   "--set", "simulation.pilot_runs=200")
    assert (code, stdout) == (1, ""), err
    assert one_error_line(err) == (
        f"{ERROR_PREFIX}{out}: another shortfall run (process {first.pid}) is writing this results "
        "file; wait for it to finish, or write elsewhere with -o")
    assert first.poll() is None, "the first run must go on undisturbed"


def test_the_first_run_finishes_as_if_alone(tmp_path, made):
    scenario = tmp_path / "medium.toml"
    # Long enough (about 6 s on one idle core) that the three refusals land while it runs.
    scenario.write_text(SMALL_SCENARIO.replace("runs = 1000", "runs = 200000"))
    out = tmp_path / "out.h5"
    first = start("run", scenario, "-o", out, "--quiet", "--threads", "1")
    wait_for(lambda: lock_of(out).exists())
    # Attempts only while the first run still runs: after it, --force may
    # rightly replace its file.
    refused = []
    while first.poll() is None and len(refused) < 3:
        code = run_binary("run", scenario, "-o", out, "--force", "--quiet")[0]
        if first.poll() is None:
            refused.append(code)
    assert first.wait(timeout=600) == 0, first.stderr.read()
    assert refused and all(code == 1 for code in refused), refused
    reference = tmp_path / "reference.h5"
    run_ok("run", scenario, "-o", reference, "--quiet")
    assert_same_bits(reference, out)
    assert not lock_of(out).exists()


def test_a_lock_left_by_kill_9_blocks_nothing(running):
    scenario, out, first = running
    first.send_signal(signal.SIGKILL)
    first.communicate()
    assert lock_of(out).exists()
    code, _, err = run_binary("run", scenario, "-o", out, "--quiet", "--resume", "--runs", 2000)
    # The saved state is of 400,000 runs: the resume is refused for that, not for the lock.
    assert code == 1 and "another shortfall run" not in err, err
    code, _, err = run_binary("run", scenario, "-o", out, "--quiet", "--force", "--runs", 2000)
    assert code == 0, err
    assert not lock_of(out).exists()
