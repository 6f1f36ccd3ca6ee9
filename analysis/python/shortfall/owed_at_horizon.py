"""The money owed at the horizon in the report's headline table.

`receivable_mean` is the mean, over runs, of what is still owed when the
simulation stops at month T: outcome settlements, risk-share transfers and a
lead's subcontract payments that fall due after T (docs/model.md, sections 6,
7 and 9). It is positive when the commissioner (or the lead) owes the
provider, negative for a clawback under advance. The cash path does not
include it, so a structure whose last settlement is a clawback looks safer
over the horizon than it is.
"""

from __future__ import annotations

from .labels import format_millions

VARIABLE = "receivable_mean"
AFTER = "outcome pot earned"  # the headline column it follows


def heading(data):
    """The column heading: 'owed at the horizon (month T), mean'."""
    horizon = data.attrs.get("horizon_months")
    return f"owed at the horizon (month {int(horizon)}), mean" if horizon is not None \
        else "owed at the horizon, mean"


def owed_at_horizon(data, structures):
    """The mean money owed at the horizon of each of STRUCTURES, formatted as
    the other money of the report (a true minus for a clawback); DATA is the
    file at one point (and one provider of a network)."""
    return [format_millions(float(data[VARIABLE].sel(structure=name))) for name in structures]


def with_owed_at_horizon(data, header, rows):
    """HEADER and ROWS of the headline table (one row per structure of DATA,
    in file order) with the money owed at the horizon inserted after the
    outcome pot earned (at the end if the table has no such column).
    Unchanged for a file without receivable_mean."""
    if VARIABLE not in data:
        return header, rows
    at = header.index(AFTER) + 1 if AFTER in header else len(header)
    cells = owed_at_horizon(data, [row[0] for row in rows])
    return ([*header[:at], heading(data), *header[at:]],
            [[*row[:at], cell, *row[at:]] for row, cell in zip(rows, cells)])
