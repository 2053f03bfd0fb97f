"""Citation repair and support checks on hand-made passages."""

from __future__ import annotations

import pytest

from assistant.core.types import Passage
from assistant.rag.citations import check_answer, says_not_found

WRR = (
    "De WRR maakt onderscheid tussen de afhankelijke, afzijdige, afwachtende en actieve burgers. "
    "De actieve burgers vormen ongeveer twintig procent."
)
MOERBEEK = "Individuele hulpverlening is in veel gevallen dweilen met de kraan open. Alles hangt met elkaar samen."
COMMENT = "Ik vind dat de kerken een belangrijke rol spelen in het buurtleven."


def passage(text: str, source: str, start: int = 100, is_comment: bool = False) -> Passage:
    return Passage(id=source, source=source, title=f"Titel {source}", text=text, start=start,
                   end=start + len(text), score=1.0, is_comment=is_comment)


PASSAGES = [passage(WRR, "003.txt"), passage(MOERBEEK, "002.txt", 40), passage(COMMENT, "001.txt", 900, True)]


def test_valid_markers_are_kept_and_quotes_are_the_supporting_sentence():
    raw = "De WRR onderscheidt afhankelijke, afzijdige, afwachtende en actieve burgers [1]. Volgens Moerbeek is individuele hulpverlening dweilen met de kraan open [2]."
    checked = check_answer(raw, PASSAGES, 0.5)
    assert not checked.refused
    assert [c.source for c in checked.citations] == ["003.txt", "002.txt"]
    first, second = checked.citations
    assert first.quote == "De WRR maakt onderscheid tussen de afhankelijke, afzijdige, afwachtende en actieve burgers."
    assert WRR[first.start - 100 : first.end - 100] == first.quote
    assert second.quote.startswith("Individuele hulpverlening")
    assert checked.text.count("[1]") == 1 and checked.text.count("[2]") == 1


def test_numbers_are_renumbered_in_order_of_use():
    raw = "Individuele hulpverlening is dweilen met de kraan open [2]. De WRR onderscheidt actieve burgers [1]."
    checked = check_answer(raw, PASSAGES, 0.5)
    assert [c.n for c in checked.citations] == [1, 2]
    assert checked.citations[0].source == "002.txt"
    assert checked.text.startswith("Individuele hulpverlening is dweilen met de kraan open [1].")


@pytest.mark.parametrize(
    "raw",
    [
        "De WRR onderscheidt afhankelijke, afzijdige, afwachtende en actieve burgers [7].",  # no such passage
        "De WRR onderscheidt afhankelijke, afzijdige, afwachtende en actieve burgers [2].",  # wrong passage
        "De WRR onderscheidt afhankelijke, afzijdige, afwachtende en actieve burgers.",  # no marker at all
        "De WRR onderscheidt afhankelijke, afzijdige, afwachtende en actieve burgers (bron 1).",
    ],
)
def test_invalid_or_missing_markers_are_repaired(raw):
    checked = check_answer(raw, PASSAGES, 0.5)
    assert [c.source for c in checked.citations] == ["003.txt"]
    assert checked.text.endswith("[1].") and "[7]" not in checked.text and "(bron" not in checked.text


def test_unsupported_sentence_is_dropped_and_reported():
    raw = "De WRR onderscheidt actieve burgers [1]. Minister Jansen verhoogde in 2024 het budget met tien miljoen [1]."
    checked = check_answer(raw, PASSAGES, 0.5)
    assert "Jansen" not in checked.text
    flagged = [c for c in checked.checks if not c.supported]
    assert len(flagged) == 1 and "Jansen" in flagged[0].sentence


def test_answer_with_no_supported_sentence_is_a_refusal():
    checked = check_answer("Het recept voor appeltaart vraagt om zes appels [1].", PASSAGES, 0.5)
    assert checked.refused and not checked.citations


