"""Training a DeepLabCut network: the training dataset, the initial weights, the training run.

Initial weights come from a local file, a seeded random start, or
ImageNet-pretrained backbone weights from the Hugging Face hub; when those can
be neither found nor downloaded, training stops with one line saying what to do.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any

from openfield.device import resolve_device
from openfield.errors import OpenfieldError
from openfield.io.files import atomic_write
from openfield.pose.dlc.checks import check_at_least, check_config, check_labels, hub_reachable, read_yaml
from openfield.pose.dlc.project import DEFAULT_NET, model_folder, repair_project, snapshots
from openfield.pose.dlc.session import (
    ForwardHandler,
    LogStream,
    OpenfieldOnly,
    dlc_log,
    dlc_session,
    import_deeplabcut,
    patched,
)

log = logging.getLogger(__name__)


def available_nets() -> list[str]:
    """Network types DeepLabCut's PyTorch engine can train."""
    utils = import_deeplabcut("pose_estimation_pytorch.config.utils")
    return utils.available_models()


def create_training_dataset(
    config: str | os.PathLike[str], net: str | None = None, shuffle: int = 1, trainingsetindex: int = 0
) -> Path:
    """Create the shuffle's training dataset and model config (an existing one is replaced).

    :func:`openfield.pipeline.dlc.train_network` calls it when the labels,
    the project's settings or the network changed (its ledger's
    ``training_dataset`` step); :func:`train` when the shuffle has none.

    Parameters
    ----------
    config
        The project's ``config.yaml``.
    net
        Network type; default the config's ``default_net_type``.
    shuffle, trainingsetindex
        Which split.

    Returns
    -------
    Path
        The shuffle's ``pytorch_config.yaml``.
    """
    path = check_config(config)
    repair_project(path)
    check_labels(path)
    cfg = read_yaml(path)
    net = net or cfg.get("default_net_type") or DEFAULT_NET
    nets = available_nets()
    if net not in nets:
        raise OpenfieldError(
            f"unknown network {net!r}; DeepLabCut's PyTorch engine offers: {', '.join(nets)}"
        )
    pcfg = model_folder(path, shuffle, trainingsetindex) / "train" / "pytorch_config.yaml"
    dlc = import_deeplabcut()
    with dlc_session("creating the training dataset", path):
        dlc.create_training_dataset(
            str(path), Shuffles=[shuffle], net_type=net, userfeedback=False, engine=dlc.Engine.PYTORCH
        )
    if not pcfg.exists():
        raise OpenfieldError(f"DeepLabCut made no model config for shuffle {shuffle}", pcfg)
    log.info("training dataset created: shuffle %d, network %s", shuffle, net)
    return pcfg


def build_pose_model(pcfg: Path, pretrained: bool) -> Any:
    """DeepLabCut's ``PoseModel`` for a shuffle's ``pytorch_config.yaml`` (ImageNet backbone if ``pretrained``)."""
    config = import_deeplabcut("pose_estimation_pytorch.config")
    models = import_deeplabcut("pose_estimation_pytorch.models")
    model_cfg = config.read_config_as_dict(str(pcfg))
    return models.PoseModel.build(model_cfg["model"], pretrained_backbone=pretrained)


def _pretrained_available(pcfg: Path) -> tuple[bool, str]:
    """Whether ImageNet backbone weights can be loaded (from the cache or the hub)."""
    with contextlib.redirect_stdout(LogStream(dlc_log)):
        try:
            build_pose_model(pcfg, pretrained=True)
        except Exception as exc:  # timm/hub raise many kinds; any means "not available"
            why = "no network or HF_HUB_OFFLINE=1" if not hub_reachable() else f"{type(exc).__name__}"
            return False, why
    return True, ""


def backbone_module(model: Any) -> Any:
    """The network whose weights ImageNet files hold (timm's model inside ResNet backbones)."""
    return model.backbone.model if hasattr(model.backbone, "model") else model.backbone


