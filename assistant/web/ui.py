"""The Gradio chat page: streamed answers, sources under each answer, thumbs up/down, status line."""

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool

from assistant.core.types import Answer, EvidenceFound, Status, Token
from assistant.core.errors import Busy, WelzijnError
from assistant.rag.streaming import stream_answer
from assistant.web.present import (
    EVIDENCE_TITLE,
    answer_json,
    article_href,
    citation_json,
    md_answer,
    md_evidence,
    md_footer,
    md_sources,
    md_text,
)

if TYPE_CHECKING:
    import gradio as gr

    from assistant.rag.service import Assistant
    from assistant.core.settings import Settings
    from assistant.web.feedback import FeedbackStore
    from assistant.web.warmup import Warmup

EXAMPLES = (
    "Welke vier typen burgers onderscheidt de WRR?",
    "Wat vindt Saskia Moerbeek van individuele hulpverlening?",
    "Wie is Lex Staal?",
)
HEADER = """
<div class="wa-header">
  <h1>Welzijn-assistent</h1>
  <p>Vragen over het Nederlandse debat over <strong>welzijnswerk en sociaal werk</strong>. De assistent
  antwoordt alleen uit een kleine verzameling artikelen uit dat debat (rechts) en zet bij elke bewering
  een genummerde bron. Klik op een bron om de geciteerde passage in het hele artikel te lezen.</p>
</div>
"""
PLACEHOLDER = "**Stel een vraag** of kies een voorbeeld. Vervolgvragen mogen: het gesprek wordt onthouden."
Turn = dict[str, Any]  # question, answer, citations, backend, refused, first, last (chatbot indices)


class ChatHandlers:
    """Event handlers; they call the assistant and only format what it returns. No user state here."""

    def __init__(self, assistant: "Assistant", settings: "Settings", feedback: "FeedbackStore | None",
                 warmup: "Warmup | None") -> None:
        self.assistant = assistant
        self.settings = settings
        self.feedback = feedback
        self.warmup = warmup
        self.ready = warmup.ready if warmup is not None else (lambda: assistant)

    async def respond(self, question: str, messages: list | None, turns: list[Turn] | None) -> AsyncIterator[tuple]:
        """Stream one answer into the chat; yields (question box, chat messages, turns).

        Stop, "Nieuw gesprek" or a closed page cancel this handler, which stops the answer at once.
        """
        messages, turns = list(messages or []), list(turns or [])
        question = (question or "").strip()
        if not question:
            yield "", messages, turns
            return
        first = len(messages)
        messages += [{"role": "user", "content": md_text(question)}, _pending("Even denken…")]
        at = len(messages) - 1  # the answer's message; the evidence goes below it until the sources replace it
        yield "", messages, turns
        streamed = ""
        answer: Answer | None = None
        assistant = await run_in_threadpool(self.ready)  # waits while the answering stack is imported
        try:
            async for event in stream_answer(assistant, question, history_from(turns), None, channel="ui"):
                if isinstance(event, Status) and not streamed:
                    messages[at] = _pending(event.text)
                elif isinstance(event, EvidenceFound):
                    messages.append(_evidence(event))
                elif isinstance(event, Token):
                    streamed += event.text
                    messages[at] = {"role": "assistant", "content": md_text(streamed) + " ▍"}
                elif isinstance(event, Answer):
                    answer = event
                    break
                else:
                    continue
                yield "", messages, turns
        except Busy as exc:
            messages[at:] = [{"role": "assistant", "content": f"*{md_text(str(exc))}*"}]
            yield "", messages, turns
            return
        except WelzijnError as exc:
            messages[at:] = [{"role": "assistant", "content": f"**Fout:** {md_text(str(exc))}"}]
            yield "", messages, turns
            return
        if answer is None:  # stream() always ends with an Answer
            return
        del messages[at + 1 :]  # the evidence gives way to the answer's own sources
        messages[at] = {"role": "assistant", "content": md_answer(answer) + "\n\n" + md_footer(answer, self.model(answer))}
        sources = md_sources(answer)
        if sources:
            title = f"Bronnen ({len(answer.citations)})" if answer.citations else "Misschien relevant"
            messages.append({"role": "assistant", "content": sources, "metadata": {"title": title}})
        turns.append({
            "question": question,
            "answer": answer.answer,
            "citations": [citation_json(c) for c in answer.citations],
            "backend": answer.backend,
            "refused": answer.refused,
            "first": first,
            "last": len(messages) - 1,
        })
        yield "", messages, turns

    def model(self, answer: Answer) -> str:
        """The model behind the backend that answered, for the footer under each answer."""
        if answer.backend == "extractive":
            return "letterlijke zinnen uit de bronnen"
        try:
            llm = self.assistant.llm(answer.backend)
        except WelzijnError:
            return ""
        return getattr(getattr(llm, "metadata", None), "model_name", "") or ""

    def like(self, turns: list[Turn] | None, data: "gr.LikeData") -> None:
        """Store a thumbs up/down with the question, answer and citations it is about."""
        if self.feedback is None:
            return
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        turn = next((t for t in turns or [] if t["first"] <= index <= t["last"]), None)
        if turn is None:
            return
        liked: Any = data.liked if isinstance(data.liked, bool) else str(data.liked)
        record = {"channel": "ui", "liked": liked, **{k: turn[k] for k in ("question", "answer", "citations", "backend")}}
        try:
            self.feedback.append(record)
        except WelzijnError as exc:  # a full or read-only disk: tell the user, keep the page working
            import gradio as gr

            raise gr.Error(str(exc), print_exception=False) from exc

    def ask(self, question: str, history: list[dict[str, str]] | None = None, backend: str | None = None) -> dict:
        """API endpoint for gradio_client: the answer as JSON (the same shape as POST /api/ask)."""
        import gradio as gr

        try:
            return answer_json(self.ready().answer(question, history or [], backend or None))
        except WelzijnError as exc:
            raise gr.Error(str(exc), print_exception=False) from exc

    def status(self) -> tuple[str, Any]:
        """The status line, and whether to keep polling it (while the models are still loading)."""
        import gradio as gr

        info = self.assistant.knowledge.store.current()
        backend = self.settings.llm.backend
        if info is None:
            return "**Let op:** er is nog geen index. Run `welzijn ingest` en laad de pagina opnieuw.", gr.Timer(active=False)
        if self.warmup is not None and self.warmup.status == "loading":
            text = (f"◌ De zoekindex en de modellen worden nog geladen (backend **{md_text(backend)}**). "
                    "Je kunt al een vraag stellen; het eerste antwoord duurt dan wat langer.")
            return text, gr.Timer(active=True)
        text = f"● Klaar · backend **{md_text(backend)}** · {len(info.files)} artikelen · index {md_text(info.version)}"
        if self.warmup is not None and self.warmup.error:
            text += f"  \n**Let op:** {md_text(self.warmup.error)}"
        return text, gr.Timer(active=False)

    def article_list(self) -> str:
        """The articles in the current index, linked to their pages (read per page load)."""
        try:
            articles = self.assistant.knowledge.articles()
        except WelzijnError as exc:
            return f"**Fout:** {md_text(str(exc))}"
        lines = ["## De artikelen"]
        for article in sorted(articles.values(), key=lambda a: a.title.lower()):
            meta = " · ".join(x for x in (article.author, article.date) if x)
            line = f"- [{md_text(article.title)}]({article_href(article.source)})"
            lines.append(line + (f"  \n  <small>{md_text(meta)}</small>" if meta else ""))
        return "\n".join(lines)


