"""DeepLabCut's steps resume through the ledger (openfield.pipeline.dlc): a re-run does no work; a changed setting
or input, a deleted output and --overwrite redo the step; an interrupted step (no record) is redone.

DeepLabCut's work (openfield.pose.dlc's analyze_videos, label_videos, train, repair_project) is replaced by
functions that count their calls and write files named as DeepLabCut's, so these tests are quick, offline and
need no trained network; the real work is tested in tests/test_integration/test_pose_dlc.py."""

from __future__ import annotations

import json
import os

import pytest

from openfield.cli import main
from openfield.pipeline import STATE_DIR, Ledger
from openfield.pipeline import dlc as dlc_steps
from openfield.pose import dlc

SCORER = "DLC_CSPNeXt_sJan1shuffle1_1"


def _touch_later(path):
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


class FakeDLC:
    """Counts the analyses and labelled videos; writes files with DeepLabCut's names."""

    def __init__(self, monkeypatch, snapshot):
        self.analyses: list[dict] = []
        self.labelled = 0
        self.snapshot = snapshot
        monkeypatch.setattr(dlc, "repair_project", lambda config: [])
        monkeypatch.setattr(dlc, "trained_snapshots", lambda config, shuffle=1, trainingsetindex=0: [self.snapshot])
        monkeypatch.setattr(dlc, "analyze_videos", self.analyze_videos)
        monkeypatch.setattr(dlc, "label_videos", self.label_videos)

    def analyze_videos(self, videos, config, out_dir, **kwargs):
        (video,) = videos
        self.analyses.append(kwargs)
        out_dir.mkdir(parents=True, exist_ok=True)
        final = out_dir / f"{video.stem}{SCORER}{dlc.analysis.FILTER_SUFFIX[kwargs['filter']]}.h5"
        final.write_bytes(b"pose")
        return [final]

    def label_videos(self, videos, config, out_dir, **kwargs):
        self.labelled += 1
        path = out_dir / f"{videos[0].stem}{SCORER}_filtered_labeled.mp4"
        path.write_bytes(b"video")
        return [path]


@pytest.fixture
def fake(monkeypatch, tmp_path):
    snapshot = tmp_path / "snapshot-001.pt"
    snapshot.write_bytes(b"weights")
    return FakeDLC(monkeypatch, snapshot)


def test_analysis_step_resumes(tmp_path, fake):
    video = tmp_path / "m.mp4"
    video.write_bytes(b"frames")
    config = tmp_path / "config.yaml"
    config.write_text("Task: x\n")
    out = tmp_path / "out"

    def step(overwrite=False, **kwargs):
        return dlc_steps.dlc_analysis_step(Ledger(out, "m", overwrite), video, config, **kwargs)

    fp, path = step()
    assert len(fake.analyses) == 1 and path == out / f"m{SCORER}_filtered.h5"
    assert step() == (fp, path) and len(fake.analyses) == 1  # the same: skipped
    step(batch_size=2, device="cpu")
    assert len(fake.analyses) == 1  # how fast, not what: still skipped
    _, raw = step(filter="none")
    assert len(fake.analyses) == 2 and raw.name == f"m{SCORER}.h5"  # another filter
    step(filter="none")
    raw.unlink()  # an output deleted
    step(filter="none")
    assert len(fake.analyses) == 3
    step(overwrite=True, filter="none")
    assert len(fake.analyses) == 4
    _touch_later(fake.snapshot)  # the network trained again
    step(filter="none")
    assert len(fake.analyses) == 5
    _touch_later(config)  # the project's config edited
    step(filter="none")
    assert len(fake.analyses) == 6
    _touch_later(video)  # the video replaced
    step(filter="none")
    assert len(fake.analyses) == 7
    record = json.loads((out / STATE_DIR / "m.json").read_text())["steps"]["pose"]
    assert record["outputs"] == {"pose": raw.name}


def test_analysis_step_of_the_default_settings_is_the_runs(tmp_path, fake):
    """`openfield pose analyze` and `openfield run --pose dlc` into one folder: one analysis."""
    video = tmp_path / "m.mp4"
    video.write_bytes(b"frames")
    config = tmp_path / "config.yaml"
    config.write_text("Task: x\n")
    from openfield.pipeline.steps import dlc_pose_step

    first = dlc_steps.dlc_analysis_step(Ledger(tmp_path / "out", "m"), video, config)
    assert dlc_pose_step(Ledger(tmp_path / "out", "m"), video, config) == first
    assert len(fake.analyses) == 1


def test_interrupted_analysis_is_redone(tmp_path, fake, monkeypatch):
    video = tmp_path / "m.mp4"
    video.write_bytes(b"frames")
    config = tmp_path / "config.yaml"
    config.write_text("Task: x\n")
    real = fake.analyze_videos

    def interrupted(videos, config, out_dir, **kwargs):
        real(videos, config, out_dir, **kwargs)  # its file is there, but the step did not finish
        raise KeyboardInterrupt

    monkeypatch.setattr(dlc, "analyze_videos", interrupted)
    with pytest.raises(KeyboardInterrupt):
        dlc_steps.dlc_analysis_step(Ledger(tmp_path / "out", "m"), video, config)
    monkeypatch.setattr(dlc, "analyze_videos", real)
    dlc_steps.dlc_analysis_step(Ledger(tmp_path / "out", "m"), video, config)
    assert len(fake.analyses) == 2  # no record: done again


