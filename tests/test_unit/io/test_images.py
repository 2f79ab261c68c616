"""Reading images: grey images with clear errors; a figure as PNG bytes."""

import cv2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from openfield.errors import OpenfieldError  # noqa: E402
from openfield.io.files import figure_png  # noqa: E402
from openfield.io.images import read_gray  # noqa: E402


def test_read_gray(tmp_path):
    image = np.zeros((8, 10, 3), np.uint8)
    image[:, :, 1] = 200  # pure green: grey 0.587 * 200 = 117
    cv2.imwrite(str(tmp_path / "g.png"), image)
    grey = read_gray(tmp_path / "g.png")
    assert grey.shape == (8, 10) and int(grey[0, 0]) == pytest.approx(117, abs=1)
    with pytest.raises(OpenfieldError, match="file not found"):
        read_gray(tmp_path / "none.png")
    (tmp_path / "bad.png").write_text("not an image")
    with pytest.raises(OpenfieldError, match="cannot read as an image"):
        read_gray(tmp_path / "bad.png")


def test_figure_png_is_a_png_and_closes_the_figure():
    fig, _ = plt.subplots(figsize=(2, 1))
    data = figure_png(fig, dpi=50)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR).shape[2] == 3
    assert not plt.fignum_exists(fig.number)
