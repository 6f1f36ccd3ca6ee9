"""A report of one results file, for e-mail: every figure that applies as PNG
and SVG, and a self-contained report.html (figures embedded as data URIs, the
headline numbers, the scenario text, seed and versions).

    PYTHONPATH=analysis/python /usr/bin/python3 -m shortfall.report FILE -o DIR
"""

from __future__ import annotations

import argparse
import base64
import html
import os
import sys

import numpy as np

from . import plots
from .like_for_like import decomposition_table_html
from .owed_at_horizon import with_owed_at_horizon
from .results import (ResultsFileError, design_dims, open_results, scenario_settings, swept_keys,
                      sweep_mode, to_frame)
from .sobol import sobol_indices
from .solve import solve_figures


def _structure_of_interest(ds):
    names = list(ds.structure.values)
    return "withhold" if "withhold" in names else names[-1]


def figures_for(ds):
    """[(file stem, caption, function making the Figure)] of every figure that
    applies to DS, in reading order."""
    grid = [dim for dim in design_dims(ds) if dim != "scenario"]
    keys = swept_keys(ds)
    focus = _structure_of_interest(ds)
    first = ds.structure.values[0]
    along_scenario = "scenario" in ds.dims and ds.sizes["scenario"] > 1
    found = []
    for key in grid:
        found.append((f"p_shortfall_vs_{key}", f"P(shortfall) against {key}, every structure",
                      lambda key=key: plots.plot_p_shortfall(ds, key)))
    if along_scenario:
        for key in keys:
            found.append((f"p_shortfall_vs_{key}", f"P(shortfall) at each design point against {key}",
                          lambda key=key: plots.plot_p_shortfall(ds, key)))
    if ds.sizes["structure"] > 1:
        found.append(("paired_difference", f"Paired difference in P(shortfall) against {first}",
                      lambda: plots.plot_paired_difference(ds)))
        if grid:
            found.append((f"paired_difference_vs_{grid[-1]}",
                          f"Paired difference against {first}, along {grid[-1]}",
                          lambda: plots.plot_paired_difference(ds, key=grid[-1])))
    found.append(("shortfall_by_month", "Cumulative share of runs in shortfall by month",
                  lambda: plots.plot_shortfall_by_month(ds)))
    found.append(("cash_fan", "Cash fan chart: quantiles of cash by month",
                  lambda: plots.plot_cash_fan(ds)))
    if len(grid) >= 2:
        found.append((f"heatmap_p_shortfall_{focus}", f"P(shortfall) of {focus} over the grid",
                      lambda: plots.plot_heatmap(ds, structure=focus)))
        if focus != first:
            found.append((f"heatmap_difference_{focus}", f"{focus} − {first} over the grid",
                          lambda: plots.plot_heatmap(ds, variable="p_shortfall_diff", structure=focus)))
    if grid:
        found.append((f"tornado_{focus}", f"One-at-a-time sensitivity of P(shortfall), {focus}",
                      lambda: plots.plot_tornado(ds, structure=focus)))
    numeric = [k for k in keys if ds[k].dtype.kind in "iuf"]
    if along_scenario and numeric and ds.sizes["scenario"] > len(numeric) + 1:
        for structure in ds.structure.values:
            found.append((f"ranking_{structure}", f"What drives P(shortfall) of {structure}: rank regression",
                          lambda structure=structure: plots.plot_lhs_ranking(ds, structure=structure)))
    return found


def _safe_stem(stem):
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in stem)


def _percent(value):
    return "n/a" if not np.isfinite(value) else f"{100 * value:.1f} %"


def headline_table(ds):
    """HTML table of the headline numbers per structure at the base point."""
    data, label = plots.select_point(ds)
    first = str(ds.structure.values[0])
    rows = []
    for name in ds.structure.values:
        one = data.sel(structure=name)
        diff, se = float(one.p_shortfall_diff), float(one.p_shortfall_diff_se)
        rows.append([
            name,
            f"{_percent(float(one.p_shortfall))} [{_percent(float(one.p_shortfall_ci_low))}, "
            f"{_percent(float(one.p_shortfall_ci_high))}]",
            "–" if name == first else f"{100 * diff:+.1f} pp ({100 * se:.1f})",
            plots.format_money(float(one.min_cash_quantiles.sel(quantile=0.5))),
            plots.format_money(float(one.support_mean)),
            plots.format_money(float(one.support_p95)),
            _percent(float(one.earned_fraction_mean)),
            plots.format_money(float(one.commissioner_cost_mean)),
        ])
    header = ["structure", "P(shortfall) [95 % CI]", f"difference vs {first} (paired s.e.)",
              "minimum cash, median", "support needed, mean", "support needed, 95th percentile",
              "outcome pot earned", "commissioner cost, mean"]
    header, rows = with_owed_at_horizon(data, header, rows)
    runs = data.runs_done.values
    caption = f"Headline numbers{', ' + label if label else ''}; {int(np.ravel(runs)[0]):,} runs per structure"
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>\n" for row in rows)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    return (f"<table>\n<caption>{html.escape(caption)}</caption>\n<thead><tr>{head}</tr></thead>\n"
            f"<tbody>\n{body}</tbody>\n</table>")


