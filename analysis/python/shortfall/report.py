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
from .explorer import EXPLORER_STYLE, explorer_html
from .intervals import wilson_interval
from .labels import format_millions, plain_label
from .like_for_like import decomposition_table_html
from .owed_at_horizon import with_owed_at_horizon
from .results import (ResultsFileError, design_dims, open_results, scenario_settings, swept_keys,
                      sweep_mode, to_frame)
from .sobol import sobol_indices
from .solve import solve_figures
from .summary import interval, is_draws_study, percent, probability_cell, written_summary


DEFAULT_APPETITE = 0.05
# A probability chart whose every value lies within this of 0 or 1 is
# saturated: it cannot show what moves the risk, so support needed is shown.
SATURATION_MARGIN = 0.10


def _structure_of_interest(ds):
    names = list(ds.structure.values)
    return "withhold" if "withhold" in names else names[-1]


def _providers(ds):
    return [str(p) for p in ds.provider.values] if "provider" in ds.dims else [None]


def saturation(values):
    """'above' when every finite value of VALUES is at least 1 − margin,
    'below' when every one is at most the margin, else None."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if not values.size:
        return None
    if values.min() >= 1 - SATURATION_MARGIN:
        return "above"
    if values.max() <= SATURATION_MARGIN:
        return "below"
    return None


def _saturated_note(state, what):
    if state is None:
        return ""
    side = (f"at least {100 * (1 - SATURATION_MARGIN):g} %" if state == "above"
            else f"at most {100 * SATURATION_MARGIN:g} %")
    return (f" Saturated: {what} is {side} everywhere in this chart, so it cannot show what moves the risk;"
            " the next chart shows the mean support needed instead.")


def typical_draw(ds, structure):
    """The design point of a study along `scenario` whose P(shortfall) of
    STRUCTURE (first provider of a network) is nearest the median across draws."""
    values = ds.p_shortfall.sel(structure=structure)
    if "provider" in values.dims:
        values = values.isel(provider=0)
    values = values.values.astype(float)
    median = np.nanmedian(values)
    return int(ds.scenario.values[int(np.nanargmin(np.abs(values - median)))])


def figures_for(ds, appetite=DEFAULT_APPETITE):
    """[(file stem, caption, function making the Figure)] of every figure that
    applies to DS, in reading order; every probability chart carries the
    risk APPETITE (None: no line)."""
    grid = [dim for dim in design_dims(ds) if dim != "scenario"]
    keys = swept_keys(ds)
    focus = _structure_of_interest(ds)
    first = ds.structure.values[0]
    along_scenario = "scenario" in ds.dims and ds.sizes["scenario"] > 1
    providers = _providers(ds)
    network = providers != [None]
    at = {}
    point_note = ""
    if along_scenario and is_draws_study(ds):
        at = {"scenario": typical_draw(ds, focus)}
        point_note = (f" At design point {at['scenario']}, the draw whose P(shortfall) of {focus} is nearest "
                      "the median across draws.")
    found = []

    def each_provider(stem, caption):
        """(stem, caption, at) per provider of a network, once otherwise."""
        if not network:
            return [(stem, caption, dict(at))]
        return [(f"{stem}_{p}", f"{caption}, provider {p}", dict(at, provider=p)) for p in providers]

    if along_scenario and is_draws_study(ds):
        for provider in providers:
            found.append((f"distribution_p_shortfall{'_' + provider if provider else ''}",
                          "P(shortfall) across the parameter draws, every structure: each draw, the 5–95 % "
                          "range and the median, against the risk appetite"
                          + (f", provider {provider}" if provider else ""),
                          lambda provider=provider: plots.plot_distribution(ds, provider=provider, appetite=appetite)))
    for key in grid:
        one = [(f"p_shortfall_vs_{key}", f"P(shortfall) against {plain_label(key)}, every structure")]
        for stem, caption, where in each_provider(*one[0]):
            values = plots.select_point(ds, where, keep=(key,))[0].p_shortfall
            state = saturation(values)
            found.append((stem, caption + _saturated_note(state, "P(shortfall)"),
                          lambda key=key, where=where: plots.plot_p_shortfall(ds, key, at=where, appetite=appetite)))
            if state:
                found.append((stem.replace("p_shortfall_vs", "support_vs"),
                              caption.replace("P(shortfall)", "Mean support needed"),
                              lambda key=key, where=where: plots.plot_p_shortfall(
                                  ds, key, at=where, variable="support_mean")))
        if network:
            found.append((f"p_any_shortfall_vs_{key}", f"P(any provider short) against {plain_label(key)}",
                          lambda key=key: plots.plot_p_shortfall(ds, key, variable="p_any_shortfall",
                                                                 appetite=appetite)))
    if along_scenario:
        for key in keys:
            for stem, caption, where in each_provider(f"p_shortfall_vs_{key}",
                                                      f"P(shortfall) at each design point against {plain_label(key)}"):
                where.pop("scenario", None)
                found.append((stem, caption, lambda key=key, where=where: plots.plot_p_shortfall(
                    ds, key, at=where, appetite=appetite)))
    if ds.sizes["structure"] > 1:
        for stem, caption, where in each_provider("paired_difference",
                                                  f"Paired difference in P(shortfall) against {first}"):
            found.append((stem, caption + point_note,
                          lambda where=where: plots.plot_paired_difference(ds, at=where)))
        if grid:
            for stem, caption, where in each_provider(f"paired_difference_vs_{grid[-1]}",
                                                      f"Paired difference against {first}, along "
                                                      f"{plain_label(grid[-1])}"):
                found.append((stem, caption, lambda where=where: plots.plot_paired_difference(
                    ds, key=grid[-1], at=where)))
    for stem, caption, where in each_provider("shortfall_by_month", "Cumulative share of runs in shortfall by month"):
        found.append((stem, caption + point_note,
                      lambda where=where: plots.plot_shortfall_by_month(ds, at=where, appetite=appetite)))
    for stem, caption, where in each_provider("cash_fan", "Cash fan chart: quantiles of cash by month"):
        found.append((stem, caption + point_note, lambda where=where: plots.plot_cash_fan(ds, at=where)))
    if len(grid) >= 2:
        for stem, caption, where in each_provider(f"heatmap_p_shortfall_{focus}",
                                                  f"P(shortfall) of {focus} over the grid"):
            values = plots.select_point(ds, where, keep=tuple(grid))[0].p_shortfall.sel(structure=focus)
            state = saturation(values)
            found.append((stem, caption + _saturated_note(state, "P(shortfall)"),
                          lambda where=where: plots.plot_heatmap(ds, structure=focus, at=where, appetite=appetite)))
            if state:
                found.append((stem.replace("p_shortfall", "support"), caption.replace("P(shortfall)",
                                                                                      "Mean support needed"),
                              lambda where=where: plots.plot_heatmap(ds, variable="support_mean", structure=focus,
                                                                     at=where)))
            if focus != first:
                found.append((stem.replace("heatmap_p_shortfall", "heatmap_difference"),
                              caption.replace(f"P(shortfall) of {focus}", f"{focus} − {first}"),
                              lambda where=where: plots.plot_heatmap(ds, variable="p_shortfall_diff",
                                                                     structure=focus, at=where)))
    if grid:
        for provider in providers:
            suffix = f"_{provider}" if provider else ""
            frame, base = plots.one_at_a_time(ds, focus, provider=provider)
            state = saturation([base, *frame.at_low, *frame.at_high])
            caption = (f"One-at-a-time sensitivity of P(shortfall), {focus}" + (f", provider {provider}" if provider else "")
                       + _saturated_note(state, "P(shortfall)"))
            found.append((f"tornado_{focus}{suffix}", caption, lambda provider=provider: plots.plot_tornado(
                ds, structure=focus, provider=provider, appetite=appetite)))
            if state:
                found.append((f"tornado_support_{focus}{suffix}",
                              f"One-at-a-time sensitivity of the mean support needed, {focus}"
                              + (f", provider {provider}" if provider else ""),
                              lambda provider=provider: plots.plot_tornado(ds, structure=focus, variable="support_mean",
                                                                           provider=provider)))
    numeric = [k for k in keys if ds[k].dtype.kind in "iuf"]
    if along_scenario and numeric and ds.sizes["scenario"] > len(numeric) + 1:
        for structure in ds.structure.values:
            found.append((f"ranking_{structure}", f"What drives P(shortfall) of {structure}: rank regression",
                          lambda structure=structure: plots.plot_lhs_ranking(ds, structure=structure)))
    return found


def _safe_stem(stem):
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in stem)


def _table(caption, header, rows, table_id=None):
    """An HTML table; cells are text (escaped)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>\n" for row in rows)
    ident = f' id="{table_id}"' if table_id else ""
    return (f"<table{ident}>\n<caption>{html.escape(caption)}</caption>\n<thead><tr>{head}</tr></thead>\n"
            f"<tbody>\n{body}</tbody>\n</table>")


