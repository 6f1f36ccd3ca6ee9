"""shortfall.solve: the results file of `shortfall solve -o` opened like any
sweep, its answers along `structure`, its figure (the curve, the target line,
each answer with its interval) and its place in the report."""

import numpy as np
import pytest

import shortfall
from shortfall import report, solve
from conftest import SOURCE_DIR, run_shortfall, scenario_text

SHARE = "contract.outcome_share"


@pytest.fixture(scope="module")
def solve_file(tmp_path_factory):
    """The outcome share where P(shortfall) crosses 20 %, 1,000 runs a point,
    bonus and withhold (advance not asked for)."""
    folder = tmp_path_factory.mktemp("solve")
    scenario = folder / "small.toml"
    scenario.write_text(scenario_text(1000))
    out = folder / "share.h5"
    run_shortfall("solve", scenario, "--vary", SHARE, "--between", "0", "0.06", "--target", "0.2",
                  "--structure", "bonus", "--structure", "withhold", "--set", "provider.opening_cash=8e6",
                  "-o", out, "--quiet", "--threads", "1")
    return out


@pytest.fixture(scope="module")
def network_solve_file(tmp_path_factory):
    """A prime network's P(any shortfall) against the trust's opening cash in days."""
    out = tmp_path_factory.mktemp("network-solve") / "days.h5"
    run_shortfall("solve", SOURCE_DIR / "scenarios" / "prime-contractor.toml", "--vary",
                  "provider.trust.opening_cash_days", "--between", "0", "60", "--target", "0.1",
                  "--runs", "500", "-o", out, "--quiet")
    return out


def test_the_file_reads_as_a_sweep_along_the_key(solve_file):
    ds = shortfall.open_results(solve_file)
    assert SHARE in ds.dims
    assert np.all(np.diff(ds[SHARE].values) > 0)
    assert ds[SHARE].values[0] == 0.0 and ds[SHARE].values[-1] == 0.06


def test_the_answers_are_a_dataset_along_structure(solve_file):
    answers = solve.open_solve(solve_file)
    assert list(answers.structure.values) == ["bonus", "withhold", "advance", "hybrid_0.5"]
    assert answers.attrs["key"] == SHARE and answers.attrs["target"] == 0.2
    assert answers.reason.sel(structure="advance").item() == "not asked for (--structure)"
    assert not bool(answers.found.sel(structure="advance"))
    for name in ["bonus", "withhold"]:
        one = answers.sel(structure=name)
        if bool(one.found):
            assert float(one.low) <= float(one.value) <= float(one.high)
            assert str(one.safe_side.item()) in ("below", "above")
            # The answer is an evaluated point, whose P-hat is the file's.
            ds = shortfall.open_results(solve_file)
            p = float(ds.p_shortfall.sel(structure=name, **{SHARE: float(one.value)}))
            assert p == float(one.p_at_value) and p <= 0.2


def test_the_figure_draws_curves_target_and_answers(solve_file, tmp_path):
    figure = solve.plot_solve(solve_file)
    ax = figure.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert any(label.startswith("bonus") for label in labels)
    assert any(label.startswith("withhold") for label in labels)
    assert "target 20 %" in labels
    # Told apart without colour: each structure's own line style and marker.
    curves = [line for line in ax.get_lines() if line.get_label().startswith(("bonus", "withhold"))]
    assert len({(str(c.get_linestyle()), c.get_marker()) for c in curves}) == 2
    paths = shortfall.plots.save(figure, tmp_path / "solve")
    assert all((tmp_path / name).stat().st_size > 0 for name in ["solve.png", "solve.svg"])
    assert len(paths) == 2


def test_a_network_solve_plots_its_any_shortfall(network_solve_file):
    answers = solve.open_solve(network_solve_file)
    assert answers.attrs["statistic"] == "p_any_shortfall"
    figure = solve.plot_solve(network_solve_file)
    assert "P(any provider short)" in figure.axes[0].get_ylabel()
    assert "days of operating cost" in figure.axes[0].get_xlabel()


def test_the_report_adds_the_solve_figure(solve_file, single_file, tmp_path):
    page = report.write_report(solve_file, tmp_path)
    stem = f"solve_{SHARE}"
    assert (tmp_path / f"{stem}.png").exists()
    text = open(page, encoding="utf-8").read()
    assert f'<figure id="{stem}">' in text
    assert "Solve: where P(shortfall) crosses 20 %" in text
    # A file of `run` has no solve figure.
    assert solve.solve_figures(single_file) == []
