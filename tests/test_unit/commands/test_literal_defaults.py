"""Options whose defaults stay written in the command (their source module is too heavy to import while the
parser is built: the tracker, the pipeline, the demo) still equal their source's: a changed default is seen."""

import argparse
import inspect

import pytest

from openfield.commands import demo, run, track
from openfield.demo import run_demo, run_demo_arenas
from openfield.pipeline import run_videos
from openfield.pipeline.config import RunConfig
from openfield.tracking import TrackerConfig


def _command(module) -> dict[str, argparse.Action]:
    parser = argparse.ArgumentParser()
    module.register(parser.add_subparsers())
    (p,) = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices.values()
    return {a.dest: a for a in p._actions}


def _default(func, name):
    return inspect.signature(func).parameters[name].default


def test_track_animal_is_the_trackers():
    assert _command(track)["animal"].default == TrackerConfig().animal


def test_run_pose_and_wait_are_the_runs():
    actions = _command(run)
    assert actions["pose"].default == RunConfig.__dataclass_fields__["pose"].default
    assert actions["wait_s"].default == _default(run_videos, "wait_s")


@pytest.mark.parametrize("func", [run_demo, run_demo_arenas])
def test_demo_duration_is_the_demos(func):
    action = _command(demo)["duration"]
    assert action.default == _default(func, "duration_s")
    assert f"(default {action.default:g};" in action.help


def test_vit_predict_speed_options_are_the_steps():
    from openfield.behavior.video import predict_video
    from openfield.commands.behavior_vit import add_predict
    from openfield.pipeline.steps.vit_predict import vit_prediction_step

    parser = argparse.ArgumentParser()
    add_predict(parser.add_subparsers())
    (p,) = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices.values()
    actions = {a.dest: a for a in p._actions}
    for name in ("batch_size", "device"):
        assert actions[name].default == _default(vit_prediction_step, name) == _default(predict_video, name), name
