"""The classical tracker on the 100 hand-labelled real frames of ../shared/data/dlc_openfield.

Single images: no background model and no motion, so the head is told from
the tail base by the animal's shape alone. The arena corners are found once
on the first frame (as a user calibrates a set-up once) and used for all.
Measured (2 CPU cores): head vs snout median 4.3 px, 90th percentile 14 px;
tail vs tail base median 6.3 px, 90th percentile 12 px; 3 of 100 frames have
head and tail swapped. The thresholds below leave a small margin.
"""

import cv2
import numpy as np
import pandas as pd
import pytest

from openfield.calibration import detect_arena
from openfield.tracking import track_image

pytestmark = pytest.mark.real_data


def _labels(root):
    """The labelled table: one row per image, snout/tailbase x, y; the index may span several columns."""
    path = root / "CollectedData_Pranav.csv"
    raw = pd.read_csv(path, header=[0, 1, 2])
    key_cols = [c for c in raw.columns if str(c[0]).lower().startswith("scorer") or "Unnamed" in str(c[1])]
    images = raw[key_cols].astype(str).agg("/".join, axis=1).str.split("/").str[-1]
    data = raw.drop(columns=key_cols)
    data.columns = data.columns.droplevel(0)
    out = pd.DataFrame({"image": images})
    for bp in ("snout", "tailbase"):
        out[f"{bp}_x"] = pd.to_numeric(data[(bp, "x")]).to_numpy()
        out[f"{bp}_y"] = pd.to_numeric(data[(bp, "y")]).to_numpy()
    return out


@pytest.fixture(scope="module")
def tracked(sample_data):
    root = sample_data / "dlc_openfield" / "labeled-data" / "m4s1"
    labels = _labels(root)
    assert len(labels) == 100
    corners = detect_arena(cv2.imread(str(root / labels.image.iloc[0])))
    rows = []
    for _, lab in labels.iterrows():
        img = cv2.imread(str(root / lab.image))
        assert img is not None, lab.image
        r = track_image(img, arena_corners_px=corners)
        snout = np.array([lab.snout_x, lab.snout_y])
        tailbase = np.array([lab.tailbase_x, lab.tailbase_y])
        gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        bx, by = np.round(r["body"]).astype(int)
        rows.append({
            "head_err": np.linalg.norm(r["head"] - snout),
            "tail_err": np.linalg.norm(r["tail"] - tailbase),
            "body_grey": float(np.median(gray[by - 1:by + 2, bx - 1:bx + 2])),
            "floor_grey": float(np.median(gray)),
            # where the body falls along snout -> tail base (0 = snout, 1 = tail base), and how far off that line
            "along": float((r["body"] - snout) @ (tailbase - snout) / np.sum((tailbase - snout) ** 2)),
            "off_line": float(abs(np.cross(tailbase - snout, r["body"] - snout)) / np.linalg.norm(tailbase - snout)),
        })
    return pd.DataFrame(rows)


def test_body_lies_on_the_animal_in_every_frame(tracked):
    """The body point is on the black mouse (dark pixel), between snout and tail base, near their line."""
    assert (tracked.body_grey < 0.3 * tracked.floor_grey).all()
    assert tracked.along.between(0.1, 0.9).all()
    assert (tracked.off_line < 25).all()  # the mouse is about 45 px wide; it bends when it turns


def test_head_and_tail_errors(tracked):
    """Head vs snout and tail vs tail base, in px (the mouse is about 117 px long here)."""
    assert np.median(tracked.head_err) < 10
    assert np.percentile(tracked.head_err, 90) < 25
    assert np.median(tracked.tail_err) < 10
    assert np.percentile(tracked.tail_err, 90) < 20
    swapped = (tracked.head_err > 60) & (tracked.tail_err > 60)
    assert swapped.mean() <= 0.06