def headline_table(ds, provider=None, at=None, appetite=None):
    """HTML table of the headline numbers per structure at the base point
    (of PROVIDER in a network, the first by default); money in £m."""
    where = dict(at or {})
    if provider is not None:
        where["provider"] = provider
    data, label = plots.select_point(ds, where)
    first = str(ds.structure.values[0])
    rows = []
    for name in ds.structure.values:
        one = data.sel(structure=name)
        diff, se = float(one.p_shortfall_diff), float(one.p_shortfall_diff_se)
        p_cell = probability_cell(float(one.p_shortfall), float(one.p_shortfall_ci_low),
                                  float(one.p_shortfall_ci_high), appetite)
        rows.append([
            name, p_cell,
            "–" if name == first else f"{100 * diff:+.1f} pp ({100 * se:.1f})",
            format_millions(float(one.min_cash_quantiles.sel(quantile=0.5))),
            format_millions(float(one.support_mean)),
            format_millions(float(one.support_p95)),
            percent(float(one.earned_fraction_mean)),
            format_millions(float(one.commissioner_cost_mean)),
        ])
    header = ["structure", "P(shortfall) [95 % CI]", f"vs {first}, pp (paired s.e.)",
              "lowest cash, median (£m)", "support needed, mean", "support needed, 95th pct",
              "outcome pot earned", "commissioner cost, mean"]
    header, rows = with_owed_at_horizon(data, header, rows)
    runs = data.runs_done.values
    who = ""
    if "provider" in ds.dims:  # named once, before the point
        shown = str(data.provider.values)
        who = f"provider {shown}: "
        label = ", ".join(part for part in label.split(", ") if part != f"provider = {shown}")
    marks = (f"; ▲ above the risk appetite of {100 * appetite:g} % (the whole interval), ? interval spans it"
             if appetite is not None else "")
    caption = (f"Headline numbers, {who}{label + '; ' if label else ''}{int(np.ravel(runs)[0]):,} runs per "
               f"structure; money in £m{marks}")
    return _table(caption, header, rows)


