"""The Python package on a network's results file (a `provider` axis)."""

import numpy as np

import shortfall as sf
from shortfall import plots


def test_frame_has_one_row_per_point_structure_and_provider(network_sweep_file):
    ds = sf.open_results(network_sweep_file)
    assert list(ds.provider.values) == ["trust", "vcs_recovery", "vcs_crisis"]
    frame = sf.to_frame(ds)
    assert len(frame) == 9 * 3 * 3
    assert {"structure", "provider", "p_shortfall", "p_any_shortfall"} <= set(frame.columns)
    row = frame[(frame.structure == "withhold") & (frame.provider == "vcs_recovery")]
    assert len(row) == 9
    stacked = ds.p_shortfall.sel(structure="withhold", provider="vcs_recovery")
    assert np.allclose(np.sort(row.p_shortfall.values), np.sort(stacked.values.ravel()))
    # any provider short is at least as likely as each one
    assert (frame.p_any_shortfall >= frame.p_shortfall - 1e-15).all()


def titles(figure):
    """Every title of FIGURE: the suptitle and each panel's."""
    texts = [axis.get_title() for axis in figure.axes]
    if figure._suptitle is not None:
        texts.append(figure._suptitle.get_text())
    return " ".join(texts)


def test_figures_select_a_provider(network_sweep_file):
    ds = sf.open_results(network_sweep_file)
    figure = plots.plot_heatmap(ds, structure="withhold", at={"provider": "vcs_recovery"})
    assert "vcs_recovery" in titles(figure)
    figure = plots.plot_cash_fan(ds, at={"provider": "vcs_crisis"})
    assert "vcs_crisis" in titles(figure)
    # Without `at`, the first provider (the file's order).
    figure = plots.plot_shortfall_by_month(ds)
    assert "trust" in titles(figure)
