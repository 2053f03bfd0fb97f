"""End to end with the real embedding model, the real Chroma index and the real local LLM."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

WRR = "003_b4ac6d7293bc88c6.txt"


@pytest.mark.parametrize(
    ("question", "source", "needle"),
    [
        ("Welke vier typen burgers onderscheidt de WRR?", WRR, "afzijdige"),
        ("Wie schreef het discussiestuk De welzijnssector in beeld?", "000_bc742fd63ac6cb6a.txt", "Hortulanus"),
        ("Waarom is individuele hulpverlening volgens Moerbeek dweilen met de kraan open?", "002_2eb0ce1dd4be8871.txt", "kraan"),
        ("Wat blijkt volgens Lex Staal uit Schots onderzoek?", "004_827db22ad720c57c.txt", "Schots"),
        ("Wat blijkt uit het onderzoek van SEO naar ouderenadviseurs?", "001_190c03d3c127cfd8.txt", "ouderenadviseurs"),
    ],
)
def test_real_embedding_ranks_the_right_article_first_and_the_passage_near_the_top(
    real_assistant, question, source, needle
):
    knowledge = real_assistant.knowledge
    dense = knowledge.dense(question)
    chunks = {c.id: c for c in knowledge.store.manifest(knowledge.store.require_current()).chunks}
    assert chunks[dense[0][0]].source == source
    assert any(needle in chunks[chunk_id].text for chunk_id, _ in dense[:3])


@pytest.mark.parametrize(
    ("question", "source", "needle"),
    [
        ("Welke vier typen burgers onderscheidt de WRR?", WRR, "afwachtende"),
        ("Wie is Lex Staal?", "004_827db22ad720c57c.txt", "Sociaal Werk Nederland"),
        ("Wat vinden Moerbeek en Bruinsma van de nadruk op vrijwilligerswerk?", "002_2eb0ce1dd4be8871.txt", "vrijwilligers"),
    ],
)
def test_extractive_answers_cite_the_right_article(real_assistant, question, source, needle):
    answer = real_assistant.answer(question, backend="extractive")
    assert not answer.refused
    assert answer.citations[0].source == source
    assert any(needle in c.quote for c in answer.citations)


@pytest.mark.parametrize(
    "question", ["Geef me een recept voor appeltaart.", "Wie won de Tweede Kamerverkiezingen van 2023?"]
)
def test_out_of_scope_questions_are_refused(real_assistant, question):
    answer = real_assistant.answer(question, backend="extractive")
    assert answer.refused and not answer.citations


def test_local_llm_answers_the_wrr_question_with_the_right_citation(real_assistant):
    answer = real_assistant.answer("Welke vier typen burgers onderscheidt de WRR?", backend="local")
    assert answer.backend == "local", answer.notice
    assert not answer.refused, answer.checks
    assert answer.citations and answer.citations[0].source == WRR
    text = answer.answer.lower()
    assert sum(word in text for word in ("afhankelijk", "afzijdig", "afwachtend", "actie")) >= 3, answer.answer


def test_local_llm_handles_a_follow_up(real_assistant):
    history = [
        {"role": "user", "content": "Wie is Lex Staal?"},
        {"role": "assistant", "content": "Lex Staal is directeur van Sociaal Werk Nederland [1]."},
    ]
    answer = real_assistant.answer("Wat blijkt volgens hem uit Schots onderzoek?", history, backend="local")
    assert "staal" in answer.standalone_question.lower()  # "hem" was resolved from the history
    assert not answer.refused, answer.checks
    assert answer.citations[0].source == "004_827db22ad720c57c.txt"
    assert "netwerk" in answer.answer or "infrastructuur" in answer.answer


def test_local_llm_restores_its_system_message_state_and_writes_the_same_answer(real_settings):
    """After a reset (or any other prompt) the saved system-message state is put back, not re-evaluated,
    and the answer is the one llama.cpp writes from nothing."""
    from assistant.models.llms import make_llm
    from assistant.rag import prompts

    llm = make_llm(real_settings, "local")
    llm.load()
    llama = llm._llama
    user = prompts.EVIDENCE_ANSWER.format(
        evidence="[1] Lex Staal (2020) zegt: Sociaal werk is er voor iedereen in de wijk, jong en oud.",
        question="Voor wie is sociaal werk er volgens Lex Staal?", language="Nederlands",
    )
    messages = [{"role": "system", "content": prompts.EVIDENCE_SYSTEM}, {"role": "user", "content": user}]

    def answer() -> str:
        parts = llama.create_chat_completion(messages=messages, max_tokens=24, temperature=0.0, stream=True)
        return "".join(p["choices"][0]["delta"].get("content") or "" for p in parts)

    llama.reset()
    from_nothing = answer()
    states = llm._prefixes
    llama.reset()
    held = states.prepare(llama, messages)
    assert held > 40 and states.evaluated == 1  # the system turn, evaluated once and saved
    assert llama.n_tokens == held
    assert answer() == from_nothing
    llama.reset()
    assert states.prepare(llama, messages) == held and states.restored == 1 and llama.n_tokens == held
    assert answer() == from_nothing
    assert states.prepare(llama, messages) == held and states.restored == 1  # still there: nothing to do


def test_a_question_naming_people_retrieves_their_article_and_traps_are_still_refused(real_assistant):
    """With the real embedding: the person boost finds Moerbeek and Bruinsma's study; it hides no trap."""
    from tests.test_attribution_check import TRAPS

    knowledge = real_assistant.knowledge
    question = "Which study about social neighbourhood teams do Moerbeek and Bruinsma cite, and what did it find?"
    boosted = knowledge.retrieve(question, people=["Moerbeek", "Bruinsma"])
    assert not any("Movisie" in p.text for p in knowledge.retrieve(question))  # the plain ranking misses it
    assert any("Movisie" in p.text for p in boosted)
    for trap in TRAPS:
        answer = real_assistant.answer(trap, backend="extractive")
        assert answer.refused and answer.answer.startswith("De artikelen zeggen niet wat"), trap
