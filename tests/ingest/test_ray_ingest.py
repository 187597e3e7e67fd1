"""Ingest on Ray: the local build, made through the real CLI on an in-process Ray, on loopback."""

import ipaddress
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil
import pytest
from conftest import CORPUS_DIR, REPO, CorpusIndex, make_settings, run_cli, write_corpus

from docqa.index.base import Stored, create_backend
from docqa.ingest.documents import load_corpus
from docqa.ingest.pipeline import IngestError, ingest_limits
from docqa.ingest.ray_ingest import failure, load_on_ray, run_ingest_on_ray
from docqa.ingest.ray_session import ray_session
from docqa.model import Chunked

# What makes Ray keep every process on 127.0.0.1, for this process and the CLI's; without
# it Ray takes eth0's address and listens on all interfaces. Token auth off, as for tests.
RAY_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_AUTH_MODE": "disabled"}
# Ray Data's context warns of its own deprecated fields whenever it is made.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")


def is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def descendants() -> list[psutil.Process]:
    return psutil.Process().children(recursive=True)


@dataclass
class SocketWatch:
    """Every inet socket of this process and of its descendants but `older` (those other tests
    started before Ray: servers of session fixtures), sampled until stopped."""

    older: set[int]
    seen: dict[tuple, str] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)
    _stop: threading.Event = field(default_factory=threading.Event)

    def processes(self) -> list[psutil.Process]:
        return [psutil.Process(), *(p for p in descendants() if p.pid not in self.older)]

    def sample(self) -> None:
        for process in self.processes():
            try:
                name = process.name()
                connections = process.net_connections(kind="inet")
            except psutil.Error:
                continue  # it ended between the listing and the look
            self.names.add(name)
            for c in connections:
                key = (process.pid, c.status, tuple(c.laddr), tuple(c.raddr or ()))
                self.seen[key] = name

    def run(self) -> None:
        while not self._stop.wait(0.2):
            self.sample()

    def stop(self) -> None:
        self._stop.set()

    def outside_loopback(self) -> list[str]:
        return [
            f"{name} (pid {pid}) {status} {laddr} -> {raddr}"
            for (pid, status, laddr, raddr), name in self.seen.items()
            if not is_loopback(laddr[0]) or (raddr and not is_loopback(raddr[0]))
        ]


