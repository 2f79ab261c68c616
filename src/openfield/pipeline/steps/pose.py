"""The pose made elsewhere: DeepLabCut's analysis of the video, or the user's pose file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openfield.errors import OpenfieldError
from openfield.pipeline.ledger import Ledger, fingerprint


def dlc_pose_step(ledger: Ledger, video: Path, dlc_config: Path) -> tuple[str, Path]:
    """DeepLabCut (:func:`openfield.pose.dlc.analyze_videos`) -> its ``<stem>DLC...h5``.

    Returns
    -------
    fingerprint : str
    path : Path
        The pose file DeepLabCut returned (the filtered one when it filters).
    """
    fp = fingerprint("pose", {"method": "dlc"}, sources=[video, dlc_config])
    if ledger.current("pose", fp):
        return fp, ledger.output("pose", "pose")
    try:
        from openfield.pose import dlc  # lazy: only --pose dlc needs DeepLabCut
    except ImportError as exc:
        raise OpenfieldError(
            f"--pose dlc is not available here ({exc}); install the 'pose' extra "
            "(pip install openfield[pose]) or use --pose classic"
        ) from exc
    # outputs recorded with other settings (or --overwrite) are redone; DeepLabCut files already there
    # without a record (e.g. from `openfield pose analyze`) are taken as they are
    redo = ledger.overwrite or "pose" in ledger.records
    outputs = dlc.analyze_videos([video], dlc_config, ledger.out_dir, overwrite=redo)
    if not outputs:
        raise OpenfieldError("DeepLabCut produced no pose file", video)
    path = Path(outputs[0])
    ledger.record("pose", fp, {"pose": path})
    return fp, path


def pose_file_step(pose_file: Path, fps: float, source_software: str | None = None) -> str:
    """The fingerprint of a user's pose file (``openfield kinematics``): the file is the pose step.

    ``source_software`` (given) enters the settings; told from the file (None), the fingerprint is as before.
    """
    settings: dict[str, Any] = {"method": "file", "fps": fps}
    if source_software is not None:
        settings["source_software"] = source_software
    return fingerprint("pose", settings, sources=[pose_file])
