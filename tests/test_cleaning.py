"""Cleaning scraped articles: chrome, paragraphs, headings, comments and metadata, on the real seeds."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

from ingest.cleaning import clean_article, is_chrome, looks_like_heading
from ingest.documents import Article
from assistant.text.sentences import split_sentence_texts

SEED_DIR = Path(__file__).resolve().parent.parent / "seeds"
SEEDS = {path.name[:3]: path for path in sorted(SEED_DIR.glob("*.txt"))}


@functools.cache
def cleaned(seed: str) -> Article:
    path = SEEDS[seed]
    return clean_article(path.read_text(encoding="utf-8"), path.name)


def raw(seed: str) -> str:
    return SEEDS[seed].read_text(encoding="utf-8")


def texts(article: Article, kind: str) -> list[str]:
    return [article.block_text(b) for b in article.blocks if b.kind == kind]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_all_five_seeds_present() -> None:
    assert sorted(SEEDS) == ["000", "001", "002", "003", "004"]


@pytest.mark.parametrize(
    ("seed", "title", "author", "date"),
    [
        (
            "000",
            "Welzijnssector presenteert discussiestuk over de toekomst van de werksoort: "
            "'Het bevechten van posities'",
            "Eric de Kluis",
            None,
        ),
        ("001", "Lichte teleurstelling over welzijnsvisie", "Jet Bussemaker", None),
        ("002", "Oproep tot een andere focus op het sociaal werk", "Saskia Moerbeek", "19-6-2020"),
        (
            "003",
            "Welzijnsdirecteuren omarmen WRR-advies over samenwerking met burgers: "
            "‘Er is meer bestuurlijke ongehoorzaamheid nodig’",
            None,
            None,
        ),
        ("004", "In gesprek over Sociaal Werk", None, None),
    ],
)
def test_title_author_date(seed: str, title: str, author: str | None, date: str | None) -> None:
    article = cleaned(seed)
    assert (article.title, article.author, article.date) == (title, author, date)
    assert article.blocks[0].kind == "title"
    assert article.block_text(article.blocks[0]) == title
    assert article.source == SEEDS[seed].name


CHROME = [
    ("000", "Registreren Waarom moet u zich registreren voor deze site? Lees meer"),
    ("000", "Administrator"),
    ("000", "Of registreer je om te kunnen reageren."),
    ("001", "Dit artikel is 1497 keer bekeken."),
    ("001", "Reacties op dit artikel (2)"),
    ("001", "Geef een antwoord"),
    ("001", "Het e-mailadres wordt niet gepubliceerd."),
    ("001", "Foto: Bas Bogers"),
    ("002", "Reactie toevoegen"),
    ("002", "Plain text"),
    ("002", "Geen HTML toegestaan."),
    ("002", "Adressen van webpagina's en e-mailadressen worden automatisch naar links omgezet."),
    ("002", "Regels en alinea's worden automatisch gesplitst."),
    ("003", "Artikel bewaren"),
    ("003", "Je hebt een account nodig om artikelen in je profiel op te slaan"),
    ("003", "Login of Maak een account aan"),
    ("003", "Reacties0"),
    ("003", "Geef je reactie"),
    ("003", "Om te kunnen reageren moet je ingelogd zijn."),
    ("004", "Meer weten over de visie, diensten, werkwijze of mensen van C3?"),
    ("004", "C3 adviseurs en managers"),
    ("004", "Kromme Nieuwegracht 13"),
    ("004", "3512 HC Utrecht"),
    ("004", "T: 06-835 83 444"),
    ("004", "E: c3@c3am.nl"),
]


@pytest.mark.parametrize(("seed", "chrome"), CHROME)
def test_chrome_is_removed_and_recorded(seed: str, chrome: str) -> None:
    article = cleaned(seed)
    assert chrome in raw(seed)
    assert chrome not in article.text
    assert any(chrome in line for line in article.removed)


@pytest.mark.parametrize(
    "line",
    [
        "Registreren Waarom moet je je registreren? Lees meer",
        "Reacties (12)",
        "Reacties3",
        "3 reacties",
        "Dit artikel is 12.345 keer gelezen.",
        "Bekeken: 87",
        "Plaats een reactie",
        "Laat een reactie achter",
        "Je e-mailadres wordt niet gepubliceerd.",
        "Log in om te reageren",
        "  • Toegestane HTML-tags: <a> <em> <strong>",
        "Meer informatie over onze diensten?",
        "Lees ook: Vijf jaar sociale wijkteams",
        "Foto: ANP",
        "Deel dit artikel via Facebook, Twitter, LinkedIn",
        "Tags: welzijn, sociaal werk",
        "Artikel opslaan",
    ],
)
def test_chrome_patterns_generalise(line: str) -> None:
    assert is_chrome(line)


@pytest.mark.parametrize(
    "line",
    [
        "Coproducties",
        "Het rapport toont duidelijk de waarde van activerend welzijnswerk aan.",
        "Meer dan een activiteitenconcept",
        "Reactie van het ministerie op het rapport is positief.",
        "Saskia Moerbeek, directeur stichting Bevordering Maatschappelijke Participatie (BMP)",
    ],
)
def test_article_lines_are_not_chrome(line: str) -> None:
    assert not is_chrome(line)


@pytest.mark.parametrize(
    ("seed", "headings"),
    [
        ("000", ["Derde pijler", "Bruggenbouwer", "Pionier", "Profilering"]),
        (
            "001",
            [
                "Wat geen plek krijgt bij De Boer en Van der Lans",
                "Je blijft met een licht gevoel van teleurstelling achter",
            ],
        ),
        (
            "002",
            [
                "Individuele hulpverlening: dweilen met de kraan open",
                "Overschat het vrijwilligerswerk niet",
                "Geef vrijwilligersinitiatieven passende waardering",
                "Meer dan een activiteitenconcept",
                "Oproep",
            ],
        ),
        ("003", ["Coproducties", "Sociale herovering", "Spagaat", "Preventie"]),
        ("004", []),
    ],
)
def test_headings(seed: str, headings: list[str]) -> None:
    assert texts(cleaned(seed), "heading") == headings


@pytest.mark.parametrize(
    ("heading", "previous_ends", "next_starts"),
    [
        ("Derde pijler", "in de lokale samenleving als geheel.’", "Het position paper benadrukt"),
        ("Bruggenbouwer", "in relatie tot alle levensdomeinen.’", "Volgens Hortulanus is een van"),
        ("Pionier", "daarin heeft te spelen zichtbaar.’", "De welzijnssector kent een aantal"),
        ("Profilering", "de contacten in de buurt te bevorderen.", "In de afgelopen decennia heeft"),
    ],
)
def test_glued_heading_becomes_its_own_block(heading: str, previous_ends: str, next_starts: str) -> None:
    article = cleaned("000")
    blocks = list(article.blocks)
    index = next(i for i, b in enumerate(blocks) if b.kind == "heading" and article.block_text(b) == heading)
    assert article.block_text(blocks[index - 1]).endswith(previous_ends)
    assert article.block_text(blocks[index + 1]).startswith(next_starts)
    assert blocks[index + 1].heading == heading


@pytest.mark.parametrize(
    "joined",
    [
        "De welzijnssector stimuleert dat mensen de regie over hun bestaan houden.",
        "stadssocioloog Roelof Hortulanus in het discussiestuk 'De welzijnssector in beeld'.",
        "in zowel materiële als psychologische zin, verankerd is in wijken, buurten en dorpen,",
        # Glued sentences stay verbatim: evidence quotes are matched against this text.
        "ministerie van Volksgezondheid, Welzijn en Sport.Met het zogeheten position paper",
    ],
)
def test_hard_wraps_are_joined(joined: str) -> None:
    assert joined in cleaned("000").text


def test_hard_wrapped_article_has_no_line_breaks_inside_blocks() -> None:
    article = cleaned("000")
    assert all("\n" not in article.block_text(b) for b in article.blocks)
    assert len(texts(article, "paragraph")) == 7


def test_sign_off_is_split_from_last_paragraph() -> None:
    paragraphs = texts(cleaned("000"), "paragraph")
    assert paragraphs[-2].endswith("het spits af.")
    assert paragraphs[-1] == "/Eric de Kluis"


@pytest.mark.parametrize(
    ("seed", "comment_starts"),
    [
        ("000", []),
        ("001", ["Als proffesional volg ik al jaren", "De gedachte over de eigen kracht van de buurt"]),
        ("002", []),
        ("003", []),
        ("004", []),
    ],
)
def test_comments_are_marked(seed: str, comment_starts: list[str]) -> None:
    article = cleaned(seed)
    comments = texts(article, "comment")
    assert [c[: len(s)] for c, s in zip(comments, comment_starts)] == comment_starts
    assert len(comments) == len(comment_starts)
    assert all(b.heading == "Reacties" for b in article.blocks if b.kind == "comment")


def test_comments_follow_the_article_body() -> None:
    article = cleaned("001")
    kinds = [b.kind for b in article.blocks]
    first_comment = kinds.index("comment")
    assert set(kinds[first_comment:]) == {"comment"}
    last_body = article.block_text(article.blocks[first_comment - 1])
    assert last_body.startswith("Jet Bussemaker is voorzitter van de MOgroep")
    assert "You ‘ll be the judge of that…" in article.block_text(article.blocks[first_comment])


def test_bullets_become_paragraphs() -> None:
    paragraphs = texts(cleaned("002"), "paragraph")
    bullets = [p for p in paragraphs if p.startswith("• ")]
    assert len(bullets) == 5
    assert bullets[-1] == "• Herwaardering van de sociale sector als geheel."


def test_sign_off_lines_are_not_headings() -> None:
    paragraphs = texts(cleaned("002"), "paragraph")
    sign_off = "Saskia Moerbeek, directeur stichting Bevordering Maatschappelijke Participatie (BMP)"
    footnote = "[1] https://www.movisie.nl/publicatie/sociale-wijkteams-vijf-jaar-later."
    assert sign_off in paragraphs
    assert any(p.startswith(footnote) for p in paragraphs)


def test_repeated_title_is_dropped() -> None:
    article = cleaned("004")
    assert article.text.count("In gesprek over Sociaal Werk") == 1
    assert "In gesprek over Sociaal Werk" in article.removed


def test_metadata_lines_leave_the_text() -> None:
    article = cleaned("002")
    assert "Auteur:" not in article.text
    assert "19-6-2020" not in article.text


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_block_offsets_and_layout(seed: str) -> None:
    article = cleaned(seed)
    assert "\n\n".join(article.block_text(b) for b in article.blocks) == article.text
    previous_end = -2
    for block in article.blocks:
        text = article.text[block.start : block.end]
        assert text and text == text.strip()
        assert block.start == previous_end + 2
        previous_end = block.end
        assert "  " not in text


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_no_block_contains_chrome(seed: str) -> None:
    article = cleaned(seed)
    chrome_lines = [line for s, line in CHROME if s == seed]
    for block in article.blocks:
        text = article.block_text(block)
        assert not is_chrome(text)
        assert not any(line in text for line in chrome_lines)


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_heading_field_tracks_latest_heading(seed: str) -> None:
    article = cleaned(seed)
    current = None
    for block in article.blocks:
        if block.kind == "heading":
            current = article.block_text(block)
        if block.kind in ("heading", "paragraph"):
            assert block.heading == current


def _raw_sentences(seed: str) -> list[str]:
    """Sentences of the raw seed, without the site's comment numbering ("1. ")."""
    sentences = [re.sub(r"^\d{1,3}\.\s+", "", s) for s in split_sentence_texts(raw(seed))]
    return [s for s in sentences if len(s) >= 15]


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_article_sentences_survive_cleaning(seed: str) -> None:
    article = cleaned(seed)
    body = squash(article.text)
    removed = [squash(line) for line in article.removed]
    sentences = _raw_sentences(seed)
    sample = sentences[:: max(1, len(sentences) // 20)]
    assert len(sample) >= 10
    for sentence in sample:
        key = squash(sentence)
        assert key in body or any(key in line for line in removed), sentence


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_every_sentence_is_kept_or_reported(seed: str) -> None:
    article = cleaned(seed)
    body = squash(article.text)
    removed = [squash(line) for line in article.removed]
    lost = [
        s for s in _raw_sentences(seed) if squash(s) not in body and not any(squash(s) in r for r in removed)
    ]
    assert lost == []


# Synthetic articles for behaviour the seeds do not show.

DUPLICATED = """Titel van het stuk

Eerste alinea met een duidelijke mening over het welzijnswerk.

Tweede alinea die iets anders zegt over de buurt.

Eerste alinea met een duidelijke mening over het welzijnswerk.
"""

COMMENT_BY_NAME = """Titel van het stuk

De tekst van het artikel zelf, met een paar zinnen. Nog een zin.

Jan de Vries schreef:

Ik ben het hier helemaal mee eens.

Piet Jansen schreef op 12 maart 2010 om 14:32:

Ik niet.
"""

COMMENT_BY_TIMESTAMP = """Titel van het stuk

De tekst van het artikel zelf.

12-03-2010 14:32

Een lezer vindt er iets van.
"""

NO_COMMENTS = """Titel van het stuk

De tekst van het artikel zelf.

Reacties (0)

Geef je reactie
"""

WRAPPED = """Kop van een hard gewrapt stuk

Dit is een tekst die op ongeveer tachtig tekens is afgebroken, zoals oude sites
dat deden. De regels moeten weer samengevoegd worden tot een enkele alinea met
spaties op de plaats van de regeleinden, maar verder moet de tekst blijven zoals
hij was, met alle leestekens en woorden op dezelfde plaats als in het origineel.
Tussenkop
Hier begint een nieuwe alinea na een tussenkop die niet op een punt eindigt en
die ook korter is dan de andere regels van deze alinea in het voorbeeld hier.
"""

GLUED = "Kop\n\nDe eerste alinea eindigt hier.Nieuwe koersDe tweede alinea begint hier en gaat door.\n"

CONTACT = """Titel van het stuk

De tekst van het artikel zelf.

Stichting Voorbeeld
Postbus 123
1000 AB Amsterdam
Tel: 020-123 45 67
info@voorbeeld.nl
"""

BYLINE = """Titel van het stuk

Door Anna van der Berg

De tekst van het artikel zelf.

Gepubliceerd op 3 maart 2021
"""


def test_duplicate_paragraph_is_removed() -> None:
    article = clean_article(DUPLICATED, "dup.txt")
    assert article.text.count("Eerste alinea met een duidelijke mening") == 1
    assert "Eerste alinea met een duidelijke mening over het welzijnswerk." in article.removed


@pytest.mark.parametrize(
    ("raw_text", "comments"),
    [
        (COMMENT_BY_NAME, ["Jan de Vries schreef:", "Ik ben het hier helemaal mee eens.",
                           "Piet Jansen schreef op 12 maart 2010 om 14:32:", "Ik niet."]),
        (COMMENT_BY_TIMESTAMP, ["12-03-2010 14:32", "Een lezer vindt er iets van."]),
        (NO_COMMENTS, []),
    ],
)
def test_comment_clues(raw_text: str, comments: list[str]) -> None:
    article = clean_article(raw_text, "c.txt")
    assert texts(article, "comment") == comments
    assert texts(article, "paragraph")[0].startswith("De tekst van het artikel zelf")


def test_hard_wrapped_synthetic_article() -> None:
    article = clean_article(WRAPPED, "w.txt")
    assert texts(article, "heading") == ["Tussenkop"]
    paragraphs = texts(article, "paragraph")
    assert len(paragraphs) == 2
    assert "afgebroken, zoals oude sites dat deden." in paragraphs[0]


def test_glued_heading_synthetic() -> None:
    article = clean_article(GLUED, "g.txt")
    assert [(b.kind, article.block_text(b)) for b in article.blocks] == [
        ("title", "Kop"),
        ("paragraph", "De eerste alinea eindigt hier."),
        ("heading", "Nieuwe koers"),
        ("paragraph", "De tweede alinea begint hier en gaat door."),
    ]


def test_contact_block_is_removed() -> None:
    article = clean_article(CONTACT, "k.txt")
    assert texts(article, "paragraph") == ["De tekst van het artikel zelf."]
    assert "Tel: 020-123 45 67" in article.removed


def test_byline_and_published_date() -> None:
    article = clean_article(BYLINE, "b.txt")
    assert (article.author, article.date) == ("Anna van der Berg", "3 maart 2021")
    assert texts(article, "paragraph") == ["De tekst van het artikel zelf."]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Oproep", True),
        ("Individuele hulpverlening: dweilen met de kraan open", True),
        ("Daarom roepen wij op tot:", False),
        ("De welzijnssector stimuleert dat mensen de regie over", False),
        ("Kathinka Bruinsma, Perspectief coaches: Procesbegeleiding samenwerken met ouders.", False),
        ("19-6-2020", False),
        ("[1] https://www.movisie.nl/publicatie", False),
    ],
)
def test_looks_like_heading(line: str, expected: bool) -> None:
    assert looks_like_heading(line) is expected


