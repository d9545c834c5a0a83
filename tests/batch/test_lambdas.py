"""The batch Lambdas called directly, against moto's S3, SNS and SQS in-process."""

from __future__ import annotations

import json
import re

import pytest

from mlinfra.lambdas import batch_notify, batch_validate
from mlinfra.lambdas.batch_validate import InvalidBatchInput

REGION = "us-east-1"
BUCKET = "acme-batch"


@pytest.fixture
def s3(aws):
    """moto's S3 with the bucket."""
    client = aws.client("s3", REGION)
    client.create_bucket(Bucket=BUCKET)
    yield client
    batch_validate.reset()
    batch_notify.reset()


def _event(**over) -> dict:
    return {"inputS3Uri": f"s3://{BUCKET}/in/", "outputS3Uri": f"s3://{BUCKET}/out/", "contentType": "application/json", "splitType": "Line", "jobName": "mlinfra-prod-batch-run-1", **over}


def _validate(s3, event: dict, env: dict | None = None) -> dict:
    batch_validate.configure(env=env or {}, s3=s3)
    return batch_validate.handler(event, None)


# --- ValidateInput ---------------------------------------------------------------------------------------


def test_valid_json_lines(s3) -> None:
    s3.put_object(Bucket=BUCKET, Key="in/a.jsonl", Body=b'{"features": [1, 2]}\n{"features": [3, 4]}\n\n')
    s3.put_object(Bucket=BUCKET, Key="in/b.jsonl", Body=b'{"features": [5, 6]}\n')
    s3.put_object(Bucket=BUCKET, Key="in/folder/", Body=b"")  # a console "folder": not a record
    result = _validate(s3, _event())
    assert result == {"objects": 2, "bytes": 64, "sampledObjects": 2, "sampledLines": 3, "truncated": False}


def test_samples_only_the_configured_lines_and_objects(s3) -> None:
    for i in range(5):
        s3.put_object(Bucket=BUCKET, Key=f"in/{i}.jsonl", Body=b"".join(b'{"x": %d}\n' % j for j in range(50)))
    # a broken line past the sample is not read
    s3.put_object(Bucket=BUCKET, Key="in/9.jsonl", Body=b"not json\n")
    result = _validate(s3, _event(), {"MLINFRA_SAMPLE_OBJECTS": "2", "MLINFRA_SAMPLE_LINES": "5"})
    assert (result["objects"], result["sampledObjects"], result["sampledLines"]) == (6, 2, 10)


@pytest.mark.parametrize(
    ("objects", "event", "message"),
    [
        ({}, {}, "no objects (or only empty ones) under this prefix"),
        ({"in/empty.jsonl": b""}, {}, "no objects"),
        ({"in/a.jsonl": b'{"ok": 1}\n{"broken": \n'}, {}, "s3://acme-batch/in/a.jsonl line 2: not valid JSON"),
        ({"in/a.json": b"\xff\xfe binary"}, {}, "not UTF-8"),
        ({"in/a.jsonl": b"{}\n"}, {"inputS3Uri": "https://acme-batch/in/"}, "inputS3Uri: 'https://acme-batch/in/' is not an S3 URI"),
        ({"in/a.jsonl": b"{}\n"}, {"outputS3Uri": f"s3://{BUCKET}/in/results/"}, "lies under inputS3Uri"),
        ({"in/a.jsonl": b"{}\n"}, {"jobName": "mlinfra-prod-batch-" + "x" * 50}, "not valid for SageMaker"),
        ({"in/a.jsonl": b"{}\n"}, {"jobName": "mlinfra_prod batch"}, "not valid for SageMaker"),
        ({}, {"inputS3Uri": "s3://no-such-bucket-here/in/"}, "bucket no-such-bucket-here does not exist"),
    ],
    ids=["empty-prefix", "only-empty-objects", "bad-json-line", "binary", "not-s3", "output-under-input", "long-job-name", "bad-job-name", "no-bucket"],
)
def test_invalid_input_fails_with_a_reason(s3, objects, event, message) -> None:
    for key, body in objects.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    with pytest.raises(InvalidBatchInput) as info:
        _validate(s3, _event(**event))
    assert message in str(info.value)
    # Step Functions names a Lambda error by its type: the state machine can catch it by this name.
    assert type(info.value).__name__ == "InvalidBatchInput"


def test_a_line_cut_by_the_sample_range_is_not_judged(s3) -> None:
    body = b'{"a": 1}\n' * 200  # 1800 bytes; a 1 KiB range cuts a line in two
    s3.put_object(Bucket=BUCKET, Key="in/a.jsonl", Body=body)
    result = _validate(s3, _event(), {"MLINFRA_SAMPLE_BYTES": "1024", "MLINFRA_SAMPLE_LINES": "1000"})
    assert result["sampledLines"] == 1024 // 9


def test_whole_json_documents_and_non_json_content(s3) -> None:
    s3.put_object(Bucket=BUCKET, Key="in/doc.json", Body=b'{\n  "instances": [1,\n 2]\n}\n')
    assert _validate(s3, _event(splitType="None"))["sampledLines"] == 1
    s3.put_object(Bucket=BUCKET, Key="in/doc.json", Body=b'{"instances": [1,')
    with pytest.raises(InvalidBatchInput, match=re.escape("in/doc.json: not valid JSON")):
        _validate(s3, _event(splitType="None"))
    # CSV is not parsed, only counted.
    s3.put_object(Bucket=BUCKET, Key="in/doc.json", Body=b"1,2,3\n")
    assert _validate(s3, _event(contentType="text/csv"))["sampledObjects"] == 0