def history_from(turns: list[Turn]) -> list[dict[str, str]]:
    """The conversation as role/content dicts, answers without their sources, for follow-ups."""
    history: list[dict[str, str]] = []
    for turn in turns:
        history += [{"role": "user", "content": turn["question"]}, {"role": "assistant", "content": turn["answer"]}]
    return history


def _pending(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": f"*{md_text(text)}*"}


def _evidence(found: EvidenceFound) -> dict[str, Any]:
    """The evidence as an open box with a spinner, like the sources box that replaces it."""
    return {"role": "assistant", "content": md_evidence(found), "metadata": {"title": EVIDENCE_TITLE, "status": "pending"}}


def _example_text(value: Any) -> str:
    return value.get("text", "") if isinstance(value, dict) else str(value or "")


def _stopped(messages: list | None) -> list:
    """The chat after Stop: the answer being written keeps what was shown and says it was stopped."""
    messages = list(messages or [])
    at = len(messages) - 1
    if at > 0 and (messages[at].get("metadata") or {}).get("title") == EVIDENCE_TITLE:
        at -= 1  # the answer being written sits above the evidence, which stays (without its spinner)
        messages[at + 1] = {**messages[at + 1], "metadata": {"title": EVIDENCE_TITLE}}
    last = messages[at] if messages else {}
    content = _message_text(last) if last.get("role") == "assistant" else ""
    if content.endswith(" ▍"):  # tokens were shown: keep them
        messages[at] = {"role": "assistant", "content": content.removesuffix(" ▍") + "\n\n*Gestopt.*"}
    elif content.startswith("*") and content.endswith("…*"):  # still a status line such as "Even denken…"
        messages[at] = {"role": "assistant", "content": "*Gestopt.*"}
    return messages


def _message_text(message: dict[str, Any]) -> str:
    """A chat message's text: Gradio hands messages back with their content as a list of parts."""
    content = message.get("content")
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content or "")


