"""Each preprocessor's feature maths, directly and through its handler (what reaches the endpoint)."""

from __future__ import annotations

import base64
import io
import json
import re
import struct
import zlib

import pytest
from PIL import Image

from mlinfra.lambdas import core, image, passthrough, tabular, text

from .support import event, image_b64, queue_endpoint_results

# ---------------------------------------------------------------------------------------- tabular


def _tabular(*features):
    return tabular.Tabular({"features": list(features)})


def test_tabular_normalises_in_configured_order_with_defaults():
    pre = _tabular(
        {"name": "age", "default": 35.5, "mean": 35.5, "std": 12.3},
        {"name": "income", "default": 50000, "mean": 60000, "std": 20000},
        {"name": "clicks"},  # mean 0, std 1, required
    )
    assert pre.features({"data": {"clicks": 3, "age": 60.1}}) == [(60.1 - 35.5) / 12.3, -0.5, 3.0]
    assert pre.features({"data": {"clicks": 0, "income": None}}) == [0.0, -0.5, 0.0]  # null = missing
    assert pre.features({"data": {"clicks": -2, "income": 100000}}) == [0.0, 2.0, -2.0]
    assert all(type(x) is float for x in pre.features({"data": {"clicks": 7}}))


def test_tabular_rejects_non_numbers_and_overflow():
    pre = _tabular({"name": "x", "mean": 0, "std": 1e-300})
    for value, message in [("1", "must be a number, not a string"), (False, "must be a number, not a boolean"), ([1], "must be a number, not an array"), (1e300, "number out of range")]:
        with pytest.raises(core.HttpError) as info:
            pre.features({"data": {"x": value}})
        assert info.value.status == 400 and info.value.field == "data.x"
        assert info.value.message == f"data.x: {message}"


@pytest.mark.parametrize(
    "settings, message",
    [
        ({}, "exactly one of features and features_file"),
        ({"features": [{"name": "a"}], "features_file": "f.json"}, "exactly one of features and features_file"),
        ({"features_file": "missing.json"}, "features_file: cannot read"),
        ({"features": []}, "features: must be a non-empty list"),
        ({"features": [{"name": "a"}, {"name": "a"}]}, "features[1].name: 'a' is listed twice"),
        ({"features": [{"name": "a", "std": 0}]}, "features[0].std: must be > 0"),
        ({"features": [{"name": "a", "mean": "0"}]}, "features[0].mean: must be a finite number"),
        ({"features": [{"name": "a", "default": True}]}, "features[0].default: must be a finite number"),
        ({"features": [{"name": ""}]}, "features[0].name: must be a non-empty string"),
        ({"features": [{"name": "a", "min": 0}]}, "unknown key(s) min"),
        ({"features": [{"name": "a"}], "scaler": "z"}, "unknown key(s) scaler"),
    ],
)
def test_tabular_settings_are_checked(tmp_path, settings, message):
    with pytest.raises(core.ConfigError) as info:
        tabular.Tabular(settings, str(tmp_path))
    assert message in str(info.value)


def test_tabular_features_file_relative_to_the_package_root(tmp_path, make):
    """200 features do not fit in a function's 4 KB environment: they come from a packaged file."""
    features = [{"name": f"f{i:03d}", "default": float(i), "mean": float(i), "std": 2.0} for i in range(200)]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "features.json").write_text(json.dumps(features))
    settings = json.dumps({"features_file": "data/features.json"})
    queue_endpoint_results({"Body": {"p": 1}})
    h = make("tabular", cache=False, MLINFRA_SETTINGS=settings, LAMBDA_TASK_ROOT=str(tmp_path))
    assert h.call({"data": {"f001": 5, "f199": 195}}).status == 200
    sent = h.sent()["features"]
    assert len(sent) == 200 and sent[1] == 2.0 and sent[199] == -2.0 and sum(map(abs, sent)) == 4.0
    (tmp_path / "data" / "bad.json").write_text("{not json")
    with pytest.raises(core.ConfigError, match=re.escape("bad.json is not valid JSON")):
        tabular.Tabular({"features_file": str(tmp_path / "data" / "bad.json")})  # absolute: a layer's file


def test_tabular_through_the_handler(make):
    queue_endpoint_results({"Body": {"p": 0.5}})
    h = make("tabular", cache=False)
    assert h.call({"data": {"age": 23.2, "income": 70000, "score": -3}}).status == 200
    assert h.sent() == {"features": [(23.2 - 35.5) / 12.3, 0.5, -1.5]}


# ---------------------------------------------------------------------------------------- image


def _image(width=4, height=3, channels=3):
    return image.ImagePreprocessor({"width": width, "height": height, "channels": channels})


