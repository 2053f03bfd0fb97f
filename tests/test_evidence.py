"""Evidence ranking and extractive answers, on real sentences from the seed articles."""

from __future__ import annotations

from pathlib import Path

from assistant.core.types import Passage
from assistant.rag.evidence import rank
from assistant.rag.extractive import extract
from assistant.text.answer_form import malformed_reasons
from evals.metrics import answer_claims

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

WRR_VMBO = (
    "Eén van de aanbevelingen van de WRR is dat de vmbo-scholen extra aandacht moeten krijgen. Daar is sprake "
    "van grote maatschappelijke uitval, en ze zouden een handige ‘vindplaats’ voor het welzijnswerk zijn. "
    "‘Dat gebeurt slechts incidenteel,’ zegt Thijs Torreman. Vrijwel nergens is sprake van een structurele, op "
    "preventie van uitval gerichte samenwerking tussen vmbo-scholen en welzijnsorganisaties. Van Dijk vindt dat "
    "die samenwerking landelijk gestimuleerd zou moeten worden."
)
C3 = (
    "Afgelopen vrijdag was Lex Staal bij C3 te gast en nam hij ons mee in de wereld van sociaal werk vanuit zijn "
    "perspectief van de brancheorganisatie met ruim 400 welzijnsorganisaties als leden. Aanvankelijk zou de "
    "bijeenkomst fysiek plaatsvinden op een locatie waar sociaal werk voor ons zichtbaar en voelbaar zou zijn. "
    "Op deze visie wil sociaal werk aansluiten, door ook in Nederland een basisvoorziening te organiseren voor "
    "alle welzijnsorganisaties en bewoners in de gemeentelijke omgeving."
)
HORTULANUS = (
    "De welzijnssector stimuleert dat mensen de regie over hun bestaan houden. En zo nodig weer in handen "
    "krijgen. Dat schrijft stadssocioloog Roelof Hortulanus in het discussiestuk 'De welzijnssector in beeld'. "
    "Hij schreef de publicatie in opdracht van de VOG, Verdiwel en het ministerie van Volksgezondheid, Welzijn "
    "en Sport."
)


def passage(text: str, n: int = 0) -> Passage:
    return Passage(id=f"p{n}", source=f"00{n}.txt", title="titel", text=text, start=0, end=len(text), score=1.0)


def seed(prefix: str) -> Passage:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    return passage(path.read_text(encoding="utf-8"))


def excerpt(prefix: str, first: str, last: str, n: int = 0) -> Passage:
    """The seed article's text from `first` up to and including `last`."""
    text = seed(prefix).text
    start = text.index(first)
    return passage(text[start : text.index(last, start) + len(last)], n)


def best(question: str, *texts: str) -> str:
    """The text of the best evidence among the texts, each a passage (in retrieval order)."""
    return rank(question, [passage(text, n) for n, text in enumerate(texts)])[0].text


def first_claim(answer: str) -> str:
    return answer_claims(answer)[0][0]


def test_who_question_ranks_the_sentence_that_names_the_speaker_first():
    ranked = rank("Wie zegt dat samenwerking met het vmbo slechts incidenteel gebeurt?", [passage(WRR_VMBO)])
    assert "zegt Thijs Torreman" in ranked[0].text


def test_how_many_question_ranks_the_sentence_with_the_number_first():
    answer = extract("Hoeveel welzijnsorganisaties zijn lid van Sociaal Werk Nederland?", [passage(C3)])
    assert "400" in first_claim(answer)


def test_how_many_question_without_its_number_gets_no_answer():
    assert extract("Hoeveel verdient de directeur van Sociaal Werk Nederland?", [passage(C3)]) == ""


def test_a_sentence_that_leans_on_the_one_before_brings_it_along():
    ranked = rank("In opdracht van welke partijen is het discussiestuk geschreven?", [passage(HORTULANUS)])
    best = ranked[0]
    assert best.text.startswith("Dat schrijft stadssocioloog Roelof Hortulanus")
    assert best.text.endswith("Welzijn en Sport.")
    assert HORTULANUS[best.core_start : best.core_end].startswith("Hij schreef")


