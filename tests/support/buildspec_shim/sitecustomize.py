"""Test-only: every Python process a buildspec test starts (``mlinfra ...`` run by bash, as CodeBuild runs
it) renders the tree this machine's Terraform 1.0.3 takes on the stand-in provider, with the test-only
adjustments of ``tests.support.terraform_cycle.relax`` (no S3 backend, no required_version above 1.0.3).

Python imports ``sitecustomize`` at start-up from the first folder of ``sys.path`` that has one: the test
puts this folder (and the repository's root) on PYTHONPATH and sets MLINFRA_TEST_RELAX=1. Nothing else
ever imports it.
"""

import os

if os.environ.get("MLINFRA_TEST_RELAX") == "1":
    from pathlib import Path

    import mlinfra.pipeline
    from mlinfra.render import Rendered
    from tests.support.terraform_cycle import relax

    _real = mlinfra.pipeline.render_project

    def _relaxed(config, base_dir=Path(".")):  # type: ignore[no-untyped-def]
        rendered = _real(config, base_dir)
        return Rendered(
            files=relax(rendered.files),
            modules=rendered.modules,
            resources=rendered.resources,
            endpoints=rendered.endpoints,
        )

    mlinfra.pipeline.render_project = _relaxed

if os.environ.get("MLINFRA_TEST_CLOCK") == "fake":
    # A bake of minutes passes at once: time moves only when mlinfra sleeps (as tests.support.aws.FakeClock).
    import mlinfra.cli.common

    class _FakeClock:
        def __init__(self) -> None:
            self.t = 0.0

        def now(self) -> float:
            return self.t

        def sleep(self, seconds: float) -> None:
            self.t += seconds

    mlinfra.cli.common.clock = _FakeClock
