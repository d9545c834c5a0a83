"""Where the SageMaker Python SDK puts what it uploads, which mlinfra's grants and commands must match."""

from __future__ import annotations

#: The SageMaker Python SDK's AsyncPredictor, given data and no input_path, uploads to its default bucket
#: sagemaker-<region>-<account> under async-endpoint-inputs/<name_from_base(endpoint, short=True)>/...:
#: the endpoint name cut to 63 - len("-yymmdd-HHMM") = 51 characters, a dash and the time.
SDK_ASYNC_INPUT_PREFIX = "async-endpoint-inputs"
SDK_NAME_BASE_MAX = 51
