"""Every plot function returns a Figure with the expected axes, labels and
number of lines, bars or cells, on files made by the real binary."""

import matplotlib.collections
import matplotlib.image
import numpy as np
import pytest
import xarray as xr
from matplotlib.figure import Figure

import shortfall
from shortfall import plots
from conftest import GRID_CASH, GRID_SHARES, LHS_POINTS, STRUCTURES


@pytest.fixture(scope="module")
def single(single_file):
    return shortfall.open_results(single_file)


@pytest.fixture(scope="module")
def grid(grid_file):
    return shortfall.open_results(grid_file)


@pytest.fixture(scope="module")
def lhs(lhs_file):
    return shortfall.open_results(lhs_file)


def only_axes(figure):
    assert isinstance(figure, Figure)
    visible = [ax for ax in figure.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]
    assert len(visible) == 1
    return visible[0]


def top_label(ax):
    """The text of the highest tick label on the y axis."""
    return max(ax.get_yticklabels(), key=lambda t: t.get_position()[1]).get_text()


def drawable(figure, tmp_path, name):
    """Renders FIGURE to PNG and SVG: errors in text or layout show up here."""
    written = plots.save(figure, tmp_path / name)
    assert all((tmp_path / f"{name}.{suffix}").stat().st_size > 1000 for suffix in ("png", "svg"))
    return written


def test_money_and_values_are_formatted_in_their_units():
    assert plots.format_money(4_500_000) == "£4,500,000"
    assert plots.format_money(-1234.5) == "−£1,234"
    assert plots.format_value("contract.outcome_share", 0.025) == "2.5 %"
    assert plots.format_value("provider.opening_cash", 8.4e6) == "£8.4m"
    assert plots.format_value("provider.opening_cash", -1.26e6) == "−£1.3m"
    assert plots.format_value("provider.opening_cash", -0.04e6) == "£0.0m"  # no minus on a rounded zero
    assert plots.format_value("contract.assessment", "annual") == "annual"
    # Keys by their labels (shortfall.labels), with their units.
    assert plots.key_label("provider.opening_cash") == "opening cash (£m)"
    assert plots.key_label("contract.outcome_share") == "share of the contract paid on outcomes (%)"
    assert plots.key_label("indicator.*.volatility") == "volatility of every indicator (logit points)"
    assert (plots.key_label("network.subcontract.vcs_recovery.pass_through")
            == "share of the withhold passed on, vcs_recovery (%)")


def test_structures_differ_by_more_than_colour():
    looks = [plots.style(i) for i in range(6)]
    assert len({look[0] for look in looks}) == 6 and len({look[1] for look in looks}) == 6


def test_p_shortfall_against_a_grid_key(grid, tmp_path):
    figure = plots.plot_p_shortfall(grid, "provider.opening_cash")
    ax = only_axes(figure)
    assert len(ax.lines) == len(STRUCTURES)
    assert [line.get_label() for line in ax.lines] == STRUCTURES
    assert len({line.get_linestyle() for line in ax.lines}) == len(STRUCTURES)
    bands = [c for c in ax.collections if isinstance(c, matplotlib.collections.PolyCollection)]
    assert len(bands) == len(STRUCTURES)
    assert ax.get_xlabel() == "opening cash (£m)"
    assert "P(shortfall)" in ax.get_ylabel() and "%" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["£1.0m", "£3.0m", "£6.0m", "£9.0m"]
    # The other key at its base point: the scenario's 3 % outcome share.
    assert "share of the contract paid on outcomes = 3 %" in ax.get_title().replace("\n", " ")
    withhold = ax.lines[1].get_ydata()
    assert np.array_equal(withhold, grid.p_shortfall.sel(structure="withhold", **{"contract.outcome_share": 0.03}))
    drawable(figure, tmp_path, "p_shortfall")


def test_p_shortfall_at_a_chosen_point_and_with_error_bars_for_lhs(grid, lhs, tmp_path):
    ax = only_axes(plots.plot_p_shortfall(grid, "contract.outcome_share", at={"provider.opening_cash": 9.0e6}))
    assert "£9.0m" in ax.get_title()
    assert list(ax.lines[0].get_xdata()) == GRID_SHARES
    figure = plots.plot_p_shortfall(lhs, "provider.underlying_deficit", structures=["bonus", "withhold"])
    ax = only_axes(figure)
    assert ax.get_legend_handles_labels()[1] == ["bonus", "withhold"]
    x = ax.lines[0].get_xdata()
    assert len(x) == LHS_POINTS and np.all(np.diff(x) >= 0)
    drawable(figure, tmp_path, "p_shortfall_lhs")
    with pytest.raises(ValueError, match="not a swept key"):
        plots.plot_p_shortfall(grid, "provider.stress_penalty")


