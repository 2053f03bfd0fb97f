"""An article that is not among the seeds, and a question only it answers (for the management tests)."""

NAME = "buurtkoks-zwolle.md"
TEXT = """# Buurtkoks in Holtenbroek koken tegen eenzaamheid

Door Marieke Jansen

12 maart 2025

In de Zwolse wijk Holtenbroek koken vrijwilligers van het project Buurtkoks elke dinsdag een warme maaltijd
voor ouderen die alleen wonen. Het project begon in 2023 met zes deelnemers en kookt nu wekelijks voor
70 buurtbewoners.

## Aanpak

Coördinator Ingrid Verhoef vertelt dat de maaltijd vooral een reden is om elkaar te ontmoeten. De
vrijwilligers brengen de pannen rond met een bakfiets en blijven een kwartier koffie drinken. Volgens
Verhoef voelen de deelnemers zich daardoor minder eenzaam.

## Geld

De gemeente Zwolle betaalt het project uit het budget voor welzijn. Een maaltijd kost de deelnemers drie
euro; de rest komt uit een subsidie van veertigduizend euro per jaar.
"""
QUESTION = "Wie is Ingrid Verhoef?"  # no seed names her: refused without this article
ANSWER_WORD = "maaltijd"
