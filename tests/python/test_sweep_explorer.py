"""The sweep explorer of report.html (shortfall.explorer): a grid over two or
more keys embeds its numbers, and the page redraws its chart and table when
the reader changes a selection. The browser tests change selections in
headless Chromium and check every redrawn number against the results file."""

import html.parser
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

import shortfall
from shortfall import explorer, report
from shortfall.summary import interval, percent

from conftest import make_results, scenario_text

BROWSER_TIMEOUT_SECONDS = 120

THREE_KEY_SWEEP = """
[sweep]
mode = "grid"
[sweep.parameters]
"contract.outcome_share" = [0.02, 0.04]
"provider.opening_cash" = [1.0e6, 3.0e6, 6.0e6]
"contract.settlement_lag_months" = [0, 3]
"""


@pytest.fixture(scope="module")
def three_key_file(tmp_path_factory):
    """A 2 x 3 x 2 grid (share x cash x lag), four structures, 200 runs."""
    return make_results(tmp_path_factory.mktemp("three-keys"), "three", scenario_text(200, THREE_KEY_SWEEP))


def test_only_a_grid_over_two_or_more_keys_has_an_explorer(single_file, lhs_file, grid_file, three_key_file,
                                                             tmp_path):
    one_key = make_results(tmp_path, "one-key", scenario_text(100, """
[sweep]
mode = "grid"
[sweep.parameters]
"provider.opening_cash" = [1.0e6, 6.0e6]
"""))
    for path in (single_file, lhs_file, one_key):
        ds = shortfall.open_results(path)
        assert not explorer.has_explorer(ds)
        assert explorer.explorer_html(ds) == ""
    for path in (grid_file, three_key_file):
        assert explorer.has_explorer(shortfall.open_results(path))


def test_the_embedded_numbers_are_the_file_s_in_c_order(three_key_file):
    ds = shortfall.open_results(three_key_file)
    data = explorer.explorer_data(ds, appetite=0.05)
    keys = [entry["key"] for entry in data["keys"]]
    assert keys == ["contract.outcome_share", "provider.opening_cash", "contract.settlement_lag_months"]
    assert data["structures"] == list(ds.structure.values)
    variables = data["views"][0]["variables"]
    shape = [len(data["structures"]), *(len(entry["texts"]) for entry in data["keys"])]
    for name in ("p_shortfall", "support_mean", "commissioner_cost_mean"):
        flat = np.array(variables[name]["value"], dtype=float).reshape(shape)
        for s, structure in enumerate(data["structures"]):
            for i, share in enumerate(ds[keys[0]].values):
                for j, cash in enumerate(ds[keys[1]].values):
                    for k, lag in enumerate(ds[keys[2]].values):
                        expected = float(ds[name].sel({"structure": structure, keys[0]: share, keys[1]: cash,
                                                       keys[2]: lag}))
                        assert flat[s, i, j, k] == expected
    # A probability's text is the report's own: the value, its interval and the appetite mark.
    p = variables["p_shortfall"]
    for value, low, high, text in zip(p["value"], p["low"], p["high"], p["text"]):
        assert text.startswith(f"{percent(value)} [{interval(low, high)}]")
        assert text.endswith(" ▲") == (low > 0.05)
    # Twelve distinct looks at most; here four, each different.
    assert len({json.dumps(look, sort_keys=True) for look in data["looks"]}) == len(data["structures"])


def test_a_grid_too_large_to_embed_says_so(grid_file, monkeypatch):
    monkeypatch.setattr(explorer, "MAX_EMBEDDED_VALUES", 10)
    text = explorer.explorer_html(shortfall.open_results(grid_file))
    assert "too large to embed" in text and "<script" not in text


def test_the_embedded_data_cannot_end_its_script_element(grid_file):
    page = explorer.explorer_html(shortfall.open_results(grid_file))
    start = page.index('<script type="application/json" id="explorer-data">')
    end = page.index("</script>", start)
    json.loads(page[start:end].split(">", 1)[1].replace("<\\/", "</"))


