"""Where frames come from: a camera device, a video file, or a folder of images (so the
bench works, and is tested, without a webcam). All return BGR numpy frames."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from app.errors import BadInput, EnvironmentFault

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}


class CameraGone(EnvironmentFault):
    """The camera stopped giving frames (unplugged, or the file ended)."""


class FrameSource(Protocol):
    name: str

    def read(self) -> np.ndarray[Any, Any]:
        """The next frame; raises CameraGone when there is none."""
        ...

    def close(self) -> None: ...


class ImageFolderSource:
    """Every image in a folder, in name order; loops when `loop`, else ends."""

    def __init__(self, folder: Path, loop: bool = True) -> None:
        self.files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self.files:
            raise BadInput(f"Camera folder {folder} holds no images.")
        self.name = f"folder {folder}"
        self._loop = loop
        self._next = 0

    def read(self) -> np.ndarray[Any, Any]:
        if self._next >= len(self.files):
            if not self._loop:
                raise CameraGone(f"{self.name}: no more images.")
            self._next = 0
        path = self.files[self._next]
        self._next += 1
        frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if frame is None:
            raise CameraGone(f"{path.name} in {self.name} is not a readable image.")
        return frame

    def close(self) -> None:
        self._next = len(self.files)


class VideoCaptureSource:
    """An OpenCV VideoCapture: a device index (webcam) or a video file or stream URL."""

    def __init__(self, spec: int | str, width: int = 1920, height: int = 1080) -> None:
        self.name = f"camera {spec}" if isinstance(spec, int) else f"video {spec}"
        self._cap = cv2.VideoCapture(spec)
        if not self._cap.isOpened():
            raise CameraGone(f"Cannot open {self.name}: check that it is plugged in "
                             "(Settings, Camera), or use a folder of images.")
        if isinstance(spec, int):
            self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)

    def read(self) -> np.ndarray[Any, Any]:
        ok, frame = self._cap.read()
        if not ok or frame is None:
            raise CameraGone(f"{self.name} stopped giving pictures: check the cable; "
                             "scanning by keyboard still works.")
        return frame

    def close(self) -> None:
        self._cap.release()


def open_source(spec: str) -> FrameSource:
    """`0` (device index), a folder of images, or a video file / URL."""
    if spec.isdigit():
        return VideoCaptureSource(int(spec))
    path = Path(spec)
    if path.is_dir():
        return ImageFolderSource(path)
    if not path.exists() and "://" not in spec:
        raise BadInput(f"Camera {spec!r}: no such device, folder or video file.")
    return VideoCaptureSource(spec)
