"""Evidence-first answers: the labelled evidence items, the speaker check, the key-term rule, the grammar."""

from __future__ import annotations

import pytest

from assistant.core.types import Passage
from assistant.rag.citations import check_answer, claim_problem
from assistant.rag.evidence import rank, select
from assistant.rag.grounding import ground
from assistant.rag.keyterms import KeyTerms
from assistant.rag.prompts import answer_grammar, format_evidence, quoted_labels
from assistant.text.answer_form import numbers_in, occurs
from assistant.text.attribution import claimed_holders, same_person

ARTICLE = (
    "Inleiding over het sociaal werk in de wijk en de buurt.\n\n"
    "De WRR maakt onderscheid tussen de afhankelijke, afzijdige, afwachtende en actieve burgers. "
    "Het potentieel is volgens de WRR veel groter dan de twintig procent van actieve burgers.\n\n"
    "‘Dat is nog best een zoektocht en dat vraagt dat je aanwezig bent in de wijk’, aldus Lex Staal. "
    "Van Dijk vindt dat de samenwerking met vmbo-scholen landelijk gestimuleerd moet worden."
)
OFFSET = 500  # where the passage starts in its article
POTENTIEEL = "Het potentieel is volgens de WRR veel groter dan de twintig procent van actieve burgers"
ZOEKTOCHT = "‘Dat is nog best een zoektocht en dat vraagt dat je aanwezig bent in de wijk’, aldus Lex Staal"


def passages() -> list[Passage]:
    return [Passage(id="a#0", source="003.txt", title="Welzijnsdirecteuren omarmen WRR-advies", text=ARTICLE,
                    start=OFFSET, end=OFFSET + len(ARTICLE), score=1.0)]


def whole() -> Passage:
    """The test article as one passage, for checks that quote from it."""
    return Passage(id="w", source="003.txt", title="WRR", text=ARTICLE, start=OFFSET, end=OFFSET + len(ARTICLE), score=1.0)


def speakers(passage: Passage, start: int, end: int) -> tuple[str, ...]:
    text = ARTICLE[start - OFFSET : end - OFFSET]
    return ("Lex Staal",) if "aldus Lex" in text else ("Gert van Dijk",) if "Van Dijk" in text else ()


def grounded(question: str, **limits):
    items = select(rank(question, passages()), 4)
    return ground(items, passages(), speakers, lambda source: ("Eric de Kluis", "2019"), **limits)


def test_each_item_is_exact_article_text_with_who_says_it():
    g = grounded("Wie noemt preventie nog best een zoektocht in de wijk?")
    assert len(g) >= 1
    for item in g.passages:
        assert ARTICLE[item.start - OFFSET : item.end - OFFSET] == item.text
    assert "aldus Lex Staal" in g.passages[0].text
    assert g.allowed_speakers(1) == ("Lex Staal", "Eric de Kluis")
    shown = format_evidence(g)
    assert shown.splitlines()[0].startswith("[1] Lex Staal (2019) zegt: ‘Dat is nog best een zoektocht")
    assert "Welzijnsdirecteuren" not in shown  # titles cost tokens; the citations show them


def test_a_copied_label_becomes_a_quotation_and_nothing_else_is_touched():
    g = grounded("Wie noemt preventie nog best een zoektocht in de wijk?")
    copied = "Lex Staal (2019) zegt: Dat is nog best een zoektocht in de wijk. [1] Lex Staal zegt: Het vraagt veel [1]."
    assert quoted_labels(copied, g) == (
        "Lex Staal zegt: ‘Dat is nog best een zoektocht in de wijk’ [1]. Lex Staal zegt: ‘Het vraagt veel’ [1]."
    )
    # Text that already says who speaks, or quotes, only loses the label: no quote inside a quote.
    says = "Lex Staal zegt: ‘Het vraagt aanwezigheid’, aldus Lex Staal [1]."
    assert quoted_labels(says, g) == "‘Het vraagt aanwezigheid’, aldus Lex Staal [1]."
    own = "Lex Staal zegt dat preventie nog een zoektocht is [1]."
    assert quoted_labels(own, g) == own
    checked = check_answer(quoted_labels(copied, g), list(g.passages), 0.5, [g.allowed_speakers(1)])
    assert checked.text.startswith("Lex Staal zegt: ‘Dat is nog best een zoektocht") and not checked.refused
    # A signature copied with the author's label is who someone is, not what the author says.
    signature = "Lex Staal zegt: Gert van Dijk, directeur van Stichting Welzijn Amersfoort [1]."
    assert quoted_labels(signature, g) == "Gert van Dijk, directeur van Stichting Welzijn Amersfoort [1]."
    # A sentence that opens with a capital and a comma is no signature.
    opening = "Lex Staal zegt: En, niet onbelangrijk, het vraagt veel [1]."
    assert quoted_labels(opening, g) == "Lex Staal zegt: ‘En, niet onbelangrijk, het vraagt veel’ [1]."


