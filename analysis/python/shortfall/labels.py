"""The words and units a report uses for scenario keys and money: the one
home of each key's plain label and unit in the Python package.

The labels sit beside the key table (docs/scenario-keys.md), and a test
(tests/python/test_board_report.py) fails when a number key there has no
label here or another unit.

A swept key such as `network.subcontract.vcs_recovery.pass_through` is shown
as "share of the withhold passed on, vcs_recovery"; the label of its last
part comes from LEAF_LABELS (written from the meanings in
docs/scenario-keys.md), the provider, subcontract or indicator it belongs to
is named after a comma. Money is shown in £ millions with one decimal.
"""

from __future__ import annotations

import numpy as np

# Plain labels of the last part of a key (docs/scenario-keys.md says what each means).
LEAF_LABELS = {
    "opening_cash": "opening cash",
    "opening_cash_days": "opening cash in days",
    "shortfall_threshold": "shortfall threshold",
    "shortfall_threshold_days": "shortfall threshold in days",
    "stress_start_cash": "cash at which stress starts",
    "stress_penalty": "stress penalty on outcomes",
    "underlying_deficit": "underlying deficit",
    "fixed_cost_share": "fixed share of costs",
    "cost_growth": "cost growth a year",
    "cost_noise": "cost noise",
    "overdraft_rate": "overdraft interest rate",
    "annual_value": "contract value a year",
    "value": "subcontract value a year",
    "basis": "contract basis",
    "income_growth": "income growth a year",
    "outcome_share": "share of the contract paid on outcomes",
    "assessment": "assessment frequency",
    "settlement_lag_months": "settlement lag",
    "payment_rule": "payment rule",
    "withhold_effort_effect": "effort effect of a withhold",
    "pass_through": "share of the withhold passed on",
    "payment_delay_months": "payment delay to the subcontractor",
    "management_fee": "integrator's management fee",
    "corridor": "risk-share corridor",
    "commissioner_share": "commissioner's share of the risk",
    "volatility": "volatility",
    "persistence": "demand persistence",
    "growth": "demand growth a year",
    "baseline": "baseline",
    "target": "target",
    "floor": "floor",
    "weight": "weight",
    "trend": "trend",
    "reversion": "reversion",
    "cases_per_month": "cases a month",
    "runs": "runs",
    "horizon_months": "horizon",
}

# Tables of the scenario language: the parts of a key that are not a name.
_TABLES = {"provider", "contract", "demand", "risk_share", "network", "subcontract", "segment",
           "indicator", "performance", "simulation"}

# The unit of a key, by its last part.
MONEY_KEYS = {"opening_cash", "shortfall_threshold", "stress_start_cash", "annual_value", "value"}
SHARE_KEYS = {"outcome_share", "underlying_deficit", "fixed_cost_share", "cost_growth", "cost_noise",
              "overdraft_rate", "growth", "income_growth", "corridor", "commissioner_share",
              "baseline", "target", "floor", "management_fee", "pass_through"}
LOGIT_KEYS = {"stress_penalty", "withhold_effort_effect", "volatility", "trend"}
MONTH_KEYS = {"settlement_lag_months", "payment_delay_months", "horizon_months"}
DAY_KEYS = {"opening_cash_days", "shortfall_threshold_days"}  # days of operating cost


def key_kind(key):
    """'money', 'share', 'logit', 'months', 'days' or 'number': the unit of KEY."""
    leaf = key.rsplit(".", 1)[-1]
    if leaf in MONEY_KEYS:
        return "money"
    if leaf in SHARE_KEYS:
        return "share"
    if leaf in LOGIT_KEYS:
        return "logit" if key.startswith("indicator.") or leaf != "volatility" else "number"
    if leaf in MONTH_KEYS:
        return "months"
    if leaf in DAY_KEYS:
        return "days"
    return "number"


def plain_label(key):
    """KEY in words, without its unit: 'indicator.*.volatility' ->
    'volatility of every indicator'."""
    parts = key.split(".")
    leaf = parts[-1]
    words = LEAF_LABELS.get(leaf, leaf.replace("_", " "))
    names = [p for p in parts[:-1] if p not in _TABLES]
    if parts[0] == "indicator" and len(parts) == 3:
        return f"{words} of every indicator" if parts[1] == "*" else f"{words} of indicator {parts[1]}"
    if parts[0] == "demand" or "demand" in parts[:-1]:
        words = words if words.startswith("demand") else f"demand {words}"
    return ", ".join([words, *names])


def format_millions(value, decimals=1):
    """£ millions with DECIMALS decimals and a true minus: -1.26e6 -> '−£1.3m'."""
    if value is None or not np.isfinite(value):
        return "n/a"
    text = f"{abs(value) / 1e6:.{decimals}f}"
    sign = "−" if value < 0 and float(text) != 0 else ""
    return f"{sign}£{text}m"


def format_days(days):
    """A number of days: '14.6 days'."""
    return "n/a" if days is None or not np.isfinite(days) else f"{days:.1f} days"


__all__ = ["LEAF_LABELS", "format_days", "format_millions", "key_kind", "plain_label"]
