"""Fixtures for the end-to-end tests: run build/shortfall like a user would.

ctest passes the executable in SHORTFALL_BIN and the checkout in
SHORTFALL_SOURCE_DIR (tests/e2e/CMakeLists.txt); run by hand, the tests fall
back to build/shortfall of the checkout this file lives in.
"""

import os
import pathlib
import subprocess

import h5py
import numpy as np
import pytest

SOURCE_DIR = pathlib.Path(
    os.environ.get("SHORTFALL_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
BINARY = pathlib.Path(os.environ.get("SHORTFALL_BIN", SOURCE_DIR / "build" / "shortfall"))

# Generous: the slowest single command here takes about a second.
COMMAND_TIMEOUT_SECONDS = 300

# A small valid scenario inside the NHS guidance (outcome share 3 %, six
# indicators in three measures), so `check` prints no guidance warning; its
# only warning is that its last quarter settles after the horizon
# (late_settlement_warning). 36 months, quarterly assessment; the bonus
# structure has a shortfall in roughly one run in ten, the withhold in nearly
# every run: both ends of [0, 1] get exercised.
# test_bad_input.py edits this text line by line: keep each key on its own line.
SMALL_SCENARIO = """\
# A small scenario for the end-to-end tests: six indicators in three measures.
title = "End-to-end test trust"

[simulation]
runs = 1000
horizon_months = 36
seed = 424242

[provider]
opening_cash = 3.0e6
shortfall_threshold = 0.0
stress_start_cash = 12.0e6
stress_penalty = 0.3
underlying_deficit = 0.015
fixed_cost_share = 0.75
cost_growth = 0.023
cost_noise = 0.01
overdraft_rate = 0.035

[demand]
volatility = 0.03
persistence = 0.7
growth = 0.0
seasonality = [0.99, 1.00, 0.99, 0.98, 0.96, 1.01, 1.03, 1.03, 0.97, 1.02, 1.01, 1.01]

[contract]
annual_value = 150.0e6
basis = "block"
income_growth = 0.021
outcome_share = 0.03
structures = ["bonus", "withhold", "advance"]
assessment = "quarterly"
settlement_lag_months = 2
payment_rule = "linear"
withhold_effort_effect = 0.0

[performance]
correlation = 0.2

[[indicator]]
id = "eip_two_weeks"
name = "Early intervention in psychosis within 2 weeks"
measure = "Access"
weight = 0.25
direction = "higher"
baseline = 0.58
target = 0.60
floor = 0.50
cases_per_month = 6
volatility = 0.12
reversion = 0.2
trend = 0.10

[[indicator]]
id = "talking_six_weeks"
name = "Talking therapies within 6 weeks"
measure = "Access"
weight = 0.125
direction = "higher"
baseline = 0.82
target = 0.75
floor = 0.65
cases_per_month = 500
volatility = 0.08
reversion = 0.2
trend = 0.03

[[indicator]]
id = "followup_seven_days"
name = "Follow-up within 7 days of discharge"
measure = "Safe discharge"
weight = 0.125
direction = "higher"
baseline = 0.96
target = 0.95
floor = 0.90
cases_per_month = 90
volatility = 0.10
reversion = 0.2
trend = 0.0

[[indicator]]
id = "readmission_30_days"
name = "Emergency readmission within 30 days"
measure = "Safe discharge"
weight = 0.125
direction = "lower"
baseline = 0.09
target = 0.08
floor = 0.11
cases_per_month = 90
volatility = 0.10
reversion = 0.2
trend = -0.05

[[indicator]]
id = "care_plan_review"
name = "Care plan reviewed within 12 months"
measure = "Care planning"
weight = 0.25
direction = "higher"
baseline = 0.78
target = 0.80
floor = 0.70
cases_per_month = 150
volatility = 0.08
reversion = 0.2
trend = 0.05

[[indicator]]
id = "out_of_area_placements"
name = "Acute admissions placed out of area"
measure = "Care planning"
weight = 0.125
direction = "lower"
baseline = 0.12
target = 0.08
floor = 0.15
cases_per_month = 80
volatility = 0.15
reversion = 0.1
trend = -0.10
"""

STRUCTURES = ["bonus", "withhold", "advance"]
QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95]


def late_settlement_warning(source):
    """What `check` of SMALL_SCENARIO (at SOURCE) prints to stderr: its
    last quarter, ending in month 36, settles two months later, after the horizon."""
    return (f'{source}: warning: with contract.assessment = "quarterly" and '
            "contract.settlement_lag_months = 2, 1 settlement falls due after "
            "simulation.horizon_months = 36, in month 38: its money is owed at the horizon "
            '("owed at T" in the summary), not cash (under advance a settlement is a clawback); '
            "simulation.horizon_months = 39 or more would bring it into the cash path\n")


def certain_shortfall_warnings(source, structures=("withhold", "advance")):
    """What `run` of SMALL_SCENARIO (at SOURCE) prints to stderr after its
    results, at 1,000 runs: its withhold and advance fall short in every run,
    and a P(shortfall) of 1 separates nothing."""
    return "".join(f"{source}: warning: P(shortfall) of {name} is 1 in every run: every run fell "
                   "short, so nothing here separates better terms from worse\n"
                   for name in structures)


def run_binary(*args, cwd=None, env=None):
    """Runs shortfall with ARGS; returns (exit code, stdout, stderr) as text.
    ENV: variables added to this process's environment."""
    assert BINARY.is_file(), f"no shortfall executable at {BINARY} (set SHORTFALL_BIN)"
    completed = subprocess.run(
        [str(BINARY), *[str(a) for a in args]],
        cwd=cwd,
        env=None if env is None else {**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )
    return completed.returncode, completed.stdout, completed.stderr


def run_ok(*args, cwd=None, env=None):
    """Runs shortfall and requires exit 0; returns (stdout, stderr)."""
    code, out, err = run_binary(*args, cwd=cwd, env=env)
    assert code == 0, f"shortfall {' '.join(map(str, args))} exited {code}\nstdout:\n{out}\nstderr:\n{err}"
    return out, err


def text_attribute(value):
    """A string attribute as str, whether h5py gives bytes or str."""
    return value.decode() if isinstance(value, bytes) else str(value)


def dimension_names(dataset):
    """Names of the dimension scales attached to DATASET, one per axis; a
    dimension scale (a coordinate variable) is its own dimension, as in netCDF-4."""
    if h5py.h5ds.is_scale(dataset.id):
        assert dataset.ndim == 1, f"{dataset.name}: a dimension scale of rank {dataset.ndim}"
        return [dataset.name.rsplit("/", 1)[-1]]
    names = []
    for axis in dataset.dims:
        if axis.label:
            names.append(axis.label)
            continue
        assert len(axis) == 1, f"{dataset.name}: {len(axis)} scales on one axis"
        scale = axis[0]
        name = scale.attrs.get("NAME", scale.name.rsplit("/", 1)[-1])
        names.append(text_attribute(name))
    return names


@pytest.fixture(scope="session")
def shortfall_bin():
    """The executable under test."""
    assert BINARY.is_file(), f"no shortfall executable at {BINARY} (set SHORTFALL_BIN)"
    return BINARY


@pytest.fixture
def shortfall(shortfall_bin):
    """run(*args, cwd=None) -> (code, stdout, stderr); also importable as run_binary."""
    return run_binary


@pytest.fixture
def small_scenario(tmp_path):
    """SMALL_SCENARIO written to tmp_path/small.toml."""
    path = tmp_path / "small.toml"
    path.write_text(SMALL_SCENARIO)
    return path


def open_results(path):
    return h5py.File(path, "r")


# docs/model.md section 7: only these may differ between two runs of the same work.
# `isa`: the instruction-set path, which the CPU or SHORTFALL_ISA chooses; every path gives the same bits.
INVOCATION_ATTRIBUTES = {"created_utc", "command_line", "elapsed_seconds", "host", "isa"}


def datasets_of(path):
    """{name: (dtype, shape, raw contents, attributes)} for every dataset in the file."""
    found = {}
    with open_results(path) as f:
        def visit(name, item):
            if not isinstance(item, h5py.Dataset):
                return
            values = item[()]
            if values.dtype.kind == "O":  # variable-length strings: compare the bytes
                raw = [v if isinstance(v, bytes) else str(v).encode() for v in values.ravel()]
            else:
                raw = np.ascontiguousarray(values).view(np.uint8).tobytes()  # NaN-safe
            attributes = {}
            for key, value in item.attrs.items():
                if key in ("DIMENSION_LIST", "REFERENCE_LIST"):
                    continue  # object references: the scales are compared by name below
                attributes[key] = value.tobytes() if isinstance(value, np.ndarray) else value
            scales = None
            if len(item.dims) and not h5py.h5ds.is_scale(item.id):
                scales = [[scale.name for scale in (axis[i] for i in range(len(axis)))]
                          for axis in item.dims]
            found[name] = (item.dtype.str, item.shape, raw, attributes, scales)
        f.visititems(visit)
    return found


def root_attributes(path):
    with open_results(path) as f:
        return {key: f.attrs[key] for key in f.attrs}


def assert_same_bits(path_a, path_b):
    a, b = datasets_of(path_a), datasets_of(path_b)
    assert sorted(a) == sorted(b)
    differing = [name for name in a if a[name] != b[name]]
    assert not differing, f"datasets differ between {path_a.name} and {path_b.name}: {differing}"


def assert_same_work_attributes(path_a, path_b):
    a, b = root_attributes(path_a), root_attributes(path_b)
    assert sorted(a) == sorted(b)
    differing = {key for key in a if not np.array_equal(a[key], b[key])}
    assert differing <= INVOCATION_ATTRIBUTES, f"attributes differ: {differing - INVOCATION_ATTRIBUTES}"