def test_image_layout_is_row_major_channel_last():
    src = Image.new("RGB", (2, 2))
    src.putdata([(10, 20, 30), (40, 50, 60), (70, 80, 90), (100, 110, 120)])  # (0,0) (1,0) (0,1) (1,1)
    features = _image(2, 2).features({"image": image_b64(src)})
    assert features == [v / 255 for v in range(10, 121, 10)]
    assert json.loads(features.json) == list(features)  # the precomputed JSON is the same numbers
    assert features.json == json.dumps(list(features), separators=(",", ":"))


def test_image_resize_of_a_small_png():
    src = Image.new("RGB", (64, 48), (255, 0, 51))
    features = _image(4, 3).features({"image": image_b64(src)})
    assert len(features) == 4 * 3 * 3
    assert features == [1.0, 0.0, 0.2] * 12
    assert all(0.0 <= v <= 1.0 for v in features)


def test_image_downscale_is_bilinear_and_symmetric():
    src = Image.new("L", (8, 2))
    src.putdata([0] * 4 + [255] * 4 + [0] * 4 + [255] * 4)  # left half black, right half white
    left, right = _image(2, 1, channels=1).features({"image": image_b64(src)})
    assert 0.0 <= left < 0.5 < right <= 1.0
    assert left + right == pytest.approx(1.0, abs=1 / 255)


def test_image_channels_1_is_luma():
    src = Image.new("RGB", (5, 5), (255, 0, 0))
    features = _image(2, 2, channels=1).features({"image": image_b64(src)})
    assert features == [76 / 255] * 4  # ITU-R 601-2: 0.299 * 255


def test_image_modes_are_converted():
    rgba = Image.new("RGBA", (3, 3), (0, 255, 0, 10))
    assert _image(1, 1).features({"image": image_b64(rgba)}) == [0.0, 1.0, 0.0]  # alpha dropped
    pal = Image.new("P", (3, 3), 0)
    pal.putpalette([0, 0, 255] + [0] * 765)
    assert _image(1, 1).features({"image": image_b64(pal)}) == [0.0, 0.0, 1.0]
    gray = Image.new("L", (3, 3), 51)
    assert _image(1, 1).features({"image": image_b64(gray)}) == [0.2, 0.2, 0.2]


def test_image_large_jpeg_uses_draft_decoding():
    src = Image.new("RGB", (1600, 1200), (128, 128, 128))
    pre = _image(8, 6)
    features = pre.features({"image": image_b64(src, "JPEG", quality=95)})
    assert len(features) == 8 * 6 * 3
    assert all(abs(v - 128 / 255) <= 2 / 255 for v in features)


def test_image_data_url_prefix():
    src = Image.new("RGB", (2, 2), (0, 0, 0))
    assert _image(1, 1).features({"image": "data:image/png;base64," + image_b64(src)}) == [0.0, 0.0, 0.0]


def _png_header_only(width: int, height: int) -> str:
    """A PNG claiming ``width`` x ``height`` pixels with almost no data: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize(
    "value, message",
    [
        (None, "image: required"),
        (42, "image: must be a non-empty base64 string"),
        ("", "image: must be a non-empty base64 string"),
        ("@@@not base64@@@", "image: not valid base64"),
        (base64.b64encode(b"plain text, not an image").decode(), "image: not a readable image"),
        (base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 40).decode(), "image: not a readable image"),
        (_png_header_only(6000, 5000), "image: 6000x5000 pixels is over the limit of 25000000 pixels"),
        (_png_header_only(10000, 10000), "image: 10000x10000 pixels is over the limit"),
        (_png_header_only(20000, 20000), "image: over the limit of 25000000 pixels"),
        ("data:image/png,rawbytes", "image: a data URL must be base64"),
    ],
)
def test_image_rejects(value, message):
    with pytest.raises(core.HttpError) as info:
        _image().features({"image": value} if value is not None else {})
    assert info.value.status == 400 and info.value.field == "image"
    assert info.value.message.startswith(message)


def test_image_truncated_file_is_400():
    buf = io.BytesIO()
    Image.new("RGB", (200, 200), (1, 2, 3)).save(buf, "JPEG")
    truncated = base64.b64encode(buf.getvalue()[:300]).decode()
    with pytest.raises(core.HttpError) as info:
        _image().features({"image": truncated})
    assert info.value.status == 400


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"height": 3}, "width: required"),
        ({"width": 0, "height": 3}, "width: must be an integer in [1, 4096]"),
        ({"width": 4, "height": 3, "channels": 2}, "channels: must be 1 (L) or 3 (RGB)"),
        ({"width": 4, "height": 3, "channels": 4}, "channels: must be an integer in [1, 3]"),
        ({"width": 4.0, "height": 3}, "width: must be an integer"),
        ({"width": 4, "height": 3, "mean": [0.5]}, "unknown key(s) mean"),
    ],
)
def test_image_settings_are_checked(settings, message):
    with pytest.raises(core.ConfigError) as info:
        image.ImagePreprocessor(settings)
    assert message in str(info.value)


def test_image_through_the_handler(make):
    queue_endpoint_results({"Body": {"label": "red"}})
    h = make("image", cache=False)
    response = h.call({"image": image_b64(Image.new("RGB", (40, 30), (255, 0, 51)))})
    assert response.status == 200
    assert h.sent() == {"features": [1.0, 0.0, 0.2] * 12}


def test_image_cache_key_matches_the_canonical_definition(make, redis_client):
    queue_endpoint_results({"Body": {"label": "red"}})
    h = make("image")
    body = json.dumps({"image": image_b64(Image.new("RGB", (40, 30), (255, 0, 51)))})
    assert h.call(raw=body).json["cached"] is False
    key = core.canonical_key("mlinfra-prod-inference", None, "image", {"channels": 3, "height": 3, "width": 4}, body)
    assert redis_client.exists(core.CACHE_PREFIX + key) == 1


def test_an_image_hit_decodes_nothing(make, redis_client):
    """A repeat is answered from the body's bytes: Pillow is never asked to open the image again."""
    queue_endpoint_results({"Body": {"label": "red"}})
    h = make("image")
    body = {"image": image_b64(Image.new("RGB", (40, 30), (255, 0, 51)))}
    decoded = []
    pixels = h.container.preprocessor.pixels
    h.container.preprocessor.pixels = lambda data: decoded.append(data) or pixels(data)
    assert h.call(body).json["cached"] is False
    assert h.call(body).json == {"prediction": {"label": "red"}, "cached": True}
    assert len(decoded) == 1 and h.invocations == 1


