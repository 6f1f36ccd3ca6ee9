"""Extreme but valid inputs (docs/reliability.md "Numerical guards"): a 600-month
horizon, cash of 10^12, volatility 0, persistence 1, a singular correlation
matrix, indicators at 0 and 1, one run. Each gives finite, correct
statistics (NaN only where docs/model.md says a statistic has no value) or one
clear error: never NaN or inf passed off as an answer, never an overflow.
"""

import math
import os

import h5py
import numpy as np
import pytest

from conftest import SMALL_SCENARIO, SOURCE_DIR, run_binary, run_ok

ERROR_PREFIX = "shortfall: error: "

# Statistics that are NaN by definition in some cases (docs/model.md section 7,
# docs/model.md): a mean over no shortfalls, a paired standard error at one
# run, the earned fraction of an empty pot.
MAY_BE_NAN = {"first_shortfall_month_mean", "p_shortfall_diff_se", "earned_fraction_mean"}


def statistics(path):
    with h5py.File(path, "r") as f:
        return {name: f[name][()] for name in f if isinstance(f[name], h5py.Dataset)
                and f[name].dtype.kind == "f"}


def assert_sane(path, runs):
    """Finite where a value exists, and consistent with itself."""
    stats = statistics(path)
    for name, values in stats.items():
        if name not in MAY_BE_NAN:
            assert np.all(np.isfinite(values)), f"{name} is not finite: {values}"
    p = stats["p_shortfall"][0]
    assert np.all((0 <= p) & (p <= 1))
    assert np.all(stats["p_shortfall_ci_low"][0] <= p) and np.all(p <= stats["p_shortfall_ci_high"][0])
    by_month = stats["shortfall_by_month"][0]
    assert np.all(np.diff(by_month, axis=1) >= 0) and np.array_equal(by_month[:, -1], p)
    quantiles = stats["cash_quantiles"][0]
    assert np.all(np.diff(quantiles, axis=-1) >= 0), "quantiles out of order"
    first = stats["first_shortfall_month_mean"][0]
    assert np.array_equal(np.isnan(first), p == 0), "NaN exactly when there is no shortfall"
    if runs >= 2:
        assert np.all(np.isfinite(stats["p_shortfall_diff_se"]))
    return stats


def scenario(tmp_path, text, name="extreme"):
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return path


def with_values(text, **values):
    """SMALL_SCENARIO with `key = value` lines replaced (every occurrence)."""
    lines = []
    for line in text.splitlines():
        key = line.split("=", 1)[0].strip()
        lines.append(f"{key} = {values[key]}" if key in values and "=" in line else line)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# A known answer: with every source of noise at 0, every run is the same
# deterministic path, which docs/model.md's equations give directly.

def logistic(x):
    return 1.0 / (1.0 + math.exp(-x))


def logit(p):
    return math.log(p / (1.0 - p))


def deterministic_cash_path(s, h, advance):
    """Cash_1..Cash_T of docs/model.md sections 2-6 for a block contract without
    noise (demand, cost and indicator volatility 0, no sampling), stress
    feedback included."""
    T, M, L = s["T"], s["M"], s["L"]
    V, g_i, g_c, g_d, p = s["V"], s["g_i"], s["g_c"], s["g_d"], s["p"]
    d, phi, r, S, Z = s["d"], s["phi"], s["r"], s["S"], s["Z"]
    gamma, delta = s["gamma"], s["delta"]
    effort_h = 1.0 if advance else h
    x = [logit(i["baseline"]) for i in s["indicators"]]
    rate_sum = [0.0] * len(x)
    settlements = [0.0] * (T + 1)
    cash = s["opening"]
    stress = min(max((Z - cash) / (Z - S), 0.0), 1.0)
    path = []
    for t in range(1, T + 1):
        year = (t - 1) // 12
        feedback = delta * effort_h - gamma * stress
        for i, ind in enumerate(s["indicators"]):
            level = logit(ind["baseline"]) + ind["trend"] / 12.0 * t + ind["direction"] * feedback
            x[i] = x[i] + ind["reversion"] * (level - x[i])
            rate_sum[i] += logistic(x[i])
        if t % M == 0:
            k = t // M
            period_year = (k * M - 1) // 12
            pot = p * (V * (1 + g_i) ** period_year) * M / 12.0
            weighted = 0.0
            for i, ind in enumerate(s["indicators"]):
                rate = rate_sum[i] / M
                weighted += ind["weight"] * min(max((rate - ind["floor"]) / (ind["target"] - ind["floor"]), 0.0), 1.0)
                rate_sum[i] = 0.0
            earned = pot * weighted
            if k * M + L <= T:
                settlements[k * M + L] += -(pot - earned) if advance else earned
        monthly_value = V * (1 + g_i) ** year / 12.0
        base = (1.0 - (1.0 if advance else h) * p) * monthly_value
        outcome_money = (p * monthly_value if advance else 0.0) + settlements[t]
        activity = (1 + g_d) ** ((t - 1) / 12.0) * s["seasonality"][(t - 1) % 12]
        cost = (1 + d) * (V * (1 + g_c) ** year / 12.0) * (phi + (1 - phi) * activity)
        interest = r / 12.0 * max(0.0, -cash)
        cash += base + outcome_money - cost - interest
        path.append(cash)
        stress = min(max((Z - cash) / (Z - S), 0.0), 1.0)
    return path


