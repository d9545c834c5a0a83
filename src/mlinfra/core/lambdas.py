"""mlinfra's own Lambda code (``src/mlinfra/lambdas``) as the components package it: the preprocessing
functions and the batch pipeline's each zip part of it under one Python package name, which their
handlers (``<package>.<module>.handler``) name."""

from __future__ import annotations

LAMBDA_PACKAGE = "mlinfra_lambdas"