def test_the_budget_keeps_the_best_item_and_drops_the_rest():
    g = grounded("Welke burgers onderscheidt de WRR en hoeveel procent is actief?", max_chars=10)
    assert len(g) == 1
    assert len(grounded("Welke burgers onderscheidt de WRR en hoeveel procent is actief?", max_items=2)) <= 2
    assert len(g.first(0)) == 0


@pytest.mark.parametrize(("sentence", "holders"), [
    ("Van Dijk vindt dat die samenwerking landelijk gestimuleerd moet worden.", ["Van Dijk"]),
    ("Volgens Hortulanus moet de sector niet de regie nemen.", ["Hortulanus"]),
    ("‘Dat is nog best een zoektocht’, aldus Lex.", ["Lex"]),
    ("Thijs Torreman, directeur van Thermiek, gelooft er niet in.", ["Thijs Torreman"]),
    ("Jet Bussemaker heeft de mening dat De Boer geen plek krijgt.", ["Jet Bussemaker"]),
    ("De WRR onderscheidt vier typen burgers.", []),
    ("Gert van Dijk is directeur van Stichting Welzijn Amersfoort.", []),
])
def test_claimed_holders_are_who_a_sentence_gives_a_view_to(sentence, holders):
    assert claimed_holders(sentence) == holders


def test_same_person_matches_short_forms_only_of_that_person():
    assert same_person("Lex", "Lex Staal") and same_person("Van Dijk", "Gert van Dijk")
    assert not same_person("Hans Zuiver", "Gert van Dijk") and not same_person("De", "Gert van Dijk")
    assert not same_person("Eric de Kluis", "") and not same_person("", "Eric de Kluis")  # an unknown author is no one


def test_a_view_given_to_someone_else_than_the_speaker_is_a_problem():
    evidence = "Van Dijk vindt dat de samenwerking met vmbo-scholen landelijk gestimuleerd moet worden."
    wrong = "Thijs Torreman vindt dat de samenwerking landelijk gestimuleerd moet worden."
    assert "Torreman" in claim_problem(wrong, evidence + " Thijs Torreman", ["Gert van Dijk"])
    assert claim_problem("Van Dijk vindt dat de samenwerking gestimuleerd moet worden.", evidence, ["Gert van Dijk"]) == ""
    # The speaker's full name comes from the label, not the sentence ("aldus Lex").
    assert claim_problem("Lex Staal noemt het een zoektocht.", "‘Een zoektocht’, aldus Lex.", ["Lex Staal"]) == ""
    assert "Staal" in claim_problem("Lex Staal noemt het een zoektocht.", "‘Een zoektocht’, aldus Lex.")


def test_the_check_replaces_a_wrongly_attributed_sentence_by_the_quote():
    """Torreman is named in the evidence, so the name check passes; the view is Van Dijk's."""
    text = "Van Dijk vindt, anders dan Thijs Torreman, dat de samenwerking met vmbo-scholen landelijk gestimuleerd moet worden."
    item = Passage(id="x", source="003.txt", title="T", text=text, start=0, end=len(text), score=1.0)
    raw = "Thijs Torreman vindt dat de samenwerking met vmbo-scholen landelijk gestimuleerd moet worden [1]."
    checked = check_answer(raw, [item], 0.3, [("Gert van Dijk",)])
    assert checked.text.startswith("Van Dijk vindt, anders dan"), checked.text
    assert any("legt de woorden bij Thijs Torreman; het citaat is van Gert van Dijk" in c.sentence for c in checked.checks)
    unchecked = check_answer(raw, [item], 0.3)  # without speakers (a front end's own check): it stands
    assert unchecked.text.startswith("Thijs Torreman vindt")


def test_number_words_count_as_the_number():
    assert occurs("20", "de twintig procent van actieve burgers")
    assert occurs("4", "vier typen") and not occurs("21", "twintig")
    assert numbers_in("25, 30 en twintig procent; een kwart") == {"vijfentwintig", "dertig", "twintig"}