MAX_POINT_ROWS = 200


def points_table(ds):
    """HTML table of P(shortfall) [95 % CI] at every design point of a sweep
    (at most MAX_POINT_ROWS rows); '' for a file of one point."""
    keys = swept_keys(ds)
    if not keys:
        return ""
    frame = to_frame(ds, ["p_shortfall", "p_shortfall_ci_low", "p_shortfall_ci_high"])
    frame["cell"] = [f"{_percent(p)} [{_percent(lo)}, {_percent(hi)}]" for p, lo, hi in
                     zip(frame.p_shortfall, frame.p_shortfall_ci_low, frame.p_shortfall_ci_high)]
    index = ["scenario", *keys]
    table = frame.pivot(index=index, columns="structure", values="cell")
    table = table[list(ds.structure.values)].sort_index(level="scenario")
    shown = table.head(MAX_POINT_ROWS)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in ["design point", *keys, *shown.columns])
    body = []
    for point, row in shown.iterrows():
        cells = [str(point[0]), *(plots.format_value(k, v) for k, v in zip(keys, point[1:])), *row.values]
        body.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    more = f" (the first {MAX_POINT_ROWS} of {len(table)})" if len(table) > MAX_POINT_ROWS else ""
    return (f"<table>\n<caption>P(shortfall) [95 % CI] at every design point{more}</caption>\n"
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>")


def _interval_cell(one, name):
    value, low, high = (float(one[n]) for n in (name, f"{name}_low", f"{name}_high"))
    if not np.isfinite(value):
        return "n/a"
    return f"{value:.2f} [{low:.2f}, {high:.2f}]".replace("-0.00", "0.00")


def sobol_section(ds, out_dir, variable="p_shortfall"):
    """For a `mode = "sobol"` sweep, an HTML section "Which inputs matter":
    the bar chart of the Sobol' indices of VARIABLE (written to OUT_DIR as
    PNG and SVG, one per provider of a network) and a table of every index
    with its 95 % bootstrap interval; '' for any other file."""
    if sweep_mode(ds) != "sobol" or "scenario" not in ds.dims:
        return ""
    try:
        indices = sobol_indices(ds, variable)
    except ValueError as error:
        return f"<h2>Which inputs matter</h2>\n<p>No Sobol' indices: {html.escape(str(error))}</p>"
    providers = list(indices.provider.values) if "provider" in indices.dims else [None]
    parts = []
    for provider in providers:
        stem = _safe_stem(f"sobol_indices_{variable}" + (f"_{provider}" if provider else ""))
        plots.save(plots.plot_sobol_indices(indices, provider=provider), os.path.join(out_dir, stem))
        with open(os.path.join(out_dir, f"{stem}.png"), "rb") as png:
            data = base64.b64encode(png.read()).decode("ascii")
        caption = f"Sobol' indices of {variable}" + (f", provider {provider}" if provider else "")
        parts.append(
            f'<figure id="{stem}">\n<img src="data:image/png;base64,{data}" alt="{html.escape(caption)}">\n'
            f'<figcaption>{html.escape(caption)} (<a href="{stem}.png">{stem}.png</a>, '
            f'<a href="{stem}.svg">{stem}.svg</a>)</figcaption>\n</figure>')
        one_provider = indices if provider is None else indices.sel(provider=provider)
        structures = list(one_provider.structure.values)
        head = "".join(f"<th>{html.escape(h)}</th>" for h in
                       ["swept key", *(f"{s}: {kind}" for s in structures for kind in ("first", "total"))])
        body = []
        for key in one_provider.key.values:
            cells = [str(key)]
            for structure in structures:
                one = one_provider.sel(key=key, structure=structure)
                cells += [_interval_cell(one, "first"), _interval_cell(one, "total")]
            body.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        parts.append(f"<table>\n<caption>{html.escape(caption)} [95 % bootstrap interval]</caption>\n"
                     f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>")
    rows, points = indices.attrs["base_points"], indices.attrs["design_points"]
    intro = (f"<p>Saltelli's design of N = {rows} base rows ({points} design points). A first-order index "
             f"is the share of the variance of {html.escape(variable)} over the swept ranges that the key "
             "explains alone; the total index adds its share in interactions with the other keys. "
             "A key whose total index is near 0 can be fixed anywhere in its range without changing "
             "the answer. Estimators: Saltelli et al. (2010) and Jansen (1999); intervals: "
             f"{indices.attrs['resamples']} bootstrap resamples of the N rows (docs/sweeps.md).</p>")
    return "<h2>Which inputs matter</h2>\n" + intro + "\n" + "\n".join(parts)


_STYLE = """
body { font-family: sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; color: #111; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
caption { text-align: left; font-weight: bold; margin-bottom: 0.4em; }
th, td { border: 1px solid #999; padding: 0.25em 0.5em; text-align: right; }
td { white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
figure { margin: 2em 0; }
figure img { max-width: 100%; border: 1px solid #ddd; }
pre { background: #f4f4f4; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
dt { font-weight: bold; } dd { margin: 0 0 0.4em 1em; font-family: monospace; }
"""


def write_report(path, out_dir, allow_incomplete=False):
    """Writes the figures (PNG and SVG) and report.html for the results file
    PATH into OUT_DIR; returns the path of report.html."""
    ds = open_results(path, allow_incomplete=allow_incomplete)
    os.makedirs(out_dir, exist_ok=True)
    sections = []
    for stem, caption, make in figures_for(ds) + solve_figures(path):  # a solve's answers
        stem = _safe_stem(stem)
        figure = make()
        plots.save(figure, os.path.join(out_dir, stem))
        with open(os.path.join(out_dir, f"{stem}.png"), "rb") as png:
            data = base64.b64encode(png.read()).decode("ascii")
        sections.append(
            f'<figure id="{stem}">\n<img src="data:image/png;base64,{data}" alt="{html.escape(caption)}">\n'
            f'<figcaption>{html.escape(caption)} (<a href="{stem}.png">{stem}.png</a>, '
            f'<a href="{stem}.svg">{stem}.svg</a>)</figcaption>\n</figure>')

    attrs = ds.attrs
    try:
        title = scenario_settings(ds).get("title") or os.path.basename(path)
    except (KeyError, ValueError):
        title = os.path.basename(path)
    facts = [("results file", os.path.abspath(path)), ("seed", attrs.get("seed")),
             ("program version", attrs.get("program_version")), ("git revision", attrs.get("git_revision")),
             ("format version", attrs.get("format_version")), ("runs", attrs.get("runs")),
             ("horizon (months)", attrs.get("horizon_months")), ("created (UTC)", attrs.get("created_utc")),
             ("command line", attrs.get("command_line"))]
    if attrs.get("complete") != 1:
        facts.insert(0, ("WARNING", "the run that wrote this file was not complete"))
    keys = swept_keys(ds)
    if keys:
        facts.append(("swept keys", ", ".join(keys)))
        facts.append(("design points", int(np.prod([ds.sizes[d] for d in design_dims(ds)]))))
    fact_list = "\n".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>"
                          for k, v in facts if v is not None)
    document = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(str(title))}: shortfall report</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>{html.escape(str(title))}</h1>
