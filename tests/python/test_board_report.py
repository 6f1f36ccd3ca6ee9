"""The report a board can read (issue 15): a written summary from the
numbers, money in £m, opening cash in days, keys by their labels, a risk
appetite on every probability chart, every provider of a network, the spread
across the draws of an LHS study, saturated figures said so, twelve distinct
structure styles, tables that fit A4 portrait, and a report from every
shipped scenario."""

import concurrent.futures
import html
import os
import re
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest

import shortfall
from shortfall import labels, plots, report, summary
from shortfall.cash_days import opening_cash
from conftest import (GRID_SWEEP, PACKAGE_DIR, SOURCE_DIR, make_results, run_shortfall, scenario_text)

BROWSER_TIMEOUT_SECONDS = 180


def run_report(*args):
    env = dict(os.environ, PYTHONPATH=str(PACKAGE_DIR), MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "shortfall.report", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=900, check=False)


def test_keys_have_plain_labels_and_money_is_in_millions():
    assert labels.plain_label("provider.opening_cash") == "opening cash"
    assert labels.plain_label("indicator.*.volatility") == "volatility of every indicator"
    assert labels.plain_label("indicator.eip.trend") == "trend of indicator eip"
    assert labels.plain_label("network.subcontract.vcs.payment_delay_months") == "payment delay to the subcontractor, vcs"
    assert labels.plain_label("provider.trust.underlying_deficit") == "underlying deficit, trust"
    assert labels.plain_label("contract.no_such_key") == "no such key"
    assert labels.format_millions(12_345_678) == "£12.3m"
    assert labels.format_millions(-250_000) == "−£0.2m"  # 0.25 rounds to even
    assert labels.format_millions(-49_000) == "£0.0m"
    assert labels.format_millions(float("nan")) == "n/a"


def test_every_sweepable_number_key_of_the_key_table_has_a_label_and_its_unit():
    """The labels live beside the key table (docs/scenario-keys.md is made
    from it): a number key added there without a plain label here, or with
    another unit, fails this test."""
    text = (SOURCE_DIR / "docs" / "scenario-keys.md").read_text()
    checked = 0
    for table, body in re.findall(r"<!-- keys: (\S+) -->\n(.*?)<!-- end keys -->", text, re.S):
        if table in ("simulation", "sweep"):  # run settings: never swept, never on an axis
            continue
        for name, kind in re.findall(r"^\| `([a-z0-9_]+)` \| (number(?: \(\w+\))?|integer) \|", body, re.M):
            assert name in labels.LEAF_LABELS, f"{table}.{name} has no plain label in shortfall.labels"
            unit = {"number (GBP)": "money", "number (days)": "days"}.get(kind)
            if unit:
                assert labels.key_kind(f"{table}.{name}") == unit, (table, name)
            if name.endswith("_months"):
                assert labels.key_kind(f"{table}.{name}") == "months", (table, name)
            checked += 1
    assert checked >= 25


def test_an_interval_shows_its_width_even_near_zero():
    nbsp = "\u00a0"
    assert summary.interval(0.101, 0.146) == f"10.1–14.6{nbsp}%"
    # No shortfall in 100,000 runs: the Wilson upper end 3.84 / 100,003.84.
    assert summary.interval(0.0, 3.84 / 100_003.84) == f"0.000–0.004{nbsp}%"
    assert summary.interval(0.0, 0.0) == f"0.0–0.0{nbsp}%"
    assert summary.interval(0.5, float("nan")) == "n/a"


def test_twelve_structures_have_twelve_distinct_black_and_white_looks():
    looks = [plots.style(i) for i in range(plots.MAX_DISTINCT_STYLES)]
    assert plots.MAX_DISTINCT_STYLES == 12
    assert len({marker for _, marker, _ in looks}) == 12
    assert len({str(line) for line, _, _ in looks}) == 12
    # Neighbours differ in grey or in fill as well, so pairs stay apart in print.
    for i in range(11):
        assert looks[i][2] != looks[i + 1][2] or plots.marker_face(i, "k") != plots.marker_face(i + 1, "k")