def any_provider_table(ds, at=None, appetite=None):
    """HTML table of P(any provider short) per structure of a network; '' otherwise."""
    if "p_any_shortfall" not in ds:
        return ""
    data, label = plots.select_point(ds, at)
    runs = float(np.ravel(data.runs_done.values)[0])
    rows = []
    for name in ds.structure.values:
        p = float(data.p_any_shortfall.sel(structure=name))
        low, high = (float(v) for v in wilson_interval(p, runs))
        rows.append([name, probability_cell(p, low, high, appetite)])
    return _table(f"Any provider short: the chance that at least one of the {ds.sizes['provider']} providers runs "
                  f"short of cash{', ' + label if label else ''} [95 % Wilson interval]",
                  ["structure", "P(any provider short) [95 % CI]"], rows, "any-provider")


def distribution_tables(ds, appetite=None):
    """For an LHS or Sobol' study: per structure (and provider), the median
    and the 5–95 % range of P(shortfall) across the parameter draws, the share
    of draws above the appetite, and the median mean support needed."""
    parts = []
    for provider in _providers(ds):
        frame = plots.draw_distribution(ds, provider=provider)
        support = plots.draw_distribution(ds, "support_mean", provider=provider)
        rows = []
        for name, row in frame.iterrows():
            cells = [name, percent(row["median"]), interval(row["low"], row["high"])]
            if appetite is not None:
                cells.append(f"{100 * np.mean(row['draws'] > appetite):.0f}\u00a0%")
            cells.append(format_millions(support.loc[name, "median"]))
            rows.append(cells)
        header = ["structure", "P(shortfall), median", "5–95 % of draws",
                  *([f"draws above {100 * appetite:g} %"] if appetite is not None else []),
                  "support needed, mean: median (£m)"]
        who = f", provider {provider}" if provider else ""
        parts.append(_table(f"P(shortfall) across the {ds.sizes['scenario']} parameter draws{who}", header, rows,
                            f"distribution{'-' + provider if provider else ''}"))
    return "\n".join(parts)


