"""The ``network`` section: an existing VPC or one mlinfra creates, where the cache, the preprocessing Lambdas,
the batch Lambdas and the models of instance endpoints run."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from ...config.section import Section
from ...config.shapes import Strict


class CreateNetwork(Strict):
    """A new VPC with private subnets only (no internet gateway, no NAT): AWS APIs through VPC endpoints."""

    cidr: Annotated[str, StringConstraints(min_length=9, max_length=18)]
    # One subnet per Availability Zone, in the region's zone order; at least two for the cache's Multi-AZ.
    private_subnets: Annotated[
        list[Annotated[str, StringConstraints(min_length=9, max_length=18)]], Field(min_length=2, max_length=6)
    ]


class FlowLogs(Strict):
    """VPC flow logs (all traffic) to a KMS-encrypted CloudWatch log group."""

    enabled: bool = True
    retention_days: Literal[
        1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
    ] = 365


#: Interface endpoint services a config may ask for (``com.amazonaws.<region>.<service>``).
EndpointService = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+([.-][a-z0-9]+)*$", max_length=64)]


class Network(Strict):
    """An existing VPC (``vpc_id``, ``private_subnet_ids``) or a new one (``create``): the cache and the
    preprocessing Lambdas live in its private subnets."""

    vpc_id: Annotated[str, StringConstraints(pattern=r"^vpc-[0-9a-f]{8,17}$")] | None = None
    private_subnet_ids: (
        Annotated[
            list[Annotated[str, StringConstraints(pattern=r"^subnet-[0-9a-f]{8,17}$")]],
            Field(min_length=2, max_length=16),
        ]
        | None
    ) = None
    create: CreateNetwork | None = None
    flow_logs: FlowLogs = FlowLogs()
    # Interface endpoints beyond those the components add (in an existing VPC: the only ones made).
    interface_endpoints: list[EndpointService] = Field(default_factory=list)


SECTION = Section("network", Network)
