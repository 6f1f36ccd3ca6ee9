"""The decomposition of `shortfall decompose -o FILE` in the Python package
(shortfall.decomposition, shortfall.open_decomposition) and in the report:
the numbers are the file's, the reference is left out, and the report's
table appears exactly when the file holds a decomposition."""

import json
import os
import subprocess
import sys

import pytest

import shortfall
from shortfall import like_for_like
from conftest import PACKAGE_DIR, run_shortfall, scenario_text


@pytest.fixture(scope="module")
def decomposed(tmp_path_factory):
    """SMALL_SCENARIO's four structures decomposed: 1,000 runs, a pilot of 2,000."""
    folder = tmp_path_factory.mktemp("decomposed")
    scenario = folder / "decomposed.toml"
    scenario.write_text(scenario_text(1000).replace("seed = 424242", "seed = 424242\npilot_runs = 2000"))
    out = folder / "decomposed.h5"
    printed = run_shortfall("decompose", scenario, "-o", out, "--json", "--quiet", "--threads", "2")
    return out, json.loads(printed)


def test_the_frame_holds_every_compared_structure_and_part(decomposed):
    path, printed = decomposed
    frame = shortfall.decomposition(path)
    assert list(frame.structure) == ["withhold", "advance", "hybrid_0.5"]
    for _, row in frame.iterrows():
        entry = printed["structures"][row.structure]
        assert row.p_shortfall_diff == entry["p_shortfall_diff"]
        assert row.p_shortfall_price == entry["price"]
        assert row.p_shortfall_timing_se == entry["se"]["timing"]
        assert row.support_feedback == entry["support"]["feedback"]
        assert row.pilot_earned_fraction == entry["pilot_earned_fraction"]
        parts = row.p_shortfall_price + row.p_shortfall_timing + row.p_shortfall_feedback
        assert parts == pytest.approx(row.p_shortfall_diff, abs=1e-12)
    ds = shortfall.open_decomposition(path)
    assert ds.attrs["reference"] == "bonus" and int(ds.attrs["pilot_runs"]) == 2000
    assert ds.support_price.attrs["units"] == "GBP"


def test_a_file_without_a_decomposition_is_refused_by_name(single_file):
    assert not like_for_like.has_decomposition(single_file)
    with pytest.raises(shortfall.ResultsFileError, match="no decomposition"):
        shortfall.decomposition(single_file)
    assert like_for_like.decomposition_table_html(single_file) == ""


def test_the_report_shows_the_table_when_the_file_holds_it(decomposed, single_file, tmp_path):
    path, printed = decomposed
    env = dict(os.environ, PYTHONPATH=str(PACKAGE_DIR), MPLBACKEND="Agg")
    for source, out in ((path, tmp_path / "with"), (single_file, tmp_path / "without")):
        done = subprocess.run([sys.executable, "-m", "shortfall.report", str(source), "-o", str(out)], env=env,
                              capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, done.stderr
    page = (tmp_path / "with" / "report.html").read_text()
    for table in ("decomposition", "decomposition-support", "decomposition-cost"):
        assert f'<table id="{table}">' in page
    withhold = printed["structures"]["withhold"]
    assert f"{100 * withhold['price']:+.1f} ({100 * withhold['se']['price']:.1f})" in page
    assert f"{1e-6 * withhold['support']['timing']:+.2f}" in page
    assert '<table id="decomposition">' not in (tmp_path / "without" / "report.html").read_text()
