"""Vision Transformer frame classifier: build or load, fine-tune, evaluate.

Hugging Face ``transformers`` does the modelling
(``AutoImageProcessor`` + ``AutoModelForImageClassification``); PyTorch the
training loop; scikit-learn the metrics (:mod:`openfield.behavior.metrics`). The default checkpoint is
``google/vit-base-patch16-224-in21k`` from the hub; any local checkpoint
folder or hub id works, and ``from_scratch`` builds a small ViT from a config
(no download, what works offline).

A model folder holds the ``transformers`` files (``config.json``,
``model.safetensors``, ``preprocessor_config.json``) and
``openfield_vit.json`` (classes, crop settings, training settings and
validation metrics), written last: its presence means training finished.

torch and transformers are imported inside the functions, so importing this
module (and ``openfield --help``) stays fast.
"""

from __future__ import annotations

import copy
import logging
import math
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from openfield.behavior.crops import CropSettings
from openfield.behavior.metrics import classification_metrics
from openfield.device import autocast_dtype, pick_device
from openfield.errors import OpenfieldError
from openfield.io.behavior import check_model_folder, read_model_info
from openfield.io.behavior_dataset import read_manifest
from openfield.io.images import read_image

log = logging.getLogger(__name__)

DEFAULT_CHECKPOINT = "google/vit-base-patch16-224-in21k"
BALANCE = ("weights", "sampler", "none")


@dataclass
class TrainSettings:
    """Settings of one training run (saved with the model).

    Attributes
    ----------
    checkpoint
        Hub id or local folder of a pretrained image model.
    from_scratch
        Build a new ViT from a config (``layers``, ``hidden_size``,
        ``image_size``) instead of loading ``checkpoint``.
    layers, hidden_size, image_size, patch_size
        Size of the from-scratch ViT (``patch_size`` 0: ``image_size // 8``).
    epochs
        Most passes over the training set.
    batch_size
        Images per step; 0: 64 on a GPU, 16 on CPU.
    learning_rate
        AdamW learning rate; 0: 3e-4 from scratch, 5e-5 fine-tuning.
    weight_decay
        AdamW weight decay.
    patience
        Stop when validation macro-F1 has not improved for this many epochs.
    balance
        ``"weights"`` (class-weighted loss), ``"sampler"`` (balanced
        sampling) or ``"none"``.
    augment
        Random flips, rotations and brightness/contrast changes in training.
    seed
        Seed of initialisation, shuffling and augmentation.
    device
        ``"auto"`` (CUDA when present), ``"cpu"`` or ``"cuda"``.
    """

    checkpoint: str = DEFAULT_CHECKPOINT
    from_scratch: bool = False
    layers: int = 4
    hidden_size: int = 128
    image_size: int = 64
    patch_size: int = 0
    epochs: int = 30
    batch_size: int = 0
    learning_rate: float = 0.0
    weight_decay: float = 0.05
    patience: int = 6
    balance: str = "weights"
    augment: bool = True
    seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        if self.balance not in BALANCE:
            raise OpenfieldError(f"balance must be one of {BALANCE}, not {self.balance!r}")
        for name in ("layers", "hidden_size", "image_size", "epochs"):
            if getattr(self, name) < 1:
                raise OpenfieldError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise OpenfieldError(f"device must be auto, cpu or cuda, not {self.device!r}")


# --------------------------------------------------------------------------- models


