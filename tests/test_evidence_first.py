"""Evidence first: the ranked article sentences reach every front end before the model's first word."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from assistant.core.types import Answer, EvidenceFound, EvidenceItem, Status, Token
from tests.fakes import drain
from tests.live import parse_sse

WRR_Q = "Welke vier typen burgers onderscheidt de WRR?"
WRR_REPLY = "De WRR onderscheidt afhankelijke, afzijdige, afwachtende en actieve burgers [1]."
WRR_SOURCE = "003_b4ac6d7293bc88c6.txt"
OUT_OF_SCOPE = "Hoe bak ik een appeltaart met kaneel?"
FOUND = EvidenceFound((
    EvidenceItem(n=1, source=WRR_SOURCE, title="Burgerkracht", quote="De WRR onderscheidt vier typen burgers.",
                 start=120, end=159, speakers=("Lex Staal",), year="2014"),
    EvidenceItem(n=2, source="001_fake.txt", title="Een reactie", quote="Mooi stuk.", start=5, end=15, is_comment=True),
))


def kinds(events) -> list[type]:
    return [type(e) for e in events]


def test_evidence_comes_after_retrieval_and_before_the_writing_status_and_the_first_token(fake_assistant, scripted_llm):
    scripted_llm.enqueue(WRR_REPLY)
    events = list(fake_assistant.stream(WRR_Q, backend="scripted"))
    order = kinds(events)
    assert order.count(EvidenceFound) == 1
    at = order.index(EvidenceFound)
    writing = next(i for i, e in enumerate(events) if isinstance(e, Status) and e.text.startswith("Antwoord schrijven"))
    assert at < writing < order.index(Token)
    assert any(isinstance(e, Status) and e.text.startswith("Zoeken") for e in events[:at])  # after retrieval
    assert order[-1] is Answer


def test_evidence_items_carry_exact_article_text_and_who_says_it(fake_assistant, scripted_llm):
    scripted_llm.enqueue(WRR_REPLY)
    found = next(e for e in fake_assistant.stream(WRR_Q, backend="scripted") if isinstance(e, EvidenceFound))
    articles = fake_assistant.knowledge.articles()
    assert found.items and [item.n for item in found.items] == list(range(1, len(found.items) + 1))
    for item in found.items:
        article = articles[item.source]
        assert article.text[item.start : item.end] == item.quote and item.quote.strip()
        assert item.title == article.title
    assert found.items[0].source == WRR_SOURCE and "burgers" in found.items[0].quote
    assert any(item.speakers or item.author for item in found.items)


def test_the_model_reads_the_items_that_were_shown(fake_assistant, scripted_llm):
    scripted_llm.enqueue(WRR_REPLY)
    events = list(fake_assistant.stream(WRR_Q, backend="scripted"))
    found = next(e for e in events if isinstance(e, EvidenceFound))
    prompt = scripted_llm.history[0][-1].content
    assert " ".join(found.items[0].quote.split()) in prompt


@pytest.mark.parametrize(
    ("question", "backend"),
    [(WRR_Q, "extractive"), (OUT_OF_SCOPE, "scripted"), ("Wat zegt Hans Zuiver over de coronapandemie?", "scripted")],
    ids=["extractive", "off-topic", "attribution-trap"],
)
def test_extractive_answers_and_refusals_send_no_evidence(fake_assistant, scripted_llm, question, backend):
    events = list(fake_assistant.stream(question, backend=backend))
    assert EvidenceFound not in kinds(events) and kinds(events)[-1] is Answer
    assert events[-1].refused == (backend == "scripted")
    assert scripted_llm.history == []  # a refusal comes before any model runs


@pytest.fixture
def engine_client(settings, fake_assistant):
    from assistant.web.app import create_app

    with TestClient(create_app(settings, assistant=fake_assistant)) as client:
        yield client


@pytest.mark.parametrize("path", ["/api/ask/stream", "/embed/api/ask/stream"])
def test_sse_sends_the_evidence_as_its_own_event_before_the_first_token(engine_client, scripted_llm, path):
    scripted_llm.enqueue(WRR_REPLY)
    response = engine_client.post(path, json={"question": WRR_Q, "backend": "scripted"})
    assert response.status_code == 200
    events = parse_sse(response.text)
    names = [name for name, _ in events]
    assert names.count("evidence") == 1 and names.index("evidence") < names.index("token") < names.index("answer")
    items = json.loads(events[names.index("evidence")][1])["items"]
    first = items[0]
    assert {"n", "source", "title", "quote", "start", "end", "speakers", "author", "year", "is_comment", "label",
            "href"} <= set(first)
    assert first["href"] == f"articles/{first['source']}?start={first['start']}&end={first['end']}" + (
        f"#c-{first['start']}-{first['end']}"
    )
    article = engine_client.get(f"/api/articles/{first['source']}").json()
    assert article["text"][first["start"] : first["end"]] == first["quote"]


def test_sse_of_an_extractive_answer_has_no_evidence_event(engine_client):
    response = engine_client.post("/api/ask/stream", json={"question": WRR_Q, "backend": "extractive"})
    assert "evidence" not in [name for name, _ in parse_sse(response.text)]


def test_the_openapi_description_documents_the_evidence_event(engine_client):
    stream = engine_client.get("/openapi.json").json()["paths"]["/api/ask/stream"]["post"]
    assert "`evidence`" in stream["description"]


def test_evidence_json_and_markdown_label_who_says_it_and_link_the_span():
    from assistant.web.present import COMMENT_NOTE, evidence_json, md_evidence

    items = evidence_json(FOUND)["items"]
    assert items[0]["label"] == "Lex Staal · 2014" and items[1]["label"] == ""
    assert items[0]["speakers"] == ["Lex Staal"] and items[1]["is_comment"] is True
    md = md_evidence(FOUND)
    assert "**\\[1\\]** [Burgerkracht](articles/003_b4ac6d7293bc88c6.txt?start=120&end=159#c-120-159)" in md
    assert "*Lex Staal · 2014*" in md and COMMENT_NOTE in md
    assert "> “De WRR onderscheidt vier typen burgers\\.”" in md


def snapshots(events) -> list:
    """Copies of what each yield showed: the handler changes one message list in place between yields."""
    import asyncio
    import copy

    async def collect() -> list:
        return [copy.deepcopy(item) async for item in events]

    return asyncio.run(collect())


@pytest.fixture
def handlers(settings, fake_service):
    from assistant.web.ui import ChatHandlers

    return ChatHandlers(fake_service, settings, None, None)


def test_chat_page_shows_the_evidence_below_the_answer_until_the_sources_replace_it(handlers, fake_service):
    from assistant.web.present import EVIDENCE_TITLE

    fake_service.enqueue(FOUND)
    steps = snapshots(handlers.respond(WRR_Q, [], []))
    shown = next(messages for _, messages, _ in steps if len(messages) == 3)
    assert shown[2]["metadata"] == {"title": EVIDENCE_TITLE, "status": "pending"}
    assert "Burgerkracht" in shown[2]["content"] and "Lex Staal" in shown[2]["content"]
    assert shown[1]["content"].startswith("*")  # the answer's place: still a status line
    writing = [messages for _, messages, _ in steps if messages[1]["content"].endswith(" ▍")]
    assert writing and all(m[2]["metadata"]["title"] == EVIDENCE_TITLE for m in writing)
    _, final, turns = steps[-1]
    assert len(final) == 3 and final[2]["metadata"]["title"].startswith("Bronnen (")
    assert EVIDENCE_TITLE not in json.dumps(final, ensure_ascii=False)
    assert turns[0]["last"] == 2


def test_chat_page_error_drops_the_evidence(handlers, fake_service):
    from assistant.core.errors import BackendUnavailable

    fake_service.enqueue(FOUND, BackendUnavailable("Het taalmodel is niet bereikbaar."))
    _, messages, _ = drain(handlers.respond(WRR_Q, [], []))[-1]
    assert len(messages) == 2 and "niet bereikbaar" in messages[1]["content"]


def test_stop_keeps_the_evidence_and_marks_the_answer_above_it_stopped():
    from assistant.web.present import EVIDENCE_TITLE
    from assistant.web.ui import _stopped

    box = {"role": "assistant", "content": "> “…”", "metadata": {"title": EVIDENCE_TITLE, "status": "pending"}}
    before = [{"role": "user", "content": "Vraag"}, {"role": "assistant", "content": "Half antwoord ▍"}, box]
    after = _stopped(before)
    assert after[1]["content"] == "Half antwoord\n\n*Gestopt.*"
    assert after[2]["metadata"] == {"title": EVIDENCE_TITLE} and after[2]["content"] == box["content"]
    waiting = _stopped([before[0], {"role": "assistant", "content": "*Antwoord schrijven…*"}, box])
    assert waiting[1]["content"] == "*Gestopt.*"


class LoadableLLM:
    """A stand-in for the in-process model: `load()` and `chat()`, recorded."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def load(self) -> None:
        self.calls.append(("load", None))

    def chat(self, messages, **kwargs):
        from llama_index.core.base.llms.types import ChatMessage, ChatResponse

        self.calls.append(("chat", (messages, kwargs)))
        return ChatResponse(message=ChatMessage(role="assistant", content="De"))


def test_warm_up_runs_one_tiny_generation_that_opens_like_an_answer(settings, fake_index, fake_embedder):
    from assistant.rag import prompts
    from assistant.rag.retriever import Knowledge
    from assistant.rag.service import Assistant

    llm = LoadableLLM()
    assistant = Assistant(settings, Knowledge(settings.storage, settings.retrieval, fake_embedder), llms={"local": llm})
    assistant.warm_up("local")
    assert [name for name, _ in llm.calls] == ["load", "chat"]
    messages, options = llm.calls[1][1]
    assert messages[0].content == prompts.EVIDENCE_SYSTEM and options == {"max_tokens": 2}
    assert messages[1].content.startswith(prompts.EVIDENCE_ANSWER.split("{", 1)[0])


def test_warm_up_of_a_model_server_generates_nothing(settings, fake_index, fake_embedder, scripted_llm):
    from assistant.rag.retriever import Knowledge
    from assistant.rag.service import Assistant

    assistant = Assistant(settings, Knowledge(settings.storage, settings.retrieval, fake_embedder),
                          llms={"scripted": scripted_llm})
    assistant.warm_up("scripted")  # nothing queued: a generation would fail
    assert scripted_llm.history == []
