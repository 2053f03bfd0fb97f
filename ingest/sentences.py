"""Every sentence of a cleaned article with who says it, stored with each index version.

The speaker comes from cues in the sentence or its neighbours ("zegt X", "aldus X", quotation marks,
"X: …"), else it is the article's author; a reader's comment is nobody's view but the commenter's, so
it gets no speaker. Answering reads these records to label evidence and to refuse attribution traps.
"""

from __future__ import annotations

from ingest.documents import Article, SentenceRecord
from assistant.text.attribution import Attribution, Sentence, attribute
from assistant.text.sentences import split_sentences


def attribute_article(article: Article) -> tuple[tuple[Sentence, ...], tuple[Attribution, ...]]:
    """The article's sentences, and for each who says it."""
    sentences = tuple(Sentence(article.text[a:b], a, b) for a, b in split_sentences(article.text))
    attributions = list(attribute(sentences, article.author))
    comments = [b for b in article.blocks if b.kind == "comment"]
    for i, sentence in enumerate(sentences):
        if attributions[i].cue == "author" and any(b.start <= sentence.start < b.end for b in comments):
            attributions[i] = Attribution(None, False, "author")
    return sentences, tuple(attributions)


def sentence_records(article: Article) -> list[SentenceRecord]:
    """The records the index stores for one article."""
    sentences, attributions = attribute_article(article)
    return [
        SentenceRecord(f"{article.source}#{i}", article.source, s.start, s.end, a.speaker, a.quoted, a.cue)
        for i, (s, a) in enumerate(zip(sentences, attributions, strict=True))
    ]


def from_records(article: Article, records: list[SentenceRecord]) -> tuple[tuple[Sentence, ...], tuple[Attribution, ...]]:
    """The sentences and speakers of an article as stored (what `attribute_article` gave at ingest)."""
    sentences = tuple(Sentence(article.text[r.start : r.end], r.start, r.end) for r in records)
    return sentences, tuple(Attribution(r.speaker, r.quoted, r.cue) for r in records)  # type: ignore[arg-type]
