"""Follow-up questions made standalone by rules (the eval's conversations), and the model only where they cannot."""

from __future__ import annotations

import pytest

from assistant.rag.followup import resolve


def turns(*pairs: str) -> list[dict[str, str]]:
    return [{"role": role, "content": text} for role, text in zip(["user", "assistant"] * len(pairs), pairs)]


@pytest.mark.parametrize(("history", "question", "standalone"), [
    (turns("Wie is Hans Zuiver?", "Hans Zuiver is directeur van Welzijn Rotterdam [1]."),
     "Wat zegt hij over de dichtgetimmerde prestatieafspraken met gemeenten?",
     "Wat zegt Hans Zuiver over de dichtgetimmerde prestatieafspraken met gemeenten?"),
    (turns("Wie is Hans Zuiver?", "…", "Wat zegt hij over de prestatieafspraken?", "…"),
     "Welk voorbeeld geeft hij daarvan?", "Welk voorbeeld geeft Hans Zuiver daarvan?"),
    (turns("Wat vindt Jet Bussemaker van de visie van Nico de Boer en Jos van der Lans?", "…"),
     "En wat zegt ze over de financiering?", "En wat zegt Jet Bussemaker over de financiering?"),
    (turns("Wie sprak er op de professionaliseringsdag van C3 over sociaal werk?",
           "‘Zijn jullie wel eens in een buurthuis geweest?’ vroeg Lex Staal, directeur van Sociaal Werk Nederland [1]."),
     "Wat vertelde hij over de Angelsaksische landen?", "Wat vertelde Lex Staal over de Angelsaksische landen?"),
    (turns("Wie is Saskia Moerbeek?", "…", "Welke oplossing stelt ze voor?", "…"),
     "En hoeveel kost die aanpak per deelnemer?",
     "Wie is Saskia Moerbeek? Welke oplossing stelt ze voor? En hoeveel kost die aanpak per deelnemer?"),
    (turns("Wie is Hans Zuiver?", "…"), "Wat vindt Gert van Dijk van vrijwilligers?", "Wat vindt Gert van Dijk van vrijwilligers?"),
])
def test_rules_resolve_pronouns_and_topics(history, question, standalone):
    assert resolve(question, history) == standalone


@pytest.mark.parametrize(("history", "question"), [
    # "zijn twijfels": Torreman's, not Van Dijk's; only a model can tell
    (turns("Wat vindt Thijs Torreman van buurtbudgetten?", "…"), "Hoe reageert Gert van Dijk op zijn twijfels over vrijwilligerswerk?"),
    (turns("Staan sociaal werkers op de lijst van cruciale beroepen?", "…"), "En kregen ze daardoor ook een corona-bonus?"),
    (turns("Wat is het WRR-rapport Vertrouwen in de buurt?", "…"), "Welke typen burgers onderscheiden ze?"),
    (turns("Wat vindt Jet Bussemaker van de visie?", "…"), "Wat is haar kritiek?"),
])
def test_what_rules_cannot_tell_is_left_to_the_model(history, question):
    assert resolve(question, history) is None


def test_a_resolved_follow_up_needs_no_extra_generation(fake_assistant, scripted_llm):
    scripted_llm.enqueue("Hans Zuiver vindt de prestatieafspraken dichtgetimmerd [1].")
    history = turns("Wie is Hans Zuiver?", "…")
    question = "Wat zegt hij over de dichtgetimmerde prestatieafspraken met gemeenten?"
    answer = fake_assistant.answer(question, history, backend="scripted")
    assert answer.standalone_question == "Wat zegt Hans Zuiver over de dichtgetimmerde prestatieafspraken met gemeenten?"
    assert len(scripted_llm.history) == 1  # the answer only: no rewrite by the model
    assert "Vervolgvraag" not in scripted_llm.history[0][-1].content
