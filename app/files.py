"""Reading a file a person chose (an import, a photo): a missing or unreadable file is a
one-line BadInput, for the command line and the screens alike; and saving a document the
app produced, with a message a person can act on when the disk says no."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from app.errors import BadInput, EnvironmentFault


def read_input(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise BadInput(f"Cannot read {path}: {exc.strerror}.") from exc


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def spreadsheet_safe(value: object) -> object:
    """A CSV cell a spreadsheet will not run (OWASP CSV injection): text starting with =,
    +, -, @, a tab or a carriage return gets a leading apostrophe. Numbers we wrote
    ourselves (-25.00) stay numbers; everything else passes unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) \
            and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


MAX_IMAGE_BYTES = 60_000_000
MAX_IMAGE_PIXELS = 80_000_000  # 80 MP: more than a bench camera or phone photo needs
MAX_IMAGE_SIDE = 20_000


def image_size_problem(data: bytes) -> str | None:
    """Why an image is too big to decode (read from its header, before any decoding: a
    small file can claim 100,000 x 100,000 pixels), or None."""
    if len(data) > MAX_IMAGE_BYTES:
        return f"the file is {len(data) // 1_000_000} MB (at most " \
               f"{MAX_IMAGE_BYTES // 1_000_000} MB)"
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as header:  # reads the header only
                width, height = header.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return f"it claims more than {MAX_IMAGE_PIXELS:,} pixels"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None  # not an image PIL knows: the decoder says so in its own words
    if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
        return f"it claims {width:,} x {height:,} pixels (at most {MAX_IMAGE_PIXELS:,})"
    return None


def save_document(folder: Path, name: str, data: bytes) -> Path:
    """A document the app produced (authorization log, carrier-claim packet, report) saved
    into the station's documents folder."""
    path = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise EnvironmentFault(f"Cannot save {name} in {folder} ({exc.strerror}): check the "
                               "folder or the disk.") from exc
    return path
