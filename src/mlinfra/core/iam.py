"""IAM statements the SageMaker execution role gets from both endpoint kinds: read access under S3
prefixes (model files), and writes of data capture."""

from __future__ import annotations

from urllib.parse import urlparse

from ..expr import Interp, Ref
from ..plan.parts import CapturePlan, Statement
from .arns import PARTITION, s3_arn


def prefix_statements(list_sid: str, read_sid: str, uris: list[str]) -> list[Statement]:
    """Read access to everything under each S3 prefix of ``uris``: ListBucket on its bucket (the prefix as
    s3:prefix condition) and GetObject under it, one pair a prefix, the Sids numbered from the second on."""
    st: list[Statement] = []
    for i, uri in enumerate(uris):
        u = urlparse(uri)
        st.append(
            Statement(
                f"{list_sid}{i or ''}",
                ("s3:ListBucket",),
                (Interp("arn:", PARTITION, f":s3:::{u.netloc}"),),
                (("StringLike", "s3:prefix", (f"{u.path.lstrip('/')}*",)),),
            )
        )
        st.append(Statement(f"{read_sid}{i or ''}", ("s3:GetObject",), (s3_arn(uri, "*"),)))
    return st


def capture_statements(captures: list[CapturePlan], sid: str = "") -> list[Statement]:
    """What the execution role needs to write these captures: PutObject under exactly each prefix (the
    platform bucket's through ``var.capture_bucket_arn``), and the destinations' own keys, exactly."""
    st: list[Statement] = []
    platform = [c for c in captures if c.in_platform_bucket]
    if platform:
        st.append(
            Statement(
                f"Write{sid}DataCapture",
                ("s3:PutObject",),
                tuple(Interp(Ref("var.capture_bucket_arn"), f"/{c.prefix}/*") for c in platform),
            )
        )
    own = sorted({str(c.destination) for c in captures if not c.in_platform_bucket})
    if own:
        st.append(
            Statement(
                f"Write{sid}CaptureDestinations",
                ("s3:PutObject",),
                tuple(s3_arn(uri, "/*") for uri in own),
                comment="the users' own capture destinations",
            )
        )
    keys = sorted({c.kms_key_arn for c in captures if c.kms_key_arn is not None})
    if keys:
        st.append(
            Statement(
                f"Use{sid}CaptureKeys",
                ("kms:Encrypt", "kms:GenerateDataKey"),
                tuple(keys),
                comment="SSE-KMS of the captured objects with the destinations' own keys",
            )
        )
    return st
