import os

from generator.discover import discover


def test_finds_kinds_sorted_and_skips_hidden(tmp_path):
    content = tmp_path / "content"
    for rel in [
        "articles/2012/b.md",
        "articles/2012/a.md",
        "articles/.git/x.md",
        "articles/_drafts/y.md",
        "articles/2012/notes.txt",
        "articles/2012/a.md~",
        "authors/jane.md",
        "pages/about.md",
    ]:
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text("x")
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
