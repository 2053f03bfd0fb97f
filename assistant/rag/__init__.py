"""Retrieval and answering: retriever, relevance, trimming, citations, the service."""