@dataclass(frozen=True)
class RayCluster:
    address: str
    watch: SocketWatch


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[RayCluster]:
    """One Ray for the module, started here with 2 CPUs and stopped from here (never by name)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in RAY_ENV.items():
            patch.setenv(name, value)
        import ray  # after the variables: Ray reads them once, at import

        # Short: Ray's unix sockets live below it, and their paths may not pass 107 bytes.
        temp_dir = tempfile.mkdtemp(prefix="ray-", dir="/tmp")
        watch = SocketWatch(older={process.pid for process in descendants()})
        ray.init(num_cpus=2, _temp_dir=temp_dir, include_dashboard=False, log_to_driver=False)
        thread = threading.Thread(target=watch.run, daemon=True)
        thread.start()
        try:
            yield RayCluster(ray.get_runtime_context().gcs_address, watch)
        finally:
            watch.stop()
            thread.join()
            ours = watch.processes()[1:]
            ray.shutdown()
            _, alive = psutil.wait_procs(ours, timeout=10)
            for process in alive:  # what shutdown left behind, by its own PID
                process.kill()
            shutil.rmtree(temp_dir, ignore_errors=True)


def read_build(index_dir: Path) -> Stored:
    stored = create_backend(make_settings(index_dir, CORPUS_DIR), index_dir).reusable()
    assert stored is not None
    return stored


def chunk_ids(chunked: Chunked) -> list[str]:
    return [
        f"{chunked.documents[doc].doc_id}:{start}-{end}"
        for doc, start, end in chunked.chunks[:, :3].tolist()
    ]


@pytest.fixture(scope="module")
def ray_build(ray_cluster: RayCluster, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """corpus/ ingested by `docqa ingest --ray ADDRESS`, a driver of its own on the cluster."""
    index_dir = tmp_path_factory.mktemp("ray-index") / "index"
    done = run_cli(
        "ingest", "--ray", ray_cluster.address, "--corpus", str(CORPUS_DIR),
        "--index", str(index_dir), env=RAY_ENV,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "indexed 5 files" in done.stdout
    return index_dir


def test_ray_ingest_writes_the_local_build(ray_build: Path, corpus_index: CorpusIndex) -> None:
    local = read_build(corpus_index.index_dir)
    on_ray = read_build(ray_build)

    assert on_ray.chunked.documents == local.chunked.documents
    assert chunk_ids(on_ray.chunked) == chunk_ids(local.chunked)
    np.testing.assert_array_equal(on_ray.chunked.chunks, local.chunked.chunks)
    np.testing.assert_array_equal(on_ray.chunked.sentences, local.chunked.sentences)
    assert on_ray.vectors.keys() == local.vectors.keys() == {"e5", "use"}
    for name, vectors in local.vectors.items():
        # Batches are cut alike, but a model may round a batch's rows differently elsewhere.
        np.testing.assert_allclose(on_ray.vectors[name].chunks, vectors.chunks, atol=1e-5)
        np.testing.assert_allclose(on_ray.vectors[name].sentences, vectors.sentences, atol=1e-5)


def test_a_driver_already_on_ray_reuses_the_build_it_made(
    ray_cluster: RayCluster, ray_build: Path
) -> None:
    settings = make_settings(ray_build, CORPUS_DIR)
    report = run_ingest_on_ray(ray_cluster.address, CORPUS_DIR, ray_build, settings)
    assert report.up_to_date
    assert report.reused_documents == 5


def test_ray_listens_and_connects_on_loopback_only(
    ray_cluster: RayCluster, ray_build: Path
) -> None:
    watch = ray_cluster.watch
    watch.sample()
    # The sample saw the cluster at work: its servers, the CLI's driver and the model actors.
    assert {"gcs_server", "raylet"} <= watch.names
    assert any("Encoder" in name for name in watch.names), watch.names
    assert any(status == psutil.CONN_LISTEN for _, status, _, _ in watch.seen)
    assert watch.outside_loopback() == []


def test_files_read_on_ray_are_those_read_here(ray_cluster: RayCluster, tmp_path: Path) -> None:
    corpus = write_corpus(
        tmp_path / "corpus",
        {"b/uno.txt": "Uno.\n", "a.md": "# A\n\nDos.\n", "c.xyz": "?", "d.txt": " \n"},
    )
    limits = ingest_limits(make_settings(tmp_path / "index", corpus))
    on_ray = load_on_ray(corpus, limits)
    assert on_ray == load_corpus(corpus, limits)
    assert [d.source for d in on_ray[0]] == ["a.md", "b/uno.txt"]
    assert [s.source for s in on_ray[1]] == ["c.xyz", "d.txt"]
    assert load_on_ray(write_corpus(tmp_path / "empty", {}), limits) == ([], [])


@pytest.mark.parametrize(
    ("where", "line"),
    [
        ("task", "ValueError: no such model here"),
        ("actor", "FileNotFoundError: model folder /models/e5 is missing"),
    ],
)
def test_a_failure_on_ray_is_reported_by_its_own_line(
    ray_cluster: RayCluster, where: str, line: str
) -> None:
    import ray.data
    from ray.exceptions import RayError

    # Defined here, so that they travel by value: Ray's workers cannot import a test module.
    def fail_in_task(batch: dict) -> dict:
        raise ValueError("no such model here")

    class FailInActor:
        def __init__(self) -> None:
            raise FileNotFoundError("model folder /models/e5 is missing")

        def __call__(self, batch: dict) -> dict:
            return batch

    dataset = ray.data.from_items([{"a": 1}])
    with pytest.raises(RayError) as raised:
        if where == "task":
            dataset.map_batches(fail_in_task).take_all()
        else:
            dataset.map_batches(FailInActor, compute=ray.data.ActorPoolStrategy(size=1)).take_all()
    assert failure(raised.value) == line


def test_gpus_the_cluster_lacks_are_refused_at_once(
    ray_cluster: RayCluster, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path / "index", CORPUS_DIR, ray_gpus_per_actor=1)
    with pytest.raises(IngestError) as raised:
        run_ingest_on_ray(ray_cluster.address, CORPUS_DIR, tmp_path / "index", settings)
    assert str(raised.value) == "DOCQA_RAY_GPUS_PER_ACTOR is 1 but the Ray cluster has 0 GPUs"
    assert not (tmp_path / "index").exists()


LOCAL_RAY = """
import ipaddress, os, sys
import psutil
from docqa.ingest.ray_session import ray_session

with ray_session("local"):
    import ray

    assert os.environ["RAY_AUTH_MODE"] == "token", os.environ["RAY_AUTH_MODE"]
    assert ray.get(ray.remote(lambda: 41 + 1).remote()) == 42
    me = psutil.Process()
    for process in [me, *me.children(recursive=True)]:
        for c in process.net_connections(kind="inet"):
            for address in (c.laddr, c.raddr):
                if address:
                    ip = ipaddress.ip_address(address.ip)
                    ip = getattr(ip, "ipv4_mapped", None) or ip
                    if not ip.is_loopback:
                        print(process.name(), c.status, address.ip)
print("ray is", "still up" if ray.is_initialized() else "down")
"""


def test_a_private_ray_stays_on_loopback_and_writes_no_token(tmp_path: Path) -> None:
    # Ray's own defaults, not the test cluster's: no Ray variable, a home of its own.
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env["HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", LOCAL_RAY], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["ray is down"]
    assert not (tmp_path / ".ray").exists()


@pytest.mark.parametrize("by", ["option", "setting"])
def test_an_unreachable_ray_is_one_line_not_a_wait(by: str, tmp_path: Path) -> None:
    option = ["--ray", "127.0.0.1:1"] if by == "option" else []
    env = {"DOCQA_RAY_ADDRESS": "127.0.0.1:1"} if by == "setting" else {}
    done = run_cli("ingest", *option, "--index", str(tmp_path / "index"), env=env)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: cannot reach the Ray cluster at 127.0.0.1:1: [Errno 111] Connection refused"
    ]
    assert not (tmp_path / "index").exists()


@pytest.mark.parametrize("address", ["nowhere", "ray://:10001", "host:port"])
def test_a_malformed_ray_address_says_what_it_should_be(address: str) -> None:
    with pytest.raises(IngestError, match="is not host:port"), ray_session(address):
        pass


def test_without_an_address_nothing_imports_ray() -> None:
    code = (
        "import sys, docqa.cli, docqa.ingest.pipeline, docqa.ingest.ray_ingest, "
        "docqa.service.app, docqa.index.build\n"
        "assert 'ray' not in sys.modules, sorted(m for m in sys.modules if m.startswith('ray'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
