"""shortfall.sobol_indices: the estimators against functions whose indices are
known (Ishigami, a linear model), on Datasets of the shape a results file
gives; then a real `mode = "sobol"` sweep through build/shortfall, its figure
and its report section."""

import math

import numpy as np
import pytest
import xarray as xr

import shortfall
from shortfall import plots, report
from conftest import make_results, scenario_text

# --- Datasets shaped like a results file ------------------------------------------------------


def saltelli_dataset(a, b, function, keys, ranges, structures=("bonus",), providers=None):
    """A Dataset of a sobol sweep: A and B (N x k), the design points along
    `scenario` in blocks A, B, A_B^(1..k) (docs/sweeps.md), the swept keys as
    coordinates marked swept_key = 1, the [sweep] table in scenario_toml, and
    p_shortfall (scenario, structure[, provider]) = FUNCTION(point) times
    (column + 1), so each column is the same function scaled."""
    rows, k = a.shape
    blocks = [a, b]
    for i in range(k):
        mixed = a.copy()
        mixed[:, i] = b[:, i]
        blocks.append(mixed)
    design = np.concatenate(blocks)
    y = function(design)
    columns = [len(structures)] + ([len(providers)] if providers else [])
    scale = np.arange(1, math.prod(columns) + 1, dtype=float).reshape(columns)
    values = y.reshape((-1,) + (1,) * len(columns)) * scale
    dims = ("scenario", "structure") + (("provider",) if providers else ())
    parameters = "\n".join(f'"{key}" = [{low!r}, {high!r}]' for key, (low, high) in zip(keys, ranges))
    toml = (f'title = "synthetic"\n\n[sweep]\nmode = "sobol"\ncommon_random_numbers = true\n'
            f"points = {rows}\n\n[sweep.parameters]\n{parameters}\n")
    coords = {"scenario": np.arange(len(design)), "structure": list(structures)}
    if providers:
        coords["provider"] = list(providers)
    for i, key in enumerate(keys):
        coords[key] = xr.Variable(("scenario",), design[:, i], attrs={"swept_key": 1})
    return xr.Dataset({"p_shortfall": (dims, values)}, coords=coords,
                      attrs={"scenario_toml": toml, "complete": 1})


def uniform_matrices(rows, ranges, seed):
    """A and B of independent uniform draws: rows are i.i.d., so the central
    limit theorem gives the estimators' standard errors independently of the
    bootstrap under test."""
    generator = np.random.default_rng(seed)
    low = np.array([r[0] for r in ranges])
    high = np.array([r[1] for r in ranges])
    draw = lambda: low + (high - low) * generator.random((rows, len(ranges)))  # noqa: E731
    return draw(), draw()


def clt_standard_errors(y_a, y_b, y_ab):
    """Standard errors of the first and total estimators from the spread of
    their per-row terms, as (first, total) arrays over keys: sd / sqrt(N) / V,
    for y centred on its mean over A and B as sobol_indices centres it."""
    rows = len(y_a)
    mean = np.concatenate([y_a, y_b]).mean()
    y_a, y_b, y_ab = y_a - mean, y_b - mean, y_ab - mean
    variance = np.concatenate([y_a, y_b]).var()
    first = np.array([(y_b * (col - y_a)).std() for col in y_ab]) / math.sqrt(rows) / variance
    total = np.array([(0.5 * (y_a - col) ** 2).std() for col in y_ab]) / math.sqrt(rows) / variance
    return first, total


def ishigami(x, a=7.0, b=0.1):
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a=7.0, b=0.1):
    """Analytic first and total indices of the Ishigami function on [-pi, pi]^3."""
    pi = math.pi
    v1 = 0.5 * (1 + b * pi ** 4 / 5) ** 2
    v2 = a ** 2 / 8
    v13 = b ** 2 * pi ** 8 * (1 / 18 - 1 / 50)
    total_variance = v1 + v2 + v13
    first = np.array([v1, v2, 0.0]) / total_variance
    total = np.array([v1 + v13, v2, v13]) / total_variance
    return first, total


ISHIGAMI_KEYS = ["provider.stress_penalty", "provider.underlying_deficit", "indicator.*.volatility"]
PI_RANGES = [(-math.pi, math.pi)] * 3


