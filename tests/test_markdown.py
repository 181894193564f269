from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator.markdown import LinkContext, MarkdownRenderer, internal_target, link_line


def test_internal_target_resolution():
    assert internal_target("articles/2012/12/a.md", "../11/b.md#x") == ("articles/2012/11/b.md", "x")
    assert internal_target("articles/2012/12/a.md", "https://x.org/b.md") is None
    assert internal_target("articles/2012/12/a.md", "/articles/c.md") == ("articles/c.md", "")
    assert internal_target("articles/2012/12/a.md", "page.html") is None


def test_links_rewritten_and_broken_ones_collected():
    context = LinkContext("articles/2012/12/a.md", {"articles/2012/11/b.md": "/2012/11/05/b/"})
    html = MarkdownRenderer().render(
        "See [b](../11/b.md#part) and [c](c.md) and [web](https://x.org).", context
    )
    assert '<a href="/2012/11/05/b/#part">b</a>' in html
    assert '<a href="c.md">c</a>' in html
    assert context.broken == ["c.md"] and context.found == ["articles/2012/11/b.md"]


def test_raw_html_is_kept_by_default():
    assert "<aside>x</aside>" in MarkdownRenderer().render("<aside>x</aside>")


def test_summary_is_first_prose_paragraph_as_text():
    renderer = MarkdownRenderer()
    body = "# Heading\n\n![img](x.png)\n\nFirst *real* paragraph &amp; more.\n\nSecond."
    assert renderer.summary(body) == "First real paragraph & more."
    assert len(renderer.summary("word " * 200)) <= 301


def test_link_line_counts_from_file_start():
    assert link_line("a\nb\n[x](y.md)\n", 10, "y.md") == 12


# -- the inline pass that skips patterns (generator/inline.py) gives Python-Markdown's own output --

EVERY_INLINE_PATTERN = """\
Plain words, `code with [brackets] & <tags>`, ``double `tick` code``, an escaped \\*star\\* and \\`tick\\`.

A [link](http://example.org "title"), an ![image](/a.png), a [reference][ref], a [short ref], and
![an image ref][ref]. <http://auto.example.org/x> and <someone@example.org> and <b>raw *html*</b>.
Entities &amp; &#169; &#x263A; and a bare & ampersand. A line break here\x20\x20
and *em*, **strong**, ***both***, _under_, __double under__, snake_case_word, 2 * 3 * 4, a * b.

Footnote here[^1]. Abbreviation HTML. Nested **bold [link *em*](/x)** and `*not em*`.

[ref]: http://example.org/ref
[short ref]: /short
[^1]: The note, with a [link](/n) and `code`.

*[HTML]: Hyper Text Markup Language

| table | with *em* |
|-------|-----------|
| `c`   | [l](/l)   |

Term
:   Definition with **strong** and &amp;.
"""


def _both(text: str, *more: Any) -> tuple[str, str]:
    """Python-Markdown as shipped, and with press's passes (prepass, inline, linkpass, blockpass,
    blocktags, treepass); `more`: extensions added to both."""
    import markdown as md

    from generator import blockpass, blocktags, inline, linkpass, prepass, treepass
    from generator.markdown import extensions

    # by name, as documented
    plain = md.Markdown(extensions=["extra", "sane_lists", *more], output_format="html")
    skipping = md.Markdown(extensions=[*extensions(), *more], output_format="html")
    assert prepass.install(skipping), "this Python-Markdown changed the preprocessors prepass.py replaces"
    assert inline.install(skipping), "this Python-Markdown changed the inline loop inline.py replaces"
    assert linkpass.install(skipping), "this Python-Markdown changed the link parsing linkpass.py replaces"
    assert blockpass.install(skipping), "this Python-Markdown changed the block loop blockpass.py replaces"
    assert blocktags.install(skipping), (
        "this Python-Markdown changed the block-level check blocktags.py replaces"
    )
    assert treepass.install(skipping), "this Python-Markdown changed the tree processors treepass.py wraps"
    return plain.convert(text), skipping.convert(text)


EVERY_BLOCK_PROCESSOR = """# Hash header #

Setext header
=============

Second level
------------

***

- - -

1. first
2. second
    * nested bullet

* bullet
+ plus item

> quoted *text*
> > nested quote

Term
:   definition

    indented continuation

    code block inside? no: continuation

<div markdown="1">
*markdown inside html*
</div>

<p>raw block</p>

| a | b |
|---|---|
| 1 | 2 |

Footnote[^n] and an abbreviation ABC and a [ref].

[^n]: The note.
    Continued.

*[ABC]: Always Be Closing

[ref]: http://example.org "Title"

    indented code

```
fenced code
```

A paragraph ending the document.
"""


