"""Prometheus metrics of one app: requests and latency by route, and the index it serves."""

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

from docqa.service.live import LiveIndex


class IndexCollector:
    """The served build's version, documents and chunks, read at each scrape (so after reloads)."""

    def __init__(self) -> None:
        # Set once the app has loaded its index at startup.
        self.live: LiveIndex | None = None

    def collect(self) -> Iterator[Metric]:
        if self.live is None:
            return
        current = self.live.current
        info = GaugeMetricFamily(
            "docqa_index_info", "The index build being served (always 1)", labels=["version"]
        )
        info.add_metric([current.version], 1)
        yield info
        yield GaugeMetricFamily(
            "docqa_documents", "Documents in the served build", value=len(current.documents)
        )
        yield GaugeMetricFamily(
            "docqa_chunks", "Chunks in the served build", value=current.searcher.chunk_count
        )


class Metrics:
    """A registry of its own per app, so that apps in one process do not share counts."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "docqa_requests",
            "HTTP requests answered, by route template, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "docqa_request_seconds",
            "Seconds from request to the end of the response, by route template",
            ["route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.index = IndexCollector()
        self.registry.register(self.index)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