def test_opening_cash_in_days_is_a_day_of_year_0_operating_cost(single_file, grid_file):
    # SMALL_SCENARIO: £3m of cash, d = 1.5 %, V = £150m: 3e6 / (1.015 * 150e6 / 365) days.
    cash, days = opening_cash(shortfall.open_results(single_file))
    assert cash == 3.0e6
    assert days == pytest.approx(3.0e6 * 365 / (1.015 * 150.0e6), rel=1e-12)
    # In a grid over the opening cash, the point's own cash.
    grid = shortfall.open_results(grid_file)
    point = grid.sel({"provider.opening_cash": 9.0e6, "contract.outcome_share": 0.03})
    assert opening_cash(grid, point)[1] == pytest.approx(9.0e6 * 365 / (1.015 * 150.0e6), rel=1e-12)


def test_opening_cash_in_days_of_each_provider_of_a_network(network_sweep_file):
    ds = shortfall.open_results(network_sweep_file)
    # scenarios/pass-through-sweep.toml: the lead's 40 days, given in days; a
    # subcontractor's pounds on its subcontract value, d = 0.
    assert opening_cash(ds, provider="trust")[1] == pytest.approx(40.0)
    assert opening_cash(ds, provider="vcs_recovery")[1] == pytest.approx(0.45e6 * 365 / 3.6e6)
    assert opening_cash(ds, provider="vcs_crisis")[1] == pytest.approx(0.3e6 * 365 / 2.4e6)


def test_the_summary_says_which_structure_how_likely_how_deep_and_what_it_costs(single_file):
    ds = shortfall.open_results(single_file)
    text = " ".join(" ".join(p) for p in summary.written_summary(ds, single_file, appetite=0.05))
    with h5py.File(single_file) as f:
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in f["structure"][()]]
        p, low, high = (f[v][0] for v in ("p_shortfall", "p_shortfall_ci_low", "p_shortfall_ci_high"))
        support = f["support_mean"][0]
        cost = f["commissioner_cost_mean"][0]
    best = names[int(np.argmin(p))]
    worst = max(names, key=lambda n: (p[names.index(n)], -names.index(n)))
    i, j = names.index(best), names.index(worst)
    assert f"safest under {best}: short of cash in {100 * p[i]:.1f}\u00a0% of simulated futures " \
           f"(95 % interval {100 * low[i]:.1f}–{100 * high[i]:.1f}\u00a0%)" in text
    assert f"riskiest under {worst}: {100 * p[j]:.1f}\u00a0%" in text
    assert f"averages {labels.format_millions(support[j])}" in text
    assert f"{best} {labels.format_millions(cost[i])}" in text
    assert "opens with £3.0m of cash (7.2 days of year-0 operating cost)" in text
    # Each structure judged against the appetite by its whole interval.
    above = [n for n, lo in zip(names, low) if lo > 0.05]
    within = [n for n, hi in zip(names, high) if hi <= 0.05]
    if above:
        assert f"above it (the whole interval above): {', '.join(above)}" in text
    if within:
        assert f"within it (the whole 95 % interval at or below): {', '.join(within)}" in text


def test_saturation_is_judged_on_every_value():
    assert report.saturation([0.97, 1.0, 0.99]) == "above"
    assert report.saturation([0.0, 0.09, np.nan]) == "below"
    assert report.saturation([0.92, 1.0]) == "above"  # an all-black heatmap
    assert report.saturation([0.0, 0.5]) is None
    assert report.saturation([np.nan]) is None


@pytest.fixture(scope="module")
def network_report(network_sweep_file, tmp_path_factory):
    """The report of scenarios/pass-through-sweep.toml: the issue's crash."""
    out = tmp_path_factory.mktemp("network-report")
    report.write_report(network_sweep_file, out, appetite=0.1, formats=("png",), dpi=60)
    return out


