"""The sweep explorer: a section of report.html in which the reader of a grid
sweep over two or more keys picks the key along the curve and the values of
the others, and the page redraws the chart and the table.

The numbers are embedded in the page as JSON (every structure at every grid
point, with the texts the static tables would print), and explorer.js draws
them as SVG in plain JavaScript: no server, no network, still one file that
can be e-mailed. Numbers are formatted here, by the same functions as the
rest of the report, so a cell reads the same in the explorer as in a table.
"""

from __future__ import annotations

import html
import json
import os

import numpy as np

from . import plots
from .intervals import wilson_interval
from .labels import format_millions, plain_label
from .results import design_dims
from .summary import probability_cell

# (variable, what the reader picks, kind): probabilities carry a 95 %
# interval and are drawn against the risk appetite; money is in £m.
_PROVIDER_VARIABLES = [
    ("p_shortfall", "P(shortfall)", "probability"),
    ("support_mean", "mean support needed", "money"),
    ("support_p95", "support needed, 95th percentile", "money"),
    ("commissioner_cost_mean", "mean commissioner cost", "money"),
]
_ANY_PROVIDER_VARIABLE = ("p_any_shortfall", "P(any provider short)", "probability")

# Beyond this many embedded numbers the page would weigh megabytes: the
# explorer is left out and the report says so.
MAX_EMBEDDED_VALUES = 400_000

# Matplotlib's named dash patterns, in line widths (its rcParams defaults).
_NAMED_DASHES = {"-": (), "--": (3.7, 1.6), ":": (1.0, 1.65), "-.": (6.4, 1.6, 1.0, 1.6)}
_LINE_WIDTH = 1.8

# Matplotlib's marker codes, as the shapes explorer.js draws.
_MARKER_SHAPES = {"o": "circle", "s": "square", "^": "triangle-up", "D": "diamond", "v": "triangle-down",
                  "x": "cross", "P": "plus", "*": "star", "h": "hexagon", "<": "triangle-left",
                  ">": "triangle-right", "p": "pentagon"}


def grid_keys(ds):
    """The swept keys of DS's grid, in the file's order; [] unless it is a grid."""
    return [dim for dim in design_dims(ds) if dim != "scenario"]


def has_explorer(ds):
    """Whether DS is a grid sweep over two or more keys, which the explorer shows."""
    return len(grid_keys(ds)) >= 2


def _look(index):
    """The SVG look of the INDEX-th structure: the figures' line style,
    marker and grey (plots.style), so a structure looks the same in both."""
    line_style, marker, grey = plots.style(index)
    dashes = _NAMED_DASHES[line_style] if isinstance(line_style, str) else line_style[1]
    level = round(255 * float(grey))
    return {"dash": ",".join(f"{_LINE_WIDTH * d:g}" for d in dashes), "marker": _MARKER_SHAPES[marker],
            "grey": f"#{level:02x}{level:02x}{level:02x}", "hollow": plots.marker_face(index, grey) == "white"}


def _numbers(values):
    """A flat list of floats, None where not finite (JSON has no NaN)."""
    return [float(v) if np.isfinite(v) else None for v in np.ravel(values).astype(float)]


def _probability_texts(values, lows, highs, appetite):
    """Each cell as the report's tables print it; no appetite mark without an interval."""
    return [probability_cell(value, low, high,
                             appetite if np.isfinite(low) and np.isfinite(high) else None)
            for value, low, high in zip(values, lows, highs)]


def _variables(data, keys, candidates, appetite):
    """{variable: {label, kind, value, [low, high,] text}} for the CANDIDATES
    that DATA holds, each flattened over (structure, *KEYS) in C order."""
    found = {}
    for name, label, kind in candidates:
        if name not in data:
            continue
        array = data[name].transpose("structure", *keys)
        values = array.values.astype(float).ravel()
        entry = {"label": label, "kind": kind, "value": _numbers(values)}
        if kind == "probability":
            if name == "p_shortfall":
                lows = data.p_shortfall_ci_low.transpose("structure", *keys).values.astype(float).ravel()
                highs = data.p_shortfall_ci_high.transpose("structure", *keys).values.astype(float).ravel()
            else:
                runs = data.runs_done.broadcast_like(data[name]).transpose("structure", *keys).values
                lows, highs = wilson_interval(values, runs.astype(float).ravel())
            entry.update(low=_numbers(lows), high=_numbers(highs),
                         text=_probability_texts(values, lows, highs, appetite))
        else:
            entry["text"] = [format_millions(v) for v in values]
        found[name] = entry
    return found


