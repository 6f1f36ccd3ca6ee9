"""The report's written summary: a few sentences in plain words, generated
from the numbers of a results file, each probability with its 95 % interval.

Which structure is safest and which riskiest, how likely a shortfall is
under each against the board's risk appetite, how deep it goes (lowest cash,
support needed), what the commissioner pays, the opening cash in £m and in
days; the decomposition and the solve's answer when the file holds them; for
a study over parameter draws (LHS, Sobol'), the spread of P(shortfall)
across the draws instead of one point.
"""

from __future__ import annotations

import numpy as np

from . import plots
from .cash_days import opening_cash
from .intervals import wilson_interval
from .labels import format_days, format_millions
from .results import sweep_mode


def is_draws_study(ds):
    """Whether DS is a study over random parameter draws (LHS or Sobol'),
    summarised by the spread across the draws rather than at one point."""
    return sweep_mode(ds) in ("lhs", "sobol") and "scenario" in ds.dims and ds.sizes["scenario"] > 1


def percent(value):
    """A share as '12.3 %' (no break before the sign); 'n/a' when not finite."""
    return "n/a" if value is None or not np.isfinite(value) else f"{100 * value:.1f}\u00a0%"


def interval(low, high):
    """A 95 % interval as '10.1–14.6 %'; with up to three decimals when one
    would show a real width as none ('0.000–0.004 %' for no shortfall in
    100,000 runs, where '0.0–0.0 %' would hide how rare it is)."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return "n/a"
    decimals = 1
    while decimals < 3 and high > low and f"{100 * low:.{decimals}f}" == f"{100 * high:.{decimals}f}":
        decimals += 1
    return f"{100 * low:.{decimals}f}–{100 * high:.{decimals}f}\u00a0%"


def appetite_verdict(low, high, appetite):
    """'within', 'above' or 'undecided': where a 95 % interval lies against APPETITE."""
    if high <= appetite:
        return "within"
    if low > appetite:
        return "above"
    return "undecided"


# How a table marks a probability against the appetite: ▲ wholly above, ? spanning it.
_APPETITE_MARKS = {"within": "", "above": " ▲", "undecided": " ?"}


def probability_cell(value, low, high, appetite=None):
    """A probability with its 95 % interval as a table shows it,
    '12.3 % [10.1–14.6 %]', marked against APPETITE unless it is None."""
    text = f"{percent(value)} [{interval(low, high)}]"
    if appetite is not None:
        text += _APPETITE_MARKS[appetite_verdict(low, high, appetite)]
    return text


def _appetite_sentence(names, lows, highs, appetite, what="P(shortfall)"):
    groups = {"within": [], "above": [], "undecided": []}
    for name, low, high in zip(names, lows, highs):
        if np.isfinite(low) and np.isfinite(high):
            groups[appetite_verdict(low, high, appetite)].append(str(name))
    parts = []
    if groups["within"]:
        parts.append(f"within it (the whole 95 % interval at or below): {', '.join(groups['within'])}")
    if groups["above"]:
        parts.append(f"above it (the whole interval above): {', '.join(groups['above'])}")
    if groups["undecided"]:
        parts.append(f"not settled by these runs (the interval spans it): {', '.join(groups['undecided'])}")
    return f"Against the risk appetite of {100 * appetite:g} % for {what}, " + "; ".join(parts) + "."


def _one_provider(ds, data, provider, appetite, where, lead=True):
    """Sentences about one provider (PROVIDER None for a single-provider file)
    at the selected point DATA."""
    if provider is not None:
        data = data.sel(provider=provider)
    names = [str(n) for n in ds.structure.values]
    first = names[0]
    p = {n: float(data.p_shortfall.sel(structure=n)) for n in names}
    low = {n: float(data.p_shortfall_ci_low.sel(structure=n)) for n in names}
    high = {n: float(data.p_shortfall_ci_high.sel(structure=n)) for n in names}
    # Ties go to the structure listed first in the file.
    best = min(names, key=lambda n: (p[n], names.index(n)))
    worst = max(names, key=lambda n: (p[n], -names.index(n)))
    who = "the provider" if provider is None else provider
    horizon = int(ds.attrs.get("horizon_months", 0)) or None
    over = f"over the {horizon} months" if horizon else "over the horizon"
    sentences = []
    cash, days = opening_cash(ds, data, provider)
    if np.isfinite(cash):
        opening = f"{'The provider' if provider is None else provider} opens with {format_millions(cash)} of cash"
        opening += f" ({format_days(days)} of year-0 operating cost)." if np.isfinite(days) else "."
        sentences.append(opening)
    if len(names) == 1 or p[best] == p[worst]:
        under = f"under {best}" if len(names) == 1 else "under every structure"
        sentences.append(f"{where + ', ' if where else ''}{who} runs short of cash in {percent(p[best])} of simulated futures "
                         f"(95 % interval {interval(low[best], high[best])}) {under}.")
    else:
        sentences.append(
            f"{where + ', ' if where else ''}{who} is safest under {best}: short of cash in {percent(p[best])} of simulated "
            f"futures (95 % interval {interval(low[best], high[best])}); riskiest under {worst}: "
            f"{percent(p[worst])} ({interval(low[worst], high[worst])}).")
        compared = worst if worst != first else best
        diff = se = np.nan if not lead else 0.0
        if lead:
            diff = float(data.p_shortfall_diff.sel(structure=compared))
            se = float(data.p_shortfall_diff_se.sel(structure=compared))
        if np.isfinite(diff) and np.isfinite(se):
            sentences.append(
                f"On the same simulated futures, {compared} is {100 * diff:+.1f} percentage points against "
                f"{first} (paired standard error {100 * se:.1f}, so 95 % interval "
                f"{100 * (diff - 1.96 * se):+.1f} to {100 * (diff + 1.96 * se):+.1f}).")
    if appetite is not None:
        sentences.append(_appetite_sentence(names, [low[n] for n in names], [high[n] for n in names], appetite))
    deep = data.sel(structure=worst)
    sentences.append(
        f"How deep under {worst}: the median of the lowest cash {over} is "
        f"{format_millions(float(deep.min_cash_quantiles.sel(quantile=0.5)))}; the support needed to keep "
        f"cash above the shortfall threshold averages {format_millions(float(deep.support_mean))} "
        f"(95th percentile {format_millions(float(deep.support_p95))}).")
    if "commissioner_cost_mean" in data and lead:
        costs = ", ".join(f"{n} {format_millions(float(data.commissioner_cost_mean.sel(structure=n)))}"
                          for n in names)
        part = "" if provider is None else f" for {provider}'s contract"
        sentences.append(f"What it costs: the commissioner pays{part} on average {costs} {over}.")
    return sentences


def point_summary(ds, appetite=None):
    """Paragraphs (lists of sentences) about the base point of a grid, or the
    one point of a file: the network as a whole first, then each provider."""
    data, label = plots.select_point(ds, keep=("provider",))
    where = f"At the base point ({label})" if label else "In this scenario"
    paragraphs = []
    if "provider" in ds.dims:
        names = [str(n) for n in ds.structure.values]
        runs = float(np.ravel(data.runs_done.values)[0])
        p = [float(data.p_any_shortfall.sel(structure=n)) for n in names]
        lows, highs = wilson_interval(np.array(p), runs)
        parts = [f"{n} {percent(v)} ({interval(lo, hi)})" for n, v, lo, hi in zip(names, p, lows, highs)]
        sentences = [f"{where}, the chance that at least one of the network's {ds.sizes['provider']} providers "
                     f"runs short of cash: " + "; ".join(parts) + "."]
        if appetite is not None:
            sentences.append(_appetite_sentence(names, lows, highs, appetite, "any provider short"))
        paragraphs.append(sentences)
        for index, provider in enumerate(ds.provider.values):
            paragraphs.append(_one_provider(ds, data, str(provider), appetite, "", lead=index == 0))
    else:
        paragraphs.append(_one_provider(ds, data, None, appetite, where))
    return paragraphs


def draws_summary(ds, appetite=None):
    """Paragraphs about a study over parameter draws: per structure (and
    provider) the median and 5-95 % range of P(shortfall) across the draws,
    and the share of draws above APPETITE."""
    providers = [str(p) for p in ds.provider.values] if "provider" in ds.dims else [None]
    paragraphs = []
    points = ds.sizes["scenario"]
    for provider in providers:
        frame = plots.draw_distribution(ds, provider=provider)
        who = "the provider" if provider is None else provider
        parts = []
        for name, row in frame.iterrows():
            text = f"{name}: median {percent(row['median'])}, 5–95 % of draws {interval(row['low'], row['high'])}"
            if appetite is not None:
                text += f", {100 * np.mean(row['draws'] > appetite):.0f} % of draws above the appetite"
            parts.append(text)
        best = frame["median"].idxmin()
        worst = frame["median"].idxmax()
        sentences = [f"Across {points} draws of the uncertain inputs, P(shortfall) of {who} — " + "; ".join(parts) + ".",
                     f"Safest by the median: {best}; riskiest: {worst}."]
        if appetite is not None:
            sentences.append(f"Risk appetite: {100 * appetite:g} % of runs.")
        paragraphs.append(sentences)
    return paragraphs


def decomposition_sentences(path):
    """One sentence per compared structure (and provider) of the file's
    decomposition; [] without one."""
    from .like_for_like import decomposition, has_decomposition, open_decomposition
    if not has_decomposition(path):
        return []
    reference = open_decomposition(path, allow_incomplete=True).attrs["reference"]
    frame = decomposition(path, allow_incomplete=True)
    sentences = []
    for _, row in frame.iterrows():
        who = f"{row.structure} ({row.provider})" if "provider" in frame.columns else str(row.structure)
        if not np.isfinite(row.p_shortfall_diff):
            continue
        parts = ", ".join(f"{name} {100 * row[f'p_shortfall_{part}']:+.1f} (s.e. {100 * row[f'p_shortfall_{part}_se']:.1f})"
                          for part, name in (("price", "price"), ("timing", "timing and uncertainty"),
                                             ("feedback", "outcome feedback")))
        sentences.append(f"Why {who} differs from {reference}: of its {100 * row.p_shortfall_diff:+.1f} "
                         f"percentage points of P(shortfall) (s.e. {100 * row.p_shortfall_diff_se:.1f}), "
                         f"{parts}.")
    return sentences


def solve_sentences(path):
    """The solve's answer in words; [] for a file that is not a solve's."""
    from .solve import _statistic_label, answers_caption, is_solve_file, open_solve
    if not is_solve_file(path):
        return []
    answers = open_solve(path)
    return [f"Solved: where {_statistic_label(answers.attrs['statistic'])} crosses "
            f"{100 * float(answers.attrs['target']):g} % as {plots.plain_label(answers.attrs['key'])} varies — "
            f"{answers_caption(path)}."]


def written_summary(ds, path, appetite=None):
    """The summary as paragraphs, each a list of sentences."""
    along_draws = is_draws_study(ds)
    paragraphs = draws_summary(ds, appetite) if along_draws else point_summary(ds, appetite)
    extra = decomposition_sentences(path) + solve_sentences(path)
    if extra:
        paragraphs.append(extra)
    return paragraphs


__all__ = ["appetite_verdict", "is_draws_study", "draws_summary", "interval", "percent", "point_summary", "written_summary"]
