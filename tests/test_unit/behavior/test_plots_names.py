"""A video's name with ``$`` in the ethogram's title is drawn as typed, not parsed as TeX (issue 22)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from openfield.behavior.plots import plot_ethogram  # noqa: E402


def test_ethogram_title_with_dollars_is_plain_text(tmp_path):
    fig = plot_ethogram(np.array(["other", "rearing", "rearing", "other"]), 10.0, ["rearing", "other"],
                        title="cage$1_$")
    fig.savefig(tmp_path / "e.png")  # mathtext would fail on '$1_$'
    assert fig.axes[0].get_title() == "cage$1_$"
