"""Behaviour (rearing, grooming) from pose tracks or images, and its per-frame timeline.

Modules, by job:

- :mod:`~openfield.behavior.labels`: human interval labels, name mapping, majority of raters;
- :mod:`~openfield.behavior.timeline`: frames <-> intervals, smoothing, bouts, totals, labels from
  probabilities (:class:`~openfield.behavior.timeline.BehaviorTimeline`);
- :mod:`~openfield.behavior.metrics`: precision, recall, F1, confusion (the one metrics module);
- :mod:`~openfield.behavior.evaluate`: a prediction against raters, raters against each other;
- :mod:`~openfield.behavior.plots`: ethogram, evaluation, confusion and training figures;
- :mod:`~openfield.behavior.outputs`: the files (written atomically, read back with checks);
- the classifier on pose: :mod:`~openfield.behavior.roles` (body-part roles, from :mod:`openfield.bodyparts`),
  :mod:`~openfield.behavior.feature_arena` (floor-cm map, wall distances), :mod:`~openfield.behavior.features`,
  :mod:`~openfield.behavior.length_baseline`, :mod:`~openfield.behavior.folds`, :mod:`~openfield.behavior.pose`
  (the model), :mod:`~openfield.behavior.training`, :mod:`~openfield.behavior.predict` (a model applied: the
  behaviour added to the recording's Dataset);
- :mod:`~openfield.behavior.crops`, :mod:`~openfield.behavior.dataset`, :mod:`~openfield.behavior.vit`,
  :mod:`~openfield.behavior.video`, :mod:`~openfield.behavior.baseline`: the image (ViT) classifier.

Nothing heavy is imported here.
"""