def test_key_terms_ask_for_the_number_only_when_the_question_does():
    evidence = "Het potentieel is veel groter dan de twintig procent van actieve burgers."
    terms = KeyTerms.of(evidence, "Welk percentage van de bevolking is actief?")
    assert terms.lost_by("Een deel van de burgers is actief.", evidence).startswith("geeft niet het getal")
    assert terms.lost_by("Twintig procent, 20 procent van de burgers is actief en het potentieel is groter.", evidence) == ""
    general = KeyTerms.of(evidence, "Wat zegt de WRR over actieve burgers?")
    assert "kernwoorden" in general.lost_by("De WRR noemt het belangrijk.", evidence)
    assert general.lost_by("Het potentieel is groter dan twintig procent actieve burgers.", evidence) == ""


def test_the_answer_grammar_compiles_for_llama_cpp():
    llama_cpp = pytest.importorskip("llama_cpp")
    for items in (1, 4, 12):
        assert llama_cpp.LlamaGrammar.from_string(answer_grammar(items), verbose=False) is not None
    assert '[1-4]' in answer_grammar(4) and '[1-9]' in answer_grammar(12)


def test_the_written_answer_leads_and_the_evidence_it_does_not_carry_follows():
    from assistant.rag.citations import with_evidence

    wrr = whole()
    evidence = check_answer(
        "De WRR maakt onderscheid tussen de afhankelijke, afzijdige, afwachtende en actieve burgers [1].\n"
        "‘Dat is nog best een zoektocht en dat vraagt dat je aanwezig bent in de wijk’, aldus Lex Staal [1].",
        [wrr], 0.5,
    )
    written = check_answer("De WRR onderscheidt afhankelijke, afzijdige, afwachtende en actieve burgers [1].", [wrr], 0.5)
    combined = with_evidence(written, evidence)
    assert combined.text.startswith("De WRR onderscheidt afhankelijke")
    assert "maakt onderscheid" not in combined.text  # carried by the written sentence already
    assert combined.text.endswith("aldus Lex Staal [2].")
    assert [c.n for c in combined.citations] == [1, 2]
    assert "zoektocht" in combined.citations[1].quote and combined.citations[1].start > combined.citations[0].start
    # Most of the words, but not the name: "Van Dijk" would be lost, so the evidence sentence follows.
    vmbo = check_answer("Van Dijk vindt dat de samenwerking met vmbo-scholen landelijk gestimuleerd moet worden [1].", [wrr], 0.5)
    without_name = check_answer("De samenwerking met vmbo-scholen moet landelijk gestimuleerd worden [1].", [wrr], 0.5)
    # … and as that sentence only copies the quote, the quote takes its place: no repetition.
    assert with_evidence(without_name, vmbo).text == vmbo.text


def test_a_near_copy_that_loses_a_fact_gives_way_to_its_quote_in_place():
    from assistant.rag.citations import with_evidence

    wrr = whole()
    evidence = check_answer(f"{POTENTIEEL} [1].\n{ZOEKTOCHT} [1].", [wrr], 0.5)
    written = check_answer("Lex Staal noemt het een zoektocht [1]. Het potentieel van actieve burgers is veel groter [2].", [wrr, wrr], 0.5)
    combined = with_evidence(written, evidence)
    # The copy without "WRR" and "twintig procent" is replaced where it stood; the sentence that adds
    # who says it stays, and the quote it paraphrases follows it with the same number (one per span).
    assert combined.text == (
        "Lex Staal noemt het een zoektocht [1]. "
        "Het potentieel is volgens de WRR veel groter dan de twintig procent van actieve burgers [2]. "
        "‘Dat is nog best een zoektocht en dat vraagt dat je aanwezig bent in de wijk’, aldus Lex Staal [1]."
    )
    assert [c.n for c in combined.citations] == [1, 2]
    assert "zoektocht" in combined.citations[0].quote and "twintig procent" in combined.citations[1].quote


def test_a_sentence_cut_off_by_the_token_limit_is_not_part_of_the_answer():
    wrr = whole()
    raw = "De WRR maakt onderscheid tussen de afhankelijke, afzijdige, afwachtende en actieve burgers [1]. Het potentieel is volgens de WRR veel"
    checked = check_answer(raw, [wrr], 0.5)
    assert checked.text == "De WRR maakt onderscheid tussen de afhankelijke, afzijdige, afwachtende en actieve burgers [1]."
    # Written marker first, as the evidence lines are: "[2] Het potentieel is" is unfinished all the same.
    for lead in (
        "[1] De WRR maakt onderscheid tussen de afhankelijke, afzijdige, afwachtende en actieve burgers.\n[1] Het potentieel is volgens de",
        "De WRR maakt onderscheid tussen de afhankelijke, afzijdige, afwachtende en actieve burgers [1]. [1] Het potentieel is volgens de",
    ):
        assert check_answer(lead, [wrr], 0.5).text == checked.text


