import os

from generator.discover import discover


def _files(content, rels):
    """content/ holding a file "x" at each path."""
    for rel in rels:
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text("x")
    return content


def test_finds_kinds_sorted_and_skips_hidden(tmp_path):
    content = _files(
        tmp_path / "content",
        [
            "articles/2012/b.md",
            "articles/2012/a.md",
            "articles/.git/x.md",
            "articles/_drafts/y.md",
            "articles/2012/notes.txt",
            "articles/2012/a.md~",
            "authors/jane.md",
            "pages/about.md",
        ],
    )
    sources = discover(content)
    assert sources.articles == ["articles/2012/a.md", "articles/2012/b.md"]
    assert sources.authors == ["authors/jane.md"]
    assert sources.pages == ["pages/about.md"]
    assert sources.problems == []


def test_symlink_loop_is_a_problem_not_a_hang(tmp_path):
    content = tmp_path / "content"
    (content / "articles/2012").mkdir(parents=True)
    (content / "articles/2012/a.md").write_text("x")
    os.symlink(content / "articles", content / "articles/2012/loop")
    sources = discover(content)
    assert sources.articles == ["articles/2012/a.md"]
    assert [p.format() for p in sources.problems] == [
        "content/articles/2012/loop: symlink loop: this folder is already part of the content "
        "(hint: remove the symlink or point it outside content/)"
    ]


def test_missing_content_folder(tmp_path):
    assert discover(tmp_path / "content").problems[0].message == "no content/ folder here"


def test_what_looks_meant_to_be_read_but_is_not_is_a_warning(tmp_path):
    """An article that never appears, silently, is found only by a reader."""
    content = _files(
        tmp_path / "content",
        [
            "articles/2012/a.md",
            "articles/2012/b.markdown",
            "articles/2012/C.MD",
            "articles/2012/photo.jpg",
            "article/2012/d.md",
            "images/logo.png",
            "posts/2012/f.markdown",
            "about.md",
            "notes.txt",
            "_drafts/e.md",
        ],
    )
    sources = discover(content)
    assert sources.articles == ["articles/2012/a.md"]
    assert [p.format() for p in sources.problems] == [
        "content/articles/2012/C.MD: warning: not read: only files named *.md are (hint: rename it to C.md)",
        "content/articles/2012/b.markdown: warning: not read: only files named *.md are "
        "(hint: rename it to b.md)",
        "content/about.md: warning: not read: press reads content/articles/, content/authors/, "
        "content/pages/ (hint: an article goes in content/articles/, a page such as 'About' in "
        "content/pages/)",
        "content/article: warning: Markdown in this folder is not read: press reads content/articles/, "
        "content/authors/, content/pages/ (hint: did you mean content/articles/?)",
        "content/posts: warning: Markdown in this folder is not read: press reads content/articles/, "
        "content/authors/, content/pages/ (hint: move its files into content/articles/, content/authors/, "
        "content/pages/)",
    ]
    assert not any(p.is_error for p in sources.problems)
