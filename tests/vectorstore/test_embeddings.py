"""The embedding model from the installed package: offline, normalised, and one path for queries."""

import numpy as np


def test_vectors_are_unit_length_and_384_wide(embeddings):
    vectors = embeddings.encode(["Total revenues", "Net loss per share"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_the_fast_query_path_gives_the_batch_paths_vector(embeddings):
    question = "What were total revenues for the three months ended December 31, 2004?"
    assert np.abs(embeddings._encode_one(question) - embeddings.encode([question])[0]).max() < 1e-6


def test_queries_are_cached(embeddings):
    before = embeddings.embedded_texts
    embeddings.query_vector("a question asked twice")
    embeddings.query_vector("a question asked twice")
    assert embeddings.embedded_texts - before == 1
