"""The ``routes`` and ``preprocessing`` sections: each route (``POST path``) is one preprocessing Lambda
in front of an endpoint; ``preprocessing`` holds the functions' shared settings. The API serves the routes
(it reads them here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from ...config.section import ListSection, Section
from ...config.shapes import ComponentName, LogRetention, Strict, VariantName

if TYPE_CHECKING:
    from ...config.shapes import PlatformConfig

# passthrough: the request's JSON body reaches the endpoint unchanged (a Hugging Face container's
# {"inputs": ...}); it has no settings.
PreprocessorKind = Literal["tabular", "image", "text", "passthrough"]


class TabularFeature(Strict):
    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
    default: float = 0.0
    mean: float = 0.0
    std: Annotated[float, Field(gt=0)] = 1.0


class TabularSettings(Strict):
    features: Annotated[list[TabularFeature], Field(min_length=1, max_length=200)]


class ImageSettings(Strict):
    width: Annotated[int, Field(ge=8, le=2048)] = 224
    height: Annotated[int, Field(ge=8, le=2048)] = 224
    channels: Literal[1, 3] = 3


class TextSettings(Strict):
    max_tokens: Annotated[int, Field(ge=1, le=8192)] = 128
    lowercase: bool = True
    vocabulary_file: Annotated[str, StringConstraints(min_length=1)]


#: The most parts a route's path has (``/a/b/c``: 3): the API module nests one resource block per depth.
MAX_PATH_PARTS = 8


class Route(Strict):
    """``POST path`` → a preprocessor → an endpoint (optionally one variant), with request validation."""

    path: Annotated[str, StringConstraints(pattern=rf"^(/[a-z0-9][a-z0-9_-]*){{1,{MAX_PATH_PARTS}}}$")]
    preprocessor: PreprocessorKind
    endpoint: ComponentName
    variant: VariantName | None = None
    schema_file: Annotated[str, StringConstraints(min_length=1)] | None = Field(default=None, alias="schema")
    # This route's own preprocessing settings, for the kind it uses; without them, preprocessing's apply.
    tabular: TabularSettings | None = None
    image: ImageSettings | None = None
    text: TextSettings | None = None

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, allow_inf_nan=False, validate_default=True, populate_by_name=True
    )


class Preprocessing(Strict):
    """The preprocessing Lambdas (one per preprocessor kind used by a route)."""

    runtime: Literal["python3.11", "python3.12", "python3.13"] = "python3.12"
    memory_mb: Annotated[int, Field(ge=128, le=10240)] = 512
    timeout_seconds: Annotated[int, Field(ge=1, le=29)] = 10  # API Gateway gives up after 29 s
    reserved_concurrency: Annotated[int, Field(ge=1)] | None = None
    cache_ttl_seconds: Annotated[int, Field(ge=1, le=86400)] = 300
    log_retention_days: LogRetention = 365
    # Layers providing redis-py (and Pillow for images): see the README's "Lambda packaging".
    layers: Annotated[
        list[
            Annotated[
                str, StringConstraints(pattern=r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$")
            ]
        ],
        Field(max_length=5),
    ] = Field(default_factory=list)
    tabular: TabularSettings | None = None
    image: ImageSettings | None = None
    text: TextSettings | None = None


ROUTES = ListSection("routes", Route)
SECTION = Section("preprocessing", Preprocessing)


def settings_for(config: PlatformConfig, route: Route) -> TabularSettings | ImageSettings | TextSettings | None:
    """A route's preprocessing settings: its own, else the shared ones of its kind (image has defaults;
    passthrough has none)."""
    if route.preprocessor == "passthrough":
        return None
    own = getattr(route, route.preprocessor)
    if own is not None:
        return own
    pre = SECTION.of(config)
    shared = getattr(pre, route.preprocessor) if pre is not None else None
    if shared is None and route.preprocessor == "image":
        return ImageSettings()
    return shared
