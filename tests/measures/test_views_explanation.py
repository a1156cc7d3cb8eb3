"""The explanation filter: paragraphs, lists and footnote links, with everything escaped."""

from django.template import Context, Template

from measures.templatetags.explanations import render_explanation


def test_blank_lines_separate_paragraphs_and_single_newlines_do_not():
    html = render_explanation("Eerste alinea,\nnog steeds de eerste.\n\n\nTweede alinea.")

    assert html == "<p>Eerste alinea,\nnog steeds de eerste.</p>\n<p>Tweede alinea.</p>"


def test_dash_lines_become_a_bullet_list_even_right_after_a_sentence():
    html = render_explanation("Het gaat om:\n- scholen\n- sportclubs\n\nDaarna meer.")

    assert html == (
        "<p>Het gaat om:</p>\n<ul><li>scholen</li><li>sportclubs</li></ul>\n<p>Daarna meer.</p>"
    )


def test_numbered_lines_become_an_ordered_list_that_keeps_its_numbers():
    assert render_explanation("1. eerst\n2) dan") == "<ol><li>eerst</li><li>dan</li></ol>"
    assert render_explanation("3. verder") == '<ol start="3"><li>verder</li></ol>'


def test_a_sentence_that_starts_with_a_year_stays_a_paragraph():
    assert render_explanation("2024. Een goed jaar.") == "<p>2024. Een goed jaar.</p>"


def test_footnote_markers_link_to_the_numbered_footnotes():
    html = render_explanation("Zie de brief.[^3] En opnieuw.[^3]")

    assert html == (
        '<p>Zie de brief.<sup class="footnote-ref"><a href="#voetnoot-3" id="voetnoot-3-ref-1">'
        '<span class="visually-hidden">voetnoot </span>3</a></sup> En opnieuw.'
        '<sup class="footnote-ref"><a href="#voetnoot-3" id="voetnoot-3-ref-2">'
        '<span class="visually-hidden">voetnoot </span>3</a></sup></p>'
    )


def test_a_marker_without_a_footnote_on_the_page_is_not_a_dead_link():
    html = render_explanation("Bekend[^1] en onbekend[^2].", footnotes=[1])

    assert 'href="#voetnoot-1"' in html
    assert 'href="#voetnoot-2"' not in html
    assert '<sup class="footnote-ref">2</sup>' in html


def test_markers_inside_list_items_are_linked_too():
    html = render_explanation("- eerste punt[^1]")

    assert html.startswith('<ul><li>eerste punt<sup class="footnote-ref"><a href="#voetnoot-1"')


def test_everything_else_is_escaped():
    html = render_explanation('<script>alert("x")</script> & [link](javascript:x) [^1"]')

    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;" in html
    assert "[link](javascript:x) [^1&quot;]" in html


def test_empty_and_windows_line_endings():
    assert render_explanation("") == ""
    assert render_explanation(None) == ""
    assert render_explanation("a\r\n\r\nb") == "<p>a</p>\n<p>b</p>"


def test_in_a_template_it_takes_the_footnotes_as_argument():
    class Footnote:
        number = 1

    template = Template("{% load explanations %}{{ text|explanation:footnotes }}")

    html = template.render(Context({"text": "A[^1] <b>", "footnotes": [Footnote()]}))

    assert 'href="#voetnoot-1"' in html
    assert "&lt;b&gt;" in html