def test_ishigami_analytic_indices_are_the_published_ones():
    # Saltelli et al., Global Sensitivity Analysis: The Primer (2008), for a = 7, b = 0.1.
    first, total = ishigami_indices()
    assert first == pytest.approx([0.3139, 0.4424, 0.0], abs=5e-4)
    assert total == pytest.approx([0.5576, 0.4424, 0.2437], abs=5e-4)


def test_indices_of_the_ishigami_function():
    """Within 4 standard errors (from N and the spread of each estimator's
    per-row terms) of the analytic indices; the bootstrap interval holds the
    estimate and is as wide as those standard errors say (within a factor 1.5)."""
    rows = 8192
    a, b = uniform_matrices(rows, PI_RANGES, seed=11)
    ds = saltelli_dataset(a, b, ishigami, ISHIGAMI_KEYS, PI_RANGES)
    indices = shortfall.sobol_indices(ds, resamples=400, seed=3)
    assert list(indices.key.values) == ISHIGAMI_KEYS
    assert indices.first.dims == ("key", "structure")

    y = ds.p_shortfall.sel(structure="bonus").values.reshape(5, rows)
    se_first, se_total = clt_standard_errors(y[0], y[1], y[2:])
    assert se_first.max() < 0.03 and se_total.max() < 0.03  # N is large enough to be a test
    first, total = ishigami_indices()
    got_first = indices.first.sel(structure="bonus").values
    got_total = indices.total.sel(structure="bonus").values
    assert np.all(np.abs(got_first - first) < 4 * se_first), (got_first, first, se_first)
    assert np.all(np.abs(got_total - total) < 4 * se_total), (got_total, total, se_total)

    for name, se in [("first", se_first), ("total", se_total)]:
        estimate = indices[name].sel(structure="bonus").values
        low = indices[f"{name}_low"].sel(structure="bonus").values
        high = indices[f"{name}_high"].sel(structure="bonus").values
        assert np.all(low <= estimate) and np.all(estimate <= high)
        width = high - low
        assert np.all(width > 2 * 1.96 * se / 1.5) and np.all(width < 2 * 1.96 * se * 1.5), (name, width, se)


def test_indices_of_a_linear_model():
    """y = sum c_i x_i with uniform x_i: S_i = ST_i = c_i^2 var_i / sum c_j^2 var_j;
    a key with c = 0 leaves y unchanged to the bit, so both its indices and
    their intervals are exactly 0."""
    keys = ["provider.opening_cash", "contract.outcome_share", "provider.stress_penalty",
            "provider.overdraft_rate"]
    ranges = [(0.0, 2.0), (-1.0, 1.0), (10.0, 13.0), (0.0, 1.0)]
    coefficients = np.array([1.0, 2.0, 0.5, 0.0])
    variances = np.array([(high - low) ** 2 / 12 for low, high in ranges])
    expected = coefficients ** 2 * variances / (coefficients ** 2 * variances).sum()
    rows = 4096
    a, b = uniform_matrices(rows, ranges, seed=5)
    ds = saltelli_dataset(a, b, lambda x: x @ coefficients, keys, ranges,
                          structures=("bonus", "withhold"))
    indices = shortfall.sobol_indices(ds, resamples=300, seed=1)
    y = ds.p_shortfall.sel(structure="bonus").values.reshape(len(keys) + 2, rows)
    se_first, se_total = clt_standard_errors(y[0], y[1], y[2:])
    for structure in ["bonus", "withhold"]:  # withhold's values are twice bonus's: same indices
        one = indices.sel(structure=structure)
        assert np.all(np.abs(one.first.values - expected) < 4 * se_first + 1e-12)
        assert np.all(np.abs(one.total.values - expected) < 4 * se_total + 1e-12)
        for name in shortfall.sobol.INDEX_VARIABLES:
            assert one[name].sel(key="provider.overdraft_rate").item() == 0.0
    np.testing.assert_allclose(indices.first.sel(structure="withhold"),
                               indices.first.sel(structure="bonus"), rtol=1e-9, atol=1e-12)
    assert indices.variance.sel(structure="withhold").item() == pytest.approx(
        4 * indices.variance.sel(structure="bonus").item())


