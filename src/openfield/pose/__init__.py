"""Pose estimation: body-part positions from video.

:mod:`openfield.pose.dlc` wraps DeepLabCut 3 (PyTorch engine): project
creation, frame extraction and labelling, training, evaluation and video
analysis. It is the only module that imports ``deeplabcut``, and it does so
lazily, inside its functions; importing this package stays cheap.
"""
