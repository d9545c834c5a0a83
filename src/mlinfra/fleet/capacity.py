"""Will the copies fit? The instance-type table and a per-instance packing of inference component copies.

SageMaker places every copy of an inference component whole on one instance: its memory, CPU cores and
accelerator devices come out of that instance's. So a fleet's capacity is not the sum of its instances:
two 10 GiB copies do not fit two 16 GiB instances' 32 GiB "together" unless each goes on its own. The
check packs copies instance by instance (first fit, largest first; SageMaker's own placement is no better
than a valid packing, so a packing that fails here is refused, and one found here is a placement that
exists). Pure: no AWS, no boto3; ``validate`` runs it offline.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from importlib import resources

from ..records import record

__all__ = ["Copy", "Instance", "InstanceType", "Packing", "instance_types", "pack"]


@record
class InstanceType:
    name: str
    vcpu: int
    memory_mb: int
    accelerators: int  # devices inference components count (GPUs; NeuronCores on Inferentia)
    accelerator: str  # the device model, "" on CPU instances
    accelerator_memory_gib: float

    @property
    def unit(self) -> str:
        """What an accelerator is on this type, in a message's words."""
        if not self.accelerators:
            return "accelerator"
        return "NeuronCore" if "NeuronCore" in self.accelerator else "GPU"

    def describe(self) -> str:
        base = f"{self.vcpu} vCPU, {self.memory_mb // 1024} GiB"
        if not self.accelerators:
            return base + ", no accelerators"
        each = " each" if self.accelerators > 1 else ""
        return base + f", {self.accelerators} × {self.accelerator} ({self.accelerator_memory_gib:g} GiB{each})"


@functools.cache
def instance_types() -> dict[str, InstanceType]:
    """The bundled table (``instance_types.toml``), by instance type name."""
    text = resources.files(__package__).joinpath("instance_types.toml").read_text(encoding="utf-8")
    return {
        name: InstanceType(
            name,
            row["vcpu"],
            int(row["memory_gib"] * 1024),
            row["accelerators"],
            row["accelerator"],
            row["accelerator_memory_gib"],
        )
        for name, row in tomllib.loads(text).items()
    }


@record
class Copy:
    """What one copy of a component reserves on the instance it lands on."""

    component: str
    memory_mb: int
    cores: Fraction  # 0 when the component reserves none
    accelerators: int


@record
class Instance:
    """One instance of a packing: the copies on it (component → count, in placement order) and what they use."""

    copies: tuple[tuple[str, int], ...]
    memory_mb: int
    cores: Fraction
    accelerators: int


@record
class Packing:
    instance_type: InstanceType
    limit: int  # instances the fleet may have
    instances: tuple[Instance, ...]
    unplaced: tuple[tuple[str, int], ...]  # copies no instance had room for, by component

    @property
    def fits(self) -> bool:
        return not self.unplaced

    @property
    def copies(self) -> int:
        return sum(n for i in self.instances for _, n in i.copies) + sum(n for _, n in self.unplaced)

    def lines(self) -> list[str]:
        """Each distinct instance load once, with how many instances carry it."""
        t = self.instance_type
        groups: dict[Instance, int] = {}
        for i in self.instances:
            groups[i] = groups.get(i, 0) + 1
        out = []
        for i, n in groups.items():
            placed = ", ".join(f"{c} ×{k}" for c, k in i.copies)
            used = f"memory {i.memory_mb} of {t.memory_mb} MiB, cores {_num(i.cores)} of {t.vcpu}"
            if t.accelerators:
                used += f", {t.unit}s {i.accelerators} of {t.accelerators}"
            out.append(f"{n} × instance: {placed} ({used})")
        for c, k in self.unplaced:
            out.append(f"no room: {c} ×{k}")
        return out


def _num(value: Fraction) -> str:
    return f"{float(value):g}"


@dataclass
class _Load:
    """One instance's running totals while ``pack`` places copies."""

    memory: int = 0
    cores: Fraction = Fraction(0)
    acc: int = 0
    copies: dict[str, int] = field(default_factory=dict)


def pack(itype: InstanceType, demands: Sequence[tuple[Copy, int]], limit: int) -> Packing:
    """Place ``count`` copies of each demand on at most ``limit`` instances of ``itype``.

    First fit decreasing: copies sorted by their largest share of an instance (accelerators, memory,
    cores), each on the first instance with room, a new instance when none has. Deterministic: ties keep
    the components' order.
    """

    def share(c: Copy) -> tuple[Fraction, ...]:
        parts = (
            Fraction(c.accelerators, itype.accelerators) if itype.accelerators else Fraction(0),
            Fraction(c.memory_mb, itype.memory_mb),
            c.cores / itype.vcpu,
        )
        return (max(parts), *parts)

    order = [c for c, n in demands for _ in range(n)]
    order.sort(key=share, reverse=True)
    loads: list[_Load] = []
    unplaced: dict[str, int] = {}
    for c in order:
        fits = c.memory_mb <= itype.memory_mb and c.cores <= itype.vcpu and c.accelerators <= itype.accelerators
        home = None
        if fits:
            for load in loads:
                if (
                    load.memory + c.memory_mb <= itype.memory_mb
                    and load.cores + c.cores <= itype.vcpu
                    and load.acc + c.accelerators <= itype.accelerators
                ):
                    home = load
                    break
            if home is None and len(loads) < limit:
                home = _Load()
                loads.append(home)
        if home is None:
            unplaced[c.component] = unplaced.get(c.component, 0) + 1
            continue
        home.memory += c.memory_mb
        home.cores += c.cores
        home.acc += c.accelerators
        home.copies[c.component] = home.copies.get(c.component, 0) + 1
    names = [c.component for c, _ in demands]
    instances = tuple(
        Instance(
            tuple(sorted(load.copies.items(), key=lambda kv: names.index(kv[0]))),
            load.memory,
            load.cores,
            load.acc,
        )
        for load in loads
    )
    return Packing(itype, limit, instances, tuple(sorted(unplaced.items(), key=lambda kv: names.index(kv[0]))))
