"""mlinfra's preprocessing Lambdas: one handler per preprocessor kind over one shared core.

    tabular.handler   named numeric features, defaults, (x - mean) / std
    image.handler     base64 image -> RGB/L, resized, scaled to [0, 1], channel-last
    text.handler      regex tokenisation -> vocabulary ids, truncated / padded

and the batch pipeline's two Step Functions tasks:

    batch_validate.handler   the input prefix exists, is non-empty, its first lines parse (InvalidBatchInput)
    batch_notify.handler     one message per run (job, status, counts, output, durations) to SNS

This package is self-contained (standard library at import; boto3, redis and Pillow on first use) and
imports nothing else from mlinfra: it is zipped alone, as ``mlinfra_lambdas/``, into each function.
"""