def test_indices_per_provider_of_a_network():
    """A network's statistic has a provider axis: indices over (key, structure,
    provider), each column the same as computed on that column alone."""
    ranges = [(0.0, 1.0), (0.0, 1.0)]
    keys = ["provider.opening_cash", "provider.stress_penalty"]
    a, b = uniform_matrices(256, ranges, seed=2)
    ds = saltelli_dataset(a, b, lambda x: x[:, 0] + x[:, 1] ** 3, keys, ranges,
                          structures=("bonus", "withhold"), providers=("lead", "sub"))
    indices = shortfall.sobol_indices(ds, resamples=50, seed=9)
    assert indices.first.dims == ("key", "structure", "provider")
    assert list(indices.provider.values) == ["lead", "sub"]
    alone = shortfall.sobol_indices(ds.sel(provider="sub", structure=["withhold"]), resamples=50,
                                    seed=9)
    for name in shortfall.sobol.INDEX_VARIABLES:
        np.testing.assert_allclose(indices[name].sel(provider="sub", structure="withhold"),
                                   alone[name].sel(structure="withhold"), rtol=1e-12, atol=1e-15)


def test_indices_are_reproducible_from_the_seed():
    ranges = [(0.0, 1.0), (0.0, 1.0)]
    a, b = uniform_matrices(128, ranges, seed=4)
    ds = saltelli_dataset(a, b, lambda x: x[:, 0] * x[:, 1], ["provider.opening_cash",
                                                              "provider.stress_penalty"], ranges)
    first = shortfall.sobol_indices(ds, resamples=100, seed=7)
    again = shortfall.sobol_indices(ds, resamples=100, seed=7)
    other = shortfall.sobol_indices(ds, resamples=100, seed=8)
    xr.testing.assert_identical(first, again)
    xr.testing.assert_equal(first.first, other.first)  # the estimate needs no random numbers
    assert not np.array_equal(first.first_low.values, other.first_low.values)
    assert first.attrs["seed"] == 7 and first.attrs["resamples"] == 100
    assert first.attrs["base_points"] == 128 and first.attrs["design_points"] == 512


def test_an_output_that_does_not_vary_has_no_indices():
    ranges = [(0.0, 1.0)]
    a, b = uniform_matrices(16, ranges, seed=4)
    ds = saltelli_dataset(a, b, lambda x: 0 * x[:, 0] + 0.25, ["provider.opening_cash"], ranges)
    indices = shortfall.sobol_indices(ds, resamples=20)
    for name in shortfall.sobol.INDEX_VARIABLES:
        assert np.isnan(indices[name].values).all()
    assert indices.variance.item() == 0.0


def test_a_file_that_is_not_a_saltelli_design_is_refused():
    ranges = [(0.0, 1.0), (0.0, 1.0)]
    keys = ["provider.opening_cash", "provider.stress_penalty"]
    a, b = uniform_matrices(8, ranges, seed=4)
    ds = saltelli_dataset(a, b, lambda x: x[:, 0], keys, ranges)
    lhs = ds.copy()
    lhs.attrs = {"scenario_toml": ds.attrs["scenario_toml"].replace('"sobol"', '"lhs"')}
    with pytest.raises(ValueError, match='mode = "sobol"; this file\'s is \'lhs\''):
        shortfall.sobol_indices(lhs)
    short = ds.isel(scenario=slice(0, 24))
    with pytest.raises(ValueError, match="has 32 points; the file has 24"):
        shortfall.sobol_indices(short)
    broken = ds.copy(deep=True)
    broken["provider.opening_cash"].values[17] += 1.0  # block A_B^(1) no longer A with key 1 from B
    with pytest.raises(ValueError, match="design points 16..23 are not A with provider.opening_cash"):
        shortfall.sobol_indices(broken)
    with pytest.raises(ValueError, match="no variable 'support_mean'"):
        shortfall.sobol_indices(ds, "support_mean")


# --- A real sweep -----------------------------------------------------------------------------

SOBOL_ROWS = 64
SOBOL_SWEEP = f"""
[sweep]
mode = "sobol"
points = {SOBOL_ROWS}
[sweep.parameters]
"provider.opening_cash" = [0.5e6, 9.0e6]
"provider.underlying_deficit" = [0.0, 0.03]
"provider.overdraft_rate" = [0.0, 0.2]
"""
SOBOL_KEYS = ["provider.opening_cash", "provider.underlying_deficit", "provider.overdraft_rate"]


