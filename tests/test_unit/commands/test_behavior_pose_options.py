"""``behavior pose-train`` / ``pose-predict``: the options' defaults are the pose classifier's (one place)."""

import argparse
import inspect

from openfield.behavior.settings import POSE_MODEL_DEFAULTS
from openfield.behavior.training import train_pose_model
from openfield.commands.behavior_pose import add_pose_predict, add_pose_train
from openfield.pipeline.steps.behavior_predict import pose_behavior_step


def _actions(add) -> dict[str, argparse.Action]:
    parser = argparse.ArgumentParser()
    add(parser.add_subparsers())
    (p,) = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices.values()
    return {a.dest: a for a in p._actions}


def _default(func, name):
    return inspect.signature(func).parameters[name].default


def test_pose_train_options_default_to_train_pose_models_parameters():
    actions = _actions(add_pose_train)
    for dest, name in {"cv_blocks": "n_blocks", "seed": "seed", "threads": "n_threads"}.items():
        assert actions[dest].default == _default(train_pose_model, name) == POSE_MODEL_DEFAULTS[name], dest
    assert "(default 5)" in actions["cv_blocks"].help
    assert "(default 1)" in actions["threads"].help


def test_pose_predict_threads_default_to_the_steps():
    action = _actions(add_pose_predict)["threads"]
    assert action.default == _default(pose_behavior_step, "threads") == POSE_MODEL_DEFAULTS["n_threads"]
    assert "(default 1)" in action.help
