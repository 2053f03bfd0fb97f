"""Attribution traps: a person asked about must speak where the topic is (fake index, real seed sentences)."""

from __future__ import annotations

import pytest

from assistant.rag.attribution_check import refusal, topic_phrase, view_holders

ZUIVER_TRAP = "Wat zegt Hans Zuiver over de coronapandemie?"
ZUIVER_REFUSAL = (
    "De artikelen zeggen niet wat Hans Zuiver daarover vindt. Over de coronapandemie gaat ‘In gesprek over Sociaal Werk’."
)
TRAPS = [
    ZUIVER_TRAP,
    "Wat vindt Gert van Dijk van individuele hulpverlening?",
    "Welke kritiek heeft Jet Bussemaker op de sociale buurtteams?",
    "Wat zegt Lex Staal over het WRR-rapport 'Vertrouwen in de buurt'?",
    "Wat vindt Thijs Torreman van de Eigen kracht-benadering van De Boer en Van der Lans?",
    "Wat zegt Saskia Moerbeek over de vmbo-scholen?",
    "Wat vindt Hortulanus van de wijkcoaches uit Enschede?",
]
STAAL_REPLY = "Lex Staal vroeg of de aanwezigen wel eens in een buurthuis of wijkcentrum waren geweest [1]."


@pytest.mark.parametrize(
    "question, holders",
    [
        (ZUIVER_TRAP, [("Hans Zuiver",)]),
        # The name the regular expression runs on ("Thijs Torreman van de Eigen") is cut to the one the articles use.
        (TRAPS[4], [("Thijs Torreman",)]),
        ("Welk voorbeeld uit Enschede noemt Jet Bussemaker?", [("Jet Bussemaker",)]),
        ("Wat is er volgens Moerbeek en Bruinsma van veel buurthuizen geworden?", [("Moerbeek", "Bruinsma")]),
        ("Welke rol speelt preventie in de visie van Hortulanus en in die van Lex Staal?", [("Hortulanus",), ("Lex Staal",)]),
        ("Wie is Hans Zuiver?", []),
        ("Hoeveel welzijnsorganisaties zijn lid van Sociaal Werk Nederland?", []),
    ],
)
def test_view_holders_are_the_people_whose_view_is_asked(question, holders):
    texts = ["Thijs Torreman, directeur van Thermiek", "de Eigen kracht-benadering"]
    assert view_holders(question, texts) == holders


def test_the_refusal_names_the_topic_and_points_to_the_article():
    assert topic_phrase(ZUIVER_TRAP, "Hans Zuiver") == "de coronapandemie"
    assert refusal(ZUIVER_TRAP, "Hans Zuiver", None) == "De artikelen zeggen niet wat Hans Zuiver daarover vindt."


def test_a_trap_is_refused_with_a_pointer_by_the_extractive_backend(fake_assistant):
    answer = fake_assistant.answer(ZUIVER_TRAP, backend="extractive")
    assert answer.refused and not answer.citations
    assert answer.answer == ZUIVER_REFUSAL
    assert answer.suggestions[0].source == "004_827db22ad720c57c.txt"
    decision = [c for c in answer.checks if c.sentence.startswith("toeschrijving: Hans Zuiver")]
    assert len(decision) == 1 and not decision[0].supported and decision[0].support < 0.5
    assert "geweigerd: Hans Zuiver" in answer.checks[-1].sentence


def test_a_trap_is_refused_before_the_model_is_asked(fake_assistant, scripted_llm):
    answer = fake_assistant.answer(ZUIVER_TRAP, backend="scripted")
    assert answer.refused and answer.answer == ZUIVER_REFUSAL
    assert scripted_llm.history == []  # the LLM was not even called


@pytest.mark.parametrize(
    "question",
    [
        pytest.param(q, marks=pytest.mark.xfail(strict=True, reason="the fake embedding retrieves no 002 passage"))
        if "buurtteams" in q
        else q
        for q in TRAPS
    ],
)
def test_every_trap_of_the_question_set_is_refused(fake_assistant, scripted_llm, question):
    answer = fake_assistant.answer(question, backend="scripted")
    assert answer.refused and answer.answer.startswith("De artikelen zeggen niet wat ")
    assert scripted_llm.history == []


@pytest.mark.parametrize(
    "question, source",
    [
        ("Wat vindt Lex Staal van de buurthuizen?", "004_827db22ad720c57c.txt"),
        ("Wie is Hans Zuiver?", "003_b4ac6d7293bc88c6.txt"),
        ("Wie zegt dat het rapport duidelijk de waarde van activerend welzijnswerk aantoont?", "003_b4ac6d7293bc88c6.txt"),
        ("Wat vindt Thijs Torreman van buurtbudgetten waarover bewoners zelf beslissen?", "003_b4ac6d7293bc88c6.txt"),
    ],
)
def test_legitimate_questions_about_a_person_are_answered(fake_assistant, question, source):
    answer = fake_assistant.answer(question, backend="extractive")
    assert not answer.refused, answer.checks
    assert source in {c.source for c in answer.citations}


def test_a_person_who_speaks_on_the_topic_reaches_the_model_and_the_check_is_recorded(fake_assistant, scripted_llm):
    scripted_llm.enqueue(STAAL_REPLY)
    answer = fake_assistant.answer("Wat vindt Lex Staal van de buurthuizen?", backend="scripted")
    assert len(scripted_llm.history) == 1 and not answer.refused
    decision = answer.checks[0]
    assert decision.sentence.startswith("toeschrijving: Lex Staal") and decision.supported
    assert answer.checks[1].sentence.endswith("beantwoord")
