"""Ingest: load, clean, chunk and embed articles into a versioned Chroma + BM25 index."""
