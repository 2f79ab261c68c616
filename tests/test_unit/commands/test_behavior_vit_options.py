"""The ViT commands' options take their defaults from the settings they set, and their help texts show them."""

import argparse

import pytest

from openfield.behavior.crops import CropSettings
from openfield.behavior.dataset import DatasetSettings
from openfield.behavior.settings import PREDICTION_DEFAULTS
from openfield.behavior.vit import DEFAULT_CHECKPOINT, TrainSettings
from openfield.commands.behavior_vit import (
    DATASET_OPTIONS,
    PREDICT_OPTIONS,
    TRAIN_OPTIONS,
    add_dataset,
    add_predict,
    add_train,
)


def _actions(add) -> dict[str, argparse.Action]:
    parser = argparse.ArgumentParser()
    add(parser.add_subparsers())
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    (p,) = sub.choices.values()
    return {a.dest: a for a in p._actions}


def _check(action: argparse.Action, default) -> None:
    assert action.default == default and type(action.default) is type(default)


@pytest.mark.parametrize("dest", sorted(DATASET_OPTIONS))
def test_dataset_options_default_to_the_dataset_and_crop_settings(dest):
    cls, field = DATASET_OPTIONS[dest]
    _check(_actions(add_dataset)[dest], getattr(DatasetSettings() if cls is DatasetSettings else CropSettings(),
                                                field))


@pytest.mark.parametrize("dest", sorted(TRAIN_OPTIONS))
def test_train_options_default_to_the_train_settings(dest):
    _check(_actions(add_train)[dest], getattr(TrainSettings(), TRAIN_OPTIONS[dest]))


@pytest.mark.parametrize("dest", PREDICT_OPTIONS)
def test_predict_options_default_to_the_prediction_defaults(dest):
    _check(_actions(add_predict)[dest], PREDICTION_DEFAULTS[dest])


def test_the_help_texts_show_the_documented_values():
    """Written out (as docs/cli.md gives them): a changed default is seen here too."""
    expected = {
        add_dataset: {"panels": "(default 3)", "every": "(default 1: all)", "crop_fraction": "(default 0.5)",
                      "val_fraction": "(default 0.3)"},
        add_train: {"checkpoint": f"(default {DEFAULT_CHECKPOINT})", "layers": "(default 4)",
                    "hidden_size": "(default 128)", "image_size": "(default 64)", "epochs": "(default 30)",
                    "patience": "(default 6)"},
        add_predict: {"min_bout_s": "(default 0.5 s)", "window_s": "(default 0.5 s; 0: none)",
                      "every": "(default 1)"},
    }
    for add, helps in expected.items():
        actions = _actions(add)
        for dest, text in helps.items():
            assert text in actions[dest].help, dest


def test_no_option_given_is_the_default_settings():
    args = argparse.ArgumentParser()
    add_dataset(args.add_subparsers())
    ns = args.parse_args(["dataset", "-o", "x"])
    crop = CropSettings(mode=ns.crop, size_fraction=ns.crop_fraction, size_px=ns.crop_size, animal=ns.animal)
    assert crop == CropSettings()
    assert DatasetSettings(every=ns.every, panels=ns.panels, crop=crop, val_fraction=ns.val_fraction,
                           split_by=ns.split_by, seed=ns.seed) == DatasetSettings()