def test_skipping_block_pass_matches_python_markdown_on_every_processor():
    plain, skipping = _both(EVERY_BLOCK_PROCESSOR)
    pieces = ("<h1", "<h2", "<hr", "<ol>", "<ul>", "<blockquote", "<dl>", "<table>", "<pre><code>")
    for piece in (*pieces, "footnote", "<abbr", 'href="http://example.org"', "<em>markdown inside"):
        assert piece in plain, piece  # the document really exercises each processor
    assert skipping == plain


@pytest.mark.parametrize(
    ("priority", "heading"),
    [(200, "<h1>Heading</h1>"), (55, "<p># Heading</p>")],  # before every processor; after the headers
)
def test_skipping_block_pass_offers_a_block_a_declining_processor_changed_as_python_markdown(
    priority, heading
):
    # A processor may decline a block after putting another in its place: Python-Markdown offers
    # the new block to the processors after that one (the first block, "@@# Heading", gave no
    # reason to try the header's: no line opens with "#"), and not to those before it.
    from markdown.blockprocessors import BlockProcessor
    from markdown.extensions import Extension

    class Unmark(BlockProcessor):
        def test(self, parent: Any, block: str) -> bool:
            return block.startswith("@@")

        def run(self, parent: Any, blocks: list[str]) -> bool:
            blocks.insert(0, blocks.pop(0)[2:])
            return False

    class Unmarking(Extension):
        def extendMarkdown(self, md: Any) -> None:  # noqa: N802 (Python-Markdown's name)
            md.parser.blockprocessors.register(Unmark(md.parser), "unmark", priority)

    plain, skipping = _both("@@# Heading\n\n@@> quoted\n", Unmarking())
    assert heading in plain and "<blockquote>" in plain
    assert skipping == plain


def test_block_pass_keeps_few_combinations_and_still_matches(monkeypatch: pytest.MonkeyPatch):
    from generator import blockpass

    monkeypatch.setattr(blockpass, "_COMBINATIONS", 2)
    plain, skipping = _both(EVERY_BLOCK_PROCESSOR)
    assert skipping == plain
    renderer = MarkdownRenderer()
    renderer.draft(EVERY_BLOCK_PROCESSOR)
    plan = renderer._md.parser._press_plan  # the plan of press's own parser
    assert 0 < len(plan.offers) <= 2


def test_skipping_inline_pass_matches_python_markdown_on_every_pattern():
    plain, skipping = _both(EVERY_INLINE_PATTERN)
    for piece in ("<code>", "<a href", "<img", "<em>", "<strong>", "&amp;", "<br", "footnote", "<abbr"):
        assert piece in plain  # the document really exercises each pattern
    assert skipping == plain


def test_skipping_passes_match_python_markdown_on_the_corpus(corpus_archive):
    import frontmatter

    bodies = [frontmatter.load(p).content for p in sorted((corpus_archive / "content").rglob("*.md"))]
    differ = [n for n, body in enumerate(bodies) if len(set(_both(body))) != 1]
    assert len(bodies) > 2000 and differ == []


def test_html_pass_runs_only_where_it_could_change_the_text(monkeypatch: pytest.MonkeyPatch):
    from markdown.extensions.md_in_html import HtmlBlockPreprocessor

    from generator.markdown import MarkdownRenderer

    ran: list[str] = []
    real = HtmlBlockPreprocessor.run
    monkeypatch.setattr(
        HtmlBlockPreprocessor, "run", lambda self, lines: ran.append("html") or real(self, lines)
    )
    renderer = MarkdownRenderer()
    # Tags, entities and references within lines: re-emitted as they are.
    renderer.render("A [link](/l), <b>bold</b> and <div>x</div> &amp; &#8217; &#x41; within lines.\n")
    assert ran == []
    for text in (
        "<div>a block</div>\n",  # at the very start
        "Text\n   <p>three spaces in</p>\n",  # at a line's start, after three spaces
        "Text\nab<b>x</b>\n",  # loosely at a line's start
        "Mid <!-- a comment --> line\n",  # a comment anywhere
        "Mid <?php x ?> line\n",  # a processing instruction anywhere
        "Copyright &#169 2020\n",  # a reference without its ";"
        "Use `<HR Markdown=1 />` for a rule\n",  # a rule with a markdown attribute, anywhere
    ):
        before = len(ran)
        renderer.render(text)
        assert len(ran) == before + 1, text