INDICATORS = [
    {"id": "access", "weight": 0.5, "direction": 1, "baseline": 0.58, "target": 0.60, "floor": 0.50,
     "trend": 0.10, "reversion": 0.2},
    {"id": "readmission", "weight": 0.5, "direction": -1, "baseline": 0.09, "target": 0.08, "floor": 0.11,
     "trend": -0.05, "reversion": 0.1},
]


def deterministic_scenario(T, V, opening, S, Z):
    s = {"T": T, "M": 3, "L": 2, "V": V, "g_i": 0.021, "g_c": 0.023, "g_d": 0.01, "p": 0.03,
         "d": 0.015, "phi": 0.75, "r": 0.035, "opening": opening, "S": S, "Z": Z, "gamma": 0.3,
         "delta": 0.2, "indicators": INDICATORS,
         "seasonality": [0.99, 1.00, 0.99, 0.98, 0.96, 1.01, 1.03, 1.03, 0.97, 1.02, 1.01, 1.01]}
    indicators = "".join(
        f"""
[[indicator]]
id = "{i['id']}"
weight = {i['weight']}
direction = "{'higher' if i['direction'] > 0 else 'lower'}"
baseline = {i['baseline']}
target = {i['target']}
floor = {i['floor']}
trend = {i['trend']}
reversion = {i['reversion']}
volatility = 0.0
cases_per_month = 0
""" for i in INDICATORS)
    text = f"""title = "deterministic"
[simulation]
runs = 3
horizon_months = {T}
seed = 5
[provider]
opening_cash = {opening!r}
shortfall_threshold = {S!r}
stress_start_cash = {Z!r}
stress_penalty = {s['gamma']}
underlying_deficit = {s['d']}
fixed_cost_share = {s['phi']}
cost_growth = {s['g_c']}
cost_noise = 0.0
overdraft_rate = {s['r']}
[demand]
volatility = 0.0
persistence = 1.0
growth = {s['g_d']}
seasonality = {s['seasonality']}
[contract]
annual_value = {V!r}
income_growth = {s['g_i']}
outcome_share = {s['p']}
structures = ["bonus", "withhold", "advance", 0.5]
assessment = "quarterly"
settlement_lag_months = {s['L']}
payment_rule = "linear"
withhold_effort_effect = {s['delta']}
{indicators}"""
    return s, text


