"""Dutch text helpers: sentences, stems, language, injection, attribution (pure: no models, no I/O)."""