def test_bad_settings_are_refused(s3) -> None:
    with pytest.raises(ValueError, match="MLINFRA_SAMPLE_LINES"):
        batch_validate.configure(env={"MLINFRA_SAMPLE_LINES": "lots"}, s3=s3)


# --- the notifier ----------------------------------------------------------------------------------------


@pytest.fixture
def topic(aws):
    """An SNS topic with an SQS queue subscribed (raw delivery off: the queue gets SNS's envelope)."""
    sns = aws.client("sns", REGION)
    sqs = aws.client("sqs", REGION)
    arn = sns.create_topic(Name="mlinfra-prod-batch")["TopicArn"]
    queue = sqs.create_queue(QueueName="subscriber")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)

    def received() -> list[dict]:
        msgs = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in msgs]

    return sns, arn, received


START = "2026-12-01T22:00:00.000Z"
START_EPOCH = 1796162400.0  # 2026-12-01T22:00:00Z


def test_success_message(s3, topic) -> None:
    sns, arn, received = topic
    for key in ("out/a.jsonl.out", "out/b.jsonl.out"):
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"{}\n")
    batch_notify.configure(env={"MLINFRA_TOPIC_ARN": arn}, s3=s3, sns=sns, wall=lambda: START_EPOCH + 843)
    event = {
        "status": "SUCCEEDED",
        "executionName": "run-1",
        "executionStartTime": START,
        "jobName": "mlinfra-prod-batch-run-1",
        "state": {
            "inputS3Uri": f"s3://{BUCKET}/in/",
            "outputS3Uri": f"s3://{BUCKET}/out/",
            "validation": {"objects": 2, "bytes": 2_500_000, "sampledLines": 3},
            # .sync returns DescribeTransformJob; Step Functions gives its timestamps as epoch milliseconds.
            "transform": {"TransformJobStatus": "Completed", "TransformStartTime": (START_EPOCH + 60) * 1000, "TransformEndTime": (START_EPOCH + 820) * 1000},
        },
    }
    result = batch_notify.handler(event, None)
    assert result["output_objects"] == 2 and result["duration_seconds"] == 843 and result["transform_seconds"] == 760
    (msg,) = received()
    assert msg["Subject"] == "mlinfra batch SUCCEEDED: mlinfra-prod-batch-run-1"
    assert msg["Message"] == (
        "Batch job mlinfra-prod-batch-run-1 SUCCEEDED\n"
        "execution: run-1\n"
        "input: s3://acme-batch/in/ (2 objects, 2.5 MB)\n"
        "output: s3://acme-batch/out/ (2 objects)\n"
        "duration: 14m 03s (transform 12m 40s)\n"
    )
    assert msg["MessageAttributes"]["status"]["Value"] == "SUCCEEDED"


def test_failure_message_names_the_reason(s3, topic) -> None:
    sns, arn, received = topic
    batch_notify.configure(env={"MLINFRA_TOPIC_ARN": arn}, s3=s3, sns=sns, wall=lambda: START_EPOCH + 5)
    cause = json.dumps({"errorMessage": "inputS3Uri s3://acme-batch/in/: no objects", "errorType": "InvalidBatchInput"})
    event = {
        "status": "FAILED",
        "executionName": "run-2",
        "executionStartTime": START,
        "jobName": "mlinfra-prod-batch-run-2",
        "state": {"inputS3Uri": f"s3://{BUCKET}/in/", "outputS3Uri": f"s3://{BUCKET}/out/", "error": {"Error": "InvalidBatchInput", "Cause": cause}},
    }
    result = batch_notify.handler(event, None)
    assert result["reason"] == "InvalidBatchInput: inputS3Uri s3://acme-batch/in/: no objects"
    (msg,) = received()
    assert msg["Message"].splitlines() == [
        "Batch job mlinfra-prod-batch-run-2 FAILED",
        "execution: run-2",
        "input: s3://acme-batch/in/",
        "output: s3://acme-batch/out/",
        "duration: 5s",
        "reason: InvalidBatchInput: inputS3Uri s3://acme-batch/in/: no objects",
    ]
    assert msg["MessageAttributes"]["status"]["Value"] == "FAILED"


def test_notifier_needs_its_topic() -> None:
    with pytest.raises(batch_notify.ConfigError, match="MLINFRA_TOPIC_ARN"):
        batch_notify.configure(env={})


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2026-12-01T22:00:00.000Z", START_EPOCH), ("2026-12-01T22:00:00+00:00", START_EPOCH), (START_EPOCH * 1000, START_EPOCH), ("yesterday", None), (True, None)],
)
def test_timestamps(value, expected) -> None:
    assert batch_notify.timestamp(value) == expected


def test_import_uses_the_standard_library_only() -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = "import sys; sys.path.insert(0, 'src/mlinfra'); import lambdas.batch_validate, lambdas.batch_notify; print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'mlinfra')))"
    proc = subprocess.run([sys.executable, "-S", "-c", code], check=False, cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
