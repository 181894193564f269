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
