"""``calibrate``'s, ``draw``'s, ``behavior evaluate``'s and the label options' defaults are those of the functions
they feed."""

import argparse
import inspect

from openfield import calibration
from openfield.behavior.evaluate import evaluate_prediction
from openfield.behavior.labels import read_labels
from openfield.commands import draw
from openfield.commands.behavior_evaluate import add_evaluate
from openfield.commands.behavior_options import add_label_options
from openfield.commands.calibrate import add_arguments
from openfield.draw.server import DrawServer


def _default(func, name):
    return inspect.signature(func).parameters[name].default


def _sub_actions(parser: argparse.ArgumentParser) -> dict[str, dict[str, argparse.Action]]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {name: {a.dest: a for a in p._actions} for name, p in sub.choices.items()}


def test_calibrate_floor_and_animal():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    methods = _sub_actions(parser)
    floor = methods["arena"]["floor"]
    for func in (calibration.calibrate_arena, calibration.calibrate_arenas, calibration.calibrate_floor):
        assert floor.default == _default(func, "floor"), func.__name__
    assert f"(default {floor.default})" in floor.help
    animal = methods["mouse"]["animal"]
    assert animal.default == _default(calibration.calibrate_mouse, "animal")
    assert f"(default {animal.default})" in animal.help


def test_label_options_default_to_read_labels():
    parser = argparse.ArgumentParser()
    add_label_options(parser)
    actions = {a.dest: a for a in parser._actions}
    assert actions["unknown_labels"].default == _default(read_labels, "unknown") == "error"
    assert actions["labels_format"].default == _default(read_labels, "fmt") == "auto"


def test_evaluate_window_defaults_to_evaluate_prediction():
    parser = argparse.ArgumentParser()
    add_evaluate(parser.add_subparsers())
    (actions,) = _sub_actions(parser).values()
    for name in ("start_s", "end_s"):
        assert actions[name].default == _default(evaluate_prediction, name), name


def test_draw_port_is_the_servers():
    parser = argparse.ArgumentParser()
    draw.register(parser.add_subparsers())
    (actions,) = _sub_actions(parser).values()
    assert actions["port"].default == _default(DrawServer.__init__, "port") == 0
