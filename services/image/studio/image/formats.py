"""Reading input images safely and writing outputs with their provenance.

Outputs record prompt, seed, model and backend in the file itself: PNG tEXt
chunks; JPEG and WebP an EXIF UserComment (JSON) plus an XMP packet. Inputs
are checked before decoding (size, format, pixel count) so a corrupt or
hostile upload fails with InvalidInput naming the field.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from PIL import Image, ImageOps, PngImagePlugin, UnidentifiedImageError

from studio.core.errors import InvalidInput
from studio.v1.image_pb2 import IMAGE_FORMAT_JPEG, IMAGE_FORMAT_PNG, IMAGE_FORMAT_UNSPECIFIED, IMAGE_FORMAT_WEBP

SOFTWARE = "Media Studio"
ACCEPTED_INPUTS = ("PNG", "JPEG", "WEBP")
_EXIF_IFD = 0x8769
_USER_COMMENT = 0x9286
_IMAGE_DESCRIPTION = 0x010E
_SOFTWARE = 0x0131


@dataclass(frozen=True)
class OutputFormat:
    extension: str
    content_type: str
    pil_name: str


OUTPUT_FORMATS: dict[int, OutputFormat] = {
    IMAGE_FORMAT_PNG: OutputFormat("png", "image/png", "PNG"),
    IMAGE_FORMAT_JPEG: OutputFormat("jpg", "image/jpeg", "JPEG"),
    IMAGE_FORMAT_WEBP: OutputFormat("webp", "image/webp", "WEBP"),
}


def output_format(value: int) -> OutputFormat:
    if value == IMAGE_FORMAT_UNSPECIFIED:
        return OUTPUT_FORMATS[IMAGE_FORMAT_PNG]
    if value not in OUTPUT_FORMATS:
        raise InvalidInput(f"format: unknown value {value}; use PNG, JPEG or WEBP")
    return OUTPUT_FORMATS[value]


def _xmp_packet(meta: dict[str, str]) -> bytes:
    attributes = " ".join(f"studio:{key}={quoteattr(value)}" for key, value in sorted(meta.items()))
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" xmlns:studio="https://media-studio.dev/ns/1.0/" {attributes}/>'
        '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def _exif(meta: dict[str, str]) -> Image.Exif:
    exif = Image.Exif()
    exif[_SOFTWARE] = SOFTWARE
    exif[_IMAGE_DESCRIPTION] = meta.get("prompt", "")[:2000].encode("ascii", "replace").decode()
    comment = json.dumps(meta, ensure_ascii=False).encode("utf-16-be")
    exif.get_ifd(_EXIF_IFD)[_USER_COMMENT] = b"UNICODE\x00" + comment
    return exif


def save_image(image: Image.Image, path: Path, fmt: OutputFormat, meta: dict[str, str], quality: int = 92) -> Path:
    """Write `image` as `fmt` with `meta` (string values) embedded."""
    meta = {key: str(value) for key, value in meta.items()}
    if fmt.pil_name == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Software", SOFTWARE)
        for key, value in meta.items():
            if value.isascii():
                info.add_text(key, value)
            else:
                info.add_itxt(key, value)
        image.save(path, "PNG", pnginfo=info)
    else:
        image.save(path, fmt.pil_name, quality=quality, exif=_exif(meta), xmp=_xmp_packet(meta))
    return path


def read_metadata(path: Path) -> dict[str, str]:
    """The provenance `save_image` embedded (empty for files made elsewhere)."""
    with Image.open(path) as image:
        if image.format == "PNG":
            text = getattr(image, "text", {})
            return {key: value for key, value in text.items() if key != "Software"}
        raw = image.getexif().get_ifd(_EXIF_IFD).get(_USER_COMMENT)
    if not isinstance(raw, bytes) or not raw.startswith(b"UNICODE\x00"):
        return {}
    try:
        decoded = json.loads(raw[8:].decode("utf-16-be"))
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in decoded.items()} if isinstance(decoded, dict) else {}


def load_input(path: Path, field: str, *, max_bytes: int, max_pixels: int, mode: str = "RGB") -> Image.Image:
    """Decode an uploaded image, refusing anything that is not a sane PNG, JPEG or WebP."""
    size = path.stat().st_size
    if size > max_bytes:
        raise InvalidInput(f"{field}: the file is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB")
    if size == 0:
        raise InvalidInput(f"{field}: the file is empty; send a PNG, JPEG or WebP image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
            if image.format not in ACCEPTED_INPUTS:
                raise InvalidInput(
                    f"{field}: {image.format or 'unknown'} images are not accepted; use PNG, JPEG or WebP"
                )
            width, height = image.size
            if width * height > max_pixels:
                raise InvalidInput(
                    f"{field}: {width}x{height} is too large; at most {max_pixels / 1e6:.1f} megapixels are accepted"
                )
            if getattr(image, "n_frames", 1) > 1:
                raise InvalidInput(f"{field}: animated images are not accepted; send a single frame")
            image.load()
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning) as error:
        raise InvalidInput(f"{field}: not a readable image ({error}); send a PNG, JPEG or WebP file") from None
    upright: Image.Image = ImageOps.exif_transpose(image)
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info)
    if mode == "RGB" and has_alpha:
        background = Image.new("RGBA", upright.size, (255, 255, 255, 255))
        upright = Image.alpha_composite(background, upright.convert("RGBA"))
    return upright.convert(mode)