def test_cleaning_is_deterministic() -> None:
    assert clean_article(raw("001"), "x") == clean_article(raw("001"), "x")


def test_comments_without_header_below_view_counter() -> None:
    # The same page without its "Reacties op dit artikel (2)" line: the counter and numbering still tell.
    article = clean_article(raw("001").replace("Reacties op dit artikel (2)", ""), "001.txt")
    assert texts(article, "comment") == texts(cleaned("001"), "comment")


NUMBERED_BODY = """Titel van het stuk

Wij stellen drie dingen voor.

1. Meer geld voor het welzijnswerk.

2. Minder regels voor professionals.
"""

LABEL_ABOVE_TITLE = """Opinie

Titel van het stuk

De tekst van het artikel zelf.
"""


def test_numbered_list_in_body_is_not_a_comment() -> None:
    article = clean_article(NUMBERED_BODY, "n.txt")
    assert texts(article, "comment") == []
    assert "1. Meer geld voor het welzijnswerk." in texts(article, "paragraph")


def test_one_word_label_above_title_is_skipped() -> None:
    article = clean_article(LABEL_ABOVE_TITLE, "l.txt")
    assert article.title == "Titel van het stuk"
    assert "Opinie" in article.removed


def test_quoted_heading() -> None:
    assert looks_like_heading("‘Wij zijn waar jij bent’")