def test_a_network_report_shows_every_provider_and_any_provider_short(network_report, network_sweep_file):
    page = (network_report / "report.html").read_text()
    ds = shortfall.open_results(network_sweep_file)
    for provider in ("trust", "vcs_recovery", "vcs_crisis"):
        assert f"Headline numbers, provider {provider}" in page
        assert (network_report / f"tornado_withhold_{provider}.png").is_file()
        assert (network_report / f"cash_fan_{provider}.png").is_file()
    assert '<table id="any-provider">' in page
    base = plots.select_point(ds)[0]
    for name in ds.structure.values:
        assert f"{100 * float(base.p_any_shortfall.sel(structure=name)):.1f}\u00a0%" in page
    assert "the chance that at least one of the network&#x27;s 3 providers runs short" in page
    assert "drawn on every probability chart as a dotted line, is 10 % of runs" in page


def test_a_saturated_chart_says_so_and_support_needed_follows(network_sweep_file):
    ds = shortfall.open_results(network_sweep_file)
    figures = report.figures_for(ds)
    stems = [stem for stem, _, _ in figures]
    captions = dict((stem, caption) for stem, caption, _ in figures)
    # Every tornado of every provider: its caption says "Saturated" exactly
    # when all its values lie within 10 points of 0 % or 100 % (judged here
    # from the numbers, not by report.saturation), and then a support-needed
    # tornado follows it. The sweep has both kinds.
    kinds = set()
    for structure in map(str, ds.structure.values):
        for provider in map(str, ds.provider.values):
            stem = f"tornado_{structure}_{provider}"
            if stem not in captions:
                continue
            frame, base = plots.one_at_a_time(ds, structure, provider=provider)
            values = [base, *frame.at_low, *frame.at_high]
            saturated = min(values) >= 0.9 or max(values) <= 0.1
            kinds.add(saturated)
            assert ("Saturated" in captions[stem]) == saturated, (stem, values)
            if saturated:
                support = f"tornado_support_{structure}_{provider}"
                assert stems.index(support) == stems.index(stem) + 1
                assert "support" in dict((s, m) for s, _, m in figures)[support]().axes[0].get_xlabel()
    assert kinds == {True, False}


def appetite_lines(figure, appetite):
    return [line for ax in figure.axes for line in ax.lines
            if line.get_label() == f"risk appetite {100 * appetite:g} %"]


def test_every_probability_chart_carries_the_appetite(grid_file, lhs_file):
    grid = shortfall.open_results(grid_file)
    for stem, _caption, make in report.figures_for(grid, appetite=0.2):
        if stem.startswith(("p_shortfall_vs", "shortfall_by_month")):
            lines = appetite_lines(make(), 0.2)
            assert len(lines) == 1 and set(lines[0].get_ydata()) == {0.2}, stem
        if stem.startswith("tornado") and "support" not in stem:
            assert set(appetite_lines(make(), 0.2)[0].get_xdata()) == {0.2}
    figure = plots.plot_distribution(shortfall.open_results(lhs_file), appetite=0.2)
    assert set(appetite_lines(figure, 0.2)[0].get_xdata()) == {0.2}
    heat = plots.plot_heatmap(grid, structure="bonus", appetite=0.2)
    values = grid.p_shortfall.sel(structure="bonus").values
    crosses = values.min() < 0.2 < values.max()
    contours = [c for ax in heat.axes for c in ax.collections if type(c).__name__ == "LineCollection"]
    assert len(appetite_lines(heat, 0.2)) == len(contours) == (1 if crosses else 0)


