"""Mouse-centred crops: the detector finds a disc at a known place; crops stay inside."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from vit_synthetic import mouse_frame

from openfield.behavior.crops import Cropper, CropSettings, crop_square, find_animal_centre
from openfield.errors import OpenfieldError
from openfield.segmentation import median_background


def test_centre_from_background_difference():
    bg = mouse_frame((120, 160), (0, 0), radius=0)
    frame = mouse_frame((120, 160), (100, 40))
    x, y = find_animal_centre(frame, bg)
    assert abs(x - 100) < 1.0 and abs(y - 40) < 1.0


def test_centre_of_a_still_animal_touching_the_edge():
    # the animal is part of the background (never moved) and touches the left edge
    frame = mouse_frame((120, 160), (4, 60), radius=10)
    x, y = find_animal_centre(frame, background=frame.copy())
    assert abs(y - 60) < 1.0 and 0 <= x < 10


def test_thin_lines_and_specks_are_not_the_animal():
    frame = mouse_frame((200, 200), (150, 150), radius=12)
    frame[:, 20:22] = 40  # a wall edge: long but 2 px thin
    frame[30:32, 100:102] = 40  # a dropping
    x, y = find_animal_centre(frame)
    assert abs(x - 150) < 1.0 and abs(y - 150) < 1.0


def test_no_animal_gives_none():
    assert find_animal_centre(np.full((60, 80, 3), 200, np.uint8)) is None


def test_crop_square_is_centred_and_shifted_inside():
    img = np.arange(100 * 120, dtype=np.int32).reshape(100, 120)
    c = crop_square(img, (60, 50), 20)
    assert c.shape == (20, 20) and c[10, 10] == img[50, 60]
    corner = crop_square(img, (2, 3), 20)  # near the top-left corner: shifted, not padded
    np.testing.assert_array_equal(corner, img[:20, :20])
    big = crop_square(np.zeros((10, 12), np.uint8), (6, 5), 16)  # larger than the image: padded
    assert big.shape == (16, 16)


def test_cropper_keeps_last_position_and_full_mode():
    s = CropSettings(size_px=30)
    cropper = Cropper(s)
    frame = mouse_frame((120, 160), (100, 40))
    first = cropper(frame)
    assert first.shape == (30, 30, 3) and first[15, 15, 0] == 40  # the disc is in the middle
    empty = np.full((120, 160, 3), 200, np.uint8)
    cropper(empty)
    assert cropper.n_missed == 1 and cropper.last_centre == pytest.approx((100, 40), abs=1)
    pose = cropper(frame, centre=(20.0, 20.0))  # a pose centre overrides the detector
    assert pose.shape == (30, 30, 3) and cropper.last_centre == (20.0, 20.0)
    assert Cropper(CropSettings(mode="full"))(frame) is frame


def test_bad_crop_settings():
    with pytest.raises(OpenfieldError, match="crop mode"):
        CropSettings(mode="zoom")
    with pytest.raises(OpenfieldError, match="fraction"):
        CropSettings(size_fraction=0)


@pytest.mark.real_data
def test_real_frames_centre_near_hand_labels(sample_data):
    """On 100 hand-labelled DeepLabCut frames, the detected centre is the body's centre.

    Known answer: the midpoint of the labelled snout and tail base. The mouse
    is ~100 px long and the default crop is 240 px wide, so 40 px off still
    keeps the whole animal in the crop.
    """
    import cv2
    import pandas as pd

    folder = sample_data / "dlc_openfield" / "labeled-data" / "m4s1"
    table = pd.read_csv(folder / "CollectedData_Pranav.csv", header=[0, 1, 2], index_col=0)
    snout = table.xs("snout", axis=1, level=1).to_numpy(float)
    tailbase = table.xs("tailbase", axis=1, level=1).to_numpy(float)
    middle = (snout + tailbase) / 2
    images = [cv2.imread(str(folder / Path(p).name)) for p in table.index]
    background = median_background(images)
    assert background is not None
    errors = []
    for img, (x, y) in zip(images, middle, strict=True):
        c = find_animal_centre(img, background)
        assert c is not None
        errors.append(np.hypot(c[0] - x, c[1] - y))
    assert max(errors) < 40 and np.median(errors) < 15
