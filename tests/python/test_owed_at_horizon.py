"""The report's headline table shows the mean money owed at the horizon
(receivable_mean) of each structure, read here from the file with h5py."""

import html
import re

import h5py
import numpy as np
import xarray as xr

import shortfall
from shortfall import plots, report
from shortfall.owed_at_horizon import with_owed_at_horizon
from shortfall.labels import format_millions

HEADING = "owed at the horizon (month 36), mean"


def table_cells(page):
    """(headings, {structure: [cells]}) of the first table of PAGE."""
    table = page[page.index("<table>"):page.index("</table>")]
    headings = [html.unescape(h) for h in re.findall(r"<th>(.*?)</th>", table)]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table):
        cells = [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row)]
        if cells:
            rows[cells[0]] = cells
    return headings, rows


def test_the_headline_table_shows_what_is_owed_at_the_horizon(single_file, tmp_path):
    page = (tmp_path / "report.html")
    assert report.write_report(single_file, tmp_path) == str(page)
    headings, rows = table_cells(page.read_text())
    # After the outcome pot earned, before the commissioner's cost.
    column = headings.index(HEADING)
    assert headings[column - 1] == "outcome pot earned"
    assert headings[column + 1] == "commissioner cost, mean"
    with h5py.File(single_file) as f:
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in f["structure"][()]]
        owed = f["receivable_mean"][0]
    assert list(rows) == names
    for name, value in zip(names, owed):
        assert rows[name][column] == format_millions(float(value))
    # Quarterly with a two-month lag: the last quarter settles in month 38.
    # The bonus is owed what it earned; advance owes its clawback.
    assert owed[names.index("bonus")] > 0
    assert owed[names.index("advance")] < 0
    assert rows["advance"][column].startswith("−£")


def test_a_network_headline_table_is_of_the_first_provider_by_default(network_sweep_file):
    ds = shortfall.open_results(network_sweep_file)
    headings, rows = table_cells(report.headline_table(ds))
    column = headings.index(HEADING)
    data, _ = plots.select_point(ds)
    assert str(data.provider.values) == "trust"
    for name in ds.structure.values:
        value = float(data.receivable_mean.sel(structure=name))
        assert rows[str(name)][column] == format_millions(value)


def test_the_column_goes_after_the_pot_earned_and_needs_the_variable():
    data = xr.Dataset({"receivable_mean": ("structure", np.array([1.5e6, -2.25e6]))},
                      coords={"structure": ["bonus", "advance"]}, attrs={"horizon_months": np.int32(48)})
    header = ["structure", "outcome pot earned", "commissioner cost, mean"]
    rows = [["bonus", "50.0 %", "£1"], ["advance", "40.0 %", "£2"]]
    new_header, new_rows = with_owed_at_horizon(data, header, rows)
    assert new_header == ["structure", "outcome pot earned", "owed at the horizon (month 48), mean",
                          "commissioner cost, mean"]
    assert new_rows == [["bonus", "50.0 %", "£1.5m", "£1"], ["advance", "40.0 %", "−£2.2m", "£2"]]
    assert header == ["structure", "outcome pot earned", "commissioner cost, mean"]  # not changed in place
    # Without the variable (a file of another program): the table as it was.
    assert with_owed_at_horizon(data.drop_vars("receivable_mean"), header, rows) == (header, rows)
