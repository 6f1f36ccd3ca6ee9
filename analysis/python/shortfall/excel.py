"""A results file as an Excel workbook, for colleagues who work in a
spreadsheet: shortfall.to_excel(ds, "study.xlsx") (docs/python.md).

One sheet per group of statistics, each a tidy table (one row per design
point, structure and, in a network, provider; a column per swept key), with
the variables' names in the first row and their units in the second; a
"Scenario" sheet holds the resolved scenario text, line by line, so the
workbook says what was simulated. Written with openpyxl (Debian
python3-openpyxl).
"""

import numpy as np

from .results import to_frame

# Sheet name -> the variables it holds, in order; a variable the file does
# not have (p_any_shortfall outside a network) is left out.
SHEETS = {
    "P(shortfall)": ["p_shortfall", "p_shortfall_ci_low", "p_shortfall_ci_high",
                     "p_shortfall_diff", "p_shortfall_diff_se", "p_any_shortfall", "runs_done"],
    "Cash": ["min_cash_mean", "min_cash_cvar05"],
    "Cash quantiles": ["min_cash_quantiles", "end_cash_quantiles"],
    "Support": ["support_mean", "support_p95", "first_shortfall_month_mean"],
    "Contract money": ["earned_fraction_mean", "outcome_received_mean", "receivable_mean",
                       "commissioner_cost_mean"],
    "Shortfall by month": ["shortfall_by_month"],
    "Cash by month": ["cash_quantiles"],
    "Indicators": ["indicator_achievement_mean"],
}

# Units of the coordinates, which the file does not label.
_COORDINATE_UNITS = {"scenario": "index", "structure": "name", "provider": "id",
                     "month": "month", "quantile": "probability", "indicator": "id"}


def _cell(value):
    """A value openpyxl writes: plain Python numbers and text; NaN as empty."""
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def _units(ds, column):
    if column in ds.variables:
        units = ds[column].attrs.get("units")
        if units is not None:
            return _cell(units)
        if ds[column].attrs.get("swept_key") == 1:
            return "swept key"
    return _COORDINATE_UNITS.get(column, "")


def _write_sheet(book, ds, title, variables):
    frame = to_frame(ds, variables)
    sheet = book.create_sheet(title)
    columns = list(frame.columns)
    sheet.append(columns)
    sheet.append([_units(ds, column) for column in columns])
    for row in frame.itertuples(index=False):
        sheet.append([_cell(value) for value in row])
    sheet.freeze_panes = "A3"


def to_excel(ds, path):
    """Writes DS (from open_results) to the Excel workbook PATH (.xlsx): a
    sheet per statistic group (SHEETS), names in row 1 and units in row 2
    ("GBP", "1" for a share or probability, "month"), and the scenario text
    in the sheet "Scenario". Returns PATH."""
    from openpyxl import Workbook  # only this function needs it

    book = Workbook()
    book.remove(book.active)
    for title, names in SHEETS.items():
        present = [name for name in names if name in ds.data_vars]
        if present:
            _write_sheet(book, ds, title, present)
    scenario = book.create_sheet("Scenario")
    scenario.append(["scenario_toml: the resolved scenario this file was run from"])
    for line in str(ds.attrs.get("scenario_toml", "")).splitlines():
        scenario.append([line])
    book.save(path)
    return path
