"""The writer's pruning, over a small fake registry (no Milvus process)."""

import re

from docqa.index.milvus import schema, writer


class Registry:
    """Just what `writer._prune` asks of a MilvusClient: collections and registry rows."""

    def __init__(self, builds: list[str], switched: list[str]) -> None:
        self.collections = {schema.collection(b, kind) for b in builds for kind in schema.KINDS}
        self.collections.add(schema.REGISTRY)
        self.rows = {f"{writer.MANIFEST}{schema.build_key(b)}": "{}" for b in builds}
        self.rows |= {f"{writer.CURRENT}{i:020d}": b for i, b in enumerate(switched)}

    def query(self, name: str, filter: str, output_fields: list[str]) -> list[dict]:
        prefix = re.fullmatch(r'key like "(.*)%"', filter)[1]
        return [{"key": k, "value": v} for k, v in self.rows.items() if k.startswith(prefix)]

    def list_collections(self) -> list[str]:
        return sorted(self.collections)

    def has_collection(self, name: str) -> bool:
        return name in self.collections

    def drop_collection(self, name: str) -> None:
        self.collections.remove(name)

    def delete(self, name: str, filter: str | None = None, ids: list | None = None) -> None:
        gone = ids or [re.fullmatch(r'key == "(.*)"', filter)[1]]
        for key in gone:
            self.rows.pop(key, None)


def kept(registry: Registry, build: str) -> bool:
    return all(schema.collection(build, kind) in registry.collections for kind in schema.KINDS)


def test_the_build_just_switched_in_is_kept_even_where_its_switch_is_not_read_yet() -> None:
    # The new build's "current" row is not in what the registry read returns.
    registry = Registry(["b1", "b2", "b3"], switched=["b1", "b2"])
    writer._prune(registry, schema.build_key("b3"))
    assert kept(registry, "b3") and kept(registry, "b2")


def test_older_builds_than_the_kept_ones_are_dropped() -> None:
    registry = Registry(["b1", "b2", "b3"], switched=["b1", "b2", "b3"])
    writer._prune(registry, schema.build_key("b3"))
    assert kept(registry, "b3") and kept(registry, "b2") and not kept(registry, "b1")
    assert f"{writer.MANIFEST}{schema.build_key('b1')}" not in registry.rows
