"""The one device picker: which torch device a GPU stage (DeepLabCut, ViT) runs on."""

from __future__ import annotations

from typing import Any

from openfield.errors import OpenfieldError

#: Names accepted by ``--device``.
DEVICES = ("auto", "cpu", "cuda")


def resolve_device(device: str = "auto") -> str:
    """Turn ``auto``/``cpu``/``cuda`` into a torch device name.

    Parameters
    ----------
    device
        ``"auto"`` (a CUDA GPU when there is one, else the CPU), ``"cpu"``
        or ``"cuda"`` (also ``"cuda:N"``).

    Returns
    -------
    str
        ``"cpu"`` or ``"cuda"``/``"cuda:N"``.

    Raises
    ------
    OpenfieldError
        For an unknown name, ``cuda`` on a machine without a usable GPU, or
        when PyTorch is not installed.
    """
    try:
        import torch  # lazy: torch is optional (the 'behavior' extra)
    except ImportError as exc:  # pragma: no cover - torch is in requirements.txt
        raise OpenfieldError(f"PyTorch is needed here ({exc}); install it: pip install -r requirements.txt") from exc

    name = str(device).strip().lower()
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cpu":
        return "cpu"
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise OpenfieldError(
                f"--device {device} was asked but PyTorch sees no CUDA GPU on this machine "
                "(torch.cuda.is_available() is False); use --device cpu or --device auto"
            )
        return name
    raise OpenfieldError(f"unknown device {device!r}: use one of {', '.join(DEVICES)}")


def pick_device(device: str = "auto") -> Any:
    """The ``torch.device`` for :func:`resolve_device`'s answer."""
    import torch  # lazy: torch is optional (the 'behavior' extra)

    return torch.device(resolve_device(device))


def autocast_dtype(device: Any) -> Any:
    """Mixed-precision type on a GPU (bf16 when supported, else fp16); None on CPU."""
    import torch  # lazy: torch is optional (the 'behavior' extra)

    if getattr(device, "type", str(device).split(":")[0]) != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