def test_image_settings_are_part_of_the_key(make, redis_client):
    queue_endpoint_results({"Body": {"size": "4x3"}}, {"Body": {"size": "2x2"}})
    body = {"image": image_b64(Image.new("RGB", (40, 30), (255, 0, 51)))}
    assert make("image").call(body).json == {"prediction": {"size": "4x3"}, "cached": False}
    other = make("image", MLINFRA_SETTINGS=json.dumps({"width": 2, "height": 2}))
    assert other.call(body).json == {"prediction": {"size": "2x2"}, "cached": False}
    assert other.sent() == {"features": [1.0, 0.0, 0.2] * 4}


# ---------------------------------------------------------------------------------------- text

VOCAB = ["[PAD]", "[UNK]", "hello", "world", ",", "!", "café", "don", "'", "t"]


def _text(max_tokens=8, lowercase=True, **extra):
    return text.TextPreprocessor({"max_tokens": max_tokens, "lowercase": lowercase, "vocabulary": VOCAB, **extra}, "/nonexistent")


def test_text_tokenisation_and_padding():
    assert text.tokenize("Hello, World!", lowercase=True) == ["hello", ",", "world", "!"]
    assert text.tokenize("don't  stop\n", lowercase=False) == ["don", "'", "t", "stop"]
    assert _text().encode("Hello, World!") == [2, 4, 3, 5, 0, 0, 0, 0]


def test_text_unknown_words_and_case():
    assert _text().encode("hello there, world") == [2, 1, 4, 3, 0, 0, 0, 0]
    assert _text(lowercase=False).encode("Hello hello") == [1, 2, 0, 0, 0, 0, 0, 0]


def test_text_truncation():
    assert _text(max_tokens=3).encode("hello world hello world hello") == [2, 3, 2]
    assert _text(max_tokens=3).encode("") == [0, 0, 0]


def test_text_unicode_is_nfc_normalised():
    composed, decomposed = "caf\u00e9", "cafe\u0301"
    assert _text().encode(composed) == _text().encode(decomposed) == [6, 0, 0, 0, 0, 0, 0, 0]
    assert _text().encode("CAFÉ!") == [6, 5, 0, 0, 0, 0, 0, 0]


def test_text_vocabulary_file_relative_to_the_package_root(tmp_path, make):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "vocab.txt").write_text("\n".join(["[UNK]", "[PAD]", "hi"]) + "\n", encoding="utf-8")
    settings = {"max_tokens": 4, "lowercase": True, "vocabulary_file": "assets/vocab.txt"}
    queue_endpoint_results({"Body": {"sentiment": 1}})
    h = make("text", cache=False, MLINFRA_SETTINGS=json.dumps(settings), LAMBDA_TASK_ROOT=str(tmp_path))
    assert h.call({"text": "Hi there"}).status == 200
    assert h.sent() == {"input_ids": [2, 0, 1, 1]}  # ids are line numbers: [UNK]=0, [PAD]=1