def test_html_pass_runs_on_every_entity_where_the_parser_reads_one_without_its_semicolon(
    monkeypatch: pytest.MonkeyPatch,
):
    # Python-Markdown's parser reads "&name" only with its ";"; html.parser's own rule (which
    # versions of Python-Markdown we accept may use) reads "AT&T," as "AT&T;,".
    import re

    from markdown.htmlparser import htmlparser

    monkeypatch.setattr(htmlparser, "entityref", re.compile("&([a-zA-Z][-.a-zA-Z0-9]*)[^a-zA-Z0-9]"))
    plain, skipping = _both("Phones from AT&T, and more.\n")
    assert "AT&T;," in plain and skipping == plain


def test_html_pass_still_runs_on_text_with_an_entity_but_no_tag():
    # Python-Markdown's HTML block pass completes a character reference ("&#169 2020" gains its
    # ";"): a text holding "&" but no "<" must still go through it.
    plain, skipping = _both("Copyright &#169 2020, all rights reserved.\n")
    assert "&#169;" in plain and skipping == plain


# Pieces that each pass looks for, and the text around them, joined at random.
PIECES = [
    *("#", "##", "=", "==", "-", "--", "_", "*", "**", "+", ".", "1.", ":", "|", ">", "!", "^"),
    *("'", '"', "[a](/u)", "](", "![i](/p.png)", "<http://x.org>", ' "t"'),
    *("[", "]", "(", ")", "`", "```", "~~~", "<", "&", "\\", "\t", "\r", "\r\n"),
    *(" ", "  ", "   ", "\n", "\n\n", "a", "word", "http://x.org", "&amp;", "&copy", "&#169"),
    *("<div>", "</div>", "<b>", "</b>", "<!-- c -->", "[^1]", "[^1]: note", "[r]", "[r]: /u", "*[A]: b"),
    *("{", "}", "{: .c}", "{#i}", "{: title=t}", "\\*", "\\[", "\\{", "&#123;", "&#92;"),
    # What the HTML block pass looks for, within lines and at their starts (see prepass.py).
    *("<p>", "</p>", "<hr>", "<br/>", "<img src=i>", "<script>", "<div markdown=1>", "\u00a0", "ab"),
    *("<!--", "-->", "-- >", "<?php ?>", "<!DOCTYPE x>", "<![CDATA[x]]>", "&#x41g", "&#1a;", "&#"),
    *("<hr markdown/>", "<hr ", " markdown", "/>"),
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=50).map("".join))
@example("Rules\n\n-  -  -\n\n_ _ _\n\n*  *  *\n")  # the widest gaps a rule allows
@example("Term\n   :  definition\n")  # a definition's colon after three spaces
@example("Title\n---\n\n# Hash\n")  # headers at a block's very start
@example("&#1a;</div>")  # a reference the HTML parser gives up on, then a tag within the line
@example("Text <hr markdown/> more")  # md_in_html rebuilds this rule wherever it is
def test_skipping_passes_match_python_markdown_on_random_text(text):
    plain, skipping = _both(text)
    assert skipping == plain


def test_tree_pass_matches_python_markdown_where_attribute_lists_and_escapes_are():
    text = (
        "# Title {: #top .lead}\n\nWith \\*no em\\*, a \\{brace\\} and a [link](/l){: rel=nofollow}.\n"
        "{: .note}\n\n- item {: .i}\n- `code {: .c} \\*`\n"
    )
    plain, skipping = _both(text)
    for piece in ('id="top"', 'class="note"', 'rel="nofollow"', "*no em*", "{brace}"):
        assert piece in plain  # the document really exercises both processors
    assert skipping == plain


def test_tree_pass_walks_the_tree_only_for_documents_with_its_characters(monkeypatch: pytest.MonkeyPatch):
    from markdown.extensions.attr_list import AttrListTreeprocessor
    from markdown.treeprocessors import UnescapeTreeprocessor

    from generator.markdown import MarkdownRenderer

    walked: list[str] = []
    for kind, name in ((AttrListTreeprocessor, "attr_list"), (UnescapeTreeprocessor, "unescape")):
        real = kind.run
        monkeypatch.setattr(
            kind, "run", lambda self, root, real=real, name=name: walked.append(name) or real(self, root)
        )
    renderer = MarkdownRenderer()
    renderer.render("Plain *words* and a [link](/l).\n")
    assert walked == []
    renderer.render("An attribute list.\n{: .c}\n")
    renderer.render("An \\*escape\\*.\n")
    renderer.render("Both \\* and {: .c}.\n")
    assert walked == ["attr_list", "unescape", "attr_list", "unescape"]


