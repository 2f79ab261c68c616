"""The kinematics options take their defaults from KinematicsConfig's fields, and their help texts show them."""

import argparse
import dataclasses

import pytest

from openfield.commands.options import OPTION_FIELDS, add_kinematics_options, kinematics_config
from openfield.kinematics import KinematicsConfig

FIELDS = {f.name: f for f in dataclasses.fields(KinematicsConfig)}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_kinematics_options(parser)
    return parser


def _actions() -> dict[str, argparse.Action]:
    return {a.dest: a for a in _parser()._actions if a.dest not in ("help", "no_plots")}


def test_every_option_sets_a_field_and_every_settable_field_has_an_option():
    assert set(_actions()) == set(OPTION_FIELDS)
    assert set(OPTION_FIELDS.values()) <= set(FIELDS)
    # the one field without an option: the Savitzky-Golay order (used only with --smooth-window)
    assert set(FIELDS) - set(OPTION_FIELDS.values()) == {"smooth_polyorder"}


@pytest.mark.parametrize("dest", sorted(OPTION_FIELDS))
def test_an_options_default_is_its_fields_default(dest):
    action = _actions()[dest]
    field = FIELDS[OPTION_FIELDS[dest]]
    assert action.default == field.default and type(action.default) is type(field.default)
    if isinstance(field.default, float | str):  # the help text says the same value
        shown = f"{field.default:g}" if isinstance(field.default, float) else field.default
        assert f"(default {shown}" in action.help


def test_no_option_given_is_the_default_config():
    assert kinematics_config(_parser().parse_args([])) == KinematicsConfig()


def test_the_help_texts_show_the_documented_values():
    """Written out (the values docs/kinematics.md and docs/cli.md give): a changed default is seen here too."""
    helps = {dest: _actions()[dest].help for dest in OPTION_FIELDS}
    expected = {"likelihood_cutoff": "0.6", "max_speed": "150", "max_gap": "0.5", "moving_threshold": "2",
                "moving_min": "0.25", "center_fraction": "0.5", "rotation_threshold": "90",
                "immobile_threshold": "1.75", "immobile_min": "2", "mobility_immobile": "4",
                "mobility_highly_mobile": "10", "thigmotaxis_cm": "8", "table_format": "csv"}
    for dest, value in expected.items():
        assert f"(default {value}" in helps[dest], dest
