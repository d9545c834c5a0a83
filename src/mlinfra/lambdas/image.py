"""Image preprocessing Lambda: base64 image -> RGB or L -> width x height -> [0, 1], channel-last.

MLINFRA_SETTINGS::

    {"width": 224, "height": 224, "channels": 3}      # channels: 3 (RGB) or 1 (L), default 3

The request body is ``{"image": "<base64 of a JPEG, PNG, WebP, GIF, BMP or TIFF file>"}`` (a
``data:image/...;base64,`` prefix is accepted). The image is converted to the mode first, then resized
with bilinear (antialiased) resampling; the endpoint receives ``{"features": [...]}``: height x width x
channels values, row-major and channel-last, each ``byte / 255``. Large JPEGs are decoded at a reduced
DCT scale that is still at least the target size (Pillow's ``draft``), which is much faster.

Pillow is imported by the first request that preprocesses (a cache miss), never by the module import
nor by a hit, which is answered from the request's bytes.

Handler: ``mlinfra_lambdas.image.handler``.
"""

from __future__ import annotations

import base64
import binascii
import io
import warnings

from . import core

KIND = "image"
DEFAULT_MAX_BODY = core.MIB
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")
MAX_SIDE = 4096  # of the target size
MAX_SOURCE_PIXELS = 25_000_000  # of the decoded image, checked from its header before decoding


class ImagePreprocessor:
    """Decode, convert, resize and scale one image."""

    fields = ("image",)
    payload_key = "features"

    def __init__(self, settings: dict):
        core.check_keys(settings, ("width", "height", "channels"))
        self.width = _setting_int(settings, "width", None, 1, MAX_SIDE)
        self.height = _setting_int(settings, "height", None, 1, MAX_SIDE)
        channels = _setting_int(settings, "channels", 3, 1, 3)
        if channels not in (1, 3):
            raise core.ConfigError("MLINFRA_SETTINGS.channels: must be 1 (L) or 3 (RGB)")
        self.channels = channels
        self.mode = "RGB" if channels == 3 else "L"
        self.key_settings = {"channels": channels, "height": self.height, "width": self.width}
        self._image = None  # Pillow, imported by the first image to decode
        # byte -> value and byte -> its JSON text: repr(float) is exactly what json writes, so the
        # features' JSON (150 k numbers for 224x224x3) is a join instead of a 10x slower json.dumps.
        self._values = [i / 255 for i in range(256)]
        self._texts = [repr(i / 255) for i in range(256)]

    def features(self, body: dict) -> core.Encoded:
        pixels = self.pixels(_image_bytes(body.get("image")))
        texts, values = self._texts, self._values
        return core.Encoded("[" + ",".join([texts[b] for b in pixels]) + "]", lambda: [values[b] for b in pixels])

    def pixels(self, data: bytes) -> bytes:
        """The resized image's bytes: height x width x channels, row-major, channel-last."""
        Image = self._image
        if Image is None:
            from PIL import Image  # ~40 ms, paid by the first miss of a container

            self._image = Image
        size = (self.width, self.height)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the check below decides
                source = Image.open(io.BytesIO(data), formats=FORMATS)
            with source:
                w, h = source.size
                if w * h > MAX_SOURCE_PIXELS:
                    raise core.bad_request("image", f"{w}x{h} pixels is over the limit of {MAX_SOURCE_PIXELS} pixels")
                source.draft(self.mode, size)  # JPEG: decode at a reduced scale >= size; others: no-op
                image = source.convert(self.mode)
            if image.size != size:
                image = image.resize(size, Image.Resampling.BILINEAR)
            return image.tobytes()
        except (core.HttpError, MemoryError):
            raise
        except Image.DecompressionBombError:  # over twice Pillow's own limit: refused while opening
            raise core.bad_request("image", f"over the limit of {MAX_SOURCE_PIXELS} pixels") from None
        except Exception as exc:  # Pillow raises OSError (UnidentifiedImageError), ValueError, SyntaxError, ...
            raise core.HttpError(
                400,
                f"image: not a readable image ({', '.join(FORMATS)})",
                field="image",
                detail=f"{type(exc).__name__}: {exc}"[:300],
            ) from None


def _image_bytes(value) -> bytes:
    if value is None:
        raise core.bad_request("image", "required (a base64-encoded image)")
    if not isinstance(value, str) or not value:
        raise core.bad_request("image", "must be a non-empty base64 string")
    if value.startswith("data:"):
        head, sep, rest = value.partition(",")
        if not sep or not head.endswith(";base64"):
            raise core.bad_request("image", "a data URL must be base64 (data:image/...;base64,...)")
        value = rest
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise core.bad_request("image", "not valid base64") from None


def _setting_int(settings: dict, key: str, default, low: int, high: int) -> int:
    value = settings.get(key)
    if value is None:
        if default is None:
            raise core.ConfigError(f"MLINFRA_SETTINGS.{key}: required")
        return default
    if type(value) is not int or not low <= value <= high:
        raise core.ConfigError(f"MLINFRA_SETTINGS.{key}: must be an integer in [{low}, {high}]")
    return value


def build(settings: dict, config: core.Config) -> ImagePreprocessor:
    return ImagePreprocessor(settings)


# The Lambda entry point (`mlinfra_lambdas.image.handler`) and the test seams.
handler, configure, reset = core.entry_points(KIND, build, DEFAULT_MAX_BODY)
