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