def test_a_link_in_raw_html_is_rewritten_and_a_broken_one_reported():
    """Raw HTML (a table, a figure written by hand) is kept aside by Python-Markdown as text: its
    `.md` links were left pointing at files no host has, and nothing was said."""
    from generator.markdown import LinkContext, MarkdownRenderer

    text = (
        'See <a href="one.md">one</a> inline.\n\n'
        "<table><tr><td><a class=\"x\" href='one.md#top'>cell</a> "
        '<a href="gone.md">gone</a> <a href="https://x.org/a.md">out</a></td></tr></table>\n\n'
        '```\n<a href="one.md">code</a>\n```\n'
    )
    context = LinkContext("articles/2012/12/two.md", {"articles/2012/12/one.md": "/2012/12/03/one/"})
    out = MarkdownRenderer().render(text, context)
    assert '<a href="/2012/12/03/one/">one</a>' in out
    assert "<a class=\"x\" href='/2012/12/03/one/#top'>cell</a>" in out
    assert '<a href="gone.md">gone</a>' in out and '<a href="https://x.org/a.md">out</a>' in out
    assert "&lt;a href=&quot;one.md&quot;&gt;code" in out  # shown as code, not a link
    assert context.found == ["articles/2012/12/one.md", "articles/2012/12/one.md"]
    assert context.broken == ["gone.md"]


def test_headings_get_ids_to_link_to_as_hugo_and_github_give_them():
    from generator.markdown import MarkdownRenderer

    out = MarkdownRenderer().render(
        "# Audit your APIs!\n\ntext\n\n## Overview\n\n## Overview\n\n## Custom {#mine}\n\n"
        "## Ça va *bien*\n\n## !!!\n\n```\n# not a heading\n```\n"
    )
    assert '<h1 id="audit-your-apis">Audit your APIs!</h1>' in out
    assert '<h2 id="overview">Overview</h2>\n<h2 id="overview-1">Overview</h2>' in out
    assert '<h2 id="mine">Custom</h2>' in out  # given with attr_list: kept
    assert '<h2 id="ça-va-bien">Ça va <em>bien</em></h2>' in out
    assert "<h2>!!!</h2>" in out  # nothing to make an id of
    assert "# not a heading" in out


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("<table><tr><td>x</td></tr>\n\ntext\n", ("<table>",)),  # swallows what follows the body
        ("a\n\n</div>\n\nb\n", ("</div>",)),  # closes the template's own <div> around the body
        ('<div markdown="1">\n*x*\n</div>\n', ()),
        ("<div>\n<!-- <table> -->\n</div>\n", ()),
        ("```\n<table>\n```\n", ()),  # code, shown as text
        ("* one\n*  two</li>\n</ul>\n\nmore\n", ()),  # a stray </ul>: no list around the body, ignored
    ],
)
def test_raw_html_that_leaves_a_container_open_or_closes_the_pages_own_is_found(text, found):
    from generator.markdown import MarkdownRenderer

    assert MarkdownRenderer().draft(text).unbalanced == found


def test_a_build_warns_at_the_line_of_unbalanced_raw_html(make_site):
    from generator.build import Options, build
    from tests.conftest import article

    site = make_site(
        {
            "content/articles/2012/12/t.md": article(
                "T", "2012-12-03", "Intro.\n\n<table><tr><td>x</td></tr>\n\nMore."
            )
        }
    )
    result = build(site, Options(jobs=1))
    assert [p.format() for p in result.problems] == [
        "content/articles/2012/12/t.md:8: warning: raw HTML leaves <table> open: what follows the body on "
        "its page lands inside it (hint: close it with </table> in the body)"
    ]


def test_fenced_code_is_rendered_as_with_pygments_and_pygments_stays_importable():
    """Making the extensions hides pygments (see markdown._without_pygments): the highlighter is
    unused, so a fenced block is the plain `<pre><code>` pygments would not have changed, and
    pygments itself can still be imported afterwards (a theme tool or a test may want it)."""
    import importlib
    import sys

    import markdown as md

    from generator.markdown import EXTENSIONS

    text = "```python\nx = 1  # <b>\n```\n"
    ours = MarkdownRenderer().draft(text).html
    theirs = md.Markdown(extensions=list(EXTENSIONS)).convert(text)  # pygments found, if installed
    assert '<pre><code class="language-python">x = 1  # &lt;b&gt;\n</code></pre>' in ours
    assert ours.strip() == theirs.strip()
    assert sys.modules.get("pygments", "absent") is not None  # not left hidden
    if importlib.util.find_spec("pygments") is not None:
        assert importlib.import_module("pygments").highlight
