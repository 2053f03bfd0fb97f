"""The chat page's handlers and Markdown formatting, without a browser, on a fake service."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.fakes import drain

WRR_Q = "Welke vier typen burgers onderscheidt de WRR?"


@pytest.fixture
def handlers(settings, fake_service):
    from assistant.web.feedback import FeedbackStore
    from assistant.web.ui import ChatHandlers

    return ChatHandlers(fake_service, settings, FeedbackStore(settings.storage), None)


def run(handlers, question, messages=None, turns=None):
    """All yields of one turn; the last one is the final state."""
    return drain(handlers.respond(question, messages or [], turns or []))


def test_respond_streams_then_shows_answer_sources_and_backend(handlers):
    steps = run(handlers, WRR_Q)
    assert len(steps) >= 3  # the question at once, status/tokens, then the checked answer
    box, messages, turns = steps[-1]
    assert box == ""
    assert messages[0] == {"role": "user", "content": handlers_md(WRR_Q)}
    answer = messages[1]["content"]
    assert "[\\[1\\]](articles/003_b4ac6d7293bc88c6.txt?start=" in answer
    assert "Beantwoord door extractive" in answer
    sources = messages[2]
    assert sources["metadata"]["title"].startswith("Bronnen (")
    assert "> “" in sources["content"] and "**\\[1\\]**" in sources["content"]
    assert turns[0]["question"] == WRR_Q and turns[0]["first"] == 0 and turns[0]["last"] == 2
    assert turns[0]["citations"][0]["source"] == "003_b4ac6d7293bc88c6.txt"


def handlers_md(text):
    from assistant.web.present import md_text

    return md_text(text)


def test_follow_up_sends_the_earlier_turns_as_history(handlers, fake_service):
    _, messages, turns = run(handlers, WRR_Q)[-1]
    _, messages, turns = run(handlers, "Hoeveel procent is actief?", messages, turns)[-1]
    seen = fake_service.calls[1]["history"]
    assert seen[0] == {"role": "user", "content": WRR_Q}
    assert seen[1]["role"] == "assistant" and "[1]" in seen[1]["content"]
    assert [c["channel"] for c in fake_service.calls] == ["ui", "ui"]
    assert [t["first"] for t in turns] == [0, 3]


def test_errors_are_shown_in_the_chat_not_raised(handlers, fake_service):
    from assistant.core.errors import BadQuestion

    fake_service.enqueue(BadQuestion("De vraag is te lang (5000 tekens, maximaal 1000). Maak hem korter."))
    _, messages, turns = run(handlers, "x" * 5000)[-1]
    assert messages[-1]["content"].startswith("**Fout:**") and "te lang" in messages[-1]["content"]
    assert turns == []


def test_empty_question_changes_nothing(handlers):
    assert run(handlers, "   ") == [("", [], [])]


@pytest.mark.parametrize(
    "payload",
    ['<img src=x onerror="window.__xss=1">', "<script>window.__xss=1</script>", "[klik](javascript:alert(1))",
     "$$\\alert$$ **vet** `code` <b>b</b>"],
)
def test_user_text_is_escaped_for_the_chatbot(payload):
    from assistant.web.present import md_text

    escaped = md_text(payload)
    assert "<" not in escaped and ">" not in escaped
    assert "](" not in escaped and "**" not in escaped and "$$" not in escaped


def test_like_is_stored_with_question_answer_and_citations(handlers, settings):
    _, messages, turns = run(handlers, WRR_Q)[-1]
    handlers.like(turns, SimpleNamespace(index=2, liked=False, value=None))
    handlers.like(turns, SimpleNamespace(index=1, liked=True, value=None))
    handlers.like(turns, SimpleNamespace(index=99, liked=True, value=None))  # not an answer: ignored
    records = handlers.feedback.read()
    assert [r["liked"] for r in records] == [False, True]
    assert records[0]["question"] == WRR_Q and records[0]["channel"] == "ui"
    assert records[0]["citations"] == turns[0]["citations"] and records[0]["answer"] == turns[0]["answer"]


def test_ask_endpoint_returns_the_answer_json(handlers):
    data = handlers.ask(WRR_Q)
    assert data["citations"] and data["backend"] == "extractive"


def test_ask_endpoint_turns_project_errors_into_gradio_errors(handlers, fake_service):
    import gradio as gr

    from assistant.core.errors import BadQuestion

    fake_service.enqueue(BadQuestion("Stel een vraag: de vraag is leeg."))
    with pytest.raises(gr.Error, match="leeg"):
        handlers.ask("")


def test_status_line_and_article_list_read_the_current_index(handlers):
    text, _ = handlers.status()
    assert "Klaar" in text and "5 artikelen" in text
    listing = handlers.article_list()
    assert listing.count("\n- [") == 5 and "(articles/003_b4ac6d7293bc88c6.txt)" in listing


def test_comment_citations_say_so():
    from assistant.core.types import Answer, Citation
    from assistant.web.present import md_sources

    citation = Citation(n=1, source="a.txt", title="T", quote="Ik ben het oneens.", start=5, end=23, is_comment=True)
    answer = Answer(question="q", answer="Iemand is het oneens [1].", refused=False, citations=(citation,),
                    retrieved=(), timings_ms={}, backend="extractive")
    assert "reactie onder het artikel" in md_sources(answer)


def test_build_ui_has_the_documented_api_names(settings, fake_service):
    from assistant.web.ui import build_ui

    demo = build_ui(fake_service, settings)
    names = {fn.api_name for fn in demo.fns.values() if fn.api_visibility == "public"}
    assert {"ask", "chat"} <= names


@pytest.mark.parametrize(
    ("last", "expected"),
    [
        ({"role": "assistant", "content": [{"type": "text", "text": "De WRR onderscheidt ▍"}]},
         "De WRR onderscheidt\n\n*Gestopt.*"),
        ({"role": "assistant", "content": "*Zoeken in de artikelen…*"}, "*Gestopt.*"),
        ({"role": "assistant", "content": [{"type": "text", "text": "Een antwoord [1].\n\n*Beantwoord door extractive*"}]},
         None),
    ],
)
def test_stop_marks_the_answer_being_written_and_leaves_finished_ones(last, expected):
    from assistant.web.ui import _stopped

    before = [{"role": "user", "content": "Vraag?"}, last]
    after = _stopped(before)
    assert after[0] == before[0]
    assert after[-1] == (last if expected is None else {"role": "assistant", "content": expected})
