"""Running a stored notebook headless in the tests, as a user would top to bottom."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def run_notebook(name: str, sample_data: Path, out_dir: Path, monkeypatch, timeout: int = 300):
    """Execute ``notebooks/<name>`` with the sample data and an output folder given through the environment.

    Checks first that the notebook is stored without outputs; returns the executed notebook.
    """
    path = NOTEBOOKS / name
    monkeypatch.setenv("OPENFIELD_SAMPLE_DATA", str(sample_data))
    monkeypatch.setenv("OPENFIELD_OUTPUT_DIR", str(out_dir))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # let the kernel use its inline backend
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "store notebooks without outputs"
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
                   ).execute()
    return nb