def test_p_shortfall_needs_a_sweep(single):
    with pytest.raises(ValueError, match="needs a sweep"):
        plots.plot_p_shortfall(single)


def test_shortfall_by_month(single, tmp_path):
    figure = plots.plot_shortfall_by_month(single)
    ax = only_axes(figure)
    assert len(ax.lines) == len(STRUCTURES)
    assert ax.get_xlabel().startswith("month of the horizon")
    assert "% of runs" in ax.get_ylabel()
    assert np.array_equal(ax.lines[0].get_ydata(), single.shortfall_by_month.isel(scenario=0, structure=0))
    drawable(figure, tmp_path, "by_month")


def test_cash_fan_has_bands_median_and_both_lines(single, grid, tmp_path):
    figure = plots.plot_cash_fan(single)
    panels = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == STRUCTURES
    for ax in panels:
        assert len(ax.collections) == 2  # 5-95 % and 25-75 % bands
        assert len(ax.lines) == 3  # median, shortfall threshold, stress line
        median, threshold, stress = ax.lines
        assert np.array_equal(median.get_ydata(),
                              single.cash_quantiles.isel(scenario=0).sel(structure=ax.get_title(), quantile=0.5))
        assert set(threshold.get_ydata()) == {0.0}  # provider.shortfall_threshold
        assert set(stress.get_ydata()) == {12.0e6}  # provider.stress_start_cash
        ticks = [t.get_text() for t in ax.get_yticklabels()]
        assert all(t.endswith("m") and "£" in t for t in ticks if t)
        assert len(set(ticks)) == len(ticks)  # short labels in £m that never repeat
    assert panels[0].get_ylabel() == "cash at month end (£m)"
    labels = [t.get_text() for t in figure.legends[0].get_texts()]
    assert "shortfall threshold £0.0m" in labels and "stress starts £12.0m" in labels
    drawable(figure, tmp_path, "fan")

    two = plots.plot_cash_fan(grid, structures=["bonus", "withhold"], at={"provider.opening_cash": 6.0e6})
    assert len([ax for ax in two.axes if ax.get_visible()]) == 2
    assert "£6.0m" in two._suptitle.get_text()


def test_heatmap_has_one_cell_per_grid_point(grid, tmp_path):
    figure = plots.plot_heatmap(grid, structure="withhold")
    ax = [a for a in figure.axes if a.get_label() != "<colorbar>" and a.images][0]
    image = ax.images[0]
    assert image.get_array().shape == (len(GRID_SHARES), len(GRID_CASH))
    assert np.array_equal(np.asarray(image.get_array()),
                          grid.p_shortfall.sel(structure="withhold").transpose(
                              "contract.outcome_share", "provider.opening_cash").values)
    assert len(ax.texts) == len(GRID_SHARES) * len(GRID_CASH)
    assert ax.get_xlabel() == "opening cash (£m)"
    assert ax.get_ylabel() == "share of the contract paid on outcomes (%)"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2 %", "3 %", "4 %"]
    assert image.get_cmap().name == "Greys"
    drawable(figure, tmp_path, "heatmap")

    diff = plots.plot_heatmap(grid, variable="p_shortfall_diff", structure="withhold")
    ax = [a for a in diff.axes if a.images][0]
    assert len(ax.texts) == len(GRID_SHARES) * len(GRID_CASH)
    assert "withhold − bonus" in ax.get_title()
    drawable(diff, tmp_path, "heatmap_diff")


def test_heatmap_needs_two_keys(lhs):
    with pytest.raises(ValueError, match="two keys"):
        plots.plot_heatmap(lhs)


def test_paired_difference_at_a_point(single, tmp_path):
    figure = plots.plot_paired_difference(single, structures=["withhold"])
    ax = only_axes(figure)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["withhold − bonus"]
    assert "percentage points" in ax.get_xlabel()
    point = ax.lines[0]
    diff = float(single.p_shortfall_diff.isel(scenario=0).sel(structure="withhold"))
    se = float(single.p_shortfall_diff_se.isel(scenario=0).sel(structure="withhold"))
    assert point.get_xdata()[0] == pytest.approx(100 * diff, rel=1e-12)
    whisker = ax.collections[0].get_segments()[0]  # the error bar: diff ± 1.96 se
    assert sorted(whisker[:, 0]) == pytest.approx([100 * (diff - 1.96 * se), 100 * (diff + 1.96 * se)], rel=1e-12)
    drawable(figure, tmp_path, "diff")
    every = only_axes(plots.plot_paired_difference(single))
    assert len(every.get_yticklabels()) == len(STRUCTURES) - 1


