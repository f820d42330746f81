"""What a typed search becomes, and how a text is marked where it matches: plain Python, the
same on both databases."""

from search.terms import MAX_TERMS, Query, Span, marked, snippet, stem


def marks(parts: list[Span]) -> list[str]:
    return [part.text for part in parts if part.marked]


def test_only_letters_and_digits_are_looked_for_folded():
    query = Query.parse("  Répétitions & l’Opéra: “GALA” 2025! ")

    assert query.terms == ("repetitions", "l", "opera", "gala", "2025")


def test_signs_alone_are_no_query():
    assert not Query.parse("&|!:* () '' -- ;")
    assert not Query.parse("")


def test_a_word_is_looked_for_once_and_a_few_words_at_most():
    query = Query.parse("gala GALA Gala " + " ".join(f"w{n}" for n in range(20)))

    assert query.terms.count("gala") == 1
    assert len(query.terms) == MAX_TERMS


def test_the_crude_stem_trims_a_plural_or_an_ing_but_keeps_short_words():
    assert stem("repetitions") == "repetition"
    assert stem("dancing") == "danc"
    assert stem("danced") == "danc"
    assert stem("beaux") == "beau"
    assert stem("danses") == "danse"  # never "dans", a French word of its own
    assert stem("sing") == "sing"
    assert stem("gala") == "gala"


def test_words_that_start_with_a_stem_are_marked_whatever_their_accents_and_case():
    parts = marked("La Répétition générale, puis les RÉPÉTITIONS.", ("repetition",))

    assert marks(parts) == ["Répétition", "RÉPÉTITIONS"]
    assert "".join(part.text for part in parts) == "La Répétition générale, puis les RÉPÉTITIONS."


def test_a_stem_inside_a_word_is_not_a_match():
    assert marks(marked("A megagala and a gala.", ("gala",))) == ["gala"]


def test_markup_stays_text_for_the_template_to_escape():
    parts = marked('<script>alert("gala")</script>', ("gala",))

    assert marks(parts) == ["gala"]
    assert "".join(part.text for part in parts) == '<script>alert("gala")</script>'


def test_a_long_text_is_cut_around_its_first_match_between_words():
    text = "Opening words. " * 40 + "Then the gala comes, with its lights. " + "After. " * 40

    parts = snippet(text, ("gala",))
    shown = "".join(part.text for part in parts)

    assert parts[0].text == "…" and parts[-1].text == "…"
    assert marks(parts) == ["gala"]
    assert len(shown) < 260
    assert "Opening" in shown and "After" in shown
    assert not shown.startswith("…pening")


def test_a_text_without_a_shown_match_starts_at_its_beginning():
    text = "First words of a long review. " * 20

    shown = "".join(part.text for part in snippet(text, ("absent",)))

    assert shown.startswith("First words of a long review.")
    assert shown.endswith("…")


def test_line_breaks_become_spaces_in_a_snippet():
    assert "".join(p.text for p in snippet("One\n\nTwo\tthree", ())) == "One Two three"
