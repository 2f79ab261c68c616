"""The ``pose`` steps' options take their defaults from the openfield.pose.dlc functions they feed."""

import argparse
import inspect

import pytest

from openfield.commands.pose import STEP_FUNCTIONS, STEP_OPTIONS, register
from openfield.pipeline import dlc as pipeline_dlc
from openfield.pose import dlc


def _steps() -> dict[str, dict[str, argparse.Action]]:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    (pose,) = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices.values()
    steps = next(a for a in pose._actions if isinstance(a, argparse._SubParsersAction)).choices
    return {name: {a.dest: a for a in p._actions} for name, p in steps.items()}


def _default(func, name):
    return inspect.signature(func).parameters[name].default


@pytest.mark.parametrize(("step", "dest"), [(s, d) for s, dests in STEP_OPTIONS.items() for d in dests])
def test_an_options_default_is_its_parameters_default(step, dest):
    default = _default(STEP_FUNCTIONS[step], dest)
    action = _steps()[step][dest]
    assert action.default == (list(default) if dest == "bodyparts" else default)


@pytest.mark.parametrize(("step", "func"), [("train", pipeline_dlc.train_network),
                                            ("analyze", pipeline_dlc.analyze_dlc_videos)])
def test_the_pipeline_functions_between_have_the_same_defaults(step, func):
    for dest in STEP_OPTIONS[step]:
        assert _default(func, dest) == _default(STEP_FUNCTIONS[step], dest), dest


def test_superanimal_shares_the_analysis_batch_size_and_device():
    for name in ("batch_size", "device"):
        assert _default(dlc.analyze_superanimal, name) == _default(dlc.analyze_videos, name)
        assert _default(pipeline_dlc.analyze_superanimal_videos, name) == _default(dlc.analyze_videos, name)


def test_the_help_texts_show_the_documented_values():
    create = _steps()["create"]
    assert "(default open_field_model/)" in create["project_dir"].help
    assert "(default resnet_50)" in create["net"].help
    assert _steps()["analyze"]["filter"].default == "median" == pipeline_dlc.ANALYSIS_DEFAULTS["filter"]