MAX_POINT_ROWS = 200
# Columns of structures per table: wider tables are split so that each fits A4 portrait.
MAX_STRUCTURE_COLUMNS = 4


def points_table(ds):
    """HTML table of P(shortfall) [95 % CI] at every design point of a sweep
    (at most MAX_POINT_ROWS rows; split into tables of at most
    MAX_STRUCTURE_COLUMNS structures, one set per provider of a network);
    '' for a file of one point."""
    keys = swept_keys(ds)
    if not keys:
        return ""
    frame = to_frame(ds, ["p_shortfall", "p_shortfall_ci_low", "p_shortfall_ci_high"])
    frame["cell"] = [probability_cell(p, lo, hi) for p, lo, hi in
                     zip(frame.p_shortfall, frame.p_shortfall_ci_low, frame.p_shortfall_ci_high)]
    index = ["scenario", *keys]
    tables = []
    for provider in _providers(ds):
        one = frame if provider is None else frame[frame.provider == provider]
        table = one.pivot(index=index, columns="structure", values="cell")
        table = table[list(ds.structure.values)].sort_index(level="scenario")
        shown = table.head(MAX_POINT_ROWS)
        names = list(shown.columns)
        for start in range(0, len(names), MAX_STRUCTURE_COLUMNS):
            chunk = names[start:start + MAX_STRUCTURE_COLUMNS]
            rows = [[str(point[0]), *(plots.format_value(k, v) for k, v in zip(keys, point[1:])),
                     *row[chunk].values] for point, row in shown.iterrows()]
            more = f" (the first {MAX_POINT_ROWS} of {len(table)})" if len(table) > MAX_POINT_ROWS else ""
            part = (f", structures {start + 1}–{start + len(chunk)} of {len(names)}"
                    if len(names) > MAX_STRUCTURE_COLUMNS else "")
            who = f", provider {provider}" if provider else ""
            tables.append(_table(f"P(shortfall) [95 % CI] at every design point{who}{more}{part}",
                                 ["design point", *(plain_label(k) for k in keys), *chunk], rows))
    return "\n".join(tables)


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
        # Two structures (four interval columns) a table: wider does not fit A4 portrait.
        for start in range(0, len(structures), 2):
            chunk = structures[start:start + 2]
            head = "".join(f"<th>{html.escape(h)}</th>" for h in
                           ["swept key", *(f"{s}: {kind}" for s in chunk for kind in ("first", "total"))])
            body = []
            for key in one_provider.key.values:
                cells = [plain_label(str(key))]
                for structure in chunk:
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


# The page is laid out at the width of A4 portrait's printable area (210 mm
# less 12 mm margins each side) on screen and in print, so that a table that
# fits on screen fits on paper; tables wrap their headings and cells.
_STYLE = """
@page { size: A4 portrait; margin: 12mm; }
body { font-family: sans-serif; max-width: 186mm; margin: 1em auto; padding: 0; color: #111;
       font-size: 10.5pt; line-height: 1.35; }
@media print { body { margin: 0; max-width: none; width: 186mm; } figure, table { break-inside: avoid; } }
table { border-collapse: collapse; margin: 1em 0; font-size: 8.5pt; max-width: 100%; }
caption { text-align: left; font-weight: bold; margin-bottom: 0.4em; }
th, td { border: 1px solid #999; padding: 0.2em 0.35em; text-align: right; vertical-align: top; }
th { font-weight: bold; background: #eee; }
th:first-child, td:first-child { text-align: left; }
.summary { border-left: 4px solid #333; padding: 0.2em 0 0.2em 1em; }
.summary p { margin: 0.5em 0; }
figure { margin: 2em 0; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 9.5pt; }
pre { background: #f4f4f4; padding: 0.8em; font-size: 7.5pt; white-space: pre-wrap; word-break: break-all; }
dt { font-weight: bold; } dd { margin: 0 0 0.4em 1em; font-family: monospace; overflow-wrap: anywhere; }
"""