@pytest.mark.parametrize("T, V, opening, S, Z", [
    (36, 150.0e6, 3.0e6, 0.0, 12.0e6),
    # 50 years of a £10^12 contract from £10^12 in hand, the threshold a
    # £10^11 facility below zero: money large enough to lose digits if summed
    # carelessly.
    (600, 1.0e12, 1.0e12, -1.0e11, 2.0e12),
], ids=["36_months", "600_months_of_10_to_the_12"])
def test_a_deterministic_scenario_gives_the_equations_answer(tmp_path, T, V, opening, S, Z):
    s, text = deterministic_scenario(T, V, opening, S, Z)
    out = tmp_path / "deterministic.h5"
    run_ok("run", scenario(tmp_path, text), "-o", out, "--quiet")
    stats = assert_sane(out, runs=3)
    for index, (h, advance) in enumerate([(0.0, False), (1.0, False), (1.0, True), (0.5, False)]):
        expected = np.array(deterministic_cash_path(s, h, advance))
        cash = stats["cash_quantiles"][0, index]  # [month, quantile]: every quantile is the path
        # Double arithmetic in another order, and a logistic within 4 ulp of
        # exp: agreement to 1e-9 relative to the money in play.
        scale = max(V, abs(opening))
        for q in range(cash.shape[1]):
            assert np.allclose(cash[:, q], expected, rtol=1e-9, atol=1e-9 * scale), (index, q)
        assert math.isclose(stats["min_cash_quantiles"][0, index, 2], expected.min(), rel_tol=1e-9,
                            abs_tol=1e-9 * scale)
        short = expected < S
        assert stats["p_shortfall"][0, index] == (1.0 if short.any() else 0.0)
        if short.any():
            assert stats["first_shortfall_month_mean"][0, index] == 1 + int(np.argmax(short))
        # every run is the same: the paired difference has no spread
        assert stats["p_shortfall_diff_se"][0, index] == 0.0


# ---------------------------------------------------------------------------
# Extreme values that must simply work.

def test_600_months_with_persistence_1(tmp_path):
    # A random walk of log activity for 50 years: its variance t sigma^2
    # (docs/model.md 3, the rho = 1 limit) reaches 600 x 0.03^2.
    text = with_values(SMALL_SCENARIO, horizon_months=600, persistence=1.0)
    out = tmp_path / "long.h5"
    run_ok("run", scenario(tmp_path, text), "-o", out, "--quiet", "--runs", 300)
    stats = assert_sane(out, runs=300)
    assert stats["cash_quantiles"].shape == (1, 3, 600, 5)


def test_a_singular_correlation_matrix_makes_equal_indicators_move_together(tmp_path):
    # Two indicators with the same parameters and correlation 1: the matrix
    # is positive semi-definite but singular (factored through its
    # eigen-decomposition), and the two must have the same achievement.
    twin = SMALL_SCENARIO.split("[[indicator]]")[1]
    base = SMALL_SCENARIO.split("[[indicator]]")[0]
    first = twin.replace("weight = 0.25", "weight = 0.5").replace("cases_per_month = 6", "cases_per_month = 0")
    second = first.replace('id = "eip_two_weeks"', 'id = "eip_twin"')
    text = base.replace("correlation = 0.2", "correlation = [[1.0, 1.0], [1.0, 1.0]]") + \
        "[[indicator]]" + first + "[[indicator]]" + second
    out = tmp_path / "singular.h5"
    run_ok("run", scenario(tmp_path, text), "-o", out, "--quiet", "--runs", 2000)
    stats = assert_sane(out, runs=2000)
    achievement = stats["indicator_achievement_mean"][0]  # [structure, indicator]
    assert np.allclose(achievement[:, 0], achievement[:, 1], rtol=1e-12, atol=1e-15), achievement


def test_every_indicator_at_its_limits(tmp_path):
    # Targets 0 (higher is better) and 1 (lower is better) are met by every
    # possible rate, so every period earns its whole pot; baselines a hair
    # from 0 and 1 stay finite on the logit scale.
    text = SMALL_SCENARIO.replace('payment_rule = "linear"', 'payment_rule = "threshold"')
    lines = []
    for line in text.splitlines():
        if line.startswith("target = "):
            line = "target = 0.0" if lines and any("higher" in l for l in lines[-8:]) else "target = 1.0"
        if line.startswith("floor = "):
            continue
        lines.append(line)
    text = "\n".join(lines).replace("baseline = 0.58", "baseline = 1e-12").replace(
        "baseline = 0.96", "baseline = 0.999999999999")
    out = tmp_path / "limits.h5"
    run_ok("run", scenario(tmp_path, text), "-o", out, "--quiet", "--runs", 1000)
    stats = assert_sane(out, runs=1000)
    assert np.all(stats["earned_fraction_mean"][0] == 1.0)
    assert np.all(stats["indicator_achievement_mean"][0] == 1.0)


def test_one_run_has_the_documented_nans_only(tmp_path, small_scenario):
    out = tmp_path / "one.h5"
    run_ok("run", small_scenario, "-o", out, "--quiet", "--runs", 1)
    stats = assert_sane(out, runs=1)
    se = stats["p_shortfall_diff_se"][0]
    assert se[0] == 0.0 and np.all(np.isnan(se[1:])), se  # NaN at N = 1 (docs/model.md)


