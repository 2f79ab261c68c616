"""DeepLabCut's SuperAnimal-TopViewMouse: pose of a mouse seen from above, without training.

The model's weights come from the Hugging Face hub on first use; offline and
without them this stops with one clear line.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from openfield.device import resolve_device
from openfield.errors import OpenfieldError
from openfield.io.files import atomic_write
from openfield.pose.dlc.checks import check_at_least, check_videos, hub_reachable
from openfield.pose.dlc.session import dlc_session, import_deeplabcut

log = logging.getLogger(__name__)

#: DeepLabCut's SuperAnimal model for top-view mice.
SUPERANIMAL_NAME = "superanimal_topviewmouse"
SUPERANIMAL_MODEL = "hrnet_w32"
SUPERANIMAL_DETECTOR = "fasterrcnn_resnet50_fpn_v2"


def analyze_superanimal(
    videos: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    model_name: str = SUPERANIMAL_MODEL,
    detector_name: str = SUPERANIMAL_DETECTOR,
    batch_size: int = 8,
    device: str = "auto",
    labeled_video: bool = False,
) -> list[Path]:
    """Track a mouse with DeepLabCut's SuperAnimal-TopViewMouse (no training).

    The model's weights come from the Hugging Face hub on first use (then
    DeepLabCut keeps them in its ``modelzoo/checkpoints``); without network
    and without them this stops with one clear line. The output is reduced
    to one animal and written as ``<video>_superanimal_topviewmouse.h5/.csv``
    (DeepLabCut layout, the model's 27 body parts) in ``out_dir``. Every
    video is analysed (in a new temporary folder, so DeepLabCut never skips
    one it finds done): whether a video needs it is decided by
    :mod:`openfield.pipeline.dlc`, which resumes through the output
    folder's ledger.

    Parameters
    ----------
    videos
        Video files.
    out_dir
        Output folder (created).
    model_name, detector_name
        SuperAnimal pose model and animal detector.
    batch_size
        Frames per forward pass.
    device
        ``auto``, ``cpu`` or ``cuda``.
    labeled_video
        Also write a labelled video.

    Returns
    -------
    list of Path
        One ``.h5`` per video, readable with :func:`openfield.io.read_dlc`.
    """
    checked = check_videos(videos)
    dev = resolve_device(device)
    check_at_least(batch_size, 1, "batch_size")
    dlc = import_deeplabcut()
    get_super_animal_snapshot_path = import_deeplabcut(
        "pose_estimation_pytorch.modelzoo.utils"
    ).get_super_animal_snapshot_path

    models = (model_name, detector_name)
    needed = [get_super_animal_snapshot_path(SUPERANIMAL_NAME, m, download=False) for m in models]
    missing = [p for p in needed if not p.exists()]
    if missing:
        if not hub_reachable():
            raise OpenfieldError(
                f"SuperAnimal-TopViewMouse weights ({', '.join(p.name for p in missing)}) are not on this "
                "machine and cannot be downloaded (no network or HF_HUB_OFFLINE=1); run once with network, "
                "or train a project model with 'openfield pose train'"
            )
        with dlc_session("downloading SuperAnimal-TopViewMouse weights"):
            for m in (model_name, detector_name):
                get_super_animal_snapshot_path(SUPERANIMAL_NAME, m, download=True)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for video, _fps in checked:
        final = out / f"{video.stem}_{SUPERANIMAL_NAME}.h5"
        tmp = Path(tempfile.mkdtemp(prefix=f".superanimal-{video.stem}-", dir=out))
        try:
            with dlc_session(f"analysing {video.name} with SuperAnimal-TopViewMouse", video):
                dlc.video_inference_superanimal(
                    [str(video)],
                    superanimal_name=SUPERANIMAL_NAME,
                    model_name=model_name,
                    detector_name=detector_name,
                    dest_folder=str(tmp),
                    batch_size=batch_size,
                    device=dev,
                    max_individuals=1,
                    create_labeled_video=labeled_video,
                    plot_bboxes=False,
                )
            produced = sorted(tmp.glob(f"{video.stem}*.h5"))
            if not produced:
                raise OpenfieldError("SuperAnimal inference wrote no .h5", tmp)
            df = pd.read_hdf(produced[0])
            if "individuals" in (df.columns.names or []):
                first = df.columns.get_level_values("individuals")[0]
                df = df.xs(first, axis=1, level="individuals", drop_level=True)
            with atomic_write(final.with_suffix(".csv")) as t:
                df.to_csv(t)
            for item in tmp.glob("*.mp4"):
                os.replace(item, out / item.name)
            with atomic_write(final) as t:
                df.to_hdf(t, key="df_with_missing", mode="w")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        results.append(final)
    return results