@pytest.fixture(scope="module")
def sobol_file(results_dir):
    """Saltelli's design of 64 base rows over three keys: 320 points of 200 runs."""
    return make_results(results_dir, "sobol", scenario_text(200, SOBOL_SWEEP))


@pytest.fixture(scope="module")
def sobol_ds(sobol_file):
    return shortfall.open_results(sobol_file)


def test_a_sobol_sweep_writes_saltellis_design(sobol_ds):
    assert shortfall.sweep_mode(sobol_ds) == "sobol"
    assert sobol_ds.sizes["scenario"] == SOBOL_ROWS * (len(SOBOL_KEYS) + 2)
    keys, rows = shortfall.saltelli_layout(sobol_ds)  # checks the blocks
    assert keys == SOBOL_KEYS and rows == SOBOL_ROWS
    cash = sobol_ds["provider.opening_cash"].values
    assert cash.min() >= 0.5e6 and cash.max() <= 9.0e6
    # N = 64 = 2^6: A's column of each key has one row in each of 64 equal strata.
    strata = np.floor((cash[:SOBOL_ROWS] - 0.5e6) / (8.5e6 / SOBOL_ROWS)).astype(int)
    assert sorted(strata) == list(range(SOBOL_ROWS))


def test_indices_from_a_sobol_sweep(sobol_ds):
    """Opening cash and the deficit drive P(shortfall); the overdraft rate charges interest
    only below zero cash, after the shortfall, so with common random numbers
    its A_B points repeat A's to the bit and both its indices are 0."""
    indices = shortfall.sobol_indices(sobol_ds, resamples=200)
    assert indices.first.dims == ("key", "structure")
    assert list(indices.structure.values) == list(sobol_ds.structure.values)
    for name in shortfall.sobol.INDEX_VARIABLES:
        assert (indices[name].sel(key="provider.overdraft_rate") == 0).all()
    for structure in indices.structure.values:
        one = indices.sel(structure=structure)
        if one.variance.item() == 0:
            continue
        assert np.all((one.first_low <= one.first) & (one.first <= one.first_high))
        assert np.all((one.total_low <= one.total) & (one.total <= one.total_high))
        assert np.all((one.first > -0.3) & (one.first < 1.3) & (one.total > -0.01) & (one.total < 1.3))
        # Cash and the deficit both move P(shortfall), by a clear share each.
        assert one.total.sel(key="provider.opening_cash").item() > 0.1
        assert one.total.sel(key="provider.underlying_deficit").item() > 0.1
    # Any per-point statistic: mean support needed feels the overdraft rate.
    support = shortfall.sobol_indices(sobol_ds, "support_mean", resamples=50)
    assert support.attrs["variable"] == "support_mean"
    assert (support.total.sel(key="provider.overdraft_rate") > 0).any()


def test_the_sobol_figure_has_two_bars_and_whiskers_per_key(sobol_ds, tmp_path):
    indices = shortfall.sobol_indices(sobol_ds, resamples=100)
    figure = plots.plot_sobol_indices(indices, structures=["bonus", "withhold"])
    axes = figure.axes
    assert len(axes) == 2
    for ax in axes:
        bars = ax.patches
        assert len(bars) == 2 * len(SOBOL_KEYS)
        assert sum(1 for bar in bars if bar.get_hatch() == "///") == len(SOBOL_KEYS)  # first order
        assert len(ax.get_yticklabels()) == len(SOBOL_KEYS)
        assert len(ax.collections) >= 2  # a whisker collection per kind of bar
    assert "Sobol" in axes[-1].get_xlabel()
    plots.save(figure, tmp_path / "sobol")
    assert (tmp_path / "sobol.png").stat().st_size > 0
    with pytest.raises(ValueError, match="no structure"):
        plots.plot_sobol_indices(indices, structures=["nope"])


def test_the_report_has_a_sobol_section(sobol_file, grid_file, tmp_path):
    page = report.write_report(sobol_file, tmp_path / "sobol")
    text = open(page, encoding="utf-8").read()
    assert "Which inputs matter" in text
    assert 'id="sobol_indices_p_shortfall"' in text
    assert (tmp_path / "sobol" / "sobol_indices_p_shortfall.png").is_file()
    for key in SOBOL_KEYS:
        assert key in text
    grid_page = report.write_report(grid_file, tmp_path / "grid")
    assert "Which inputs matter" not in open(grid_page, encoding="utf-8").read()
