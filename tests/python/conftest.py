"""Fixtures for the Python package tests: results files made by the real
build/shortfall on small scenarios, once per session.

ctest passes the executable in SHORTFALL_BIN, the checkout in
SHORTFALL_SOURCE_DIR and PYTHONPATH=analysis/python (tests/python/CMakeLists.txt);
run by hand, the tests fall back to build/shortfall and analysis/python of the
checkout this file lives in.
"""

import importlib.util
import os
import pathlib
import subprocess
import sys

import matplotlib
import pytest

matplotlib.use("Agg")

SOURCE_DIR = pathlib.Path(
    os.environ.get("SHORTFALL_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
BINARY = pathlib.Path(os.environ.get("SHORTFALL_BIN", SOURCE_DIR / "build" / "shortfall"))
PACKAGE_DIR = SOURCE_DIR / "analysis" / "python"
if str(PACKAGE_DIR) not in sys.path:
    sys.path.insert(0, str(PACKAGE_DIR))

# The end-to-end tests' small scenario (six indicators, 36 months, bonus
# rarely short, withhold nearly always): one definition for both suites.
_spec = importlib.util.spec_from_file_location("e2e_conftest", SOURCE_DIR / "tests" / "e2e" / "conftest.py")
_e2e = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_e2e)
SMALL_SCENARIO = _e2e.SMALL_SCENARIO

COMMAND_TIMEOUT_SECONDS = 300
STRUCTURES = ["bonus", "withhold", "advance", "hybrid_0.5"]

GRID_SHARES = [0.02, 0.03, 0.04]
GRID_CASH = [1.0e6, 3.0e6, 6.0e6, 9.0e6]
GRID_SWEEP = """
[sweep]
mode = "grid"
[sweep.parameters]
"contract.outcome_share" = [0.02, 0.03, 0.04]
"provider.opening_cash" = [1.0e6, 3.0e6, 6.0e6, 9.0e6]
"""

LHS_POINTS = 20
LHS_SWEEP = """
[sweep]
mode = "lhs"
points = 20
[sweep.parameters]
"provider.stress_penalty" = [0.0, 0.6]
"indicator.*.volatility" = { range = [0.04, 0.2], log = true }
"provider.underlying_deficit" = [0.0, 0.04]
"""

# Text keys in a grid: their levels keep the file's order, not alphabetical.
TEXT_GRID_SWEEP = """
[sweep]
mode = "grid"
[sweep.parameters]
"contract.assessment" = ["quarterly", "monthly", "annual"]
"contract.settlement_lag_months" = [0, 2]
"""


def scenario_text(runs, sweep=""):
    text = SMALL_SCENARIO.replace("runs = 1000", f"runs = {runs}")
    text = text.replace('structures = ["bonus", "withhold", "advance"]',
                        'structures = ["bonus", "withhold", "advance", 0.5]')
    assert 'structures = ["bonus", "withhold", "advance", 0.5]' in text
    return text + sweep


def run_shortfall(*args, cwd=None):
    """Runs shortfall with ARGS and requires exit 0; returns stdout."""
    assert BINARY.is_file(), f"no shortfall executable at {BINARY} (set SHORTFALL_BIN)"
    done = subprocess.run([str(BINARY), *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=COMMAND_TIMEOUT_SECONDS, check=False)
    assert done.returncode == 0, (
        f"shortfall {' '.join(map(str, args))} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def make_results(directory, name, text, *extra):
    scenario = directory / f"{name}.toml"
    scenario.write_text(text)
    out = directory / f"{name}.h5"
    run_shortfall("run", scenario, "-o", out, "--quiet", "--threads", "1", *extra)
    return out


@pytest.fixture(scope="session")
def results_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("results")


@pytest.fixture(scope="session")
def single_file(results_dir):
    """One design point, four structures, 1,000 runs."""
    return make_results(results_dir, "single", scenario_text(1000))


@pytest.fixture(scope="session")
def grid_file(results_dir):
    """A 3 x 4 grid (outcome share x opening cash), four structures, 500 runs."""
    return make_results(results_dir, "grid", scenario_text(500, GRID_SWEEP))


@pytest.fixture(scope="session")
def text_grid_file(results_dir):
    """A 3 x 2 grid of a text and an integer key, 200 runs."""
    return make_results(results_dir, "text-grid", scenario_text(200, TEXT_GRID_SWEEP))


@pytest.fixture(scope="session")
def lhs_file(results_dir):
    """A Latin hypercube of 20 points over three keys, 300 runs."""
    return make_results(results_dir, "lhs", scenario_text(300, LHS_SWEEP))


@pytest.fixture(scope="session")
def network_sweep_file(results_dir):
    """scenarios/pass-through-sweep.toml (a prime and two subcontractors,
    3 x 3 grid over pass-through and delay), 500 runs."""
    out = results_dir / "network-sweep.h5"
    run_shortfall("run", SOURCE_DIR / "scenarios" / "pass-through-sweep.toml", "-o", out, "--quiet",
                  "--runs", "500")
    return out
