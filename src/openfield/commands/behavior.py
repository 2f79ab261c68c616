"""``openfield behavior ...``: rearing and grooming, trained on and evaluated against human labels.

This module only assembles the group: each action is a small function adding
one sub-subcommand, in :mod:`~openfield.commands.behavior_pose` (pose-train,
pose-predict), :mod:`~openfield.commands.behavior_evaluate` (evaluate) and
:mod:`~openfield.commands.behavior_vit` (dataset, train, predict: the
frame classifier). :data:`ACTIONS` lists them, so a new classifier adds its
actions by appending to the list.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from openfield.commands.behavior_evaluate import add_evaluate
from openfield.commands.behavior_pose import add_convert_model, add_pose_predict, add_pose_train
from openfield.commands.behavior_vit import add_dataset as add_vit_dataset
from openfield.commands.behavior_vit import add_predict as add_vit_predict
from openfield.commands.behavior_vit import add_train as add_vit_train

#: The actions of ``openfield behavior``, in ``--help`` order; each adds one sub-subcommand.
ACTIONS: list[Callable[[argparse._SubParsersAction], None]] = [
    add_pose_train,
    add_pose_predict,
    add_convert_model,
    add_evaluate,
    # the Vision Transformer frame classifier (openfield.commands.behavior_vit)
    add_vit_dataset,
    add_vit_train,
    add_vit_predict,
]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``behavior`` command group and its actions."""
    p = subparsers.add_parser(
        "behavior",
        help="rearing and grooming: train, predict, evaluate against human raters",
        description="Rearing and grooming per frame, as bouts and totals, validated against human labels.",
    )
    sub = p.add_subparsers(dest="behavior_command", metavar="ACTION", required=True)
    for add in ACTIONS:
        add(sub)