def initial_snapshot(
    pcfg: Path, weights: str | os.PathLike[str] | None, seed: int
) -> tuple[Path, bool]:
    """Write the weights training starts from; return it and whether to load its head.

    ``weights`` None: a randomly initialised model (seeded). A DeepLabCut
    snapshot (a dict with ``model``) is used as it is; any other state dict
    is taken as backbone weights (e.g. timm's ImageNet ResNet-50) and loaded
    into a fresh model's backbone.
    """
    import torch  # lazy: torch is optional (the 'behavior' extra)

    init_dir = pcfg.parent.parent / "init"
    if weights is not None:
        wpath = Path(weights)
        if not wpath.exists():
            raise OpenfieldError("weights file not found", wpath)
        try:
            if wpath.suffix == ".safetensors":
                from safetensors.torch import load_file  # lazy: optional (the 'behavior' extra)

                state = load_file(str(wpath))
            else:
                state = torch.load(wpath, map_location="cpu", weights_only=True)
        except Exception as exc:
            why = f"{type(exc).__name__}: {exc}"
            raise OpenfieldError(f"cannot read as PyTorch weights ({why})", wpath) from exc
        if isinstance(state, dict) and isinstance(state.get("model"), dict):
            model = build_pose_model(pcfg, pretrained=False)
            own = model.state_dict()
            same = all(k in own and own[k].shape == v.shape for k, v in state["model"].items())
            log.info("training starts from the DeepLabCut snapshot %s", wpath)
            return wpath, same
        if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
            state = state["state_dict"]
        if not isinstance(state, dict) or not all(hasattr(v, "shape") for v in state.values()):
            raise OpenfieldError("not a PyTorch state dict or DeepLabCut snapshot", wpath)
        torch.manual_seed(seed)
        model = build_pose_model(pcfg, pretrained=False)
        backbone = backbone_module(model)
        own = backbone.state_dict()
        usable = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
        if len(usable) < 0.5 * len(own):
            raise OpenfieldError(
                f"these weights do not fit the {read_yaml(pcfg).get('net_type')} backbone "
                f"({len(usable)} of {len(own)} tensors match)",
                wpath,
            )
        backbone.load_state_dict(usable, strict=False)
        log.info("backbone weights loaded from %s (%d of %d tensors)", wpath, len(usable), len(own))
        out = init_dir / f"init-{wpath.stem}.pt"
    else:
        torch.manual_seed(seed)
        model = build_pose_model(pcfg, pretrained=False)
        out = init_dir / f"init-scratch-seed{seed}.pt"
    init_dir.mkdir(parents=True, exist_ok=True)
    with atomic_write(out) as tmp:
        torch.save({"model": model.state_dict(), "metadata": {"epoch": 0}}, tmp)
    return out, True