def _writing_buttons() -> Any:
    """While an answer is written the question box offers Stop instead of "Vraag"."""
    import gradio as gr

    return gr.Textbox(submit_btn=False, stop_btn="Stop")


def _idle_buttons() -> Any:
    import gradio as gr

    return gr.Textbox(submit_btn="Vraag", stop_btn=False)


def _reset() -> tuple[str, list, list]:
    return "", [], []


def theme() -> Any:
    """A calm theme with local fonts only (no font CDN: the server may run offline)."""
    import gradio as gr

    return gr.themes.Soft(
        primary_hue="teal",
        secondary_hue="amber",
        neutral_hue="stone",
        font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    )


def build_ui(assistant: "Assistant", settings: "Settings", feedback: "FeedbackStore | None" = None,
             warmup: "Warmup | None" = None) -> "gr.Blocks":
    """The chat page as a Blocks object (mounted by `app.create_app`)."""
    import gradio as gr

    handlers = ChatHandlers(assistant, settings, feedback, warmup)

    # Gradio injects event data by type hint, so these hints must be real classes (no string annotations).
    def on_like(turns: list, data: gr.LikeData) -> None:
        handlers.like(turns, data)

    def on_example(data: gr.SelectData) -> str:
        return _example_text(data.value)

    with gr.Blocks(title="Welzijn-assistent", analytics_enabled=False) as demo:
        gr.HTML(HEADER, padding=False)
        status = gr.Markdown("◌ Laden…", elem_id="wa-status")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=360):
                chatbot = gr.Chatbot(
                    label="Gesprek",
                    show_label=False,
                    elem_id="wa-chat",
                    height="62vh",
                    min_height=420,
                    placeholder=PLACEHOLDER,
                    examples=[{"text": q} for q in EXAMPLES],
                    sanitize_html=True,
                    allow_tags=False,
                    latex_delimiters=[],
                    buttons=[],
                    feedback_options=("Like", "Dislike"),
                    layout="bubble",
                )
                question = gr.Textbox(
                    show_label=False,
                    placeholder="Stel een vraag over welzijnswerk of sociaal werk…",
                    elem_id="wa-question",
                    submit_btn="Vraag",
                    stop_btn=False,  # shown instead of "Vraag" only while an answer is written
                    max_lines=5,
                    autofocus=True,
                )
                new_chat = gr.Button("Nieuw gesprek", variant="secondary", size="sm", elem_id="wa-new")
            with gr.Column(scale=1, min_width=240, elem_id="wa-side"):
                articles = gr.Markdown("## De artikelen\n\nLaden…", elem_id="wa-articles")
                gr.Markdown(
                    "<small>Antwoorden komen uit deze artikelen, niet uit algemene kennis. "
                    "Controleer ze via de bronnen. Met de duimpjes onder een antwoord help je de assistent verbeteren.</small>"
                )
        turns = gr.State([])
        timer = gr.Timer(1.0, active=False)

        chat_io = {"inputs": [question, chatbot, turns], "outputs": [question, chatbot, turns]}
        buttons = {"inputs": None, "outputs": question, "queue": False, "api_visibility": "private"}
        # Stop replaces "Vraag" before the answer starts, and "Vraag" comes back when it is done.
        asked = question.submit(_writing_buttons, **buttons).then(
            handlers.respond, **chat_io, api_name="chat", concurrency_limit=4
        )
        picked = (
            chatbot.example_select(on_example, None, question, queue=False, api_visibility="private")
            .then(_writing_buttons, **buttons)
            .then(handlers.respond, **chat_io, api_visibility="private", concurrency_limit=4)
        )
        for done in (asked, picked):
            done.then(_idle_buttons, **buttons)
        # Stop and "Nieuw gesprek" cancel the answer being written, which frees the model at once.
        writing = [asked, picked]
        question.stop(_stopped, chatbot, chatbot, cancels=writing, queue=False, api_visibility="private").then(
            _idle_buttons, **buttons
        )
        chatbot.like(on_like, turns, None, queue=False, api_visibility="private")
        new_chat.click(
            _reset, None, [question, chatbot, turns], cancels=writing, queue=False, api_visibility="private"
        ).then(_idle_buttons, **buttons)
        chatbot.clear(lambda: [], None, turns, queue=False, api_visibility="private")
        quiet = {"queue": False, "api_visibility": "private", "show_progress": "hidden"}
        demo.load(handlers.status, None, [status, timer], **quiet)
        demo.load(handlers.article_list, None, articles, **quiet)
        timer.tick(handlers.status, None, [status, timer], **quiet)
        gr.api(handlers.ask, api_name="ask", concurrency_limit=4)
    return demo
