"""Content-addressed photo files under a root that several benches can share.

A photo is decoded (a corrupt or truncated file is refused), re-encoded without its EXIF
(and so without GPS), named by the sha256 of what is stored, written to a temp file,
fsynced and renamed; a thumbnail is kept beside it. Storing the same picture twice is a
no-op. The original is never changed afterwards (annotations live in the database)."""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import BadInput, EnvironmentFault
from app.files import image_size_problem

if TYPE_CHECKING:  # numpy and Pillow load with the first photo, not with the app
    import numpy as np
    from PIL import Image

THUMB_WIDTH = 320
JPEG_QUALITY = 90


@dataclass(frozen=True)
class StoredPhoto:
    sha256: str
    path: Path
    thumbnail: Path
    width: int
    height: int
    byte_size: int
    perceptual_hash: str


def open_photo(data: bytes) -> Image.Image:
    from PIL import Image, ImageOps, UnidentifiedImageError

    too_big = image_size_problem(data)
    if too_big:
        raise BadInput(f"This photo is too big to open: {too_big}.")
    try:
        opened = Image.open(io.BytesIO(data))
        opened.load()  # a truncated file fails here, not later
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise BadInput("This is not a photo, or the file is damaged (truncated?): take or "
                       "import it again.") from exc
    upright = ImageOps.exif_transpose(opened)  # keep the orientation, drop the EXIF
    return upright.convert("RGB")


def image_from_array(bgr: np.ndarray[Any, Any]) -> Image.Image:
    from PIL import Image

    return Image.fromarray(bgr[:, :, ::-1].copy() if bgr.ndim == 3 else bgr).convert("RGB")


def dhash(image: Image.Image) -> str:
    """64-bit difference hash: near-identical pictures differ in a few bits."""
    import numpy as np
    from PIL import Image

    small = np.asarray(image.convert("L").resize((9, 8), Image.Resampling.LANCZOS),
                       dtype=np.int16)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def hamming(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


class PhotoStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str, thumbnail: bool = False) -> Path:
        # One Path from one string: queues build hundreds of these per refresh.
        name = f"{sha256}.thumb.jpg" if thumbnail else f"{sha256}.jpg"
        return Path(f"{self.root}/{sha256[:2]}/{sha256[2:4]}/{name}")

    def store_bytes(self, data: bytes) -> StoredPhoto:
        return self.store_image(open_photo(data))

    def store_image(self, image: Image.Image) -> StoredPhoto:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)  # no exif= given
        encoded = buffer.getvalue()
        sha = hashlib.sha256(encoded).hexdigest()
        path, thumb = self.path_for(sha), self.path_for(sha, thumbnail=True)
        if not path.exists():
            self._write(path, encoded)
        if not thumb.exists():
            small = image.copy()
            small.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 4))
            out = io.BytesIO()
            small.save(out, "JPEG", quality=80)
            self._write(thumb, out.getvalue())
        return StoredPhoto(sha, path, thumb, image.width, image.height, len(encoded),
                           dhash(image))

    def _write(self, path: Path, data: bytes) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            raise EnvironmentFault(f"Cannot save the photo in {self.root} ({exc.strerror}): "
                                   "check the photo folder or the network share.") from exc
