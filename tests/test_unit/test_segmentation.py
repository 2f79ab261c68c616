"""The one animal segmenter on drawn images with a known answer."""

import cv2
import numpy as np
import pytest

from openfield.errors import OpenfieldError
from openfield.segmentation import (
    AnimalMeasure,
    background_polarity,
    difference,
    floor_contrast,
    floor_polarity,
    largest_component,
    measure_animal,
    median_background,
    open_mask,
    remove_ghosts,
    segment_animal,
    threshold,
)

FLOOR, MOUSE = 210, 40
CENTRE, AXES, ANGLE = (180.0, 130.0), (40, 15), 30.0  # half-length 40 px, half-width 15 px, 30 deg


def _ellipse(shape=(260, 360), centre=CENTRE, axes=AXES, angle=ANGLE, floor=FLOOR, animal=MOUSE):
    img = np.full(shape, floor, np.uint8)
    cv2.ellipse(img, (int(centre[0]), int(centre[1])), axes, angle, 0, 360, animal, -1)
    return img


@pytest.mark.parametrize(("floor", "animal", "polarity"), [(FLOOR, MOUSE, "dark"), (MOUSE, FLOOR, "light")])
def test_ellipse_centre_length_width_both_polarities(floor, animal, polarity):
    """A drawn ellipse: centre, nose-to-tail extent 2a, width 2b, axis at its angle."""
    img = _ellipse(floor=floor, animal=animal)
    assert floor_polarity(img) == polarity
    mask = segment_animal(img)  # auto polarity
    m = measure_animal(mask, opening_fraction=0.35)
    np.testing.assert_allclose(m.centre, CENTRE, atol=0.5)
    np.testing.assert_allclose(m.body, CENTRE, atol=0.5)
    # from pixel centre to pixel centre: 2a and 2b, less a little rounding of the tips by the opening
    assert m.extent == pytest.approx(2 * AXES[0], rel=0.03)
    assert m.width == pytest.approx(2 * AXES[1], rel=0.07)
    assert m.length == pytest.approx(2 * AXES[0], rel=0.05)
    angle = np.degrees(np.arctan2(m.axis[1], m.axis[0])) % 180
    assert angle == pytest.approx(ANGLE, abs=1.0)
    # OpenCV fills the outline's pixels too: half a pixel more on each semi-axis
    assert m.area == pytest.approx(np.pi * (AXES[0] + 0.5) * (AXES[1] + 0.5), rel=0.02)
    assert m.tail_cue == pytest.approx(0.0, abs=0.1)  # no tail on either end