def build_model(classes: Sequence[str], settings: TrainSettings) -> tuple[Any, Any]:
    """A classifier and its image processor for ``classes``.

    Parameters
    ----------
    classes
        Class names, in label-index order.
    settings
        ``from_scratch`` and its sizes, or ``checkpoint`` to load.

    Returns
    -------
    tuple
        ``(model, processor)``.

    Raises
    ------
    OpenfieldError
        When the checkpoint cannot be loaded (offline, wrong name), with a
        hint to use a local folder or ``--from-scratch``.
    """
    import torch  # lazy: torch is optional (the 'behavior' extra)
    from transformers import AutoImageProcessor, AutoModelForImageClassification, ViTConfig, ViTImageProcessor

    id2label = {i: str(c) for i, c in enumerate(classes)}
    label2id = {c: i for i, c in id2label.items()}
    if settings.from_scratch:
        torch.manual_seed(settings.seed)
        patch = settings.patch_size or max(2, settings.image_size // 8)
        if settings.image_size % patch:
            raise OpenfieldError(f"image size {settings.image_size} is not a multiple of patch size {patch}")
        heads = max(1, settings.hidden_size // 32)
        if settings.hidden_size % heads:
            heads = 1
        config = ViTConfig(
            image_size=settings.image_size,
            patch_size=patch,
            num_hidden_layers=settings.layers,
            hidden_size=settings.hidden_size,
            num_attention_heads=heads,
            intermediate_size=4 * settings.hidden_size,
            num_labels=len(classes),
            id2label=id2label,
            label2id=label2id,
        )
        from transformers import ViTForImageClassification  # lazy: transformers is optional (the 'behavior' extra)

        model = ViTForImageClassification(config)
        processor = ViTImageProcessor(
            size={"height": settings.image_size, "width": settings.image_size},
            image_mean=[0.5, 0.5, 0.5],
            image_std=[0.5, 0.5, 0.5],
        )
        return model, processor
    try:
        processor = AutoImageProcessor.from_pretrained(settings.checkpoint)
        model = AutoModelForImageClassification.from_pretrained(
            settings.checkpoint,
            use_safetensors=True,  # a checkpoint's weights as safetensors only, never a pickle
            num_labels=len(classes),
            id2label=id2label,
            label2id=label2id,
            ignore_mismatched_sizes=True,
        )
    except (OSError, ValueError) as exc:
        raise OpenfieldError(
            f"cannot load the checkpoint {settings.checkpoint!r} ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}). Give a local checkpoint folder, check the "
            "internet connection (the hub is needed for the default), or train --from-scratch"
        ) from exc
    return model, processor


def load_model(model_dir: str | os.PathLike[str], device: Any = None) -> tuple[Any, Any, list[str], dict]:
    """Load a trained classifier folder.

    Parameters
    ----------
    model_dir
        A folder written by :func:`openfield.behavior.outputs.write_training` (or any local image-classification
        checkpoint with ``config.json`` and ``preprocessor_config.json``).
    device
        Torch device to move the model to; None leaves it on CPU.

    Returns
    -------
    tuple
        ``(model, processor, classes, info)``; the model is in eval mode.

    Raises
    ------
    OpenfieldError
        Folder missing, not a model folder, weights not in safetensors
        (:func:`check_model_folder`), or unreadable.
    """
    # lazy: transformers is optional (the 'behavior' extra)
    from transformers import AutoImageProcessor, AutoModelForImageClassification

    d = Path(model_dir)
    check_model_folder(d)
    try:
        processor = AutoImageProcessor.from_pretrained(str(d))
        model = AutoModelForImageClassification.from_pretrained(str(d), use_safetensors=True)
    except (OSError, ValueError) as exc:
        raise OpenfieldError(f"cannot load the model ({exc})", d) from exc
    model.eval()
    if device is not None:
        model.to(device)
    classes = [str(model.config.id2label[i]) for i in range(model.config.num_labels)]
    return model, processor, classes, read_model_info(d)


# --------------------------------------------------------------------------- images


def read_rgb(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an image file as RGB ``uint8`` (:func:`openfield.io.images.read_image`), with a clear error."""
    return cv2.cvtColor(read_image(path), cv2.COLOR_BGR2RGB)


def augment_image(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random flips, rotation (any angle) and brightness/contrast of an RGB image.

    Suited to top and bottom views: the animal can face any direction and
    a mirror image is as plausible as the original.
    """
    if rng.random() < 0.5:
        image = image[:, ::-1]
    if rng.random() < 0.5:
        image = image[::-1]
    h, w = image.shape[:2]
    angle = float(rng.uniform(-180, 180))
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    image = cv2.warpAffine(np.ascontiguousarray(image), m, (w, h), borderMode=cv2.BORDER_REFLECT)
    alpha = float(rng.uniform(0.8, 1.2))
    beta = float(rng.uniform(-20, 20))
    return cv2.convertScaleAbs(image, alpha=alpha, beta=beta)


def processor_size(processor: Any) -> tuple[int, int]:
    """``(height, width)`` the processor resizes to."""
    size = processor.size
    if "height" in size:
        return int(size["height"]), int(size["width"])
    side = int(size.get("shortest_edge", 224))
    return side, side


def to_pixel_values(images: Sequence[np.ndarray], processor: Any) -> Any:
    """Batch tensor of RGB ``uint8`` images, prepared by the model's processor.

    Images are first resized with OpenCV (area interpolation) to the
    processor's size, so large crops are shrunk cleanly; the processor then
    rescales and normalises them exactly as for the checkpoint.
    """
    h, w = processor_size(processor)
    small = [
        img if img.shape[:2] == (h, w) else cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)
        for img in images
    ]
    return processor(images=small, return_tensors="pt")["pixel_values"]


def predict_batch(model: Any, pixel_values: Any, device: Any) -> np.ndarray:
    """Class probabilities ``(n, n_classes)`` of one batch (mixed precision on GPU)."""
    import torch  # lazy: torch is optional (the 'behavior' extra)

    dtype = autocast_dtype(device)
    with torch.inference_mode():
        x = pixel_values.to(device, non_blocking=True)
        if dtype is not None:
            with torch.autocast(device_type=device.type, dtype=dtype):
                logits = model(pixel_values=x).logits
        else:
            logits = model(pixel_values=x).logits
        return torch.softmax(logits.float(), dim=-1).cpu().numpy()


def predict_files(
    model: Any, processor: Any, files: Sequence[str], device: Any, batch_size: int = 32
) -> np.ndarray:
    """Class probabilities of image files, in batches."""
    out = []
    for i in range(0, len(files), batch_size):
        images = [read_rgb(f) for f in files[i : i + batch_size]]
        out.append(predict_batch(model, to_pixel_values(images, processor), device))
    n_classes = model.config.num_labels
    return np.concatenate(out) if out else np.zeros((0, n_classes))


# --------------------------------------------------------------------------- training


def _class_weights(labels: np.ndarray, n_classes: int) -> np.ndarray:
    counts = np.bincount(labels, minlength=n_classes).astype(float)
    weights = np.where(counts > 0, len(labels) / (n_classes * np.maximum(counts, 1)), 0.0)
    return weights


@dataclass
class TrainingResult:
    """What :func:`train` produced (written by :func:`openfield.behavior.outputs.write_training`).

    Attributes
    ----------
    model
        The trained ``transformers`` model (best epoch, on CPU, eval mode).
    processor
        Its image processor.
    history
        One row per epoch: ``epoch``, ``train_loss``, ``val_loss``,
        ``val_macro_f1``, ``val_balanced_accuracy``, ``seconds``.
    info
        ``classes``, ``crop``, ``key`` (:func:`training_key`),
        ``best_epoch``, ``epochs_run``, ``device``, ``val`` (summary of the
        validation metrics, empty without validation images).
    val_metrics
        :func:`~openfield.behavior.metrics.classification_metrics` on the
        validation split, or None.
    val_predictions
        One row per validation image: ``path``, ``label``, ``source``,
        ``predicted``, ``p_<class>``; or None.
    """

    model: Any
    processor: Any
    history: pd.DataFrame
    info: dict[str, Any]
    val_metrics: dict[str, Any] | None = None
    val_predictions: pd.DataFrame | None = None


def training_key(dataset_dir: str | os.PathLike[str], manifest: pd.DataFrame, settings: TrainSettings) -> dict:
    """What a trained model depends on: the dataset, its images, its validation groups and the settings."""
    return {
        "dataset": str(Path(dataset_dir).resolve()),
        "n_images": len(manifest),
        "val_groups": sorted(manifest.loc[manifest["split"] == "val", "group"].astype(str).unique()),
        "settings": asdict(settings),
    }


def train(
    dataset_dir: str | os.PathLike[str],
    settings: TrainSettings | None = None,
) -> TrainingResult:
    """Fine-tune (or train from scratch) a ViT on a dataset folder.

    Trains on the ``train`` split, picks the epoch with the best
    validation macro-F1 (early stopping after ``patience`` epochs without
    improvement) and evaluates that model on the validation split. Nothing
    is written: :func:`openfield.behavior.outputs.write_training` saves the
    result, :func:`openfield.behavior.outputs.train_model` trains only
    when the model folder does not already hold this training.

    Parameters
    ----------
    dataset_dir
        Folder written by :func:`openfield.behavior.dataset.build_dataset`
        (its crops are read batch by batch).
    settings
        Training settings.

    Returns
    -------
    TrainingResult
        The model, processor, history, info and validation results.
    """
    import torch  # lazy: torch is optional (the 'behavior' extra)

    settings = settings or TrainSettings()
    manifest, ds_info = read_manifest(dataset_dir)
    key = training_key(dataset_dir, manifest, settings)
    classes = sorted(manifest["label"].unique())
    index = {c: i for i, c in enumerate(classes)}
    tr = manifest[manifest["split"] == "train"].reset_index(drop=True)
    va = manifest[manifest["split"] == "val"].reset_index(drop=True)
    if tr.empty:
        raise OpenfieldError("the dataset has no training images", dataset_dir)
    missing = [c for c in classes if c not in set(tr["label"])]
    if missing:
        raise OpenfieldError(f"class(es) {missing} have no training images", dataset_dir)
    if va.empty:
        log.warning("no validation images: the last epoch is kept and nothing is evaluated")
    y_tr = tr["label"].map(index).to_numpy()

    torch.manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    device = pick_device(settings.device)
    amp = autocast_dtype(device)
    batch_size = settings.batch_size or (64 if device.type == "cuda" else 16)
    lr = settings.learning_rate or (3e-4 if settings.from_scratch else 5e-5)
    model, processor = build_model(classes, settings)
    model.to(device)
    log.info(
        "training on %s (%s), %d train / %d validation images, classes %s, batch %d",
        device, amp or "fp32", len(tr), len(va), classes, batch_size,
    )
    weights = _class_weights(y_tr, len(classes))
    loss_weights = torch.tensor(weights if settings.balance == "weights" else np.ones(len(classes)),
                                dtype=torch.float32, device=device)
    loss_fn = torch.nn.CrossEntropyLoss(weight=loss_weights)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=settings.weight_decay)
    steps_per_epoch = max(1, math.ceil(len(tr) / batch_size))
    total_steps = steps_per_epoch * settings.epochs
    warmup = max(1, total_steps // 20)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(1.0, s / total_steps))),
    )
    scaler = torch.amp.GradScaler("cuda") if amp == torch.float16 else None

    history, best_f1, best_epoch, best_state, stale = [], -1.0, 0, None, 0
    for epoch in range(1, settings.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        if settings.balance == "sampler":
            p = weights[y_tr] / weights[y_tr].sum()
            order = rng.choice(len(tr), size=len(tr), replace=True, p=p)
        else:
            order = rng.permutation(len(tr))
        total, seen = 0.0, 0
        for b in tqdm(range(steps_per_epoch), desc=f"epoch {epoch}", unit="batch", leave=False):
            idx = order[b * batch_size : (b + 1) * batch_size]
            images = [read_rgb(tr["file"].iloc[i]) for i in idx]
            if settings.augment:
                images = [augment_image(img, rng) for img in images]
            x = to_pixel_values(images, processor).to(device)
            y = torch.as_tensor(y_tr[idx], device=device)
            optimizer.zero_grad(set_to_none=True)
            if amp is not None:
                with torch.autocast(device_type=device.type, dtype=amp):
                    loss = loss_fn(model(pixel_values=x).logits.float(), y)
            else:
                loss = loss_fn(model(pixel_values=x).logits, y)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
            else:
                loss.backward()
                optimizer.step()
            scheduler.step()
            total += float(loss.detach()) * len(idx)
            seen += len(idx)
        row = {"epoch": epoch, "train_loss": total / seen, "val_loss": np.nan,
               "val_macro_f1": np.nan, "val_balanced_accuracy": np.nan}
        if not va.empty:
            model.eval()
            probs = predict_files(model, processor, list(va["file"]), device, batch_size=max(batch_size, 32))
            y_va = va["label"].map(index).to_numpy()
            row["val_loss"] = float(-np.mean(np.log(np.clip(probs[np.arange(len(y_va)), y_va], 1e-12, 1))))
            m = classification_metrics(va["label"], np.asarray(classes)[probs.argmax(axis=1)], classes)
            row["val_macro_f1"], row["val_balanced_accuracy"] = m["macro_f1"], m["balanced_accuracy"]
        row["seconds"] = time.perf_counter() - t0
        history.append(row)
        log.info(
            "epoch %d: train loss %.4f, validation loss %.4f, macro-F1 %.3f, balanced accuracy %.3f (%.1f s)",
            epoch, row["train_loss"], row["val_loss"], row["val_macro_f1"], row["val_balanced_accuracy"],
            row["seconds"],
        )
        score = row["val_macro_f1"] if not va.empty else epoch
        if score > best_f1:
            best_f1, best_epoch, stale = score, epoch, 0
            best_state = copy.deepcopy({k: v.detach().cpu() for k, v in model.state_dict().items()})
        else:
            stale += 1
            if stale >= settings.patience:
                log.info("early stop: no better validation macro-F1 for %d epochs", stale)
                break

    model.load_state_dict(best_state)
    val_summary: dict[str, Any] = {}
    metrics, preds = None, None
    if not va.empty:
        model.eval()
        probs = predict_files(model, processor, list(va["file"]), device, batch_size=max(batch_size, 32))
        pred = np.asarray(classes)[probs.argmax(axis=1)]
        metrics = classification_metrics(va["label"], pred, classes)
        preds = va[["path", "label", "source"]].assign(predicted=pred)
        for i, c in enumerate(classes):
            preds[f"p_{c}"] = probs[:, i]
        val_summary = {k: metrics[k] for k in ("macro_f1", "balanced_accuracy", "accuracy", "n")}
        val_summary["f1"] = dict(zip(metrics["per_class"]["class"], metrics["per_class"]["f1"], strict=True))
    model.to("cpu")
    info = {
        "classes": classes,
        "crop": ds_info.get("settings", {}).get("crop", CropSettings().to_dict()),
        "key": key,
        "best_epoch": best_epoch,
        "epochs_run": len(history),
        "device": str(device),
        "val": val_summary,
    }
    return TrainingResult(model, processor, pd.DataFrame(history), info, metrics, preds)


def evaluate_model(
    model_dir: str | os.PathLike[str],
    dataset_dir: str | os.PathLike[str],
    split: str = "val",
    device: str = "auto",
    batch_size: int = 32,
) -> dict:
    """Evaluate a model folder on one split of a dataset.

    :func:`openfield.behavior.outputs.write_metrics` writes the result.

    Returns
    -------
    dict
        :func:`~openfield.behavior.metrics.classification_metrics` output.
    """
    manifest, _ = read_manifest(dataset_dir)
    part = manifest if split == "all" else manifest[manifest["split"] == split]
    dev = pick_device(device)
    model, processor, classes, _ = load_model(model_dir, dev)
    unknown = sorted(set(part["label"]) - set(classes))
    if unknown:
        raise OpenfieldError(
            f"the dataset has class(es) {unknown} the model does not know ({classes})", dataset_dir
        )
    probs = predict_files(model, processor, list(part["file"]), dev, batch_size)
    pred = np.asarray(classes)[probs.argmax(axis=1)]
    return classification_metrics(part["label"], pred, classes)
