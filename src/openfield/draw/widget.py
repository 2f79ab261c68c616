"""The settings file edited in a notebook: sliders and fields over the video's frame (ipywidgets).

``SettingsWidget(video)`` shows the video's background frame (or frame N
while scrubbing for the trial start) with the arena, the zones and the cm
grid drawn, and edits the same ``<stem>.openfield.json`` as ``openfield
draw``: the arena (circle: centre and radius; rectangle and polygon: each
corner; ellipse: centre, axes, angle), zones (the zones object as JSON, in
pixels or cm), the real size, the animal and the trial window. Nothing is
served: the picture is drawn by OpenCV into an ``ipywidgets.Image``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import cv2
import ipywidgets as widgets
import numpy as np

from openfield.draw.session import DrawSession, arena_outline, encode_image
from openfield.errors import OpenfieldError
from openfield.io.settings import VideoSettings, read_settings, settings_path, write_settings

_ARENA_FIELDS = {
    "circle": ("cx", "cy", "radius"),
    "ellipse": ("cx", "cy", "a", "b", "angle"),
}


def cm_to_px(arena: dict[str, Any], size_cm: tuple[float, float]) -> Any:
    """The arena's cm frame (origin at the floor's bounding box's top-left, y down) to pixels, as a function.

    Circle: a scale and an offset; ellipse: the circle of diameter ``size_cm[0]``
    stretched onto the ellipse; rectangle: the homography of its corners;
    polygon: the scale of its bounding box.
    """
    w, h = size_cm
    if arena["shape"] == "circle":
        s = arena["radius_px"] / (w / 2)
        ox, oy = arena["center_px"][0] - arena["radius_px"], arena["center_px"][1] - arena["radius_px"]
        return lambda p: np.column_stack([ox + s * p[:, 0], oy + s * p[:, 1]])
    if arena["shape"] == "ellipse":
        t = np.deg2rad(arena["angle_deg"])
        (a, b), (cx, cy) = arena["axes_px"], arena["center_px"]

        def ellipse(p: np.ndarray) -> np.ndarray:
            x, y = (p[:, 0] - w / 2) / (w / 2) * a, (p[:, 1] - w / 2) / (w / 2) * b
            return np.column_stack([cx + x * np.cos(t) - y * np.sin(t), cy + x * np.sin(t) + y * np.cos(t)])
        return ellipse
    corners = np.asarray(arena["corners_px"], np.float32)
    if arena["shape"] == "rectangle":
        hom = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), corners)
        return lambda p: cv2.perspectiveTransform(np.asarray(p, np.float32)[None], hom)[0].astype(float)
    x0, y0 = corners.min(axis=0)
    x1, y1 = corners.max(axis=0)
    return lambda p: np.column_stack([x0 + p[:, 0] * (x1 - x0) / w, y0 + p[:, 1] * (y1 - y0) / h])


def draw_settings(image: np.ndarray, arena: dict[str, Any], zones: dict[str, Any] | None = None,
                  size_cm: tuple[float, float] | None = None, grid_cm: float = 5.0) -> np.ndarray:
    """A copy of ``image`` with the arena (yellow), its cm grid (blue, with a size) and the zones (green)."""
    out = image.copy()
    outline = np.round(arena_outline(arena)).astype(np.int32)
    to_px = cm_to_px(arena, size_cm) if size_cm else None
    if to_px is not None:
        grid = np.zeros(out.shape[:2], np.uint8)
        w, h = size_cm  # type: ignore[misc]
        t = np.linspace(0, 1, 21)
        for x in np.arange(0, w + 1e-9, grid_cm):
            cv2.polylines(grid, [np.round(to_px(np.column_stack([np.full_like(t, x), t * h]))).astype(np.int32)],
                          False, 255, 1)
        for y in np.arange(0, h + 1e-9, grid_cm):
            cv2.polylines(grid, [np.round(to_px(np.column_stack([t * w, np.full_like(t, y)]))).astype(np.int32)],
                          False, 255, 1)
        floor = np.zeros_like(grid)
        cv2.fillPoly(floor, [outline], 255)
        out[(grid > 0) & (floor > 0)] = (255, 200, 0)
    cv2.polylines(out, [outline], True, (0, 212, 255), 2, cv2.LINE_AA)
    for z in (zones or {}).get("zones", []):
        if (zones or {}).get("units") == "cm" and to_px is None:
            continue
        f = to_px if (zones or {}).get("units") == "cm" else (lambda p: p)
        if z["shape"] == "circle":
            t = np.linspace(0, 2 * np.pi, 72, endpoint=False)
            (cx, cy), r = z["center"], z["radius"]
            pts = f(np.column_stack([cx + r * np.cos(t), cy + r * np.sin(t)]))
        else:
            pts = f(np.asarray(z["points"], float))
        pts = np.round(pts).astype(np.int32)
        cv2.polylines(out, [pts], True, (110, 255, 60), 2, cv2.LINE_AA)
        cv2.putText(out, z["name"], tuple(int(v) for v in pts.mean(axis=0)), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (110, 255, 60), 1, cv2.LINE_AA)
    return out


class SettingsWidget(widgets.VBox):
    """Edit and save a video's settings file in a notebook.

    Parameters
    ----------
    video
        The video file.
    path
        Where to save; default ``<stem>.openfield.json`` beside the video
        (give another path when the video's folder is read-only). An
        existing file there is loaded.

    Attributes
    ----------
    shape, fields, size, animal, frame, start, duration, zones_text, save_button, status, image
        The controls (``fields``: the arena's numbers by name, ``cx``,
        ``cy``, ``radius``... or ``x1``, ``y1``... for corners).
    """

    def __init__(self, video: str | os.PathLike[str], path: str | os.PathLike[str] | None = None) -> None:
        self.session = DrawSession([video])
        self.path = Path(path) if path is not None else settings_path(video)
        st = self.session.state(0)
        self.info = st
        saved = read_settings(self.path).to_dict() if self.path.is_file() else {}
        self._background = self.session.video(0).background
        self._frame_image: np.ndarray | None = None
        arena = saved.get("arena") or st["detected"]
        lay = widgets.Layout(width="320px")
        self.shape = widgets.Dropdown(options=["circle", "ellipse", "rectangle", "polygon"], value=arena["shape"],
                                      description="arena")
        self.fields: dict[str, widgets.FloatSlider] = {}
        self.arena_box = widgets.VBox()
        self.size = widgets.Text(description="size cm", placeholder="D, or W H",
                                 value=" ".join(f"{v:g}" for v in saved.get("arena_size_cm", []))
                                 or (f"{saved['arena_diameter_cm']:g}" if "arena_diameter_cm" in saved else ""))
        self.animal = widgets.Dropdown(options=["auto", "dark", "light"], value=saved.get("animal", "auto"),
                                       description="animal")
        self.frame = widgets.IntSlider(min=0, max=max(0, st["n_frames"] - 1), value=0, description="frame",
                                       layout=lay)
        self.show_background = widgets.Checkbox(value=True, description="background")
        self.start_button = widgets.Button(description="start here")
        trial = saved.get("trial", {})
        self.start = widgets.Text(value=str(trial.get("start_s", "")), description="start s", placeholder="s or auto")
        self.duration = widgets.Text(value=str(trial.get("duration_s", "")), description="duration s")
        self.zones_text = widgets.Textarea(value=json.dumps(saved["zones"]) if "zones" in saved else "",
                                           description="zones", placeholder='{"units": "px", "zones": [...]}',
                                           layout=widgets.Layout(width="520px", height="70px"))
        self.save_button = widgets.Button(description="save", button_style="primary")
        self.status = widgets.Label()
        self.image = widgets.Image(format="png")
        self._set_arena(arena)
        self.shape.observe(lambda ch: self._set_arena(self._convert(ch["new"])), names="value")
        for w in (self.size, self.zones_text):
            w.observe(lambda _ch: self.redraw(), names="value")
        self.frame.observe(self._on_frame, names="value")
        self.show_background.observe(lambda _ch: self.redraw(), names="value")
        self.start_button.on_click(lambda _b: setattr(self.start, "value", f"{self.frame.value / st['fps']:g}"))
        self.save_button.on_click(lambda _b: self.save())
        super().__init__([
            widgets.HTML(f"<b>{st['name']}</b> &rarr; <code>{self.path.name}</code>"),
            widgets.HBox([self.image, widgets.VBox([self.shape, self.arena_box, self.size, self.animal])]),
            widgets.HBox([self.frame, self.show_background, self.start_button]),
            widgets.HBox([self.start, self.duration]), self.zones_text,
            widgets.HBox([self.save_button, self.status]),
        ])
        self.redraw()

    # -- the arena's controls ---------------------------------------------------------------------------------
    def _set_arena(self, arena: dict[str, Any]) -> None:
        w, h = self.info["width"], self.info["height"]
        names: list[tuple[str, float, float, float]] = []
        if arena["shape"] == "circle":
            (cx, cy), r = arena["center_px"], arena["radius_px"]
            names = [("cx", cx, 0, w), ("cy", cy, 0, h), ("radius", r, 1, max(w, h))]
        elif arena["shape"] == "ellipse":
            (cx, cy), (a, b) = arena["center_px"], arena["axes_px"]
            names = [("cx", cx, 0, w), ("cy", cy, 0, h), ("a", a, 1, max(w, h)), ("b", b, 1, max(w, h)),
                     ("angle", arena["angle_deg"], -180, 180)]
        else:
            for k, (x, y) in enumerate(arena["corners_px"], 1):
                names += [(f"x{k}", x, 0, w), (f"y{k}", y, 0, h)]
        self.fields = {n: widgets.FloatSlider(value=v, min=lo, max=hi, step=0.5, description=n,
                                              readout_format=".1f") for n, v, lo, hi in names}
        for s in self.fields.values():
            s.observe(lambda _ch: self.redraw(), names="value")
        self.arena_box.children = list(self.fields.values())
        if self.shape.value != arena["shape"]:
            self.shape.value = arena["shape"]

    def arena(self) -> dict[str, Any]:
        """The arena object the controls describe."""
        v = {n: float(s.value) for n, s in self.fields.items()}
        shape = self.shape.value
        if shape == "circle":
            return {"shape": shape, "center_px": [v["cx"], v["cy"]], "radius_px": v["radius"]}
        if shape == "ellipse":
            return {"shape": shape, "center_px": [v["cx"], v["cy"]], "axes_px": [v["a"], v["b"]],
                    "angle_deg": v["angle"]}
        n = len(v) // 2
        return {"shape": shape, "corners_px": [[v[f"x{k}"], v[f"y{k}"]] for k in range(1, n + 1)]}

    def _convert(self, shape: str) -> dict[str, Any]:
        pts = arena_outline(self._arena_of_fields())
        (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
        c = [(x0 + x1) / 2, (y0 + y1) / 2]
        if shape == "circle":
            return {"shape": shape, "center_px": c, "radius_px": ((x1 - x0) + (y1 - y0)) / 4}
        if shape == "ellipse":
            return {"shape": shape, "center_px": c, "axes_px": [(x1 - x0) / 2, (y1 - y0) / 2], "angle_deg": 0.0}
        return {"shape": shape, "corners_px": [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]}

    def _arena_of_fields(self) -> dict[str, Any]:
        """The arena of the current fields, whatever shape they were made for."""
        f = self.fields
        if "radius" in f:
            return {"shape": "circle", "center_px": [f["cx"].value, f["cy"].value], "radius_px": f["radius"].value}
        if "angle" in f:
            return {"shape": "ellipse", "center_px": [f["cx"].value, f["cy"].value],
                    "axes_px": [f["a"].value, f["b"].value], "angle_deg": f["angle"].value}
        n = len(f) // 2
        return {"shape": "polygon", "corners_px": [[f[f"x{k}"].value, f[f"y{k}"].value] for k in range(1, n + 1)]}

    # -- the settings -------------------------------------------------------------------------------------------
    def _size(self) -> dict[str, Any]:
        values = [float(v) for v in self.size.value.replace(",", " ").split()]
        if not values:
            return {}
        if self.shape.value in ("circle", "ellipse"):
            if len(values) != 1:
                raise OpenfieldError(f"a round arena's size is one diameter in cm, got {self.size.value!r}")
            return {"arena_diameter_cm": values[0]}
        if len(values) != 2:
            raise OpenfieldError(f"this arena's size is W H in cm, got {self.size.value!r}")
        return {"arena_size_cm": values}

    def settings(self) -> VideoSettings:
        """The settings the controls describe, checked.

        Raises
        ------
        OpenfieldError
            A bad value (zones JSON, size, start...).
        """
        doc: dict[str, Any] = {"arena": self.arena(), "animal": self.animal.value}
        try:
            if self.zones_text.value.strip():
                doc["zones"] = json.loads(self.zones_text.value)
            doc.update(self._size())
            trial: dict[str, Any] = {}
            if self.start.value.strip():
                trial["start_s"] = "auto" if self.start.value.strip() == "auto" else float(self.start.value)
            if self.duration.value.strip():
                trial["duration_s"] = float(self.duration.value)
        except (ValueError, json.JSONDecodeError) as exc:
            raise OpenfieldError(f"not a number or not JSON: {exc}", self.path) from exc
        if trial:
            doc["trial"] = trial
        return VideoSettings.from_dict(doc, self.path)

    def save(self) -> Path | None:
        """Write the settings file; the status line says where, or what is wrong (then nothing is written)."""
        try:
            path = write_settings(self.settings(), self.path)
        except OpenfieldError as exc:
            self.status.value = f"not saved: {exc}"
            return None
        self.status.value = f"saved {path}"
        return path

    # -- the picture --------------------------------------------------------------------------------------------
    def _on_frame(self, _change: Any) -> None:
        self.show_background.value = False
        self.redraw()

    def redraw(self) -> None:
        """Draw the frame (or background) with the arena, grid and zones into the image."""
        base = self._background if self.show_background.value else self.session.frame(0, self.frame.value)
        try:
            s = self.settings()
            size = s.arena_size_cm or ((s.arena_diameter_cm,) * 2 if s.arena_diameter_cm else None)
            picture = draw_settings(base, s.arena or self.arena(), s.zones, size)
            self.status.value = ""
        except OpenfieldError as exc:
            picture = draw_settings(base, self.arena())
            self.status.value = str(exc)
        self.image.value = encode_image(picture)
