"""The 95 % Wilson interval of a share of runs, as the results file computes
p_shortfall_ci_low and _high (docs/model.md section 7), for the shares the
file does not hold an interval for (a network's p_any_shortfall, a solve's
points). Its own module so the plots, the report and solve share it without
importing each other."""

import numpy as np

WILSON_Z = 1.959964


def wilson_interval(p, runs, z=WILSON_Z):
    """The 95 % Wilson interval of the share P of RUNS (arrays), as in the
    results file."""
    p, n = np.asarray(p, dtype=float), np.asarray(runs, dtype=float)
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


__all__ = ["WILSON_Z", "wilson_interval"]