def summary_html(ds, path, appetite):
    """The written summary as HTML paragraphs."""
    paragraphs = written_summary(ds, path, appetite)
    return "\n".join(f"<p>{html.escape(' '.join(sentences))}</p>" for sentences in paragraphs)


def write_report(path, out_dir, allow_incomplete=False, appetite=DEFAULT_APPETITE, formats=("png", "svg"), dpi=150):
    """Writes the figures (PNG and SVG) and report.html for the results file
    PATH into OUT_DIR; returns the path of report.html. APPETITE, the board's
    risk appetite for P(shortfall) (a probability; None for none), is drawn
    on every probability chart and judged in the summary and tables.
    FORMATS and DPI: the files written per figure (PNG is always among them:
    the page embeds it) and its resolution."""
    if appetite is not None and not 0 < appetite < 1:
        raise ValueError(f"the risk appetite {appetite} is not a probability strictly between 0 and 1")
    ds = open_results(path, allow_incomplete=allow_incomplete)
    os.makedirs(out_dir, exist_ok=True)
    sections = []
    for stem, caption, make in figures_for(ds, appetite) + solve_figures(path):  # a solve's answers
        stem = _safe_stem(stem)
        figure = make()
        written = sorted({"png", *formats}, key=lambda f: f != "png")
        plots.save(figure, os.path.join(out_dir, stem), formats=written, dpi=dpi)
        with open(os.path.join(out_dir, f"{stem}.png"), "rb") as png:
            data = base64.b64encode(png.read()).decode("ascii")
        links = ", ".join(f'<a href="{stem}.{f}">{stem}.{f}</a>' for f in written)
        sections.append(
            f'<figure id="{stem}">\n<img src="data:image/png;base64,{data}" alt="{html.escape(caption)}">\n'
            f'<figcaption>{html.escape(caption)} ({links})</figcaption>\n</figure>')

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
        facts.append(("swept keys", ", ".join(f"{plain_label(k)} ({k})" for k in keys)))
        facts.append(("design points", int(np.prod([ds.sizes[d] for d in design_dims(ds)]))))
    if appetite is not None:
        facts.append(("risk appetite", f"{100 * appetite:g} % of runs (--appetite)"))
    appetite_text = (f"The board's risk appetite, drawn on every probability chart as a dotted line, is "
                     f"{100 * appetite:g} % of runs." if appetite is not None else "")
    if is_draws_study(ds):
        headline = distribution_tables(ds, appetite)
    else:
        headline = "\n".join([*(headline_table(ds, provider, appetite=appetite) for provider in _providers(ds)),
                              any_provider_table(ds, appetite=appetite)])
    fact_list = "\n".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>"
                          for k, v in facts if v is not None)
    document = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(str(title))}: shortfall report</title>
<style>{_STYLE}{EXPLORER_STYLE}</style>
</head>
<body>
<h1>{html.escape(str(title))}</h1>
<h2>Summary</h2>
<div class="summary">
{summary_html(ds, path, appetite)}
</div>
<p>Cash shortfall under outcome-based payment: a report of <code>{html.escape(os.path.basename(path))}</code>.
P(shortfall) is the share of simulated runs in which cash falls below the shortfall threshold in any month;
differences between structures are paired over the same runs (common random numbers). Money is in £ millions.
{appetite_text}</p>
{headline}
{decomposition_table_html(path)}
{points_table(ds)}
{explorer_html(ds, appetite, MAX_STRUCTURE_COLUMNS)}
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
    parser.add_argument("--appetite", type=float, default=DEFAULT_APPETITE, metavar="P",
                        help="the board's risk appetite for P(shortfall), a probability in (0, 1), drawn on every "
                             f"probability chart (default {DEFAULT_APPETITE})")
    parser.add_argument("--no-appetite", action="store_true", help="no risk-appetite line or judgement")
    options = parser.parse_args(argv)
    if not options.no_appetite and not 0 < options.appetite < 1:
        parser.error(f"--appetite {options.appetite}: a probability strictly between 0 and 1, e.g. 0.05")
    try:
        report = write_report(options.file, options.output, options.allow_incomplete,
                              None if options.no_appetite else options.appetite)
    except ResultsFileError as error:
        print(f"shortfall.report: {error}", file=sys.stderr)
        return 1
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