def test_paired_difference_along_a_key(grid, tmp_path):
    figure = plots.plot_paired_difference(grid, key="provider.opening_cash", structures=["withhold", "hybrid_0.5"])
    ax = only_axes(figure)
    lines = [line for line in ax.lines if line.get_label().endswith("− bonus")]
    assert [line.get_label() for line in lines] == ["withhold − bonus", "hybrid_0.5 − bonus"]
    assert len([c for c in ax.collections if isinstance(c, matplotlib.collections.PolyCollection)]) == 2
    drawable(figure, tmp_path, "diff_key")


def test_paired_difference_needs_the_first_structure_to_compare_with(single):
    reordered = single.isel(structure=[1, 0, 2, 3])
    figure = plots.plot_paired_difference(reordered, structures=["bonus"])
    assert "bonus − withhold" in [t.get_text() for t in only_axes(figure).get_yticklabels()]
    with pytest.raises(ValueError, match="besides 'bonus'"):
        plots.plot_paired_difference(single, structures=["bonus"])


def test_tornado_has_two_bars_per_key_widest_on_top(grid, tmp_path):
    frame, base = plots.one_at_a_time(grid, structure="bonus")
    assert list(frame.key) == sorted(frame.key, key=lambda k: -float(frame[frame.key == k].swing))
    assert base == float(grid.p_shortfall.sel(structure="bonus", **{"contract.outcome_share": 0.03,
                                                                    "provider.opening_cash": 3.0e6}))
    cash = frame[frame.key == "provider.opening_cash"].iloc[0]
    assert cash.at_low == float(grid.p_shortfall.sel(structure="bonus", **{
        "contract.outcome_share": 0.03, "provider.opening_cash": 1.0e6}))
    figure = plots.plot_tornado(grid, structure="bonus")
    ax = only_axes(figure)
    assert len(ax.patches) == 2 * 2
    assert top_label(ax).replace("\n", " ").startswith(plots.plain_label(frame.key[0]))  # the widest swing on top
    assert "P(shortfall)" in ax.get_xlabel()
    drawable(figure, tmp_path, "tornado")


def test_rank_regression_recovers_a_known_monotone_dependence():
    # y is an increasing function of a, a decreasing one of b, and ignores c:
    # with independent rank-uniform inputs the SRRCs of a and b dominate c's.
    rng = np.random.default_rng(7)
    n = 200
    a, b, c = rng.permutation(n) / n, rng.permutation(n) / n, rng.permutation(n) / n
    p = np.clip(0.7 * a**2 - 0.3 * b, -1, 1)
    ds = xr.Dataset(
        {"p_shortfall": (("scenario", "structure"), np.stack([p, p], axis=1))},
        coords={"scenario": np.arange(n), "structure": ["bonus", "withhold"],
                "a": ("scenario", a, {"swept_key": 1}), "b": ("scenario", b, {"swept_key": 1}),
                "c": ("scenario", c, {"swept_key": 1})})
    coefficients, r_squared = plots.rank_regression(ds, "withhold")
    assert coefficients["a"] > 0.8 and coefficients["b"] < -0.2 and abs(coefficients["c"]) < 0.1
    assert 0.9 < r_squared <= 1
    # Exactly monotone in one input alone: the coefficient is 1.
    exact = ds.assign(p_shortfall=(("scenario", "structure"), np.stack([a**3, a**3], axis=1)))
    coefficients, r_squared = plots.rank_regression(exact, "bonus")
    assert coefficients["a"] == pytest.approx(1, abs=1e-12) and r_squared == pytest.approx(1, abs=1e-12)


def test_lhs_ranking_has_one_bar_per_key(lhs, tmp_path):
    figure = plots.plot_lhs_ranking(lhs, structure="bonus")
    ax = only_axes(figure)
    assert len(ax.patches) == 3
    coefficients, _ = plots.rank_regression(lhs, "bonus")
    assert top_label(ax) == plots.plain_label(coefficients.abs().idxmax())  # the largest effect on top
    assert "rank regression coefficient" in ax.get_xlabel()
    drawable(figure, tmp_path, "ranking")


def test_lhs_ranking_of_an_output_that_does_not_vary(lhs):
    flat = lhs.assign(p_shortfall=lhs.p_shortfall * 0 + 1.0)
    coefficients, r_squared = plots.rank_regression(flat, "withhold")
    assert coefficients.isna().all() and np.isnan(r_squared)
    ax = only_axes(plots.plot_lhs_ranking(flat, "withhold"))
    assert "does not vary" in ax.texts[0].get_text()


def test_rank_regression_and_tornado_need_their_designs(grid, lhs):
    with pytest.raises(ValueError, match="along `scenario`"):
        plots.rank_regression(grid)
    with pytest.raises(ValueError, match="grid sweep"):
        plots.plot_tornado(lhs)