<p>Cash shortfall under outcome-based payment: a report of <code>{html.escape(os.path.basename(path))}</code>.
P(shortfall) is the share of simulated runs in which cash falls below the shortfall threshold in any month;
differences between structures are paired over the same runs (common random numbers).</p>
{headline_table(ds)}
{decomposition_table_html(path)}
{points_table(ds)}
{sobol_section(ds, out_dir)}
<h2>Figures</h2>
{chr(10).join(sections)}
<h2>Run</h2>
<dl>
{fact_list}
</dl>
<h2>Scenario</h2>
<pre>{html.escape(attrs.get("scenario_toml", ""))}</pre>
</body>
</html>
"""
    report = os.path.join(out_dir, "report.html")
    with open(report, "w", encoding="utf-8") as f:
        f.write(document)
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m shortfall.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("file", help="a results file of `shortfall run`")
    parser.add_argument("-o", "--output", required=True, help="folder for the figures and report.html")
    parser.add_argument("--allow-incomplete", action="store_true",
                        help="report on an unfinished run or a shard's part file")
    options = parser.parse_args(argv)
    try:
        report = write_report(options.file, options.output, options.allow_incomplete)
    except ResultsFileError as error:
        print(f"shortfall.report: {error}", file=sys.stderr)
        return 1
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