def test_he_needs_no_lead_when_the_question_names_the_person():
    ranked = rank("In opdracht van welke partijen schreef Hortulanus zijn discussiestuk?", [passage(HORTULANUS)])
    assert ranked[0].text.startswith("Hij schreef de publicatie in opdracht van de VOG")


def test_a_sentence_ending_in_a_colon_brings_its_list_and_the_answer_has_no_fragment():
    call = seed("002")
    answer = extract("Waartoe roepen Moerbeek en Bruinsma op?", [call])
    line = next(line for line in answer.splitlines() if "roepen wij op tot" in line)
    assert "roepen wij op tot: Meer aandacht en ruimte voor een thematische - en groepsgerichte aanpak" in line
    assert "Herwaardering van de sociale sector als geheel. [1]" in answer.splitlines()
    assert not malformed_reasons(answer, answer_claims(answer))


def test_no_bare_url_is_evidence_and_a_signature_line_only_says_who_someone_is():
    call = [seed("002")]
    ranked = rank("Welk onderzoek van Movisie over sociale wijkteams noemen Moerbeek en Bruinsma?", call)
    assert all("https://" not in item.text.split()[0] for item in ranked)
    assert not ranked[0].text.startswith("Saskia Moerbeek, directeur")
    assert rank("Wie is Saskia Moerbeek?", call)[0].text.startswith("Saskia Moerbeek, directeur stichting")


def test_the_best_sentence_comes_first_not_the_first_in_the_text():
    answer = extract("Wie vindt dat de samenwerking landelijk gestimuleerd zou moeten worden?", [passage(WRR_VMBO)])
    assert first_claim(answer).startswith("Van Dijk vindt dat die samenwerking landelijk gestimuleerd")


def test_further_sentences_add_something_new():
    twice = passage(WRR_VMBO + "\n\n" + WRR_VMBO)
    answer = extract("Wie vindt dat de samenwerking landelijk gestimuleerd zou moeten worden?", [twice])
    claims = [claim for claim, _ in answer_claims(answer)]
    assert len(claims) == len(set(claims))


def test_follow_up_ranks_by_the_words_just_typed():
    standalone = "Wie is Lex Staal? Wat vertelde hij over een basisvoorziening?"
    answer = extract(standalone, [passage(C3)], asked="Wat vertelde hij over een basisvoorziening?")
    assert "basisvoorziening" in first_claim(answer)


def test_why_question_prefers_the_sentence_that_gives_a_reason():
    text = (
        "Aanvankelijk zou de bijeenkomst fysiek plaatsvinden op een locatie waar sociaal werk voor ons zichtbaar "
        "en voelbaar zou zijn. Door Covid-19 was dat helaas niet mogelijk en besloten we elkaar digitaal te treffen."
    )
    assert "Covid-19" in best("Waarom vond de bijeenkomst digitaal plaats?", text)


def test_asking_what_something_is_called_prefers_the_sentence_with_the_title():
    text = (
        "Behalve aan het rapport zelf besteedt Zorg + Welzijn aandacht aan succesvolle buurtinitiatieven waarvan "
        "het rapport bol staat. In het rapport ‘Vertrouwen in de buurt’, dat de Wetenschappelijke Raad voor het "
        "Regeringsbeleid vlak voor de zomer presenteerde, wordt onder meer een lans gebroken voor versterking van "
        "het welzijnswerk."
    )
    answer = extract("Hoe heet het rapport waarop de welzijnsdirecteuren reageren?", [passage(text)])
    assert "Vertrouwen in de buurt" in first_claim(answer)


def test_the_sentence_after_one_that_restates_the_question_is_evidence_too():
    text = (
        "Sommige welzijnsdirecteuren voeren aan dat de prestatieafspraken met gemeenten zo dichtgetimmerd zitten, "
        "dat er weinig ruimte is om vragen van bewoners direct te honoreren. Zuiver reageert hier laconiek op: "
        "‘Daar moet je creatief mee omgaan. Het stadsdeel wilde dat eigenlijk niet, maar we hebben het toch gedaan."
    )
    answer = extract(
        "Wie is Hans Zuiver? Wat zegt hij over de dichtgetimmerde prestatieafspraken?", [passage(text)],
        asked="Wat zegt hij over de dichtgetimmerde prestatieafspraken?",
    )
    assert "creatief" in answer


