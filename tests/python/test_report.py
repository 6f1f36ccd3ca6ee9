"""`python3 -m shortfall.report FILE -o DIR`: every figure as PNG and SVG, a
self-contained report.html that references them, and that page loading in a
real headless browser with every image present."""

import base64
import os
import re
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest

import shortfall
from shortfall import report
from conftest import PACKAGE_DIR

BROWSER_TIMEOUT_SECONDS = 120


def run_report(*args):
    env = dict(os.environ, PYTHONPATH=str(PACKAGE_DIR), MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "shortfall.report", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def grid_report(grid_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("grid-report")
    done = run_report(grid_file, "-o", out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out / "report.html")
    return out


def check_report(out, results_file):
    ds = shortfall.open_results(results_file)
    stems = [report._safe_stem(stem) for stem, _caption, _make in report.figures_for(ds)]
    page = (out / "report.html").read_text()
    for stem in stems:
        for suffix in ("png", "svg"):
            written = out / f"{stem}.{suffix}"
            assert written.is_file() and written.stat().st_size > 1000, written
            assert f'href="{stem}.{suffix}"' in page
    assert (out / f"{stems[0]}.svg").read_text().lstrip().startswith("<?xml")
    # Self-contained: each figure embedded as a PNG data URI, nothing loaded from elsewhere.
    embedded = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(embedded) == len(stems)
    assert all(base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n" for data in embedded)
    assert not re.search(r'<(img|script|link)[^>]+(src|href)="(?!data:)', page)
    assert f"<dd>{ds.attrs['seed']}</dd>" in page
    assert f"<dd>{ds.attrs['program_version']}</dd>" in page
    assert "[provider]" in page and "stress_start_cash = 12000000.0" in page  # the scenario text
    return stems, page


def test_a_grid_report_has_every_figure_and_the_headline_table(grid_report, grid_file):
    stems, page = check_report(grid_report, grid_file)
    for expected in ["p_shortfall_vs_contract.outcome_share", "p_shortfall_vs_provider.opening_cash",
                     "paired_difference", "shortfall_by_month", "cash_fan", "heatmap_p_shortfall_withhold",
                     "heatmap_difference_withhold", "tornado_withhold"]:
        assert expected in stems
    assert "P(shortfall) [95 % CI]" in page
    assert "at every design point" in page
    with h5py.File(grid_file) as f:  # the base point, share 3 % and £3m, is point 5
        p = f["p_shortfall"][5, 1]
    assert f"{100 * p:.1f}\u00a0%" in page


def test_a_single_point_and_an_lhs_report(single_file, lhs_file, tmp_path):
    run = run_report(single_file, "-o", tmp_path / "single")
    assert run.returncode == 0, run.stderr
    stems, page = check_report(tmp_path / "single", single_file)
    assert stems == ["paired_difference", "shortfall_by_month", "cash_fan"]
    assert "at every design point" not in page

    run = run_report(lhs_file, "-o", tmp_path / "lhs")
    assert run.returncode == 0, run.stderr
    stems, _ = check_report(tmp_path / "lhs", lhs_file)
    assert "ranking_bonus" in stems and not any(s.startswith("tornado") for s in stems)


def test_the_report_refuses_an_incomplete_file(single_file, tmp_path):
    partial = tmp_path / "partial.h5"
    shutil.copy(single_file, partial)
    with h5py.File(partial, "r+") as f:
        f.attrs["complete"] = np.int32(0)
    run = run_report(partial, "-o", tmp_path / "out")
    assert run.returncode == 1
    assert str(partial) in run.stderr and "not complete" in run.stderr
    assert not (tmp_path / "out").exists()
    assert run_report(partial, "-o", tmp_path / "out", "--allow-incomplete").returncode == 0
    assert "was not complete" in (tmp_path / "out" / "report.html").read_text()


# Reports, after load, whether every image decoded, into the DOM that
# --dump-dom prints. Only the test's copy of the page gets it.
_IMAGE_PROBE = """<script>
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const broken = images.filter(i => !(i.complete && i.naturalWidth > 0)).length;
  document.body.setAttribute("data-image-check", `images=${images.length} broken=${broken}`);
});
</script>
</body>"""


def browser():
    return shutil.which("chromium")


@pytest.mark.skipif(browser() is None, reason="Debian's chromium is not installed (scripts/setup installs it); "
                                               "the headless-browser check of report.html is skipped")
def test_the_report_loads_in_a_headless_browser(grid_report, grid_file, tmp_path):
    stems, page = check_report(grid_report, grid_file)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000"]
    env = dict(os.environ, HOME=str(tmp_path))

    shot = tmp_path / "report.png"
    done = subprocess.run([browser(), *flags, f"--screenshot={shot}", "--window-size=1200,2400",
                           (grid_report / "report.html").as_uri()], env=env, capture_output=True, text=True,
                          timeout=BROWSER_TIMEOUT_SECONDS, check=False)
    assert done.returncode == 0, done.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a blank page is a few kB

    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", _IMAGE_PROBE))
    done = subprocess.run([browser(), *flags, "--dump-dom", probe.as_uri()], env=env, capture_output=True,
                          text=True, timeout=BROWSER_TIMEOUT_SECONDS, check=False)
    assert done.returncode == 0, done.stderr
    assert f'data-image-check="images={len(stems)} broken=0"' in done.stdout