def test_text_key_settings_hold_the_vocabulary_not_its_file_name(tmp_path):
    """An edited vocabulary file changes every cache key; the same tokens inline or from a file share them."""
    (tmp_path / "vocab.txt").write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    from_file = text.TextPreprocessor({"max_tokens": 8, "lowercase": True, "vocabulary_file": "vocab.txt"}, str(tmp_path))
    assert from_file.key_settings == _text().key_settings == {"lowercase": True, "max_tokens": 8, "vocabulary": VOCAB}
    (tmp_path / "vocab.txt").write_text("\n".join([*VOCAB, "new"]) + "\n", encoding="utf-8")
    edited = text.TextPreprocessor({"max_tokens": 8, "lowercase": True, "vocabulary_file": "vocab.txt"}, str(tmp_path))
    assert edited.key_settings != from_file.key_settings


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"max_tokens": 0, "vocabulary": VOCAB}, "max_tokens: must be an integer"),
        ({"max_tokens": 4}, "exactly one of vocabulary and vocabulary_file"),
        ({"max_tokens": 4, "vocabulary": VOCAB, "vocabulary_file": "v.txt"}, "exactly one of"),
        ({"max_tokens": 4, "vocabulary": ["[PAD]", "hello"]}, "must contain [UNK]"),
        ({"max_tokens": 4, "vocabulary": ["[PAD]", "[UNK]", "a", "a"]}, "'a' is listed twice"),
        ({"max_tokens": 4, "vocabulary_file": "missing.txt"}, "vocabulary_file: cannot read"),
        ({"max_tokens": 4, "vocabulary": VOCAB, "lowercase": "yes"}, "lowercase: must be true or false"),
        ({"max_tokens": 4, "vocabulary": VOCAB, "do_lower_case": True}, "unknown key(s) do_lower_case"),
    ],
)
def test_text_settings_are_checked(tmp_path, settings, message):
    with pytest.raises(core.ConfigError) as info:
        text.TextPreprocessor(settings, str(tmp_path))
    assert message in str(info.value)


def test_text_through_the_handler(make):
    queue_endpoint_results({"Body": {"sentiment": "positive"}})
    h = make("text", cache=False)
    response = h.call({"text": "Hello, brave new World!"})
    assert response.status == 200
    assert h.sent() == {"input_ids": [2, 4, 1, 1, 3, 5, 0, 0]}
    assert h.call({"text": ["not", "a", "string"]}).json == {"message": "text: must be a string", "field": "text", "request_id": "req-0001"}


# ---------------------------------------------------------------------------------------- passthrough


def test_passthrough_sends_the_body_unchanged(make):
    queue_endpoint_results({"Body": [{"generated_text": "hi"}]})
    h = make("passthrough", cache=False)
    raw = '{"inputs": "Hello",  "parameters": {"max_new_tokens": 8}}'  # its spacing kept, keys unsorted
    response = h.call(raw=raw)
    assert response.status == 200 and response.json == {"prediction": [{"generated_text": "hi"}], "cached": False}
    sent = h.runtime.last("invoke_endpoint")
    assert sent["Body"] == raw.encode() and sent["ContentType"] == "application/json"


def test_passthrough_takes_any_json_and_base64_bodies(make):
    queue_endpoint_results({"Body": {"p": 1}}, {"Body": {"p": 2}})
    h = make("passthrough", cache=False)
    assert h.call(raw="[[1.5, 2], [3, 4]]").status == 200
    assert h.runtime.last("invoke_endpoint")["Body"] == b"[[1.5, 2], [3, 4]]"
    assert h.call(raw='{"inputs": "café"}', b64=True).status == 200
    assert h.runtime.last("invoke_endpoint")["Body"] == '{"inputs": "café"}'.encode()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "body: not valid JSON"),
        ('{"x": NaN}', "body: not valid JSON (NaN is not a JSON number)"),
        (b"\xff\xfe\x00{", "body: not valid JSON"),  # base64 of bytes that are no JSON encoding
        ("", "body: required"),
    ],
)
def test_passthrough_refuses_what_is_not_json(make, body, message):
    h = make("passthrough", cache=False)
    if isinstance(body, bytes):
        ev = event(raw="x", b64=True)
        ev["body"] = base64.b64encode(body).decode()
        response = h.call_event(ev)
    else:
        response = h.call(raw=body)
    assert response.status == 400 and response.json["message"].startswith(message)
    assert h.invocations == 0


def test_passthrough_caches_by_the_bytes(make, redis_client):
    queue_endpoint_results({"Body": {"p": 0.25}})
    h = make("passthrough")
    assert h.call(raw='{"inputs": "a"}').json == {"prediction": {"p": 0.25}, "cached": False}
    assert h.call(raw='{"inputs": "a"}').json == {"prediction": {"p": 0.25}, "cached": True}
    assert h.invocations == 1


def test_passthrough_settings_are_checked():
    with pytest.raises(core.ConfigError, match="unknown key"):
        passthrough.Passthrough({"width": 3})
