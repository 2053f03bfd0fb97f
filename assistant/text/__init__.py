"""Pure text analysis of Dutch articles: no models, no I/O, no other project modules."""
