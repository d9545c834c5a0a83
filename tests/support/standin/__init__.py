"""A schema-replay stand-in for the hashicorp/aws, awscc, archive and random providers (tests only).

The real providers cannot be downloaded here.  The stand-in speaks Terraform's plugin protocol
(tfplugin6 over go-plugin's gRPC handshake), serves the committed provider schemas
(tests/schema/*.json) and plans/applies with made-up but consistent values, so Terraform itself can
``init``, ``validate``, ``plan``, ``apply`` and ``destroy`` a rendered tree offline.

:func:`install` writes a filesystem mirror (unpacked layout) holding a launcher script per provider,
and a CLI configuration whose only installation source is that mirror.  For ``aws_sagemaker_*``
resources, ValidateResourceConfig also enforces botocore's enums, ranges and patterns
(sagemaker_rules.py), so a value SageMaker would reject fails at ``validate``.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from . import sagemaker_rules
from .schema import PROVIDERS

REPO_ROOT = Path(__file__).resolve().parents[3]


def install(dest: Path) -> Path:
    """Create ``dest/mirror`` and ``dest/terraformrc``; return the CLI config's path."""
    mirror = dest / "mirror"
    dest.mkdir(parents=True, exist_ok=True)
    rules = sagemaker_rules.extract(dest / "sagemaker-rules.json")
    for name, (_, version) in PROVIDERS.items():
        folder = mirror / "registry.terraform.io" / "hashicorp" / name / version / "linux_amd64"
        folder.mkdir(parents=True, exist_ok=True)
        launcher = folder / f"terraform-provider-{name}_v{version}"
        launcher.write_text(
            "#!/bin/sh\n"
            f"STANDIN_SAGEMAKER_RULES={shlex.quote(str(rules))} PYTHONPATH={shlex.quote(str(REPO_ROOT))} exec {shlex.quote(sys.executable)} -m tests.support.standin {name}\n"
        )
        launcher.chmod(0o755)
    rc = dest / "terraformrc"
    rc.write_text(
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror}"\n'
        '    include = ["registry.terraform.io/hashicorp/*"]\n'
        "  }\n"
        "}\n"
    )
    return rc
