"""Rules of an endpoint's data capture into a destination of the user's own (``data_capture.destination``
and ``kms_key_arn``), on both endpoint kinds, registered into the same rule list as rules.py's.

SageMaker's CreateEndpointConfig takes a DestinationS3Uri of at most 512 characters (botocore
``DataCaptureConfig.DestinationS3Uri``: max 512) and a KmsKeyId in any form (key ID, key ARN, alias,
alias ARN); mlinfra grants the execution role ``kms:GenerateDataKey``/``kms:Encrypt`` on exactly that key,
and an IAM policy names a key by its key ARN only (an alias ARN in a policy's Resource does not authorise
use of the key it points to). S3 encrypts an object only with a key of the bucket's own Region, and the
captures of an endpoint go to a bucket in its Region (Model Monitor reads them there).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ..regions import REGIONS
from .rules import KMS_KEY_ARN as KEY_ARN
from .rules import Loc, Violation, rule
from .shapes import PlatformConfig

#: botocore DataCaptureConfig.DestinationS3Uri: max 512.
MAX_DESTINATION = 512
_ALIAS = re.compile(r"^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:)?alias/")
_KEY_ID = re.compile(r"^(mrk-)?[0-9a-fA-F-]{32,36}$")
#: The async upload folder in the SageMaker Python SDK's default bucket (sagemaker-<region>-<account>).
SDK_INPUTS = "async-endpoint-inputs/"

#: Something the execution role reads: (S3 URI, what it is, as a message names it).
Read = tuple[str, str]


@rule
def capture_destination(config: PlatformConfig) -> Iterator[Violation]:
    region = config.project.region
    partition = REGIONS[region][0] if region in REGIONS else None
    for i, ep in enumerate(config.endpoints):
        dc = ep.data_capture
        if dc is None:
            continue
        loc = ("endpoints", i, "data_capture")
        if dc.destination is None:
            if dc.kms_key_arn is not None:
                yield Violation(
                    (*loc, "kms_key_arn"),
                    "kms_key_arn is the key of a destination of your own, and there is none: captures into the platform's capture bucket are encrypted with the platform key; "
                    "add destination: s3://<your bucket>/<prefix>/, or leave kms_key_arn out",
                    "capture-kms-key-without-destination",
                )
            continue
        if dc.prefix is not None:
            yield Violation(
                (*loc, "prefix"),
                f"prefix names a folder of the platform's capture bucket, and this endpoint captures into its own destination; write the prefix into it "
                f"(destination: {dc.destination.rstrip('/')}/{dc.prefix.strip('/')}/) and leave prefix out",
                "capture-destination-and-prefix",
            )
        uri = dc.destination.rstrip("/")
        if len(uri) > MAX_DESTINATION:
            yield Violation(
                (*loc, "destination"),
                f"the destination is {len(uri)} characters; SageMaker's DestinationS3Uri takes at most {MAX_DESTINATION}: choose a shorter prefix",
                "capture-destination-too-long",
            )
        found = destination_overlap(config, uri)
        if found is not None:
            yield overlap_violation((*loc, "destination"), uri, found)
        key = dc.kms_key_arn
        if key is None:
            continue
        m = KEY_ARN.match(key)
        if m is None:
            if _ALIAS.match(key):
                what = "an alias"
            elif _KEY_ID.match(key):
                what = "a key ID"
            else:
                what = "not a KMS key ARN"
            yield Violation(
                (*loc, "kms_key_arn"),
                f"{key} is {what}: mlinfra grants the execution role kms:GenerateDataKey and kms:Encrypt on exactly this key, and an IAM policy names a key by its ARN "
                f"(an alias there authorises nothing); give the key ARN, arn:{partition or 'aws'}:kms:{region}:ACCOUNT:key/KEY-ID "
                f"(aws kms describe-key --key-id {key} --query KeyMetadata.Arn)",
                "capture-kms-key-form",
            )
            continue
        if m["region"] != region or (partition is not None and m["partition"] != partition):
            yield Violation(
                (*loc, "kms_key_arn"),
                f"the key is in {m['region']} (arn:{m['partition']}), the endpoint in {region}: S3 encrypts only with a key of the bucket's Region, and the captures "
                f"go to a bucket in the endpoint's Region; use a key in {region}",
                "capture-kms-key-region",
            )


def destination_overlap(config: PlatformConfig, destination: str, reads: Iterable[Read] = ()) -> Read | None:
    """The first of what the execution role reads that lies under ``destination`` or holds it: model
    artifacts and prefixes, multi-model prefixes, asynchronous requests, then ``reads`` (what a component
    reads besides, as (S3 URI, what it is)), then the SageMaker Python SDK's asynchronous uploads.

    The role may PutObject under the destination, so a capture could overwrite any of them."""
    dest = _folder(destination)
    read: list[Read] = []
    sdk_reads: list[str] = []  # async endpoints without input_path
    for listed in config.versions():
        for uri in (listed.entry.model_data, listed.entry.model_data_prefix):
            if uri is not None:
                read.append((uri, f"model {listed.ref}'s files"))
    for ep in config.endpoints:
        multi = getattr(ep, "multi_model", None)
        if multi is not None:
            read.append((multi.model_data_prefix, f"endpoint {ep.name}'s multi-model prefix"))
        a = getattr(ep, "async_inference", None)
        if a is not None and a.input_path is not None:
            read.append((a.input_path, f"endpoint {ep.name}'s asynchronous requests"))
        elif a is not None:
            sdk_reads.append(ep.name)
    read.extend(reads)
    if sdk_reads:
        # Without input_path the role reads where the SageMaker Python SDK uploads (core.sagemaker_sdk's
        # SDK_ASYNC_INPUT_PREFIX): sagemaker-<region>-<account>/async-endpoint-inputs/; the account is
        # not known here, so any account's default bucket counts.
        bucket, _, key = dest.partition("/")
        sdk_bucket = re.fullmatch(rf"sagemaker-{re.escape(config.project.region)}-\d{{12}}", bucket)
        if sdk_bucket and (SDK_INPUTS.startswith(key) or key.startswith(SDK_INPUTS)):
            read.append(
                (
                    f"s3://{bucket}/{SDK_INPUTS}",
                    f"endpoint {sdk_reads[0]}'s asynchronous requests (where the SageMaker Python SDK uploads them)",
                )
            )
    for uri, what in read:
        other = uri.removeprefix("s3://")
        other_dir = other.rstrip("/") + "/"
        if other.startswith(dest) or dest.startswith(other_dir):
            return uri, what
    return None


def overlap_violation(loc: Loc, destination: str, found: Read) -> Violation:
    """The capture-destination-overlap violation of ``destination`` holding ``found`` (see
    :func:`destination_overlap`)."""
    uri, what = found
    return Violation(
        loc,
        f"the destination s3://{_folder(destination)} holds {what} ({uri}): the execution role may write under the destination, so a capture could overwrite it; "
        "capture into a prefix of its own, e.g. s3://<bucket>/capture/",
        "capture-destination-overlap",
    )


def _folder(destination: str) -> str:
    return destination.removeprefix("s3://").rstrip("/") + "/"
