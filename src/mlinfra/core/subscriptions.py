"""SNS subscriptions of a topic a module creates (the batch notifications, the alerts), as a typed module
input: one ``aws_sns_topic_subscription.this`` instance per subscriber.

Each subscriber is keyed ``<protocol>_<position>`` (``email_1``): the name earlier renders gave its
resource block, so the moved blocks carry every subscription over to its instance.
"""

from __future__ import annotations

from collections.abc import Sequence

from .component import Input, object_type

SUBSCRIBERS_TYPE = "map(" + object_type(protocol="string", endpoint="string") + ")"


def _key(protocol: str, position: int) -> str:
    return f"{protocol}_{position}"


def subscribers_input(subscribers: Sequence[tuple[str, str]], topic: str) -> Input:
    """The ``subscribers`` input: (protocol, endpoint) pairs in the config's order."""
    return Input(
        {_key(p, i): {"protocol": p, "endpoint": e} for i, (p, e) in enumerate(subscribers, start=1)},
        f"Subscribers of {topic}, by key: protocol (email, https, sqs) and endpoint (address, URL, queue ARN).",
        SUBSCRIBERS_TYPE,
    )


def subscription_moves(subscribers: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Each subscription's block of earlier renders → its instance."""
    return tuple(
        (f"aws_sns_topic_subscription.{_key(p, i)}", f'aws_sns_topic_subscription.this["{_key(p, i)}"]')
        for i, (p, _) in enumerate(subscribers, start=1)
    )