def test_the_appetite_is_set_on_the_command_line_and_a_bad_one_refused(single_file, tmp_path):
    done = run_report(single_file, "-o", tmp_path / "ten", "--appetite", "0.1")
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "ten" / "report.html").read_text()
    assert "is 10 % of runs" in page and "Against the risk appetite of 10 %" in page
    done = run_report(single_file, "-o", tmp_path / "none", "--no-appetite")
    assert done.returncode == 0, done.stderr
    assert "risk appetite" not in (tmp_path / "none" / "report.html").read_text()
    done = run_report(single_file, "-o", tmp_path / "out", "--appetite", "1.5")
    assert done.returncode == 2 and "--appetite 1.5" in done.stderr and "between 0 and 1" in done.stderr
    assert not (tmp_path / "out").exists()


def test_an_lhs_report_leads_with_the_spread_across_draws(lhs_file, tmp_path):
    page_path = report.write_report(lhs_file, tmp_path, appetite=0.05, formats=("png",), dpi=60)
    page = open(page_path, encoding="utf-8").read()
    assert "Headline numbers" not in page and "design point 0" not in page.split("<h2>Figures</h2>")[0]
    table = page[page.index('<table id="distribution">'):]
    table = table[:table.index("</table>")]
    rows = {cells[0]: cells for cells in
            ([html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", r)] for r in re.findall(r"<tr>(.*?)</tr>", table))
            if cells}
    with h5py.File(lhs_file) as f:
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in f["structure"][()]]
        p = f["p_shortfall"][()]
    for k, name in enumerate(names):
        draws = p[:, k]
        assert rows[name][1] == f"{100 * np.median(draws):.1f}\u00a0%"
        assert rows[name][2] == (f"{100 * np.quantile(draws, 0.05):.1f}–{100 * np.quantile(draws, 0.95):.1f}\u00a0%")
        assert rows[name][3] == f"{100 * np.mean(draws > 0.05):.0f}\u00a0%"
        assert f"{name}: median {100 * np.median(draws):.1f}\u00a0%" in html.unescape(page)
    assert (tmp_path / "distribution_p_shortfall.png").is_file()


TWELVE = ["bonus", "withhold", "advance", 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]


@pytest.fixture(scope="module")
def twelve_file(tmp_path_factory):
    """Twelve structures over the 3 x 4 grid, 200 runs: the widest tables."""
    text = scenario_text(200, GRID_SWEEP).replace('structures = ["bonus", "withhold", "advance", 0.5]',
                                                 f"structures = {TWELVE!r}".replace("'", '"'))
    return make_results(tmp_path_factory.mktemp("twelve"), "twelve", text)


def test_twelve_structures_look_different_in_one_chart(twelve_file):
    figure = plots.plot_p_shortfall(shortfall.open_results(twelve_file), "provider.opening_cash")
    lines = [line for line in figure.axes[0].lines if not line.get_label().startswith("risk")]
    assert len(lines) == 12
    assert len({(str(l.get_linestyle()), l.get_marker(), l.get_color(), l.get_markerfacecolor()) for l in lines}) == 12
    assert len({l.get_marker() for l in lines}) == 12


def browser():
    return shutil.which("chromium")


# After load, for every table: its width against the body's, written into
# the DOM that --dump-dom prints. The body is as wide as A4 portrait's
# printable area (186 mm, the report's CSS), on screen as in print.
_WIDTH_PROBE = """<script>
window.addEventListener("load", () => {
  const body = document.body.getBoundingClientRect().width;
  const a4 = 186 / 25.4 * 96;
  const widths = Array.from(document.querySelectorAll("table")).map(t => Math.ceil(t.getBoundingClientRect().width));
  const cut = widths.filter(w => w > Math.min(body, a4) + 0.5).length;
  document.body.setAttribute("data-table-check", `tables=${widths.length} cut=${cut} body=${Math.round(body)} widest=${Math.max(0, ...widths)}`);
});
</script>
</body>"""


@pytest.mark.skipif(browser() is None, reason="Debian's chromium is not installed (scripts/setup installs it); "
                                               "the A4 check of the report's tables is skipped")
@pytest.fixture(scope="module")
def network_decomposition_report(tmp_path_factory):
    """The report of scenarios/prime-contractor.toml decomposed: the
    decomposition's tables with a provider column, the widest it has."""
    out = tmp_path_factory.mktemp("decomposition-report")
    path = out / "prime.h5"
    run_shortfall("decompose", SOURCE_DIR / "scenarios" / "prime-contractor.toml", "-o", path, "--runs", "200",
                  "--set", "simulation.pilot_runs=500", "--quiet", "--threads", "2")
    report.write_report(path, out, formats=("png",), dpi=60)
    return out


def test_every_table_fits_a4_portrait(twelve_file, network_report, network_decomposition_report, tmp_path):
    """Prints each page to PDF in headless Chromium, and measures each table
    in the page laid out at A4 width: none is wider than the printable width."""
    out = tmp_path / "twelve"
    report.write_report(twelve_file, out, formats=("png",), dpi=60)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000", "--window-size=794,1123"]
    env = dict(os.environ, HOME=str(tmp_path))
    for page in (out / "report.html", network_report / "report.html",
                 network_decomposition_report / "report.html"):
        pdf = tmp_path / f"{page.parent.name}.pdf"
        done = subprocess.run([browser(), *flags, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()],
                              env=env, capture_output=True, text=True, timeout=BROWSER_TIMEOUT_SECONDS, check=False)
        assert done.returncode == 0, done.stderr
        assert pdf.read_bytes()[:5] == b"%PDF-"
        # A4 portrait: every page's MediaBox is 595 x 842 points.
        boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf.read_bytes())
        assert boxes and all(abs(float(w) - 595.9) < 1.5 and abs(float(h) - 842.9) < 1.5 for w, h in boxes)

        probe = tmp_path / f"{page.parent.name}-probe.html"
        probe.write_text(page.read_text().replace("</body>", _WIDTH_PROBE))
        # Beside the page, so that its links resolve as the page's do.
        probe = shutil.copy(probe, page.parent / "probe.html")
        done = subprocess.run([browser(), *flags, "--dump-dom", pathlib_uri(probe)], env=env, capture_output=True,
                              text=True, timeout=BROWSER_TIMEOUT_SECONDS, check=False)
        assert done.returncode == 0, done.stderr
        found = re.search(r'data-table-check="tables=(\d+) cut=(\d+) body=(\d+) widest=(\d+)"', done.stdout)
        assert found, done.stdout[-2000:]
        tables, cut, body, widest = map(int, found.groups())
        assert tables >= 3 and cut == 0, (page, found.group(0))
        assert body <= 704  # 186 mm at 96 px an inch