@pytest.mark.parametrize(
    "raw", ["NIET_GEVONDEN", "Dat staat niet in de bronnen.", "The sources do not answer this question."]
)
def test_model_saying_not_found_is_a_refusal(raw):
    assert says_not_found(raw)
    assert check_answer(raw, PASSAGES, 0.5).refused


def test_comment_citation_is_marked_as_comment():
    checked = check_answer("Een lezer vindt dat de kerken een belangrijke rol spelen [3].", PASSAGES, 0.5)
    assert checked.citations[0].is_comment


def test_markers_leading_their_claims_are_read_as_trailing_markers():
    raw = "[1] De WRR onderscheidt afhankelijke, afzijdige, afwachtende en actieve burgers [2] Individuele hulpverlening is dweilen met de kraan open"
    checked = check_answer(raw, PASSAGES, 0.5)
    assert [c.source for c in checked.citations] == ["003.txt", "002.txt"]
    assert checked.text.startswith("De WRR onderscheidt") and "dweilen met de kraan open [2]." in checked.text


def test_a_sentence_repeated_by_the_model_is_kept_once():
    raw = "De WRR onderscheidt actieve burgers [1]. De WRR onderscheidt actieve burgers [1]."
    checked = check_answer(raw, PASSAGES, 0.5)
    assert checked.text == "De WRR onderscheidt actieve burgers [1]."


# --- the strict claim check: names, numbers and form against the cited evidence ----------------------


def _passage(text: str, source: str = "003_b4ac6d7293bc88c6.txt"):
    from assistant.core.types import Passage

    return Passage(id=source, source=source, title="Welzijnsdirecteuren omarmen WRR-advies", text=text, score=1.0, start=0,
                   end=len(text))


VAN_DIJK = ("‘Dat gebeurt slechts incidenteel,’ zegt Gert van Dijk, directeur van Welzijn Amersfoort. "
            "De WRR onderscheidt vier typen burgers.")


def test_a_sentence_naming_someone_the_evidence_does_not_name_is_replaced_by_the_evidence():
    from assistant.rag.citations import check_answer

    checked = check_answer("Thijs Torreman zegt dat het slechts incidenteel gebeurt [1].", [_passage(VAN_DIJK)], 0.3)
    assert "Torreman" not in checked.text
    assert checked.text.startswith("‘Dat gebeurt slechts incidenteel,’ zegt Gert van Dijk") and checked.text.endswith("[1].")
    assert any("Torreman" in c.sentence and not c.supported for c in checked.checks)


def test_a_number_the_evidence_does_not_hold_is_replaced_and_citations_are_renumbered():
    from assistant.rag.citations import check_answer

    passages = [_passage(VAN_DIJK), _passage("Er zijn ruim 400 welzijnsorganisaties lid van Sociaal Werk Nederland.", "004.txt")]
    raw = "Er zijn 500 welzijnsorganisaties lid van Sociaal Werk Nederland [2]. De WRR onderscheidt vier typen burgers [1]."
    checked = check_answer(raw, passages, 0.3)
    assert "500" not in checked.text and "ruim 400" in checked.text
    assert [c.n for c in checked.citations] == [1, 2] and checked.citations[0].source == "004.txt"
    assert checked.text.index("[1]") < checked.text.index("[2]")


def test_a_faithful_sentence_stays_as_written():
    from assistant.rag.citations import check_answer

    raw = "Volgens Gert van Dijk gebeurt dat slechts incidenteel [1]."
    assert check_answer(raw, [_passage(VAN_DIJK)], 0.3).text == raw


def test_a_replacement_quote_of_two_sentences_carries_its_marker_on_each():
    from assistant.rag.citations import check_answer

    text = "Lex Staal was bij C3 te gast met ruim 400 leden. Hij vertelde over de brancheorganisatie."
    checked = check_answer("Lex Staal sprak voor 500 leden over de brancheorganisatie [1].", [_passage(text)], 0.3)
    assert "500" not in checked.text
    assert all(part.strip().endswith("[1]") for part in checked.text.split(".") if part.strip())
