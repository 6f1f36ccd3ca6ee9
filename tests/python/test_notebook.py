"""analysis/notebooks/withhold-vs-bonus.ipynb is stored without outputs and
executes headlessly (jupyter nbconvert, Debian's python3 kernel) without an
error, running a small sweep with the executable under test."""

import os
import shutil
import subprocess
import sys

import nbformat

from conftest import BINARY, PACKAGE_DIR, SOURCE_DIR

NOTEBOOK = SOURCE_DIR / "analysis" / "notebooks" / "withhold-vs-bonus.ipynb"
# Generous: the notebook takes about 15 s with 1,000 runs on one thread.
EXECUTE_TIMEOUT_SECONDS = 600


def test_the_notebook_is_stored_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def nbconvert():
    jupyter = shutil.which("jupyter")
    return [jupyter, "nbconvert"] if jupyter else [sys.executable, "-m", "nbconvert"]


def test_the_notebook_executes(tmp_path):
    assert BINARY.is_file(), f"no shortfall executable at {BINARY} (set SHORTFALL_BIN)"
    env = dict(os.environ,
               SHORTFALL_BIN=str(BINARY), SHORTFALL_NOTEBOOK_DIR=str(tmp_path / "out"),
               SHORTFALL_RUNS="1000", SHORTFALL_THREADS="1", PYTHONPATH=str(PACKAGE_DIR),
               MPLBACKEND="Agg", PYDEVD_DISABLE_FILE_VALIDATION="1", MPLCONFIGDIR=str(tmp_path / "mpl"),
               PYTHONDONTWRITEBYTECODE="1", JUPYTER_PLATFORM_DIRS="1")
    done = subprocess.run(
        [*nbconvert(), "--to", "notebook", "--execute", str(NOTEBOOK), "--output-dir", str(tmp_path),
         "--output", "executed.ipynb", "--ExecutePreprocessor.timeout=600",
         "--ExecutePreprocessor.kernel_name=python3"],
        env=env, capture_output=True, text=True, timeout=EXECUTE_TIMEOUT_SECONDS, check=False)
    assert done.returncode == 0, f"nbconvert exited {done.returncode}\n{done.stderr[-5000:]}"

    executed = nbformat.read(tmp_path / "executed.ipynb", as_version=4)
    outputs = [output for cell in executed.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(figures) == 7  # every figure cell shows its figure
    assert (tmp_path / "out" / "withhold-sweep.h5").is_file()
    assert (tmp_path / "out" / "report" / "report.html").is_file()
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "opening cash" in text and "difference" in text