def test_walls_and_droppings_are_ignored():
    """Thin walls (touching the edges and not), and droppings, are not the animal in any mode."""
    img = _ellipse()
    img[:, 5:8] = MOUSE  # a wall along the left edge, 3 px thin
    img[40:42, 60:300] = MOUSE  # a 2 px line across the floor, longer than the animal
    for x, y in [(50, 200), (300, 220), (320, 40)]:
        cv2.circle(img, (x, y), 3, MOUSE, -1)  # droppings
    # single image, grey split: edge-touching and small blobs are left out
    m = measure_animal(segment_animal(img, "dark"))
    np.testing.assert_allclose(m.body, CENTRE, atol=0.5)
    # colour contrast with the floor, cleaned by an opening thicker than the lines, and the span rule
    contrast, animal = floor_contrast(cv2.cvtColor(img, cv2.COLOR_GRAY2BGR), "auto")
    assert animal == "dark"
    blob = largest_component(open_mask(threshold(contrast, min_level=40.0), 4), 20, 0.25 * img.size,
                             max_span=0.6)
    np.testing.assert_allclose(blob.centroid, CENTRE, atol=0.5)
    # without the opening, the long line would win on area if droppings were large: it is 480 px,
    # the ellipse ~1900 px; by thickness the ellipse wins even over a larger, thin strip
    strip = np.zeros_like(img)
    strip[10:14, 10:700 // 2] = 255  # 4 px thin, ~1300 px
    strip[100:110, 100:120] = 255  # 10 px thick, 200 px
    assert largest_component(strip, by="area").area == 4 * (350 - 10)
    assert largest_component(strip, by="thickness").bbox == (100, 100, 20, 10)


def test_animal_touching_the_image_edge():
    """A background difference finds an animal cut by the image edge; the single-image split does not."""
    r = 20
    bg = np.full((120, 160), FLOOR, np.uint8)
    img = bg.copy()
    cv2.circle(img, (0, 60), r, MOUSE, -1)  # half a disc, at the left edge
    fg = threshold(difference(img, bg, "dark"), min_level=12.0)
    blob = largest_component(fg, 20)
    # centroid of a half disc: 4r / (3 pi) from its straight side (pixel centres: x >= 0)
    assert blob.centroid[0] == pytest.approx(4 * r / (3 * np.pi), abs=0.7)
    assert blob.centroid[1] == pytest.approx(60, abs=0.1)
    assert largest_component(fg, 20, exclude_edge=True) is None
    with pytest.raises(OpenfieldError, match="no dark animal found"):
        segment_animal(img, "dark")


def test_difference_polarity_and_background_polarity():
    bg = np.full((50, 60), 100, np.uint8)
    img = bg.copy()
    img[10:20, 10:20] = 30  # darker
    img[30:35, 40:45] = 160  # lighter, smaller
    assert difference(img, bg, "dark")[15, 15] == 70 and difference(img, bg, "dark")[32, 42] == 0
    assert difference(img, bg, "light")[32, 42] == 60 and difference(img, bg, "light")[15, 15] == 0
    assert difference(img, bg, "any")[15, 15] == 70 and difference(img, bg, "any")[32, 42] == 60
    mask = np.full(bg.shape, 255, np.uint8)
    assert background_polarity(img, bg, mask) == "dark"  # 100 dark pixels against 25 light ones
    assert background_polarity(255 - img, 255 - bg, mask) == "light"
    with pytest.raises(OpenfieldError, match="polarity"):
        difference(img, bg, "grey")
    with pytest.raises(OpenfieldError, match="animal must be"):
        segment_animal(img, "grey")


def test_tail_is_removed_and_says_which_end_is_the_tail_base():
    """A thin tail does not lengthen the body, moves its centre by nothing, and gives the tail cue."""
    img = _ellipse(angle=0)
    cv2.line(img, (int(CENTRE[0]) - AXES[0], int(CENTRE[1])), (60, 110), MOUSE, 3)  # tail off the left end
    m = measure_animal(segment_animal(img))
    assert m.extent == pytest.approx(2 * AXES[0], rel=0.03)
    np.testing.assert_allclose(m.body, CENTRE, atol=0.5)
    left = int(np.argmin(m.ends[:, 0]))
    assert m.tail_cue * (1 if left == 0 else -1) > 0.3  # > 0 means: the tail is towards ends[0]
    assert m.area > np.pi * AXES[0] * AXES[1] + 100  # the area includes the tail


def test_measure_in_shrunk_pixels_maps_back():
    """A measure made at half resolution, shifted back, lands on the full-resolution answer."""
    img = _ellipse(angle=0)
    full = measure_animal(segment_animal(img))
    small = cv2.resize(img, (img.shape[1] // 2, img.shape[0] // 2), interpolation=cv2.INTER_AREA)
    half = measure_animal(segment_animal(small))
    back = half.shifted(np.zeros(2), 2)
    assert isinstance(back, AnimalMeasure)
    np.testing.assert_allclose(back.body, full.body, atol=1.0)
    assert back.area == pytest.approx(full.area, rel=0.05)
    assert back.extent == pytest.approx(full.extent, rel=0.05)


def test_median_background_removes_a_moving_animal():
    frames = [_ellipse(centre=(60 + 40 * i, 130)) for i in range(7)]
    bg = median_background(frames)
    assert (bg == FLOOR).all()
    assert median_background(frames[:4]) is None  # too few: the animal would stay
    assert median_background([*frames[:4], frames[0][:10]]) is None  # sizes differ


@pytest.mark.parametrize(("floor", "animal", "polarity"), [(FLOOR, MOUSE, "dark"), (MOUSE, FLOOR, "light")])
@pytest.mark.parametrize("rest", [(120, 130), (40, 30)], ids=["middle", "corner"])
def test_remove_ghosts_puts_back_the_floor_where_an_animal_rested(floor, animal, polarity, rest):
    """Resting in 15 of 25 frames: the median keeps it; the 10 frames that show the floor there put it back."""
    rng = np.random.default_rng(0)
    frames = []
    for i in range(25):
        centre = rest if i % 5 < 3 else (80 + 10 * i, 80 + 4 * i)  # 15 frames at rest, 10 moving
        img = _ellipse(centre=centre, floor=floor, animal=animal)
        img[200:204, 20:340] = animal  # a mark on the floor (or a wall's edge) in every frame
        img[:, :6] = animal  # the arena's edge
        frames.append(cv2.add(img, rng.integers(0, 4, img.shape, dtype=np.uint8)))  # sensor noise
    median = median_background(frames)
    before = median.copy()
    ghost = _ellipse(centre=rest, floor=0, animal=1).astype(bool)
    ghost[200:204] = ghost[:, :6] = False  # where the resting animal covered floor
    assert np.abs(median[ghost].astype(int) - floor).min() > 100  # the ghost
    fixed, n = remove_ghosts(frames, median, 12, polarity)
    np.testing.assert_array_equal(median, before)  # the input is left alone
    changed = fixed != median
    assert n == changed.sum() and changed[ghost].mean() > 0.99
    assert np.abs(fixed[ghost].astype(int) - floor).max() <= 4  # the floor, to the noise
    assert not changed[200:204].any() and not changed[:, :6].any()  # the mark and the edge stay
    assert changed.sum() <= 1.01 * ghost.sum()  # nothing else moves
    # the wrong polarity finds nothing to put back (the animal's own side is never taken for floor)
    assert remove_ghosts(frames, median, 12, "light" if polarity == "dark" else "dark")[1] == 0
    # within a mask that leaves the ghost out, nothing changes
    away = np.zeros_like(median)
    away[220:, :] = 255
    assert remove_ghosts(frames, median, 12, polarity, away)[1] == 0
    # an animal that only passed (never more than half of the frames in one place) leaves no ghost
    passing = [_ellipse(centre=(60 + 12 * i, 60 + 5 * i), floor=floor, animal=animal) for i in range(25)]
    assert remove_ghosts(passing, median_background(passing), 12, polarity)[1] == 0


def test_remove_ghosts_refuses_an_unknown_polarity():
    frames = [_ellipse() for _ in range(5)]
    with pytest.raises(OpenfieldError, match="dark or light"):
        remove_ghosts(frames, frames[0], 12, "auto")


def test_nothing_to_find():
    assert largest_component(np.zeros((20, 20), np.uint8)) is None
    assert measure_animal(np.zeros((20, 20), np.uint8)) is None
    with pytest.raises(OpenfieldError, match="blob selection"):
        largest_component(np.zeros((20, 20), np.uint8), by="size")


def test_largest_piece_leaves_out_a_fragment_beyond_the_tail():
    """A lump at the end of a thin tail survives the opening; the calibration's measure leaves it out."""
    mask = np.zeros((200, 360), np.uint8)
    cv2.ellipse(mask, (150, 100), (40, 15), 0, 0, 360, 255, -1)
    cv2.line(mask, (110, 100), (50, 100), 255, 2)  # the tail
    cv2.circle(mask, (45, 100), 8, 255, -1)  # a lump on its tip (a dropping it touches)
    alone = measure_animal(mask, opening_fraction=0.35, largest_piece=True)
    assert alone.extent == pytest.approx(80, rel=0.03)
    np.testing.assert_allclose(alone.centre, (150, 100), atol=0.5)
    every = measure_animal(mask, opening_fraction=0.35)
    assert every.extent > 110  # from the lump to the nose
