"""Reading and plotting the results files of `shortfall run`.

Importable without installing: `PYTHONPATH=analysis/python /usr/bin/python3`
(docs/python.md).
"""

from . import plots
from .excel import to_excel
from .like_for_like import decomposition, open_decomposition
from .sobol import saltelli_layout, sobol_indices
from .results import (FORMAT_NAME, KNOWN_MAJOR_VERSIONS, ResultsFileError, design_dims,
                      open_results, open_runs, scenario_settings, swept_keys, sweep_mode, to_frame)

__all__ = [
    "FORMAT_NAME", "KNOWN_MAJOR_VERSIONS", "ResultsFileError", "decomposition", "design_dims",
    "open_decomposition", "open_results", "open_runs", "plots", "saltelli_layout",
    "scenario_settings", "sobol_indices", "swept_keys", "sweep_mode", "to_excel", "to_frame",
]