def test_the_answer_after_the_sentence_that_restates_the_question_comes_first():
    text = (
        "Er zijn nogal wat voorbeelden te geven van specifieke arrangementen, die inmiddels ook buiten de "
        "welzijnssector gewaardeerd worden als belangrijke interventiestrategieën en bijdragen aan de lokale "
        "sociale infrastructuur.’ De stadssocioloog noemt de brede school, activiteiten op het gebied van sociale "
        "activering, de inzet van ouderenadviseurs, en buurtbemiddelingsprojecten om de leefbaarheid op straat en "
        "de contacten in de buurt te bevorderen."
    )
    answer = extract("Welke voorbeelden van succesvolle specifieke arrangementen noemt de auteur?", [passage(text)])
    assert first_claim(answer).startswith("De stadssocioloog noemt de brede school")


def test_the_person_whose_view_is_asked_answers_after_the_restatement():
    text = (
        "Sommige welzijnsdirecteuren voeren aan dat de prestatieafspraken met gemeenten zo dichtgetimmerd zitten, "
        "dat er weinig ruimte is om vragen van bewoners direct te honoreren. Zuiver reageert hier laconiek op: "
        "‘Daar moet je creatief mee omgaan. Het stadsdeel wilde dat eigenlijk niet, maar we hebben het toch gedaan."
    )
    answer = extract(
        "Wie is Hans Zuiver? Wat zegt hij over de dichtgetimmerde prestatieafspraken met gemeenten?", [passage(text)],
        asked="Wat zegt hij over de dichtgetimmerde prestatieafspraken met gemeenten?",
    )
    assert "creatief" in first_claim(answer)


def test_a_sentence_inherits_only_the_question_words_it_does_not_repeat():
    text = (
        "Natuurlijk, er komen inspirerende voorbeelden naar voren, zoals de buurt- of wijkcoöperatie, waarin actieve "
        "burgers zelf voorzieningen inkopen, en de veelgeroemde wijkcoaches uit Enschede. Maar dat blijven "
        "voorbeelden die in zichzelf niet voldoende zijn voor een systeeminnovatie."
    )
    assert "wijkcoaches uit Enschede" in best("Welk voorbeeld uit Enschede noemt Jet Bussemaker?", text)


SIGNATURES = (
    "Saskia Moerbeek, directeur stichting Bevordering Maatschappelijke Participatie (BMP)\n\n"
    "Kathinka Bruinsma, Perspectief coaches: Procesbegeleiding samenwerken met ouders en wijkbewoners."
)


def test_a_sentence_that_shares_only_the_question_names_counts_less():
    text = (
        "In het huidige welzijnswerk is weinig ruimte voor een groepsgerichte aanpak. Veel buurthuizen zijn "
        "verworden tot facilitaire voorzieningen waar je goedkoop een ruimte kan huren."
    )
    question = "Wat is er volgens Moerbeek en Bruinsma van veel buurthuizen geworden?"
    assert best(question, SIGNATURES, text).startswith("Veel buurthuizen zijn verworden tot facilitaire")


def test_a_number_in_a_name_is_no_count():
    text = (
        "Afgelopen vrijdag was Lex Staal bij C3 te gast en nam hij ons mee in de wereld van sociaal werk vanuit zijn "
        "perspectief van de brancheorganisatie met ruim 400 welzijnsorganisaties als leden. Aanvankelijk zou de "
        "bijeenkomst fysiek plaatsvinden op een locatie waar sociaal werk voor ons zichtbaar en voelbaar zou zijn. "
        "Door Covid-19 was dat helaas niet mogelijk en besloten we elkaar digitaal te treffen."
    )
    ranked = rank("How many member organisations does Sociaal Werk Nederland have?", [passage(text)])
    assert "400" in ranked[0].text
    assert ranked[-1].text.startswith("Door Covid-19")  # as countless as the sentence before it


