"""Pose model files that load without running code (issue 22).

A crafted ``.joblib`` whose unpickling writes a marker file stands for a
shared model with a payload: every way a model is opened (the loader,
``behavior pose-predict``, ``openfield run --behavior-model``) must refuse it,
name the conversion command, and the marker must never appear. A model file
naming a type outside the trusted list is refused without being built. An
old pickle the user vouches for converts (``behavior convert-model --trust``)
into a safe file whose predictions are those of the original, exactly.
"""

from __future__ import annotations

import joblib
import numpy as np
import pytest

from openfield import synthetic
from openfield.behavior import model_files, outputs
from openfield.behavior.training import Recording, train_pose_model
from openfield.cli import main
from openfield.errors import OpenfieldError
from openfield.io.pose import from_numpy


class _Payload:
    """Unpickling this writes ``marker``: what a hostile model file would do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').write('pwned')",)


def _crafted(tmp_path):
    marker = tmp_path / "PWNED"
    path = tmp_path / "shared_model.joblib"
    joblib.dump({"kind": model_files.POSE_MODEL_KIND, "x": _Payload(marker)}, path)
    return path, marker


def test_the_crafted_file_does_run_code_when_unpickled(tmp_path):
    """The test's own check: the payload works (so its absence below means it was never opened)."""
    path, marker = _crafted(tmp_path)
    joblib.load(path)
    assert marker.read_text() == "pwned"


def test_loader_refuses_a_pickle_before_opening_it(tmp_path):
    path, marker = _crafted(tmp_path)
    with pytest.raises(OpenfieldError) as exc:
        outputs.load_pose_model(path)
    msg = str(exc.value)
    assert "shared_model.joblib" in msg and "pickle" in msg
    assert f"openfield behavior convert-model {path} --trust" in msg
    assert not marker.exists()


def test_pose_predict_refuses_the_crafted_file(tmp_path, capsys):
    path, marker = _crafted(tmp_path)
    pose = tmp_path / "m1.csv"
    pose.write_text("not read: the model is checked first\n")
    rc = main(["behavior", "pose-predict", str(pose), "--model", str(path), "--fps", "20", "-o", str(tmp_path / "o")])
    assert rc != 0
    err = capsys.readouterr().err
    assert "convert-model" in err and "Traceback" not in err
    assert not marker.exists()


def test_run_refuses_the_crafted_file_before_any_video(tmp_path, capsys):
    path, marker = _crafted(tmp_path)
    video = synthetic.render_video(tmp_path, "mouse", fps=10, duration_s=1, image_size=(160, 120), seed=1).video
    out = tmp_path / "out"
    rc = main(["run", str(video), "-o", str(out), "--arena-size-cm", "40", "40", "--behavior-model", str(path)])
    assert rc != 0
    err = capsys.readouterr().err
    assert "convert-model" in err and "Traceback" not in err
    assert not marker.exists()
    assert not (out / "mouse_pose.csv").exists()  # refused at set-up, before tracking


def _tiny_model():
    rng = np.random.default_rng(1)
    n = 240
    short = (np.arange(n) // 30) % 2 == 1
    length = np.where(short, 20.0, 40.0) + rng.normal(0, 1, n)
    centre = np.full((n, 2), 100.0) + rng.normal(0, 0.5, (n, 2))
    pts = np.stack([centre + [0, 1] * length[:, None] / 2, centre, centre - [0, 1] * length[:, None] / 2], axis=1)
    ds = from_numpy(pts, None, ["nose", "bodycentre", "tailbase"], fps=20.0)
    labels = {"r1": np.where(short, "rearing", "other").astype(object)}
    model, _ = train_pose_model([Recording("s", ds, labels)], windows_s=(0.5,), n_blocks=2)
    return model, ds


def test_convert_model_needs_trust_and_keeps_predictions(tmp_path, capsys):
    model, ds = _tiny_model()
    old = tmp_path / "old.joblib"
    joblib.dump({"kind": model_files.POSE_MODEL_KIND, **model.__dict__}, old)  # what openfield wrote before
    with pytest.raises(OpenfieldError, match="convert-model"):
        outputs.load_pose_model(old)
    assert main(["behavior", "convert-model", str(old)]) != 0
    assert "--trust" in capsys.readouterr().err
    assert not (tmp_path / "old_safe.joblib").exists()
    assert main(["behavior", "convert-model", str(old), "--trust"]) == 0
    safe = outputs.load_pose_model(tmp_path / "old_safe.joblib")
    np.testing.assert_array_equal(safe.predict_proba(ds), model.predict_proba(ds))
    assert safe.classes == model.classes
    # converting a safe file again is refused; a crafted file converts only by running it (--trust)
    assert main(["behavior", "convert-model", str(tmp_path / "old_safe.joblib"), "--trust"]) != 0
    assert "already a safe model file" in capsys.readouterr().err


class _Stranger:
    """A type no model file may hold."""

    def __init__(self):
        self.x = 1


def test_a_type_outside_the_trusted_list_is_refused(tmp_path):
    import skops.io as sio

    path = tmp_path / "odd.joblib"
    sio.dump({"kind": model_files.POSE_MODEL_KIND, "x": _Stranger()}, path)
    with pytest.raises(OpenfieldError, match="does not trust.*_Stranger"):
        outputs.load_pose_model(path)


def test_a_pose_model_without_the_behavior_extra_says_so_naming_the_file(tmp_path, monkeypatch):
    """scikit-learn or skops missing: one line naming the model and the extra to install, from the one loader."""

    def missing(path):
        raise ImportError("No module named 'skops'")

    monkeypatch.setattr(outputs, "load_model_file", missing)
    model = tmp_path / "m.joblib"
    with pytest.raises(OpenfieldError, match="needs scikit-learn and skops.*'behavior' extra") as err:
        outputs.load_pose_model(model)
    assert str(err.value.path) == str(model)
