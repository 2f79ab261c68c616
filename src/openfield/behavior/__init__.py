"""Behaviour (rearing, grooming) from pose tracks or images, and its per-frame timeline.

Modules: :mod:`openfield.behavior.timeline` (interval labels, per-frame labels,
bouts, totals, ethogram, evaluation against human raters; shared by every
classifier) and :mod:`openfield.behavior.pose` (features and a classifier on
DeepLabCut pose). Nothing heavy is imported here.
"""