def test_the_source_after_volgens_frames_the_question_like_a_name():
    passages = [
        excerpt("001", "Maar de volgende vraag", "verdieping in de breedte."),
        excerpt("001", "Nico de Boer en Jos van der Lans schreven", "echte sociaaleconomische beleid.", 1),
    ]
    ranked = rank(
        "Hoe zou de opleiding van welzijnsmedewerkers volgens de voorzitter van de MO-groep anders moeten?", passages
    )
    assert "minder specialismen in de diepte" in ranked[0].text


def test_the_role_a_question_asks_about_is_frame_not_subject():
    text = (
        "Volgens de stadssocioloog speelt te sector zeker een belangrijke rol voor uitgerangeerde burgers, maar "
        "ontleent hij zijn bestaansrecht niet aan het opvangen van de beperkingen van andere dienstverlenende "
        "sectoren. ‘De sector vindt het belangrijker zoveel mogelijk preventief te werk te gaan."
    )
    assert "preventief te werk" in best("Welke rol speelt preventie in de visie van Hortulanus?", text)


def test_what_makes_it_so_hard_asks_for_a_reason():
    text = (
        "In ons gesprek kwam het aanverwante begrip sociaal domein naar voren, dat veelvuldig wordt gebruikt in de "
        "gemeentelijke omgeving, waarin het ‘domein denken’ op de voorgrond staat. Het blijkt een ingewikkelde term "
        "omdat het veelal een (financieel) beheersmatig kant kent, waarin afbakening een centrale plek inneemt."
    )
    question = "Wat maakt het begrip 'sociaal domein' volgens het verslag van C3 zo lastig?"
    assert best(question, text).startswith("Het blijkt een ingewikkelde term omdat")


def test_who_besides_a_named_person_is_not_that_person():
    question = "Wie ondertekende naast Saskia Moerbeek de oproep tot een andere focus op het sociaal werk?"
    assert best(question, SIGNATURES).startswith("Kathinka Bruinsma")
    assert best("Wie is Saskia Moerbeek?", SIGNATURES).startswith("Saskia Moerbeek")


def test_a_sentence_someone_else_says_in_an_article_that_never_names_whose_view_is_asked_counts_less():
    from assistant.rag.evidence import Voices

    question = "Wat moet er volgens Jet Bussemaker veranderen in de welzijnssector?"
    hers = "Er moet veel veranderen in de financiering van de welzijnssector door gemeenten."
    his = "Volgens Hortulanus moet er in de welzijnssector veel veranderen aan de rol van de bruggenbouwer."
    passages = [passage(his, 0), passage(hers, 1)]
    assert rank(question, passages)[0].n == 1  # by words alone, his sentence leads
    speakers = {1: ("Roelof Hortulanus",), 2: ("Jet Bussemaker",)}
    voices = Voices(said=lambda n, start, end: speakers[n], article=lambda n: passages[n - 1].text)
    assert rank(question, passages, voices=voices)[0].n == 2
    # An article that names her may report her view in its author's words: no discount there.
    naming = Voices(said=voices.said, article=lambda n: passages[n - 1].text + " Jet Bussemaker reageert.")
    assert rank(question, passages, voices=naming)[0].n == 1


def test_who_someone_is_does_not_answer_what_they_think(monkeypatch):
    from assistant.rag import evidence

    question = "Wat vindt Jet Bussemaker van de systeeminnovatie in het welzijnswerk?"
    intro = "Jet Bussemaker is voorzitter van de MOgroep Welzijn en voormalig staatssecretaris van Welzijn."
    view = "De systeeminnovatie waar de auteurs voor pleiten is dringend noodzakelijk, maar voorbeelden zijn niet genoeg."
    assert best(question, intro, view) == view
    monkeypatch.setattr(evidence, "INTRODUCTION", 0.0)
    assert best(question, intro, view) == intro  # by its words and her name, the introduction would lead
    monkeypatch.undo()
    # A sentence that names her and says what she thinks is no introduction.
    said = "Jet Bussemaker, voorzitter van de MOgroep, vindt de systeeminnovatie in het welzijnswerk te traag."
    assert best(question, said, view) == said
