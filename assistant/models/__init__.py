"""Model building and loading: the embedder, the GGUF file, the LLM backends."""