def test_a_sentence_ending_on_a_function_word_reads_as_cut_off():
    from assistant.text.answer_form import CUT_OFF, sentence_problems

    assert CUT_OFF in sentence_problems("Ook afzijdige burgers zijn met een menu te activeren en afzijdige en")
    assert CUT_OFF in sentence_problems("De auteur schrijft: Afgelopen vrijdag was Lex Staal bij C3 te gast en nam hij")
    assert sentence_problems("Ook afzijdige burgers zijn met een menu te activeren.") == []


def test_a_written_sentence_may_leave_words_out_but_not_bring_its_own():
    """Every name and number of "C3 is een organisatie …" is in its quote; what it says is not."""
    quote = ("Afgelopen vrijdag was Lex Staal bij C3 te gast en nam hij ons mee in de wereld van sociaal werk vanuit "
             "zijn perspectief van de brancheorganisatie met ruim 400 welzijnsorganisaties als leden.")
    invented = "C3 is een organisatie die deze situatie helpen met ruim 400 welzijnsorganisaties als leden."
    assert claim_problem(invented, quote, ["Saskia Moerbeek"]).startswith("eigen woorden")
    shorter = "Lex Staal was bij C3 te gast en nam ons mee in de wereld van sociaal werk."
    assert claim_problem(shorter, quote, ["Saskia Moerbeek"]) == ""
    assert claim_problem("Lex Staal noemt het een zoektocht.", "‘Een zoektocht’, aldus Lex.", ["Lex Staal"]) == ""


def test_a_view_needs_every_one_of_its_words_in_the_quote():
    quote = "Daarmee blijf je na het lezen van de analyse van De Boer toch met een gevoel van teleurstelling achter."
    assert claim_problem("Jet Bussemaker vindt de analyse van De Boer positief.", quote, ["Jet Bussemaker"])
    assert not claim_problem("Jet Bussemaker blijft met een gevoel van teleurstelling achter.", quote, ["Jet Bussemaker"])
    # Without a holder the usual share applies: one word of its own among many may stand.
    assert not claim_problem(
        "Na het lezen van de analyse van De Boer blijf je met een gevoel van grote teleurstelling achter.", quote,
        ["Jet Bussemaker"],
    )


def test_a_label_copied_with_its_number_in_front_becomes_a_quotation_too():
    g = grounded("Wie noemt preventie nog best een zoektocht in de wijk?")
    copied = "[1] Lex Staal zegt: Dat is nog best een zoektocht in de wijk. [1] Lex Staal zegt: Het vraagt veel."
    assert quoted_labels(copied, g) == (
        "Lex Staal zegt: ‘Dat is nog best een zoektocht in de wijk’ [1]. Lex Staal zegt: ‘Het vraagt veel’ [1]."
    )


def test_a_copied_label_cut_off_by_the_token_limit_is_dropped_not_finished():
    wrr = whole()
    g = grounded("Wie noemt preventie nog best een zoektocht in de wijk?")
    raw = "[1] Lex Staal zegt: Dat is nog best een zoektocht in de wijk.\n[1] Lex Staal zegt: Lex Staal is voor"
    quoted = quoted_labels(raw, g)
    assert quoted.endswith("Lex Staal is voor") and "[1]." in quoted
    assert check_answer(quoted, [wrr], 0.5).text.endswith("zoektocht in de wijk’ [1].")


def test_a_copied_label_that_names_no_one_is_dropped_not_made_a_quotation():
    g = ground(select(rank("Wat blijkt uit Schots onderzoek over de wijk?", passages()), 4), passages(), speakers,
               lambda source: ("", ""))
    assert "De auteur schrijft:" in format_evidence(g)  # the article names no author
    copied = "De auteur schrijft: Het potentieel is volgens de WRR veel groter [1]."
    assert quoted_labels(copied, g) == "Het potentieel is volgens de WRR veel groter [1]."


