"""The model registry: quality gate (offline), SageMaker model packages, lifecycle view, approval checks."""
