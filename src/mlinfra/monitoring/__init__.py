"""Model monitoring offline: Model Monitor baselines, drift of captured traffic, custom CloudWatch metrics.

Public API: :func:`compute_baseline` / :func:`write_baseline` (baseline.py), :func:`read_capture`
(capture.py), :func:`drift_report` (drift.py), :func:`publish` and the datum builders (metrics.py).
Modules import numpy/pyarrow/boto3 themselves, so importing this package costs nothing.
"""
