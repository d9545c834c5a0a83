"""``mlinfra status``: one report of an endpoint's live state, alarms, last hour's metrics and drift."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ..naming import requests_metric
from .aws import Clients
from .drift import differences
from .endpoint import alarm_states, describe, variant_metrics
from .target import Target
from .traffic import as_percent


def status_report(
    clients: Clients, target: Target, now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
) -> dict:
    """A JSON-ready report; ``drift`` lists how the config (when there is one) and the endpoint differ."""
    live = describe(clients, target.endpoint)
    alarms = alarm_states(clients, target.endpoint, target.guard)
    metrics = variant_metrics(clients, now, target.endpoint, live.weights, requests_metric(live.is_async))
    drift = differences(target.plan, live) if target.plan is not None else []
    current, desired = as_percent(live.weights), as_percent(live.desired_weights)
    # The model version behind each variant, as the config names it (detection@3.0.0 among named models).
    plan = target.plan
    served = {v.name: v.model.ref for v in (*plan.variants, *([plan.shadow] if plan.shadow else []))} if plan else {}
    return {
        "endpoint": live.name,
        "status": live.status,
        "endpoint_config": live.config_name,
        "variants": [
            {
                "name": v,
                "weight_percent": current[v],
                "desired_weight_percent": desired.get(v),
                "instances": live.instances.get(v),
                "desired_instances": live.desired_instances.get(v),
                "model_version": served.get(v),
                **metrics[v].fields(),
            }
            for v in live.weights
        ],
        "alarms": alarms,
        "drift": [str(d) for d in drift],
    }