def train(
    config: str | os.PathLike[str],
    epochs: int | None = None,
    net: str | None = None,
    device: str = "auto",
    weights: str | os.PathLike[str] | None = None,
    from_scratch: bool = False,
    shuffle: int = 1,
    trainingsetindex: int = 0,
    batch_size: int | None = None,
    save_epochs: int | None = None,
    seed: int = 42,
    crop_size: int | None = None,
    overrides: dict[str, Any] | None = None,
) -> Path:
    """Train a network on the project's labelled frames.

    Creates the shuffle's training dataset when it has none
    (:func:`create_training_dataset`; a shuffle made with another network
    is an error), then trains with DeepLabCut's ``train_network``. Initial weights, in this order:
    ``weights`` (a local file), a random initialisation when
    ``from_scratch``, else ImageNet-pretrained backbone weights, which
    DeepLabCut fetches from the Hugging Face hub; when they can be neither
    found nor downloaded this stops with one line saying what to do.
    It always trains: whether the shuffle needs it is decided by
    :func:`openfield.pipeline.dlc.train_network` (``openfield pose train``),
    which resumes through the shuffle's ledger.

    Parameters
    ----------
    config
        The project's ``config.yaml`` (a moved project is repaired first).
    epochs
        Epochs to train (default: the model config's, 200).
    net
        Network type (default: the config's ``default_net_type``).
    device
        ``auto``, ``cpu`` or ``cuda``.
    weights
        Local weights to start from: a DeepLabCut snapshot or backbone
        weights (e.g. timm's ImageNet ResNet-50 ``.pth``/``.safetensors``).
    from_scratch
        Start from a randomly initialised model (no download).
    shuffle, trainingsetindex
        Which split.
    batch_size, save_epochs
        Override the model config's.
    seed
        Seed of the initialisation and of DeepLabCut's training.
    crop_size
        Side in pixels of the square crops training samples around the
        labels (DeepLabCut's default 448). Smaller trains faster on a CPU
        (256: about 3x); inference still sees whole frames.
    overrides
        Further model-config updates, DeepLabCut's dot-separated keys
        (e.g. ``{"runner.optimizer.params.lr": 1e-3}``).

    Returns
    -------
    Path
        The last snapshot written.
    """
    path = check_config(config)
    dev = resolve_device(device)
    for name, value, minimum in (("epochs", epochs, 1), ("shuffle", shuffle, 1), ("batch_size", batch_size, 1),
                                 ("save_epochs", save_epochs, 1)):
        check_at_least(value, minimum, name)
    check_at_least(crop_size, 32, "crop_size", " px")
    if weights is not None and from_scratch:
        raise OpenfieldError("give either --weights or --from-scratch, not both")
    if weights is not None and not Path(weights).is_file():
        raise OpenfieldError("weights file not found", weights)
    repair_project(path)
    check_labels(path)
    pcfg = model_folder(path, shuffle, trainingsetindex) / "train" / "pytorch_config.yaml"
    if not pcfg.exists():  # the training's input: made when the shuffle has none
        pcfg = create_training_dataset(path, net=net, shuffle=shuffle, trainingsetindex=trainingsetindex)
    existing = read_yaml(pcfg).get("net_type")
    if net is not None and existing != net:
        raise OpenfieldError(
            f"shuffle {shuffle} was created with network {existing!r}, not {net!r}; "
            f"pass another --shuffle to train {net}",
            pcfg,
        )
    model_cfg = read_yaml(pcfg)
    n_epochs = int(epochs or model_cfg.get("train_settings", {}).get("epochs", 200))
    if weights is not None or from_scratch:
        init, load_head = initial_snapshot(pcfg, weights, seed)
    else:
        ok, why = _pretrained_available(pcfg)
        if not ok:
            raise OpenfieldError(
                f"ImageNet-pretrained weights for {model_cfg.get('net_type')} cannot be downloaded ({why}); "
                "train from a local weights file with --weights PATH, "
                "or from a random start with --from-scratch"
            )
        init, load_head = None, True
        log.info("training from ImageNet-pretrained backbone weights")
    if init is not None and weights is None:
        log.info("training from scratch (randomly initialised model, seed %d)", seed)

    updates: dict[str, Any] = {"train_settings.seed": seed}
    if crop_size is not None:
        updates["data.train.crop_sampling.width"] = int(crop_size)
        updates["data.train.crop_sampling.height"] = int(crop_size)
    updates.update(overrides or {})
    save_every = save_epochs or min(int(model_cfg["runner"]["snapshots"]["save_epochs"]), n_epochs)
    log.info("training %s for %d epoch(s) on %s", model_cfg.get("net_type"), n_epochs, dev)
    dlc_training = import_deeplabcut("pose_estimation_pytorch.apis.training")

    user_handlers = list(logging.getLogger().handlers)

    def _log_to_file(filepath: Path) -> None:
        # DeepLabCut would replace the root logger's handlers and print to the console;
        # keep its train.txt and send the rest to our logger instead.
        root = logging.getLogger()
        file_handler = logging.FileHandler(filepath, mode="a")
        file_handler.setFormatter(logging.Formatter("%(asctime)-15s %(message)s", "%Y-%m-%d %H:%M:%S"))
        file_handler.addFilter(lambda record: not record.name.startswith("openfield"))  # no echo
        root.handlers[:] = [file_handler, ForwardHandler()] + [OpenfieldOnly(h) for h in user_handlers]
        root.setLevel(logging.INFO)

    with (
        dlc_session("training", pcfg),
        patched(dlc_training, "setup_file_logging", _log_to_file),
    ):
        dlc_training.train_network(
            str(path),
            shuffle=shuffle,
            trainingsetindex=trainingsetindex,
            device=dev,
            snapshot_path=None if init is None else str(init),
            load_head_weights=load_head,
            epochs=n_epochs,
            save_epochs=save_every,
            batch_size=batch_size,
            pytorch_cfg_updates=updates,
        )
    done = snapshots(path, shuffle, trainingsetindex)
    if not done:
        raise OpenfieldError("training ended without writing a snapshot", pcfg.parent)
    log.info("trained: %s", done[-1])
    return done[-1]


