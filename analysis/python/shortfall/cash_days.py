"""Opening cash in days of operating cost, as finance directors count it.

docs/model.md, "Cash in days": a day is (1 + d) V / 365, year 0's operating
cost at its mean, with d the provider's underlying deficit and V the annual
value its cash defaults are reckoned on: its contract's annual value (the sum
of its segments), and in a network a subcontractor's subcontract value. The
same definition as the scenario key provider.opening_cash_days.
"""

from __future__ import annotations

import math

import numpy as np

from .results import scenario_settings


def _provider_tables(settings, provider):
    """(the provider's table, its contract table, its segments) of the
    resolved scenario SETTINGS; PROVIDER names one of a network."""
    providers = settings.get("provider")
    if isinstance(providers, list):
        chosen = next((p for p in providers if p.get("id") == provider), providers[0])
        return chosen, chosen.get("contract"), chosen.get("segment")
    return providers or {}, settings.get("contract"), settings.get("segment")


def annual_value(settings, provider=None):
    """V of PROVIDER (docs/model.md, "Cash in days"); NaN when the scenario does not say."""
    for subcontract in (settings.get("network") or {}).get("subcontract", []):
        if subcontract.get("provider") == provider:
            return float(subcontract["value"])
    _table, contract, segments = _provider_tables(settings, provider)
    if segments:
        return float(sum(segment["annual_value"] for segment in segments))
    if contract and "annual_value" in contract:
        return float(contract["annual_value"])
    return math.nan


def _at_point(point, key, default):
    """The swept KEY's value at the selected POINT (a Dataset at one design point), else DEFAULT."""
    if point is not None and key in point.coords and point[key].size == 1:
        value = point[key].values
        if np.asarray(value).dtype.kind in "iuf":
            return float(value)
    return default


def opening_cash(ds, point=None, provider=None):
    """(opening cash in £, in days of year-0 operating cost) of PROVIDER at
    POINT (the Dataset at one design point; the base scenario without it).
    A single provider's swept keys (provider.opening_cash, ..._days,
    ..._underlying_deficit, contract.annual_value) are taken at the point."""
    try:
        settings = scenario_settings(ds)
    except Exception:  # noqa: BLE001 - no readable scenario text: nothing to say
        return math.nan, math.nan
    table, _contract, _segments = _provider_tables(settings, provider)
    single = not isinstance(settings.get("provider"), list)
    value = annual_value(settings, provider)
    deficit = float(table.get("underlying_deficit", 0.0))
    cash = float(table.get("opening_cash", math.nan))
    # The resolved text keeps the spelling the file used: days stay days.
    given_days = float(table["opening_cash_days"]) if "opening_cash_days" in table else None
    if single:
        value = _at_point(point, "contract.annual_value", value)
        deficit = _at_point(point, "provider.underlying_deficit", deficit)
        cash = _at_point(point, "provider.opening_cash", cash)
    else:
        prefix = f"provider.{provider}."
        deficit = _at_point(point, prefix + "underlying_deficit", deficit)
        cash = _at_point(point, prefix + "opening_cash", cash)
    day = (1.0 + deficit) * value / 365.0
    if given_days is not None and not (point is not None and ("provider.opening_cash" if single else
                                                             f"provider.{provider}.opening_cash") in point.coords):
        cash = given_days * day
    days = cash / day if day > 0 else math.nan
    days_key = "provider.opening_cash_days" if single else f"provider.{provider}.opening_cash_days"
    swept_days = _at_point(point, days_key, None)
    if swept_days is not None:
        days, cash = swept_days, swept_days * day
    return cash, days


__all__ = ["annual_value", "opening_cash"]