# ---------------------------------------------------------------------------
# Values that cannot be simulated: one clear error, nothing left behind.

@pytest.mark.parametrize("replacements", [
    # exp(a_t) overflows to inf while exp(-v_t / 2) underflows to 0: NaN
    {"volatility = 0.03": "volatility = 1.0e6"},
    # £10^300 doubling every year for 100 years passes 1.8e308
    {"annual_value = 150.0e6": "annual_value = 1.0e300", "opening_cash = 3.0e6": "opening_cash = 1.0e300",
     "stress_start_cash = 12.0e6": "stress_start_cash = 2.0e300", "income_growth = 0.021": "income_growth = 1.0",
     "cost_growth = 0.023": "cost_growth = 1.0", "horizon_months = 36": "horizon_months = 1200"},
], ids=["demand_volatility_1e6", "money_beyond_1e308"])
def test_overflowing_values_are_refused(tmp_path, replacements):
    text = SMALL_SCENARIO
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    path = scenario(tmp_path, text)
    out = tmp_path / "out.h5"
    code, stdout, err = run_binary("run", path, "-o", out, "--runs", 10)
    assert (code, stdout) == (1, ""), err
    assert err.startswith(f"{ERROR_PREFIX}{path}: run ") and " in month " in err, err
    assert any(f"is {value}:" in err for value in ("NaN", "+inf", "-inf")), err
    assert "overflow double precision" in err and err.count("\n") == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["extreme.toml"]
    # `check` runs a few blocks to time them: it finds the same overflow and
    # says the study is not valid, in the same words, with nothing on stdout.
    if "horizon_months = 1200" not in text:  # 64 runs of 100 years find it too, but slowly
        assert run_binary("check", path) == (1, "", err)


def test_an_overflow_in_a_network_names_the_provider(tmp_path):
    # The tally's columns are (structure, provider) pairs: the message names both.
    prime = SOURCE_DIR / "scenarios" / "prime-contractor.toml"
    out = tmp_path / "out.h5"
    code, stdout, err = run_binary("run", prime, "-o", out, "--runs", 10,
                                   "--set", "provider.vcs_recovery.demand.volatility=1.0e6")
    assert (code, stdout) == (1, ""), err
    assert " under bonus for provider 'vcs_recovery': " in err and "overflow double precision" in err, err
    assert not out.exists()


def machine_memory():
    return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def test_a_study_beyond_memory_is_refused_before_it_starts(tmp_path):
    # --keep-runs holds every run: at least 10^7 runs of 600 months, and
    # enough to need four times this machine's memory, so the test refuses
    # the same on any machine.
    bytes_per_run = 3 * (603 * 8 + 1 + 88)
    runs = max(10**7, min(10**9, 4 * machine_memory() // bytes_per_run))
    text = with_values(SMALL_SCENARIO, horizon_months=600)
    path = scenario(tmp_path, text)
    out = tmp_path / "out.h5"
    code, stdout, err = run_binary("run", path, "-o", out, "--runs", runs, "--keep-runs")
    assert (code, stdout) == (1, ""), err
    assert err.startswith(f"{ERROR_PREFIX}{path}: needs about ") and "of memory" in err, err
    assert f"{runs} runs x 3 structures x 600 months" in err and "use fewer runs" in err, err
    assert "every run's record" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["extreme.toml"]


def test_check_reports_the_memory_a_run_needs(small_scenario):
    # Without --keep-runs the merged state does not grow with the runs.
    lines = []
    for runs in (1000, 100000, 1000000000):
        out, _ = run_ok("check", small_scenario, "--set", f"simulation.runs={runs}", "--threads", "1")
        lines.append(next(l for l in out.splitlines() if l.startswith("# memory: about ")))
    assert "at the peak, of " in lines[0] and "this process may use" in lines[0]
    assert lines[0] == lines[1] == lines[2], lines
    # 3 structures x 39 sketches of 64 KiB, and 4 blocks of 1,000 runs x 3
    # structures x 39 values of 8 bytes and a flag: 7.7 + 3.8 MB.
    assert "about 11 MB" in lines[0], lines[0]