def browser():
    return shutil.which("chromium")


class _Cells(html.parser.HTMLParser):
    """From a dumped page: the explorer's table cells {(structure, level): (value, text)},
    its chart's points {(structure, level): value}, its caption and selection."""

    def __init__(self):
        super().__init__()
        self.cells, self.points, self.caption, self.selection = {}, {}, "", None
        self._level = self._cell = self._structure = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and attrs.get("id") == "explorer":
            self.selection = json.loads(attrs["data-selection"])
        elif tag == "g" and "data-structure" in attrs:
            self._structure = attrs["data-structure"]
        elif tag == "path" and "data-level" in attrs:
            self.points[(self._structure, int(attrs["data-level"]))] = float(attrs["data-value"])
        elif tag == "tr" and "data-level" in attrs:
            self._level = int(attrs["data-level"])
        elif tag == "td" and "data-structure" in attrs:
            self._cell = [attrs["data-structure"], float(attrs["data-value"]), ""]
        elif tag == "figcaption" and attrs.get("id") == "explorer-caption":
            self._in_caption = True

    def handle_endtag(self, tag):
        if tag == "td" and self._cell:
            structure, value, text = self._cell
            self.cells[(structure, self._level)] = (value, text)
            self._cell = None
        elif tag == "figcaption":
            self._in_caption = False
        elif tag == "g":
            self._structure = None

    def handle_data(self, text):
        if self._cell is not None:
            self._cell[2] += text
        if self._in_caption:
            self.caption += text


def _select(select_id, index):
    return (f'{{ const box = document.getElementById("{select_id}"); box.value = "{index}"; '
            'box.dispatchEvent(new Event("change")); }')


