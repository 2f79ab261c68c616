"""Pose estimation: body-part positions from video.

:mod:`openfield.pose.dlc` wraps DeepLabCut 3 (PyTorch engine): project
creation, frame extraction and labelling, training, evaluation and video
analysis, one module per job. Only :mod:`openfield.pose.dlc.session` imports
``deeplabcut``, and it does so lazily, when a step runs; importing this
package stays cheap.
"""