def pathlib_uri(path):
    import pathlib
    return pathlib.Path(path).resolve().as_uri()


def _report_of(args):
    results, out = args
    report.write_report(results, out, formats=("png",), dpi=50)
    return out


def test_every_shipped_scenario_makes_a_report(tmp_path):
    """Each scenario of scenarios/ run with 200 runs, then reported (PNG only,
    at low resolution: the figures are made and drawn all the same), two at a time."""
    scenarios = sorted((SOURCE_DIR / "scenarios").glob("*.toml"))
    assert len(scenarios) >= 13
    files = []
    for scenario in scenarios:
        out = tmp_path / f"{scenario.stem}.h5"
        run_shortfall("run", scenario, "-o", out, "--quiet", "--runs", "200", "--threads", "2")
        files.append((out, tmp_path / f"report-{scenario.stem}"))
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(_report_of, files))
    explored = set()
    for out in done:
        page = (out / "report.html").read_text()
        assert "<h2>Summary</h2>" in page and "risk appetite" in page
        assert len(re.findall(r'<img src="data:image/png;base64,', page)) >= 3
        if '<section id="explorer">' in page:
            explored.add(out.name.removeprefix("report-"))
    # The grids over two keys, and only they, get the interactive explorer.
    assert explored == {"pass-through-sweep", "settlement-timing", "withhold-sweep"}
