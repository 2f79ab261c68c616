"""Analysing videos with a trained network: pose files per video, filtered or cleaned.

:func:`analyze_videos` writes DeepLabCut's ``.h5``/``.csv`` per video (plus
the median-filtered or openfield-cleaned version) and returns the paths;
:func:`openfield.io.read_dlc` turns each into our pose Dataset.
:func:`clean_pose` is the openfield cleaning, a pure function on that Dataset.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openfield import cleaning
from openfield.device import resolve_device
from openfield.errors import OpenfieldError
from openfield.io import read_dlc
from openfield.io.files import atomic_write
from openfield.io.pose import to_dlc_dataframe
from openfield.pose.dlc.checks import check_at_least, check_config, check_videos, read_yaml
from openfield.pose.dlc.project import repair_project, train_fraction, trained_snapshots
from openfield.pose.dlc.session import dlc_session, import_deeplabcut

log = logging.getLogger(__name__)

#: Filters :func:`analyze_videos` knows.
FILTERS = ("median", "openfield", "none")


def clean_pose(
    ds: Any, likelihood_cutoff: float, max_gap_s: float = 0.5, smooth_window_s: float = 0.25
) -> Any:
    """openfield's cleaning of every body part of a pose dataset (in pixels).

    Per body part: points with likelihood below ``likelihood_cutoff`` are
    dropped, interior gaps up to ``max_gap_s`` are filled linearly, and each
    stretch is smoothed (Savitzky-Golay, order 2, ``smooth_window_s``) with
    :mod:`openfield.cleaning`. Likelihoods are kept. (Jump removal needs a
    speed limit in cm/s and so waits for the calibration, in the kinematics.)

    Parameters
    ----------
    ds
        Pose dataset (:func:`openfield.io.read_dlc`) with ``attrs['fps']``.
    likelihood_cutoff, max_gap_s, smooth_window_s
        The cleaning's settings.

    Returns
    -------
    xarray.Dataset
        A cleaned copy.
    """
    fps = ds.attrs.get("fps")
    if not fps:
        raise OpenfieldError("the pose dataset has no fps; cleaning needs it", ds.attrs.get("source_file"))
    out = ds.copy(deep=True)
    window = cleaning.window_frames(smooth_window_s, fps, 2)
    max_gap = int(round(max_gap_s * fps))
    for ind in range(ds.sizes["individuals"]):
        for kp in range(ds.sizes["keypoints"]):
            xy = ds["position"].isel(individuals=ind, keypoints=kp).transpose("time", "space").values
            lik = ds["confidence"].isel(individuals=ind, keypoints=kp).values
            xy = cleaning.mask_low_likelihood(xy, lik, likelihood_cutoff)
            xy, _ = cleaning.interpolate_gaps(xy, max_gap)
            xy = cleaning.smooth(xy, window, 2)
            out["position"][:, :, kp, ind] = xy
    return out


def analyze_videos(
    videos: Sequence[str | os.PathLike[str]],
    config_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    shuffle: int = 1,
    trainingsetindex: int = 0,
    batch_size: int = 8,
    device: str = "auto",
    filter: str = "median",
    labeled_video: bool = False,
) -> list[Path]:
    """Track the body parts in videos with the project's trained network.

    Writes into ``out_dir``, per video, DeepLabCut's ``<video><scorer>.h5``
    and ``.csv`` (x, y in pixels and likelihood per body part and frame),
    with ``filter="median"`` also the median-filtered
    ``<video><scorer>_filtered.h5/.csv`` (DeepLabCut's ``filterpredictions``,
    window 5 frames), with ``filter="openfield"`` instead
    ``<video><scorer>_cleaned.h5/.csv`` (:func:`clean_pose` with the
    config's ``pcutoff``), and with ``labeled_video`` a video with the points
    drawn on (:func:`label_videos`). Each video is analysed in a new
    temporary folder (so DeepLabCut, which skips a video whose files it
    finds, always analyses it) and its files moved into ``out_dir`` when
    complete, so a finished output is never partial.

    Every video is analysed: whether a video needs it is decided by
    :mod:`openfield.pipeline.dlc` (``openfield pose analyze``, ``openfield
    run --pose dlc``), which resumes through the output folder's ledger.

    Parameters
    ----------
    videos
        Video files.
    config_path
        The project's ``config.yaml`` (a moved project is repaired first).
    out_dir
        Output folder (created).
    shuffle, trainingsetindex
        Which trained network.
    batch_size
        Frames per forward pass.
    device
        ``auto``, ``cpu`` or ``cuda``.
    filter
        ``"median"``, ``"openfield"`` or ``"none"``.
    labeled_video
        Also write a labelled video.

    Returns
    -------
    list of Path
        One pose file per video, in order: the filtered (or cleaned)
        ``.h5``, or the raw one with ``filter="none"``. Read it with
        :func:`openfield.io.read_dlc`.
    """
    path = check_config(config_path)
    checked = check_videos(videos)
    dev = resolve_device(device)
    if filter not in FILTERS:
        raise OpenfieldError(f"unknown filter {filter!r}: use one of {', '.join(FILTERS)}")
    check_at_least(batch_size, 1, "batch_size")
    check_at_least(shuffle, 1, "shuffle")
    repair_project(path)
    trained_snapshots(path, shuffle, trainingsetindex)  # a clear error when there is none
    cfg = read_yaml(path)
    dlc = import_deeplabcut()
    dlc_videos = import_deeplabcut("pose_estimation_pytorch.apis.videos")
    scorer = _scorer(path, shuffle, trainingsetindex)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for video, fps in checked:
        stem = f"{video.stem}{scorer}"
        final = out / f"{stem}{FILTER_SUFFIX[filter]}.h5"
        tmp = Path(tempfile.mkdtemp(prefix=f".analyzing-{video.stem}-", dir=out))
        try:
            log.info("analysing %s (batch size %d, %s)", video.name, batch_size, dev)
            with dlc_session(f"analysing {video.name}", video):
                dlc_videos.analyze_videos(
                    str(path),
                    [str(video)],
                    shuffle=shuffle,
                    trainingsetindex=trainingsetindex,
                    destfolder=str(tmp),
                    batch_size=batch_size,
                    device=dev,
                    save_as_csv=True,
                    snapshot_index=-1,
                )
                if not (tmp / f"{stem}.h5").exists():
                    raise OpenfieldError(f"DeepLabCut wrote no {stem}.h5", tmp)
                if filter == "median":
                    dlc.filterpredictions(
                        str(path),
                        [str(video)],
                        shuffle=shuffle,
                        trainingsetindex=trainingsetindex,
                        filtertype="median",
                        windowlength=5,
                        destfolder=str(tmp),
                        save_as_csv=True,
                    )
                if filter == "openfield":
                    _write_cleaned(tmp / f"{stem}.h5", tmp / f"{stem}_cleaned.h5", fps,
                                   float(cfg.get("pcutoff") or 0.6))
                if labeled_video:
                    _create_labeled_video(dlc, path, video, tmp, shuffle, trainingsetindex, filter)
            _move_out(tmp, out, last=final.name)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        if not final.exists():
            raise OpenfieldError(f"analysis finished without {final.name}", out)
        log.info("pose written: %s", final)
        results.append(final)
    return results


#: The pose file's suffix for each filter.
FILTER_SUFFIX = {"median": "_filtered", "openfield": "_cleaned", "none": ""}


def label_videos(
    videos: Sequence[str | os.PathLike[str]],
    config_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    shuffle: int = 1,
    trainingsetindex: int = 0,
    filter: str = "median",
) -> list[Path]:
    """Draw the tracked points on videos that :func:`analyze_videos` analysed into ``out_dir``.

    DeepLabCut's ``create_labeled_video`` runs in a new temporary folder
    holding copies of the video's analysis files (so it never skips a video
    it finds done); the labelled video (``<video><scorer>..._labeled.mp4``) is
    moved into ``out_dir`` when complete.

    Parameters
    ----------
    videos
        Video files.
    config_path
        The project's ``config.yaml``.
    out_dir
        The folder of the pose files.
    shuffle, trainingsetindex
        Which trained network.
    filter
        The filter the analysis used (``"median"``: the filtered points are drawn).

    Returns
    -------
    list of Path
        One labelled video per video, in order.
    """
    path = check_config(config_path)
    checked = check_videos(videos)
    if filter not in FILTERS:
        raise OpenfieldError(f"unknown filter {filter!r}: use one of {', '.join(FILTERS)}")
    dlc = import_deeplabcut()
    scorer = _scorer(path, shuffle, trainingsetindex)
    out = Path(out_dir)
    results = []
    for video, _fps in checked:
        stem = f"{video.stem}{scorer}"
        poses = [p for p in (out / f"{stem}.h5", out / f"{stem}{FILTER_SUFFIX[filter]}.h5") if p.is_file()]
        if len(poses) < (1 if filter == "none" else 2):
            raise OpenfieldError(f"no pose files {stem}*.h5 to draw: analyse the video first", out)
        tmp = Path(tempfile.mkdtemp(prefix=f".labelling-{video.stem}-", dir=out))
        try:
            for item in out.glob(f"{stem}*"):  # the pose files and DeepLabCut's metadata beside them
                if item.is_file() and not item.name.endswith("_labeled.mp4"):
                    shutil.copy2(item, tmp / item.name)
            with dlc_session(f"labelling {video.name}", video):
                _create_labeled_video(dlc, path, video, tmp, shuffle, trainingsetindex, filter)
            made = sorted(tmp.glob(f"{stem}*_labeled.mp4"))
            if not made:
                raise OpenfieldError("DeepLabCut wrote no labelled video", tmp)
            os.replace(made[0], out / made[0].name)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        log.info("labelled video written: %s", out / made[0].name)
        results.append(out / made[0].name)
    return results


def _scorer(path: Path, shuffle: int, trainingsetindex: int) -> str:
    """DeepLabCut's scorer name of the shuffle's last snapshot (the infix of its file names)."""
    dlc = import_deeplabcut()
    dlc_utils = import_deeplabcut("pose_estimation_pytorch.apis.utils")
    frac = train_fraction(read_yaml(path), trainingsetindex)
    with dlc_session("naming the network", path):
        return dlc_utils.get_scorer_name(
            dlc.auxiliaryfunctions.read_config(str(path)), shuffle, frac, snapshot_index=-1
        )


def _create_labeled_video(dlc: Any, path: Path, video: Path, folder: Path, shuffle: int, trainingsetindex: int,
                          filter: str) -> None:
    """DeepLabCut's labelled video of ``video`` from the pose files in ``folder``, written there."""
    dlc.create_labeled_video(
        str(path),
        [str(video)],
        shuffle=shuffle,
        trainingsetindex=trainingsetindex,
        destfolder=str(folder),
        filtered=filter == "median",
        save_frames=False,
    )


def _move_out(tmp: Path, out: Path, last: str) -> None:
    """Move the files of ``tmp`` into ``out``, ``last`` at the end (its presence marks the video as done)."""
    for item in sorted(tmp.iterdir(), key=lambda p: p.name == last):
        if item.is_file():
            os.replace(item, out / item.name)


def _write_cleaned(raw: Path, dst: Path, fps: float, cutoff: float) -> None:
    """Clean a DeepLabCut .h5 with :func:`clean_pose`; write .h5 and .csv beside it."""
    cleaned = clean_pose(read_dlc(raw, fps=fps), cutoff)
    df = to_dlc_dataframe(cleaned)
    with atomic_write(dst.with_suffix(".csv")) as tmp:
        df.to_csv(tmp)
    with atomic_write(dst) as tmp:
        df.to_hdf(tmp, key="df_with_missing", mode="w")


def labeled_videos(out_dir: str | os.PathLike[str]) -> list[Path]:
    """Labelled videos written by :func:`analyze_videos` in ``out_dir``."""
    return sorted(Path(out_dir).glob("*_labeled.mp4"))