@pytest.mark.parametrize(
    ("line", "author"),
    [
        ("Door Anna van der Berg", "Anna van der Berg"),
        ("Auteur: Jan Jansen", "Jan Jansen"),
        ("Door de gemeente betaald", None),
        ("door Jan Jansen en anderen", None),
    ],
)
def test_author_lines(line: str, author: str | None) -> None:
    article = clean_article(f"Titel van het stuk\n\n{line}\n\nDe tekst van het artikel zelf.\n", "a.txt")
    assert article.author == author


@pytest.mark.parametrize(
    "line",
    ["Reactie van de gemeente", "Reactie van het ministerie op het rapport"],
)
def test_reaction_headings_in_body_are_not_comments(line: str) -> None:
    raw_text = f"Titel van het stuk\n\nDe tekst.\n\n{line}\n\nMeer tekst van het artikel.\n"
    article = clean_article(raw_text, "r.txt")
    assert texts(article, "comment") == []


def test_reaction_by_named_reader_starts_comments() -> None:
    raw_text = "Titel van het stuk\n\nDe tekst.\n\nReactie van Jan Jansen\n\nMooi stuk.\n"
    article = clean_article(raw_text, "r.txt")
    assert texts(article, "comment") == ["Reactie van Jan Jansen", "Mooi stuk."]