@pytest.mark.real_data
def test_pose_analyze_command_resumes(example, clip, tmp_path, fake, capsys):
    out = tmp_path / "out"
    args = ["pose", "analyze", str(clip), "--config", str(example), "-o", str(out)]
    assert main(args) == 0
    assert main(args) == 0
    assert len(fake.analyses) == 1 and fake.labelled == 0
    assert capsys.readouterr().out.splitlines() == [str(out / f"{clip.stem}{SCORER}_filtered.h5")] * 2
    assert main([*args, "--labeled-video"]) == 0
    assert len(fake.analyses) == 1 and fake.labelled == 1  # the labelled video alone: the pose is kept
    assert main([*args, "--labeled-video"]) == 0
    assert fake.labelled == 1
    assert main([*args, "--labeled-video", "--overwrite"]) == 0
    assert len(fake.analyses) == 2 and fake.labelled == 2
    assert main([*args, "--filter", "openfield"]) == 0
    assert len(fake.analyses) == 3 and fake.analyses[-1]["filter"] == "openfield"


class FakeTraining:
    """``dlc.train`` replaced: writes ``snapshot-<epochs>.pt`` in the shuffle's train folder (counted);
    ``dlc.create_training_dataset`` too: writes its ``pytorch_config.yaml`` (counted in ``datasets``)."""

    def __init__(self, monkeypatch):
        self.calls: list[dict] = []
        self.datasets: list[str | None] = []
        monkeypatch.setattr(dlc, "repair_project", lambda config: [])
        monkeypatch.setattr(dlc, "train", self)
        monkeypatch.setattr(dlc, "create_training_dataset", self.create_training_dataset)

    def create_training_dataset(self, config, net=None, shuffle=1, trainingsetindex=0):
        self.datasets.append(net)
        pcfg = dlc.model_folder(config, shuffle, trainingsetindex) / "train" / "pytorch_config.yaml"
        pcfg.parent.mkdir(parents=True, exist_ok=True)
        pcfg.write_text(f"net_type: {net}\n")
        return pcfg

    def __call__(self, config, **kwargs):
        self.calls.append(kwargs)
        train = dlc.model_folder(config, kwargs["shuffle"], kwargs["trainingsetindex"]) / "train"
        train.mkdir(parents=True, exist_ok=True)
        snapshot = train / f"snapshot-{kwargs['epochs'] or 200:03d}.pt"
        snapshot.write_bytes(b"weights")
        return snapshot


@pytest.mark.real_data
def test_training_resumes(example, monkeypatch):
    fake = FakeTraining(monkeypatch)
    snap = dlc_steps.train_network(example, epochs=5, from_scratch=True)
    assert len(fake.calls) == 1 and snap.name == "snapshot-005.pt" and fake.datasets == [None]
    assert dlc_steps.train_network(example, epochs=5, from_scratch=True, device="cpu") == snap
    assert len(fake.calls) == 1  # the same (the device is not a setting): skipped
    assert dlc_steps.train_network(example, epochs=1, from_scratch=True).name == "snapshot-001.pt"
    assert len(fake.calls) == 2  # fewer epochs: trained again, the earlier snapshots set aside
    assert fake.datasets == [None]  # on the same training dataset
    train = snap.parent
    assert sorted(p.name for p in train.glob("snapshot-*.pt")) == ["snapshot-001.pt"]
    assert [p.name for p in train.glob("replaced-*/snapshot-*.pt")] == ["snapshot-005.pt"]
    (train / "snapshot-001.pt").unlink()  # the output deleted
    dlc_steps.train_network(example, epochs=1, from_scratch=True)
    assert len(fake.calls) == 3
    dlc_steps.train_network(example, epochs=1, from_scratch=True, overwrite=True)
    assert len(fake.calls) == 4 and fake.datasets == [None, None]  # everything again
    labels = next((example.parent / "labeled-data").glob("*/CollectedData_*.h5"))
    _touch_later(labels)  # frames labelled again: a new training dataset, then a new training
    dlc_steps.train_network(example, epochs=1, from_scratch=True)
    assert len(fake.calls) == 5 and fake.datasets == [None] * 3
    dlc_steps.train_network(example, epochs=1, from_scratch=True, net="resnet_50")
    assert len(fake.calls) == 6 and fake.datasets == [None] * 3 + ["resnet_50"]  # another network
    dlc_steps.train_network(example, epochs=1, from_scratch=True, net="resnet_50")
    assert len(fake.calls) == 6
    assert (train / STATE_DIR / "training.json").exists()


@pytest.mark.real_data
def test_pose_train_command_resumes(example, monkeypatch, capsys):
    fake = FakeTraining(monkeypatch)
    args = ["pose", "train", "--config", str(example), "--epochs", "2", "--from-scratch"]
    assert main(args) == 0 and main(args) == 0
    assert len(fake.calls) == 1
    assert main([*args, "--overwrite"]) == 0 and len(fake.calls) == 2
    assert main([*args, "--crop-size", "256"]) == 0 and len(fake.calls) == 3
    assert capsys.readouterr().out.splitlines()[0].endswith("snapshot-002.pt")