def test_a_sentence_that_repeats_an_earlier_one_on_the_same_quote_or_a_later_bare_name_is_dropped():
    from assistant.rag.citations import with_evidence

    wrr = whole()
    evidence = check_answer("De WRR maakt onderscheid tussen de afhankelijke, afzijdige, afwachtende en actieve burgers [1].", [wrr], 0.5)
    written = check_answer(
        "De WRR maakt onderscheid tussen de afhankelijke, afzijdige, afwachtende en actieve burgers [1]. "
        "De WRR maakt onderscheid tussen afzijdige en actieve burgers [1]. Lex Staal [1]. "
        "‘Dat is nog best een zoektocht en dat vraagt dat je aanwezig bent in de wijk’, aldus Lex Staal [1].",
        [wrr], 0.5,
    )
    assert "afzijdige en actieve burgers [2]. Lex Staal [3]" in written.text  # both passed the claim check
    combined = with_evidence(written, evidence)
    assert combined.text == (
        "De WRR maakt onderscheid tussen de afhankelijke, afzijdige, afwachtende en actieve burgers [1]. "
        "‘Dat is nog best een zoektocht en dat vraagt dat je aanwezig bent in de wijk’, aldus Lex Staal [2]."
    )
    assert [c.n for c in combined.citations] == [1, 2]
    # A name alone opens an answer to "wie …?": there it stays.
    named = check_answer("Lex Staal [1]. ‘Dat is nog best een zoektocht’, aldus Lex Staal [1].", [wrr], 0.5)
    assert with_evidence(named, evidence).text.startswith("Lex Staal [1]. ‘Dat is nog best een zoektocht")


def test_a_who_answer_that_quotes_someone_unnamed_says_who_it_is():
    from dataclasses import replace

    from assistant.rag.citations import speaker_named

    wrr = whole()
    checked = check_answer(
        "Het potentieel is volgens de WRR veel groter dan de twintig procent van actieve burgers [1].\n"
        "Van Dijk vindt dat de samenwerking met vmbo-scholen landelijk gestimuleerd moet worden [1].", [wrr], 0.5,
    )
    quoted = replace(checked, citations=tuple(replace(c, speaker="Eric de Kluis") for c in checked.citations))
    author = {"003.txt": "Eric de Kluis"}.get
    assert speaker_named(quoted, author).text == (
        "Eric de Kluis schrijft: ‘Het potentieel is volgens de WRR veel groter dan de twintig procent van actieve"
        " burgers’ [1]. Van Dijk vindt dat de samenwerking met vmbo-scholen landelijk gestimuleerd moet worden [2]."
    )
    assert speaker_named(quoted, {}.get).text.startswith("Eric de Kluis zegt: ‘Het potentieel")  # a person quoted
    # Unchanged: a first sentence that names someone, one with no recorded speaker, or the model's own words.
    named = check_answer("Van Dijk vindt dat de samenwerking met vmbo-scholen landelijk gestimuleerd moet worden [1].", [wrr], 0.5)
    named = replace(named, citations=tuple(replace(c, speaker="Gert van Dijk") for c in named.citations))
    assert speaker_named(named, author) == named
    assert speaker_named(checked, author) == checked
    own = check_answer("Het potentieel is veel groter dan twintig procent actieve burgers [1].", [wrr], 0.5)
    own = replace(own, citations=tuple(replace(c, speaker="Eric de Kluis") for c in own.citations))
    assert speaker_named(own, author) == own


def test_quotation_marks_are_paired_in_a_sentence_cut_from_a_longer_quotation():
    text = "Hij zegt: ‘Zo’n plan lukt niet. Het is beter dat wij de bewoners erbij betrekken.’ Daarna ging hij weg."
    passage = Passage(id="q", source="003.txt", title="WRR", text=text, start=0, end=len(text), score=1.0)
    checked = check_answer("Het is beter dat wij de bewoners erbij betrekken.’ [1]", [passage], 0.5)
    assert checked.text == "Het is beter dat wij de bewoners erbij betrekken [1]."
    # A quotation the sentence opens itself keeps its closing mark; an apostrophe is no quotation mark.
    whole = check_answer("Hij zegt: ‘Zo’n plan lukt niet.’ [1]", [passage], 0.5)
    assert whole.text == "Hij zegt: ‘Zo’n plan lukt niet [1].’"
    # … and one that goes on in the next sentence is closed where the shown sentence stops.
    opened = check_answer("Hij zegt: ‘Zo’n plan lukt niet. [1]", [passage], 0.5)
    assert opened.text == "Hij zegt: ‘Zo’n plan lukt niet [1].’"
