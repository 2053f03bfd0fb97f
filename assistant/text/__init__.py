"""Dutch text helpers: sentences, stems, language, injection."""
