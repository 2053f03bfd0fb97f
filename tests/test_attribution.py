"""Who says each sentence, on the real seed articles (cleaned and split as the ingest does; no models)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from assistant.text.attribution import Attribution, Sentence, attribute, names_in, sentences_for_person
from ingest.cleaning import clean_article
from assistant.text.sentences import split_sentences

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
HORTULANUS = "000_bc742fd63ac6cb6a.txt"  # by Eric de Kluis (sign-off), about Roelof Hortulanus's paper
BUSSEMAKER = "001_190c03d3c127cfd8.txt"  # op-ed by Jet Bussemaker (biography line)
MOERBEEK = "002_2eb0ce1dd4be8871.txt"
WRR = "003_b4ac6d7293bc88c6.txt"  # no byline: the author is unknown (None)
C3 = "004_827db22ad720c57c.txt"  # C3's own report; the cleaner finds no byline, so it is passed here
AUTHORS = {C3: "C3"}


@functools.cache
def article(source: str) -> tuple[tuple[Sentence, ...], tuple[Attribution, ...], str | None]:
    cleaned = clean_article((SEEDS / source).read_text(encoding="utf-8"), source)
    sentences = tuple(Sentence(cleaned.text[a:b], a, b) for a, b in split_sentences(cleaned.text))
    author = cleaned.author or AUTHORS.get(source)
    return sentences, tuple(attribute(sentences, author)), author


def said(source: str, beginning: str) -> Attribution:
    """The attribution of the one sentence of `source` that starts with `beginning`."""
    sentences, attributions, _ = article(source)
    found = [a for s, a in zip(sentences, attributions, strict=True) if s.text.startswith(beginning)]
    assert len(found) == 1, f"{len(found)} sentences start with {beginning!r}"
    return found[0]


def speaker(source: str, beginning: str) -> str | None:
    return said(source, beginning).speaker


def test_the_articles_authors_are_known_where_the_text_gives_them():
    assert [article(s)[2] for s in (HORTULANUS, BUSSEMAKER, MOERBEEK, WRR)] == [
        "Eric de Kluis",
        "Jet Bussemaker",
        "Saskia Moerbeek",
        None,
    ]


# --- quoted people ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "beginning, who",
    [
        ("‘Zijn jullie wel eens in een buurthuis", "Lex Staal"),  # ‘…?’ vroeg Lex Staal
        ("‘Dat is nog best een zoektocht", "Lex Staal"),  # ‘…’, aldus Lex.
        ("Uit de reacties bleek", "C3"),
        ("Afgelopen vrijdag was Lex Staal bij C3 te gast", "C3"),  # names him; C3 reports
        ("Lex legde de relatie", "C3"),
        ("Dat de sociaal werkers op de lijst van cruciale beroepen", "C3"),
    ],
)
def test_lex_staal_is_quoted_and_c3_reports(beginning, who):
    assert speaker(C3, beginning) == who


@pytest.mark.parametrize(
    "beginning",
    [
        "‘Het rapport toont duidelijk",  # ‘…,’ zegt Hans Zuiver, directeur van Combiwel
        "‘Omdat het welzijnswerk nog te veel",  # ‘…,’ antwoordt Zuiver.
        "‘Ze wil zoveel eenheden",  # the quotation goes on, no new cue
        "De voorbeelden die Winsemius noemt",  # inside Zuiver's quotation: not Winsemius's words
        "Zuiver reageert hier laconiek op",  # X reageert …: ‘…
        "Welzijnsorganisaties zaten er toch zelf bij",  # the rest of that quotation
        "Volgens Zuiver moet je als welzijnsorganisatie",
        "Het stadsdeel wilde dat eigenlijk niet",
        "Resultaat was dat de grootste inzamelingsactie",
    ],
)
def test_hans_zuiver_speaks_in_his_quotations(beginning):
    assert speaker(WRR, beginning) == "Hans Zuiver"
    assert said(WRR, beginning).quoted


@pytest.mark.parametrize(
    "beginning",
    [
        "Gert van Dijk, directeur van Stichting Welzijn Amersfoort, geeft zelfs aan",
        "‘We willen veel meer gaan werken",  # an unannounced quotation right after his
        "‘Dat geloof ik absoluut niet,’ reageert Van Dijk.",
        "Bij ons wilde een groep bewoners en winkeliers een ‘huttenbouwdorp’",  # a quotation inside his
        "Belangrijk is dat je het initiatief bij de bewoners laat.",
        "Van Dijk vindt dat die samenwerking",
    ],
)
def test_gert_van_dijk_is_found_from_his_short_name(beginning):
    assert speaker(WRR, beginning) == "Gert van Dijk"


@pytest.mark.parametrize(
    "beginning",
    [
        "Thijs Torreman, directeur van Thermiek",
        "Opzoomeren en ‘Mensen maken de Stad’",  # a quotation inside his does not end his
        "Je zit in een rare spagaat.",
        "Het is beter dat de corporatie",
        "‘Bij ons staat een buurthuis leeg.",  # his next quotation, after the journalist's bridge
        "Vrijwillige buurtbemiddelaars is een andere categorie",  # "…, maar Torreman vreest dat …"
        "‘Dat gebeurt slechts incidenteel,’ zegt Thijs Torreman.",
    ],
)
def test_thijs_torreman_through_nested_and_continued_quotations(beginning):
    assert speaker(WRR, beginning) == "Thijs Torreman"


def test_the_bridge_between_two_quotations_is_the_journalists():
    assert said(WRR, "Ook bij coproductie zet hij vraagtekens.").cue == "author"


def test_organisations_speak_through_volgens_and_an_acronym():
    assert speaker(WRR, "Buurtgericht werken kan volgens de WRR") == "WRR"
    assert speaker(WRR, "In zijn rapport ‘Sociale veiligheid organiseren’ constateerde") == "RMO"
    assert speaker(WRR, "‘Met name voorzieningen die dichtbij") == "RMO"


@pytest.mark.parametrize(
    "beginning",
    [
        "Sommige welzijnsdirecteuren voeren aan",
        "De WRR maakt onderscheid tussen de afhankelijke",  # names the WRR, reports a fact
        "In de tweede plaats zien welzijnsorganisaties",  # names Winsemius, does not quote him
        "‘Vertrouwen in de buurt’ kiest het perspectief",  # a title in quotation marks
        "Eén van de aanbevelingen van de WRR",
    ],
)
def test_the_journalists_own_sentences_stay_with_the_author(beginning):
    attribution = said(WRR, beginning)
    assert (attribution.speaker, attribution.quoted, attribution.cue) == (None, False, "author")


# --- the author ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "beginning",
    [
        "Nico de Boer en Jos van der Lans schreven",
        "De systeeminnovatie waar Nico de Boer en Jos van der Lans voor pleiten",
        "Inderdaad, ik moet als voorzitter van de MO-groep",
        "Dat zijn interessante inzichten, die helaas in de analyse van De Boer en Van der Lans",
        "En, niet onbelangrijk, medewerkers zullen anders opgeleid",
        "Helaas blijft het document van De Boer en Van der Lans",
    ],
)
def test_jet_bussemaker_writes_her_op_ed_even_where_it_names_others(beginning):
    attribution = said(BUSSEMAKER, beginning)
    assert (attribution.speaker, attribution.quoted) == ("Jet Bussemaker", False)


@pytest.mark.parametrize(
    "beginning, who",
    [
        # "Dat schrijft stadssocioloog Roelof Hortulanus": the two sentences before it are his too.
        ("De welzijnssector stimuleert dat mensen", "Roelof Hortulanus"),
        ("En zo nodig weer in handen krijgen.", "Roelof Hortulanus"),
        ("Dat schrijft stadssocioloog Roelof Hortulanus", "Roelof Hortulanus"),
        ("Hij schreef de publicatie", "Eric de Kluis"),  # a fact about him, not his view
        ("De auteur stelt dat", "Roelof Hortulanus"),  # the paper's author, not the article's
        ("'Alleen dat maakt het mogelijk", "Roelof Hortulanus"),
        ("De stadssocioloog noemt de brede school", "Roelof Hortulanus"),
        ("‘Het palet van burgers", "Roelof Hortulanus"),  # …,' aldus de auteur.
        ("Wanneer de welzijnssector aanschuift aan tafel", "Roelof Hortulanus"),  # …, vindt Hortulanus.
        ("Het position paper benadrukt", "Eric de Kluis"),
        ("In de afgelopen decennia heeft de welzijnssector", "Eric de Kluis"),
    ],
)
def test_hortulanus_through_roles_and_a_sentence_that_points_back(beginning, who):
    assert speaker(HORTULANUS, beginning) == who


def test_a_sentence_before_dat_schrijft_x_is_marked_as_such():
    assert said(HORTULANUS, "En zo nodig weer in handen krijgen.").cue == "next"


def test_an_op_ed_without_quotations_is_all_the_authors():
    sentences, attributions, _ = article(MOERBEEK)
    body = [a for s, a in zip(sentences, attributions, strict=True) if not s.text.startswith("Plain text")]
    assert {a.speaker for a in body} == {"Saskia Moerbeek"} and not any(a.quoted for a in body)


# --- built examples -----------------------------------------------------------------------------


def sentences_of(text: str) -> list[Sentence]:
    return [Sentence(text[a:b], a, b) for a, b in split_sentences(text)]


def test_apostrophes_are_no_quotation_marks():
    text = "Thermiek werkt met vmbo’s en zo'n tien scholen. Dat is veel, zegt de redactie."
    assert [a.speaker for a in attribute(sentences_of(text), "Redactie")] == ["Redactie", "Redactie"]


def test_a_quotation_does_not_cross_a_paragraph_and_a_colon_names_the_speaker():
    text = (
        "Lex Staal is directeur.\n\nStaal: ‘Wij zijn waar jij bent.\n\n"
        "Dit schrijft de redactie zelf. Zo is het."
    )
    attributions = attribute(sentences_of(text), "C3")
    assert [a.speaker for a in attributions] == ["C3", "Lex Staal", "C3", "C3"]


def test_an_unannounced_quotation_far_from_any_speaker_is_the_authors():
    text = "Lex Staal sprak. Een. Twee. Drie. Vier. ‘Wij zijn er.’"
    assert attribute(sentences_of(text), "C3")[-1] == Attribution("C3", False, "author")


# --- people in questions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question, names",
    [
        ("Wat zegt Hans Zuiver over de coronapandemie?", ["Hans Zuiver"]),
        (
            "Welke kritiek heeft Jet Bussemaker op De Boer en Van der Lans?",
            ["Jet Bussemaker", "De Boer", "Van der Lans"],
        ),
        ("Wat vindt Lex Staal van de buurthuizen en wat doet C3?", ["Lex Staal", "C3"]),
        ("Wat vindt Gert van Dijk van individuele hulpverlening?", ["Gert van Dijk"]),
        ("Wie noemt preventie nog best een zoektocht?", []),
    ],
)
def test_names_in_questions(question, names):
    assert names_in(question) == names


def test_a_person_is_found_where_he_speaks_and_where_he_is_named():
    sentences, attributions, _ = article(C3)
    matches = sentences_for_person("Lex Staal", sentences, attributions)
    found = [(sentences[m.index].text[:16], m.said, m.mentioned) for m in matches]
    assert found == [
        ("‘Zijn jullie wel", True, True),
        ("Afgelopen vrijda", False, True),
        ("Lex legde de rel", False, True),  # his first name alone: no one else is called Lex
        ("‘Dat is nog best", True, True),  # "aldus Lex."
    ]


def test_surnames_with_particles_match_in_either_case():
    sentences, attributions, _ = article(BUSSEMAKER)
    matches = sentences_for_person("Jos van der Lans", sentences, attributions)
    assert len(matches) == 6 and not any(m.said for m in matches)
    # "De Boer" in the question finds "Nico de Boer" and "De Boer" in the text.
    assert [m.index for m in sentences_for_person("De Boer", sentences, attributions)] == [
        m.index for m in matches
    ]


def test_words_put_in_the_wrong_mouth_are_told_apart():
    sentences, attributions, _ = article(WRR)
    winsemius = sentences_for_person("Pieter Winsemius", sentences, attributions)
    assert len(winsemius) == 2 and not any(m.said for m in winsemius)  # named twice, never quoted
    # Two Pieters: the first name alone names neither.
    vollenhoven = sentences_for_person("Pieter van Vollenhoven", sentences, attributions)
    assert [sentences[m.index].text[:28] for m in vollenhoven] == ["Met een projectencarrousel w"]


@pytest.mark.parametrize(
    "person, source",
    [("Hans Zuiver", C3), ("Hans Zuiver", MOERBEEK), ("Lex Staal", WRR), ("Gert van Dijk", MOERBEEK)],
)
def test_an_attribution_trap_finds_nothing_in_the_other_articles(person, source):
    sentences, attributions, _ = article(source)
    assert sentences_for_person(person, sentences, attributions) == []


def test_question_words_and_prepositions_that_open_a_question_are_no_names():
    from assistant.text.attribution import people_in

    assert names_in("Welk voorbeeld geeft Lex Staal?") == ["Lex Staal"]
    assert names_in("Onder welke voorwaarde levert jongerenwerk volgens het SEO-onderzoek iets op?") == ["SEO-onderzoek"]
    assert names_in("Who wrote the vision that Jet Bussemaker responds to?") == ["Jet Bussemaker"]
    assert people_in("Wat vinden de WRR en Gert van Dijk van C3?") == ["Gert van Dijk"]
