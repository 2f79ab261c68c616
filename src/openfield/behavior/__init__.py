"""Behaviour (rearing, grooming) from pose tracks or images, and its per-frame timeline.

Modules, by job:

- :mod:`~openfield.behavior.labels`: human interval labels, name mapping, majority of raters;
- :mod:`~openfield.behavior.timeline`: frames <-> intervals, smoothing, bouts, totals, labels from
  probabilities (:class:`~openfield.behavior.timeline.BehaviorTimeline`);
- :mod:`~openfield.behavior.metrics`: precision, recall, F1, confusion (the one metrics module);
- :mod:`~openfield.behavior.evaluate`: a prediction against raters, raters against each other;
- :mod:`~openfield.behavior.plots`: ethogram, evaluation, confusion and training figures;
- :mod:`~openfield.behavior.outputs`: the files (written atomically, read back with checks);
- :mod:`~openfield.behavior.pose`: features and a classifier on pose;
- :mod:`~openfield.behavior.crops`, :mod:`~openfield.behavior.dataset`, :mod:`~openfield.behavior.vit`,
  :mod:`~openfield.behavior.video`, :mod:`~openfield.behavior.baseline`: the image (ViT) classifier.

Nothing heavy is imported here.
"""
