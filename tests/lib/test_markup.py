from lib.markup import inline_markup, markup_with_marks, plain_text


def test_the_safe_inline_tags_stay_and_everything_else_is_read_as_text():
    assert (
        inline_markup("PM<sub>2.5</sub> in <i>Strix occidentalis</i>")
        == "PM<sub>2.5</sub> in <i>Strix occidentalis</i>"
    )
    assert inline_markup("<p>One</p><p>Two<br/>three</p>") == "One\nTwo\nthree"
    assert inline_markup('<script>alert(1)</script>Hi <a href="x" onclick="y">there</a>') == "Hi there"
    assert inline_markup('<b style="color:red" onmouseover="x()">bold</b>') == "<b>bold</b>"
    assert inline_markup("a < b & c") == "a &lt; b &amp; c"
    assert inline_markup("") == ""


def test_the_words_alone_are_what_keywords_are_matched_on():
    assert plain_text("Effects of PM<sub>2.5</sub> &amp; ozone") == "Effects of PM2.5 & ozone"


def test_marks_follow_the_words_across_tags():
    def find(plain):
        at = plain.index("PM2.5")
        return [(at, at + 5, "kw-include")]

    assert markup_with_marks("Effects of PM<sub>2.5</sub>", find) == (
        'Effects of <mark class="kw-include">PM</mark><sub><mark class="kw-include">2.5</mark></sub>'
    )
    assert markup_with_marks("x <y", lambda plain: [(0, 1, "k")]) == '<mark class="k">x</mark> &lt;y'


def test_a_less_than_sign_before_a_word_that_is_no_element_keeps_the_words_after_it():
    assert inline_markup("scores <median were >mean in <i>both</i> arms") == (
        "scores &lt;median were &gt;mean in <i>both</i> arms"
    )
    assert plain_text("levels <LOD in 12 samples and >LOQ in 3") == "levels <LOD in 12 samples and >LOQ in 3"
    assert inline_markup("<italic>Escherichia coli</italic> <SPAN>kept</SPAN>") == "Escherichia coli kept"