def _redrawn(page_path, actions, tmp_path):
    """Loads PAGE_PATH in headless Chromium, runs ACTIONS (changes of
    selections, as a user makes them) after load, and parses the DOM."""
    probe = page_path.parent / "explorer-probe.html"
    script = "<script>window.addEventListener('load', () => {" + " ".join(actions) + "});</script></body>"
    probe.write_text(page_path.read_text(encoding="utf-8").replace("</body>", script), encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000"]
    done = subprocess.run([browser(), *flags, "--dump-dom", probe.as_uri()], env=dict(os.environ, HOME=str(tmp_path)),
                          capture_output=True, text=True, timeout=BROWSER_TIMEOUT_SECONDS, check=False)
    assert done.returncode == 0, done.stderr
    cells = _Cells()
    cells.feed(done.stdout)
    return cells


def _check_against_file(cells, ds, along, fixed, variable="p_shortfall", provider=None):
    """Every table cell and chart point equals the file's VARIABLE along the
    key ALONG with the other keys at FIXED ({key: level index})."""
    data = ds if provider is None else ds.sel(provider=provider)
    at = {key: ds[key].values[index] for key, index in fixed.items()}
    levels = ds[along].values
    structures = list(ds.structure.values)
    assert len(cells.cells) == len(structures) * len(levels)
    assert len(cells.points) == len(structures) * len(levels)
    for structure in structures:
        for level, value in enumerate(levels):
            expected = float(data[variable].sel({"structure": structure, along: value, **at}))
            shown, text = cells.cells[(structure, level)]
            assert shown == expected, (structure, level)
            assert cells.points[(structure, level)] == expected
            assert text.startswith(percent(expected)) if variable.startswith("p_") else text.startswith("£")
    return at


@pytest.mark.skipif(browser() is None, reason="Debian's chromium is not installed (scripts/setup installs it); "
                                               "the headless-browser check of the sweep explorer is skipped")
def test_changing_selections_redraws_the_curve_and_table_from_the_file(three_key_file, tmp_path):
    ds = shortfall.open_results(three_key_file)
    out = tmp_path / "report"
    page = report.write_report(three_key_file, out, formats=("png",), dpi=50)
    share, cash, lag = "contract.outcome_share", "provider.opening_cash", "contract.settlement_lag_months"

    # As loaded: along the first key, the others at the base point.
    cells = _redrawn(out / "report.html", [], tmp_path)
    base = {key: int(np.flatnonzero(ds[key].values == value)[0]) for key, value in
            shortfall.plots.base_point(ds).items()}
    assert cells.selection["along"] == share
    _check_against_file(cells, ds, share, {cash: base[cash], lag: base[lag]})

    # The curve along the opening cash, at the second share and the second lag.
    cells = _redrawn(out / "report.html", [_select("explorer-along", 1), _select("explorer-key-0", 1),
                                           _select("explorer-key-2", 1)], tmp_path)
    assert cells.selection == {"along": cash, "view": "", "variable": "p_shortfall",
                               "fixed": {share: 1, cash: None, lag: 1}}
    _check_against_file(cells, ds, cash, {share: 1, lag: 1})
    assert "4 %" in cells.caption and "3 months" in cells.caption

    # Another statistic: the mean support needed, in £m, at the first share.
    cells = _redrawn(out / "report.html", [_select("explorer-along", 2), _select("explorer-key-0", 0),
                                           _select("explorer-key-1", 2), 'document.getElementById('
                                           '"explorer-variable").value = "support_mean";',
                                           'document.getElementById("explorer-variable")'
                                           '.dispatchEvent(new Event("change"));'], tmp_path)
    assert cells.selection["variable"] == "support_mean"
    _check_against_file(cells, ds, lag, {share: 0, cash: 2}, variable="support_mean")
    assert os.path.basename(page) == "report.html"


@pytest.mark.skipif(browser() is None, reason="Debian's chromium is not installed (scripts/setup installs it); "
                                               "the headless-browser check of the sweep explorer is skipped")
def test_a_network_explorer_shows_each_provider_and_any_provider_short(network_sweep_file, tmp_path):
    ds = shortfall.open_results(network_sweep_file)
    out = tmp_path / "network"
    report.write_report(network_sweep_file, out, formats=("png",), dpi=50)
    pass_through = "network.subcontract.vcs_recovery.pass_through"
    delay = "network.subcontract.vcs_recovery.payment_delay_months"
    providers = [str(p) for p in ds.provider.values]

    cells = _redrawn(out / "report.html", [_select("explorer-view", 1), _select("explorer-key-1", 2)], tmp_path)
    assert cells.selection["view"] == providers[1]
    _check_against_file(cells, ds, pass_through, {delay: 2}, provider=providers[1])

    # "Any provider short" is the network's own probability, with its interval.
    cells = _redrawn(out / "report.html", [_select("explorer-view", len(providers)), _select("explorer-key-1", 0)],
                     tmp_path)
    assert cells.selection == {"along": pass_through, "view": "any provider short", "variable": "p_any_shortfall",
                               "fixed": {pass_through: None, delay: 0}}
    _check_against_file(cells, ds, pass_through, {delay: 0}, variable="p_any_shortfall")


@pytest.mark.skipif(browser() is None, reason="Debian's chromium is not installed (scripts/setup installs it); "
                                               "the headless-browser check of the sweep explorer is skipped")
def test_a_text_key_can_be_along_the_curve(text_grid_file, tmp_path):
    ds = shortfall.open_results(text_grid_file)
    out = tmp_path / "text"
    report.write_report(text_grid_file, out, formats=("png",), dpi=50)
    cells = _redrawn(out / "report.html", [_select("explorer-key-1", 1)], tmp_path)
    _check_against_file(cells, ds, "contract.assessment", {"contract.settlement_lag_months": 1})
    # The levels keep the file's order, not alphabetical.
    assert [str(v) for v in ds["contract.assessment"].values] == ["quarterly", "monthly", "annual"]
