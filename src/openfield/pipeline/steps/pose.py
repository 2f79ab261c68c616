"""The pose made elsewhere: DeepLabCut's analysis of the video, or the user's pose file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openfield.errors import OpenfieldError
from openfield.pipeline.ledger import Ledger, fingerprint
from openfield.pipeline.steps.processing_log import keep_section
from openfield.provenance import log_record


def dlc_pose_step(ledger: Ledger, video: Path, dlc_config: Path) -> tuple[str, Path]:
    """DeepLabCut -> its ``<stem>DLC...h5``: :func:`openfield.pipeline.dlc.dlc_analysis_step` (the one
    DeepLabCut analysis step, shared with ``openfield pose analyze``), default settings.

    Returns
    -------
    fingerprint : str
    path : Path
        The pose file DeepLabCut returned (the filtered one when it filters).
    """
    try:
        from openfield.pipeline.dlc import dlc_analysis_step  # lazy: only --pose dlc needs the DeepLabCut wrapper
    except ImportError as exc:
        raise OpenfieldError(
            f"--pose dlc is not available here ({exc}); install the 'pose' extra "
            "(pip install openfield[pose]) or use --pose classic"
        ) from exc
    fp, path = dlc_analysis_step(ledger, video, dlc_config)
    if "pose" in ledger.ran:  # analysed now (not skipped): its processing-log record
        keep_section(ledger, "pose", [log_record("pose", {"method": "dlc", "dlc_config": str(dlc_config),
                                                          "video": video.name, "pose_file": path.name})])
    return fp, path


def pose_file_step(pose_file: Path, fps: float, source_software: str | None = None) -> str:
    """The fingerprint of a user's pose file (``openfield kinematics``): the file is the pose step.

    ``source_software`` (given) enters the settings; told from the file (None), the fingerprint is as before.
    """
    settings: dict[str, Any] = {"method": "file", "fps": fps}
    if source_software is not None:
        settings["source_software"] = source_software
    return fingerprint("pose", settings, sources=[pose_file])
