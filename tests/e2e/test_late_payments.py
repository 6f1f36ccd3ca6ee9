"""Money due after the horizon: `check` warns of settlements,
risk-share transfers and subcontract payments that fall after month T, and
the summary table shows the mean money owed at T (docs/model.md, "Owed at the
horizon")."""

import re

from conftest import SMALL_SCENARIO, SOURCE_DIR, certain_shortfall_warnings, open_results, run_ok


def scenario(tmp_path, name, assessment, lag, extra=""):
    """SMALL_SCENARIO with ASSESSMENT and settlement lag LAG (bonus, withhold, advance)."""
    text = SMALL_SCENARIO.replace('assessment = "quarterly"', f'assessment = "{assessment}"')
    text = text.replace("settlement_lag_months = 2", f"settlement_lag_months = {lag}{extra}")
    assert f"settlement_lag_months = {lag}" in text
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return path


def annual_warning(source, lag, horizon=36, covering=48):
    return (f'{source}: warning: with contract.assessment = "annual" and '
            f"contract.settlement_lag_months = {lag}, 1 settlement falls due after "
            f"simulation.horizon_months = {horizon}, in month {horizon + lag}: its money is owed at "
            'the horizon ("owed at T" in the summary), not cash (under advance a settlement is a '
            f"clawback); simulation.horizon_months = {covering} or more would bring it into the "
            "cash path\n")


def owed_at_t(table):
    """{structure: the "owed at T" cell} of a printed summary table."""
    lines = table.splitlines()
    header = next(n for n, line in enumerate(lines) if "owed at T" in line)
    assert re.search(r" earned +owed at T +commissioner ", lines[header]), lines[header]
    cells = {}
    for line in lines[header + 2:]:
        if not line.strip() or line.startswith("results:"):
            break
        # structure, P [low, high], min cash 50 %, 5 %, support mean, 95 %, earned, owed at T, ...
        tokens = line.split()
        cells[tokens[0]] = tokens[9]
    return cells


def money(pounds):
    """As the summary table writes money (analysis/summary_table.cpp)."""
    millions = abs(pounds) / 1e6
    return f"{'-' if pounds < 0 else ''}£{millions:.{1 if millions >= 100 else 2}f}m"


def test_annual_advance_with_a_lag_warns_that_year_3_settles_after_the_horizon(tmp_path):
    # The case: year 3 ends in month 36 and settles in month 39, so
    # its clawback under advance is not in the cash path.
    path = scenario(tmp_path, "annual", "annual", 3)
    out, err = run_ok("check", path)
    assert err == annual_warning(path, 3)
    assert "is valid" in out

    # `run` shows what is owed in its table, without the warning: nearly
    # every contract with a lag has one, and a warning on every run is noise.
    output = tmp_path / "annual.h5"
    out, err = run_ok("run", path, "-o", output, "--runs", 1000)
    assert err == certain_shortfall_warnings(path)
    with open_results(output) as f:
        owed = f["receivable_mean"][0]
    cells = owed_at_t(out)
    assert cells == {name: money(value) for name, value in zip(["bonus", "withhold", "advance"], owed)}
    assert owed[0] > 0 and owed[2] < 0  # the bonus is owed its year 3; advance owes its clawback
    assert cells["advance"].startswith("-£")
    summary, _ = run_ok("summary", output)
    assert owed_at_t(summary) == cells


def test_no_warning_when_everything_settles_within_the_horizon(tmp_path):
    for assessment in ["annual", "quarterly", "monthly"]:
        path = scenario(tmp_path, f"{assessment}-now", assessment, 0)
        _, err = run_ok("check", path)
        assert err == "", assessment
    path = scenario(tmp_path, "annual-now", "annual", 0)
    out, err = run_ok("run", path, "-o", tmp_path / "now.h5", "--runs", 1000)
    assert err == certain_shortfall_warnings(path)
    assert set(owed_at_t(out).values()) == {"£0.00m"}


def test_a_longer_horizon_brings_them_in_and_cuts_its_own_last_year(tmp_path):
    # 48 months holds year 3's settlement; year 4's, in month 51, is then the late one.
    path = scenario(tmp_path, "annual", "annual", 3)
    _, err = run_ok("check", path, "--set", "simulation.horizon_months=48")
    assert err == annual_warning(path, 3, horizon=48, covering=60)


def test_risk_share_transfers_and_monthly_settlements(tmp_path):
    risk = "\nrisk_share = { corridor = 0.02, commissioner_share = 0.5 }"
    path = scenario(tmp_path, "risk", "quarterly", 3, risk)
    _, err = run_ok("check", path)
    assert err == (
        f'{path}: warning: with contract.assessment = "quarterly", '
        "contract.settlement_lag_months = 3 and contract.risk_share, 1 settlement and 1 risk-share "
        "transfer fall due after simulation.horizon_months = 36, the last in month 39: their money is "
        'owed at the horizon ("owed at T" in the summary), not cash (under advance a settlement is a '
        "clawback); simulation.horizon_months = 39 or more would bring them into the cash path\n")

    path = scenario(tmp_path, "monthly", "monthly", 2)
    _, err = run_ok("check", path)
    assert "2 settlements fall due after simulation.horizon_months = 36, the last in month 38" in err
    assert "simulation.horizon_months = 38 or more would bring them" in err


def test_a_network_warns_for_each_contract_and_delayed_subcontract():
    _, err = run_ok("check", SOURCE_DIR / "scenarios" / "prime-contractor.toml")
    lines = err.splitlines()
    assert len(lines) == 2, err
    assert ('provider.trust.contract.assessment = "quarterly" and '
            "provider.trust.contract.settlement_lag_months = 2, 1 settlement falls due after "
            "simulation.horizon_months = 36, in month 38" in lines[0])
    assert '("owed at T" of trust in the summary)' in lines[0]
    # vcs_crisis waits a month for its money: the lead's payment for month 36 arrives in 37.
    assert ("with network.subcontract.vcs_crisis.payment_delay_months = 1, 1 monthly payment of "
            "trust to vcs_crisis falls due after simulation.horizon_months = 36, in month 37: its "
            "money is owed to vcs_crisis at the horizon" in lines[1])
    assert "simulation.horizon_months = 39 or more" in lines[1]


def test_a_sweep_warns_once_per_distinct_calendar(tmp_path):
    text = SMALL_SCENARIO + """
[sweep]
mode = "grid"
[sweep.parameters]
"contract.assessment" = ["quarterly", "annual"]
"contract.settlement_lag_months" = [0, 2]
"provider.opening_cash" = [1.0e6, 3.0e6]
"""
    path = tmp_path / "sweep.toml"
    path.write_text(text)
    _, err = run_ok("check", path)
    lines = err.splitlines()
    assert len(lines) == 2, err  # lag 2 under each assessment, whatever the cash
    assert 'contract.assessment = "quarterly" and contract.settlement_lag_months = 2' in lines[0]
    assert 'contract.assessment = "annual" and contract.settlement_lag_months = 2' in lines[1]
    # A sweep's summary has no money columns: the warning points to the file.
    assert "(receivable_mean in the results file)" in lines[0]
