"""Dutch sentence splitting: abbreviations, glued sentences, line breaks and offsets."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.text.sentences import dutch_tokenizer, split_sentence_texts, split_sentences

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))

ABBREVIATIONS = [
    "o.a.", "d.w.z.", "bijv.", "Dhr.", "dhr.", "mevr.", "blz.", "e.d.", "i.p.v.", "m.b.t.", "t.a.v.",
    "z.g.a.n.", "ca.", "nr.", "drs.", "dr.", "prof.", "mr.", "ir.", "jl.", "resp.", "enz.", "etc.", "vs.",
    "incl.", "excl.", "evt.", "m.a.w.", "c.q.", "a.s.",
]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("abbreviation", ABBREVIATIONS)
def test_abbreviation_before_capital_does_not_end_sentence(abbreviation: str) -> None:
    # A capitalised sentence starter ("De") right after the abbreviation is the hard case for Punkt.
    text = f"Het gaat {abbreviation} De Vries aan. Daarna volgt de rest."
    assert split_sentence_texts(text) == [f"Het gaat {abbreviation} De Vries aan.", "Daarna volgt de rest."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "ministerie van Volksgezondheid, Welzijn en Sport.Met het zogeheten position paper",
            ["ministerie van Volksgezondheid, Welzijn en Sport.", "Met het zogeheten position paper"],
        ),
        (
            "buiten de boot vallen.Volgens de stadssocioloog speelt de sector een rol.",
            ["buiten de boot vallen.", "Volgens de stadssocioloog speelt de sector een rol."],
        ),
        (
            "in de lokale samenleving als geheel.’Derde pijler is een kop.",
            ["in de lokale samenleving als geheel.’", "Derde pijler is een kop."],
        ),
        (
            "van essentieel belang zijn.'Alleen dat maakt het mogelijk.",
            ["van essentieel belang zijn.", "'Alleen dat maakt het mogelijk."],
        ),
        (
            "gemeentelijke diensten en bedrijven.‘Het gaat daarbij niet alleen om samenwerking.",
            ["gemeentelijke diensten en bedrijven.", "‘Het gaat daarbij niet alleen om samenwerking."],
        ),
        (
            "zaken echt anders aan te pakken.Wij willen wel iets veranderen.",
            ["zaken echt anders aan te pakken.", "Wij willen wel iets veranderen."],
        ),
        (
            "nodig dat niet alles al geregeld is .Op basis van relatie kun je werken.",
            ["nodig dat niet alles al geregeld is .", "Op basis van relatie kun je werken."],
        ),
    ],
)
def test_glued_sentences_are_split(text: str, expected: list[str]) -> None:
    assert split_sentence_texts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "De groei was 3.5 procent in dat jaar.",
        "Zie https://www.movisie.nl/publicatie/Sociale-wijkteams voor het rapport.",
        "Kijk op www.Movisie.nl voor meer.",
        "Mail naar info@c3am.Nl voor vragen.",
        "Premier J.P.Balkenende sprak de zaal toe.",
        "Het kost ca. 3.000 euro per jaar.",
        "Dit zei Dhr.Jansen gisteren.",
    ],
)
def test_numbers_urls_and_initials_do_not_split(text: str) -> None:
    assert split_sentence_texts(text) == [text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Coproducties\n‘Vertrouwen in de buurt’ kiest het perspectief.",
            ["Coproducties", "‘Vertrouwen in de buurt’ kiest het perspectief."],
        ),
        (
            "De welzijnssector stimuleert dat mensen de regie over\nhun bestaan houden.",
            ["De welzijnssector stimuleert dat mensen de regie over", "hun bestaan houden."],
        ),
        ("Eerste zin.\n\n\nTweede zin.", ["Eerste zin.", "Tweede zin."]),
        ("   \n  Alleen deze.  \n ", ["Alleen deze."]),
        ("", []),
    ],
)
def test_line_breaks_end_sentences(text: str, expected: list[str]) -> None:
    assert split_sentence_texts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "  Twee zinnen hier.  En nog een, o.a. met Dhr. Jansen.\nNieuwe regel\n\n Sport.Met spaties. ",
        "Hij zei: ‘Dat is zo.’ Daarna ging hij weg. Wat nu? Niemand weet het!",
    ],
)
def test_spans_are_trimmed_ordered_and_exact(text: str) -> None:
    spans = split_sentences(text)
    assert spans, "expected sentences"
    previous_end = 0
    for start, end in spans:
        sentence = text[start:end]
        assert sentence == sentence.strip() and sentence
        assert start >= previous_end
        previous_end = end
    assert _squash("".join(text[s:e] for s, e in spans)) == _squash(text)


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_seed_sentences_cover_the_text_without_gaps(seed: Path) -> None:
    text = seed.read_text(encoding="utf-8")
    spans = split_sentences(text)
    assert all(text[s:e] == text[s:e].strip() for s, e in spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    # Only whitespace lies between sentences: nothing is lost.
    assert _squash("".join(text[s:e] for s, e in spans)) == _squash(text)
    assert not any("\n" in text[s:e] for s, e in spans)


def test_real_seed_abbreviation_and_quote_sentence() -> None:
    text = "Hortulanus omschrijft de taakstelling als volgt: ‘De sector neemt een deel voor zijn rekening."
    assert split_sentence_texts(text) == [text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("‘Zijn jullie daar geweest?’ vroeg Lex Staal aan ons. Velen wel.",
         ["‘Zijn jullie daar geweest?’ vroeg Lex Staal aan ons.", "Velen wel."]),
        ("‘Wat een plek!’ riep zij. Daarna niets.", ["‘Wat een plek!’ riep zij.", "Daarna niets."]),
        ("Hij vroeg: ‘Waarom?’ Niemand wist het.", ["Hij vroeg: ‘Waarom?’", "Niemand wist het."]),
    ],
)
def test_quoted_question_continues_the_sentence(text: str, expected: list[str]) -> None:
    assert split_sentence_texts(text) == expected


def test_tokenizer_is_cached() -> None:
    assert dutch_tokenizer() is dutch_tokenizer()


def test_import_reads_no_model_files() -> None:
    code = "import assistant.text.sentences as s; assert s.dutch_tokenizer.cache_info().currsize == 0"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parent.parent)