def explorer_data(ds, appetite=None, columns_per_table=4):
    """The explorer's data for DS (a grid over two or more keys) as a dict
    ready for JSON; None for any other file or one too large to embed.
    COLUMNS_PER_TABLE: structures a table, wider ones split (A4 portrait)."""
    keys = grid_keys(ds)
    if len(keys) < 2:
        return None
    providers = [str(p) for p in ds.provider.values] if "provider" in ds.dims else [None]
    points = int(np.prod([ds.sizes[k] for k in keys])) * ds.sizes["structure"]
    if points * len(providers) * (3 + len(_PROVIDER_VARIABLES)) > MAX_EMBEDDED_VALUES:
        return None
    base = plots.base_point(ds)
    key_entries = []
    for key in keys:
        levels = ds[key].values
        numeric = levels.dtype.kind in "iuf"
        key_entries.append({
            "key": key, "label": plots.key_label(key),
            "texts": [plots.format_value(key, v) for v in levels],
            "values": [float(v) for v in levels] if numeric else None,
            "base": int(np.flatnonzero(levels == base[key])[0]),
        })
    views = []
    for provider in providers:
        data = ds if provider is None else ds.sel(provider=provider)
        views.append({"id": provider or "", "label": f"provider {provider}" if provider else "",
                      "who": f"provider {provider}" if provider else "",
                      "variables": _variables(data, keys, _PROVIDER_VARIABLES, appetite)})
    if "p_any_shortfall" in ds:
        views.append({"id": "any provider short", "label": "any provider short", "who": "",
                      "variables": _variables(ds, keys, [_ANY_PROVIDER_VARIABLE], appetite)})
    structures = [str(s) for s in ds.structure.values]
    return {"keys": key_entries, "structures": structures,
            "looks": [_look(i) for i in range(len(structures))], "views": views,
            "appetite": appetite, "appetite_text": None if appetite is None else f"{100 * appetite:g}\u00a0%",
            "columns_per_table": columns_per_table}


def _script():
    with open(os.path.join(os.path.dirname(__file__), "explorer.js"), encoding="utf-8") as f:
        return f.read()


def explorer_html(ds, appetite=None, columns_per_table=4):
    """The explorer section of report.html for DS; '' when DS is not a grid
    over two or more keys, a short note when it is too large to embed.
    APPETITE: the risk appetite line (None: none); COLUMNS_PER_TABLE:
    structures a table, wider ones split."""
    if not has_explorer(ds):
        return ""
    data = explorer_data(ds, appetite, columns_per_table)
    if data is None:
        return ("<h2>Explore the sweep</h2>\n<p>This grid is too large to embed in the page "
                f"(more than {MAX_EMBEDDED_VALUES:,} numbers); read it with shortfall.open_results.</p>")
    # "</" inside a script element would end it: JSON allows "<\/".
    embedded = json.dumps(data, ensure_ascii=False, allow_nan=False).replace("</", "<\\/")
    keys = ", ".join(plain_label(entry["key"]) for entry in data["keys"])
    return f"""<section id="explorer">
<h2>Explore the sweep</h2>
<p>Pick the swept key along the curve and the values of the others ({html.escape(keys)});
the chart and the table below redraw from the numbers embedded in this page. Printed, they show the
selection on screen.</p>
<noscript><p>This part of the page needs JavaScript; the tables above hold the same numbers.</p></noscript>
<form id="explorer-controls" class="explorer-controls" onsubmit="return false"></form>
<figure class="explorer-figure">
<svg id="explorer-chart" xmlns="http://www.w3.org/2000/svg" role="img" width="100%" viewBox="0 0 700 380"></svg>
<div id="explorer-legend" class="explorer-legend"></div>
<figcaption id="explorer-caption"></figcaption>
</figure>
<div id="explorer-tables"></div>
<script type="application/json" id="explorer-data">{embedded}</script>
<script>
{_script()}
</script>
</section>"""


EXPLORER_STYLE = """
.explorer-controls { display: flex; flex-wrap: wrap; gap: 0.4em 1.2em; margin: 0.6em 0; font-size: 9.5pt; }
.explorer-controls label { white-space: nowrap; }
.explorer-legend { display: flex; flex-wrap: wrap; gap: 0.2em 1em; font-size: 8.5pt; }
.explorer-legend span { white-space: nowrap; }
@media print { .explorer-controls select { border: none; appearance: none; } }
"""

__all__ = ["EXPLORER_STYLE", "explorer_data", "explorer_html", "grid_keys", "has_explorer"]
