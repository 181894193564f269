"""The build cache makes a build faster, never different: every kind of input change shows in the output."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC
from pathlib import Path

import pytest

from tests.conftest import ROOT, article, run_press

PAGE_A = "2012/12/03/alpha/index.html"
PAGE_B = "2012/12/04/beta/index.html"


def _site(make_site, **overrides: str) -> Path:
    files = {
        "content/articles/2012/12/alpha.md": article(
            "Alpha", "2012-12-03", "Alpha links to [beta](beta.md).\nSecond line.", summary="Dek of alpha."
        ),
        "content/articles/2012/12/beta.md": article("Beta", "2012-12-04", "Beta body."),
        **overrides,
    }
    return make_site(files)


def _build(site: Path, *args: str) -> Path:
    result = run_press("build", str(site), *args)
    assert result.returncode == 0, result.stderr
    return site / "output"


def _snapshot(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_cache_is_written_and_git_ignored(make_site):
    site = _site(make_site)
    _build(site)
    cache = site / ".cache"
    assert {p.parent.name for p in cache.glob("*/*.pickle")} == {
        "read",
        "markdown",
        "related",
        "pages",
        "templates",
        "bytecode",
        "terms",
        "dots",
    }
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"


def test_content_change_shows_and_nothing_else_is_rewritten(make_site):
    site = _site(make_site)
    # without computed related lists, alpha's page doesn't show beta's text (its scores would)
    (site / "site.toml").write_text('title = "Test"\n[related]\nk = 0\n')
    out = _build(site)
    before = _snapshot(out)
    mtimes = {rel: (out / rel).stat().st_mtime_ns for rel in before}
    source = site / "content/articles/2012/12/beta.md"
    source.write_text(source.read_text().replace("Beta body.", "Beta body, corrected."))
    _build(site)
    after = _snapshot(out)
    assert "Beta body, corrected." in after[PAGE_B].decode()
    assert before.keys() == after.keys()
    changed = {rel for rel in before if before[rel] != after[rel]}
    assert PAGE_B in changed
    assert PAGE_A not in changed
    for rel in before.keys() - changed:
        assert (out / rel).stat().st_mtime_ns == mtimes[rel], f"{rel} was rewritten with the same bytes"


def test_no_op_rebuild_rewrites_nothing(make_site):
    site = _site(make_site)
    out = _build(site)
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    result = run_press("build", str(site), "--timings")
    assert ", 0 files written," in result.stdout
    assert '"unchanged": ' in result.stdout, "a no-op build right after a cold one renders nothing"
    assert '"render+write"' not in result.stdout
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == mtimes


def test_a_moved_link_target_updates_the_pages_linking_to_it(make_site):
    site = _site(make_site)
    out = _build(site)
    assert 'href="/2012/12/04/beta/"' in (out / PAGE_A).read_text()
    source = site / "content/articles/2012/12/beta.md"
    source.write_text(source.read_text().replace('title: "Beta"', 'title: "Beta"\nslug: "beta-moved"'))
    _build(site)
    assert 'href="/2012/12/04/beta-moved/"' in (out / PAGE_A).read_text()
    assert not (out / PAGE_B).exists(), "the page at the old URL is deleted"


def test_a_deleted_link_target_becomes_a_broken_link_warning_again(make_site):
    site = _site(make_site)
    _build(site)
    (site / "content/articles/2012/12/beta.md").unlink()
    result = run_press("build", str(site))
    assert "content/articles/2012/12/alpha.md:7: warning: broken internal link 'beta.md'" in result.stderr
    assert 'href="beta.md"' in (site / "output" / PAGE_A).read_text()


def test_read_warnings_are_reported_on_every_build(make_site):
    site = _site(
        make_site, **{"content/articles/2012/12/gamma.md": article("G", "2012-12-05", slug="Gâ mma")}
    )
    for _ in range(2):
        result = run_press("build", str(site))
        assert "gamma.md:4: warning: slug: 'Gâ mma' is not URL-safe" in result.stderr


def _site_with_own_theme(make_site) -> tuple[Path, Path]:
    """The test site using theme "mine", which has its own article.html; and that theme's templates."""
    site = _site(make_site)
    theme = site / "themes/mine/templates"
    theme.mkdir(parents=True)
    shutil.copy(ROOT / "themes/default/templates/article.html", theme / "article.html")
    (site / "site.toml").write_text('title = "Test"\ntheme = "mine"\n')
    return site, theme


def test_template_change_shows(make_site):
    site, theme = _site_with_own_theme(make_site)
    out = _build(site)
    template = theme / "article.html"
    template.write_text(template.read_text().replace("<h1>", '<h1 class="changed">'))
    _build(site)
    assert '<h1 class="changed">' in (out / PAGE_A).read_text()


def test_compiled_templates_are_kept_and_a_changed_one_is_compiled_again(make_site, monkeypatch):
    """Jinja's compiled code is kept in the cache (see render.ShelvedBytecode): the theme check
    compiles each template once and the render stage loads that code instead of compiling again;
    a rebuild compiles no template; a changed template is checked again and its pages show it."""
    import jinja2

    from generator.build import Options, build

    site, theme = _site_with_own_theme(make_site)
    checked: list[str | None] = []
    rendering: list[str | None] = []  # the build's own environment (auto_reload off, see render.py)
    real = jinja2.Environment.compile

    def counted(self, source, name=None, filename=None, raw=False, defer_init=False):  # type: ignore[no-untyped-def]
        (checked if self.auto_reload else rendering).append(name)
        return real(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    assert build(site, Options(jobs=1)).ok
    assert "article.html" in checked
    assert len(checked) == len(set(checked)), "each template compiled once"
    assert rendering == [], "the render stage loads the code the check compiled"
    edited = site / "content/articles/2012/12/beta.md"
    edited.write_text(edited.read_text().replace("Beta body.", "Beta body, edited."))
    checked.clear()
    assert build(site, Options(jobs=1)).ok
    assert checked == rendering == []
    template = theme / "article.html"
    template.write_text(template.read_text().replace("<h1>", '<h1 class="changed">'))
    assert build(site, Options(jobs=1)).ok
    assert "article.html" in checked
    assert rendering == []
    assert '<h1 class="changed">' in (site / "output" / PAGE_A).read_text()


def test_a_template_broken_after_a_good_build_is_reported_and_output_kept(make_site):
    """The verdict of the template check is cached per theme files: breaking one must show, even
    one no page renders (only the check sees those)."""
    site, theme = _site_with_own_theme(make_site)
    out = _build(site)
    before = (out / PAGE_A).read_bytes()
    (theme / "unused.html").write_text("<p>{% if x %}never closed</p>\n")
    result = run_press("build", str(site))
    assert result.returncode != 0
    assert "themes/mine/templates/unused.html:" in result.stderr
    assert (out / PAGE_A).read_bytes() == before


def test_config_change_shows(make_site):
    site = _site(make_site)
    out = _build(site)
    assert "2012-12-03T00:00:00+00:00" in (out / PAGE_A).read_text()
    (site / "site.toml").write_text('title = "Renamed"\ntimezone = "Europe/Moscow"\n')
    _build(site)
    page = (out / PAGE_A).read_text()
    assert "— Renamed</title>" in page
    assert "2012-12-03T00:00:00+04:00" in page, "bare dates are read again in the new time zone"


def _copied_generator(tmp_path: Path) -> Path:
    """A copy of the generator (and themes) to change, run with PYTHONPATH pointing at it."""
    copy = tmp_path / "press-copy"
    shutil.copytree(ROOT / "generator", copy / "generator", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "themes", copy / "themes")
    return copy


def test_generator_change_shows(make_site, tmp_path: Path):
    """A changed generator (here: one more Markdown extension) must not be served from the cache."""
    site = _site(make_site)
    out = _build(site)
    assert "Alpha links to" in (out / PAGE_A).read_text()
    assert "<br" not in (out / PAGE_A).read_text()
    copy = _copied_generator(tmp_path)
    markdown = copy / "generator/markdown.py"
    markdown.write_text(markdown.read_text().replace('"sane_lists")', '"sane_lists", "nl2br")'))
    result = run_press("build", str(site), cwd=tmp_path, env={"PYTHONPATH": str(copy)})
    assert result.returncode == 0, result.stderr
    assert "<br>\nSecond line." in (out / PAGE_A).read_text()


def test_a_changed_stop_word_list_shows(make_site, tmp_path: Path):
    """The generator's data files count as the generator: its stop words decide related lists."""
    site = make_site(
        {
            "content/articles/2012/12/alpha.md": article("Alpha", "2012-12-03", "Harbour cranes."),
            "content/articles/2012/12/beta.md": article("Beta", "2012-12-04", "Harbour ferries."),
        }
    )
    out = _build(site)
    assert "text 0." in (out / PAGE_A).read_text()
    copy = _copied_generator(tmp_path)
    stop_words = copy / "generator/stop_words.txt"
    stop_words.write_text(stop_words.read_text() + "harbour\n")
    result = run_press("build", str(site), cwd=tmp_path, env={"PYTHONPATH": str(copy)})
    assert result.returncode == 0, result.stderr
    assert "text 0." not in (out / PAGE_A).read_text()


def test_corrupt_cache_files_are_ignored(make_site):
    site = _site(make_site)
    out = _build(site)
    expected = _snapshot(out)
    shutil.rmtree(out)
    for cache_file in (site / ".cache").glob("*/*.pickle"):
        cache_file.write_bytes(b"\x80\x05not a pickle at all")
    result = run_press("build", str(site))
    assert result.returncode == 0, result.stderr
    assert _snapshot(out) == expected


def test_no_cache_flag_leaves_no_cache(make_site):
    site = _site(make_site)
    _build(site, "--no-cache")
    assert not (site / ".cache").exists()


def test_output_touched_by_hand_is_repaired_on_a_no_op_build(make_site):
    site = _site(make_site)
    out = _build(site)
    expected = _snapshot(out)
    _build(site)  # a no-op build: nothing rendered at all
    (out / PAGE_A).unlink()
    (out / PAGE_B).write_text("edited by hand")
    (out / "stray.html").write_text("not ours")
    result = run_press("build", str(site))
    assert "2 files written" in result.stdout and "1 removed" in result.stdout
    assert _snapshot(out) == expected


def test_related_lists_follow_a_tag_change(make_site):
    """Related lists are cached too: a change of what they are computed from shows at once."""
    site = _site(make_site)
    out = _build(site)
    assert "shared tags: Harbour" not in (out / PAGE_A).read_text()
    for name in ("alpha", "beta"):
        source = site / f"content/articles/2012/12/{name}.md"
        source.write_text(source.read_text().replace("date: ", 'tags: ["Harbour"]\ndate: ', 1))
    _build(site)
    assert "shared tags: Harbour" in (out / PAGE_A).read_text()


def _retitled(site: Path) -> None:
    source = site / "content/articles/2020/03/levee-breaks.md"
    source.write_text(source.read_text().replace("Riverside levee breaks", "Levee gives way"))


def _body_edited(site: Path) -> None:
    source = site / "content/articles/2020/03/budget.md"
    source.write_text(source.read_text().replace("school lunches", "flood defences for the levee"))


def _tagged(site: Path) -> None:
    source = site / "content/articles/2020/04/chess.md"
    source.write_text(source.read_text().replace("date: ", 'tags: ["Floods"]\ndate: ', 1))


def _redated(site: Path) -> None:
    source = site / "content/articles/1990/03/old-flood.md"
    source.write_text(source.read_text().replace("1990-03-10", "2020-03-05"))


def _removed(site: Path) -> None:
    (site / "content/articles/2020/03/flood-rises-copy.md").unlink()


def _added(site: Path) -> None:
    (site / "content/articles/2020/03/pumps.md").write_text(
        article(
            "Pumps run all night at the levee", "2020-03-04", "Flood pumps and rescue boats at the river."
        )
    )


@pytest.mark.parametrize(
    "edit", [_retitled, _body_edited, _tagged, _redated, _removed, _added], ids=lambda f: f.__name__[1:]
)
def test_a_cached_rebuild_writes_what_a_build_without_cache_writes(make_site, edit):
    """Related lists, neighbourhood drawings, feeds: after each kind of edit, a rebuild that reuses
    the cache (term counts, Markdown, page fingerprints) writes exactly what a fresh build does."""
    from tests.test_related import FILES

    site = make_site(FILES)
    out = _build(site)
    edit(site)
    _build(site)
    fresh = site.parent / "fresh"
    _build(site, "--no-cache", "--out", str(fresh))
    assert _snapshot(out) == _snapshot(fresh)


def test_an_alias_file_that_becomes_a_folder_is_replaced_by_it(make_site):
    """The alias /old/story.html (a file) becomes /old/story.html/amp/ (a folder): the build
    replaces the stale file; it used to stop half-way through moving the pages in, every build
    after it too."""
    beta = "content/articles/2012/12/beta.md"
    site = _site(
        make_site, **{beta: article("Beta", "2012-12-04", "Beta body.", aliases=["/old/story.html"])}
    )
    out = _build(site)
    assert (out / "old/story.html").is_file()
    (site / beta).write_text(
        article("Beta, retitled", "2012-12-04", "Beta.", aliases=["/old/story.html/amp/"])
    )
    _build(site)
    fresh = site.parent / "fresh"
    _build(site, "--no-cache", "--out", str(fresh))
    assert _snapshot(out) == _snapshot(fresh)
    assert "Beta, retitled" in (out / "old/story.html/amp/index.html").read_text()


def test_another_generators_cache_files_are_dropped_not_kept(make_site, tmp_path: Path):
    """Entries of another generator are never looked up again; their files must not pile up (the
    term counts of a large archive are tens of megabytes)."""
    import pickle

    from generator.cache import generator_fingerprint

    site = _site(make_site)
    copy = _copied_generator(tmp_path)
    (copy / "generator/__init__.py").write_text((copy / "generator/__init__.py").read_text() + "\n# other\n")
    result = run_press("build", str(site), cwd=tmp_path, env={"PYTHONPATH": str(copy)})
    assert result.returncode == 0, result.stderr
    theirs = set((site / ".cache").glob("*/*.pickle"))
    _build(site)
    files = list((site / ".cache").glob("*/*.pickle"))
    assert files and theirs - set(files), "the other generator's bucket files are gone"
    for path in files:
        with path.open("rb") as handle:
            assert pickle.load(handle) == generator_fingerprint(), path


def test_a_shelf_reads_only_the_buckets_of_the_keys_asked_for(tmp_path: Path, monkeypatch):
    """The related lists of the last library are tens of megabytes at 100,000 articles: asking for
    this library's (not there) must not read them."""
    from generator import cache

    keys = [f"key-{n}" for n in range(200)]
    first, other = keys[0], next(k for k in keys if cache.bucket(k) != cache.bucket(keys[0]))
    shelf = cache.Shelf(tmp_path / "shelf")
    shelf.put(first, "one")
    shelf.put(other, "two")
    shelf.save()
    read: list[str] = []
    real = cache._load

    def watched(path: Path) -> dict:
        read.append(path.name)
        return real(path)

    monkeypatch.setattr(cache, "_load", watched)
    again = cache.Shelf(tmp_path / "shelf")
    assert again.get(first) == "one"
    assert read == [f"{cache.bucket(first):02d}.pickle"]
    again.save()  # only `first` was used: the other bucket's file goes
    assert sorted(p.name for p in (tmp_path / "shelf").iterdir()) == read
    assert cache.Shelf(tmp_path / "shelf").old == {first: "one"}


def test_the_read_stage_keys_files_by_the_digests_the_last_build_check_took(tmp_path: Path):
    """Content files are hashed once per build: by the no-op check, whose digests the read stage
    reuses; a file it has no digest for is read (and the key is the same either way)."""
    from generator import lastbuild
    from generator.build import Files
    from generator.cache import Shelf

    (tmp_path / "content/articles").mkdir(parents=True)
    source = tmp_path / "content/articles/a.md"
    source.write_text(article("A", "2012-12-03"))
    digests: dict[str, bytes] = {}
    assert lastbuild.inputs_fingerprint(tmp_path, "settings", digests) is not None
    given = Files(Shelf(None), tmp_path / "content", digests)
    read_here = Files(Shelf(None), tmp_path / "content", {})
    name = "articles/a.md"
    assert given.digest(name) == read_here.digest(name) is not None
    assert given.entry("UTC", name, given.digest(name)) == read_here.entry(
        "UTC", name, read_here.digest(name)
    )
    source.unlink()
    assert read_here.digest(name) is None
    assert read_here.entry("UTC", name, None) is None
    assert given.digest(name) is not None  # from the digest, not the file


def test_the_library_fingerprint_follows_the_clock_and_git_dates(make_site):
    """Built from the library's inputs (build._library_print), the fingerprint must still change
    when no file does: an article whose date arrives is published; history moves a date."""
    from dataclasses import replace
    from datetime import datetime

    from generator.build import Options, _library_print, read_all
    from generator.cache import Cache
    from generator.config import load_config
    from generator.library import make_library
    from generator.urls import Urls

    site = make_site(
        {
            "content/articles/2012/12/a.md": article("A", "2012-12-03"),
            "content/articles/2030/01/b.md": article("B", "2030-01-02"),
        }
    )
    config, _ = load_config(site, None)
    urls, keys = Urls.from_config(config), []
    articles, authors, pages = read_all(site, config, [], Cache(None), keys=keys)

    def fingerprint(dated, now):
        library, _ = make_library(dated, authors, pages, urls, config.tz, now=now)
        return _library_print(library, dated, keys, urls, config, Options())

    before = datetime(2020, 1, 1, tzinfo=UTC)
    after = datetime(2031, 1, 1, tzinfo=UTC)
    assert fingerprint(articles, before) == fingerprint(list(articles), before)
    assert fingerprint(articles, before) != fingerprint(articles, after)  # B is published
    moved = [replace(a, updated=after) if a.title == "A" else a for a in articles]
    assert fingerprint(articles, before) != fingerprint(moved, before)


INDEX_SITE = {
    "content/authors/ann-lee.md": "---\nname: Ann Lee\nbio: Covers the river.\n---\n\nLonger bio.\n",
    "content/articles/2020/03/a.md": article(
        "Flood waters rise", "2020-03-01", "Body.", tags=["Floods"], authors=["Ann Lee"], summary="Dek A."
    ),
    "content/articles/2020/03/b.md": article(
        "Levee holds", "2020-03-02", "Body.", tags=["Floods"], authors=["Bo Chan"]
    ),
    "content/articles/2020/04/c.md": article("Budget passes", "2020-04-01", "Body.", tags=["Schools"]),
}


def _replace_in(site: Path, rel: str, old: str, new: str) -> None:
    path = site / rel
    assert old in path.read_text(), (rel, old)
    path.write_text(path.read_text().replace(old, new))


# Edits of site.toml, as the edit tests below name them.
SETTINGS = {
    "time zone": 'title = "Test"\ntimezone = "Asia/Tokyo"\n',
    "per page": 'title = "Test"\nper_page = 1\n',
    "base url": 'title = "Test"\nbase_url = "https://example.org/news/"\n',
    "site title": 'title = "Tested"\n',
}


def _edit_settings(site: Path, change: str) -> None:
    (site / "site.toml").write_text(SETTINGS[change])


def _cached_and_fresh(site: Path, edit: Callable[[Path, str], None], change: str) -> tuple[dict, dict]:
    """output/ after a build, the edit and a cached rebuild; and a --no-cache build of the same."""
    out = _build(site)
    edit(site, change)
    _build(site)
    fresh = site.parent / "fresh"
    _build(site, "--no-cache", "--out", str(fresh))
    return _snapshot(out), _snapshot(fresh)


def _edit(site: Path, change: str, edits: dict[str, tuple[str, str, str]]) -> None:
    """One kind of edit: a text replaced in a content file (edits: change → file, old, new),
    otherwise a site.toml variant (SETTINGS)."""
    if change in edits:
        _replace_in(site, *edits[change])
    else:
        _edit_settings(site, change)


AUTHOR_RENAMED = ("content/authors/ann-lee.md", "name: Ann Lee", "name: Ann B. Lee")


def _edit_index_site(site: Path, change: str) -> None:
    authors = "content/authors/ann-lee.md"
    edits = {
        "summary": ("content/articles/2020/03/a.md", "Dek A.", "A new dek."),
        "author renamed": AUTHOR_RENAMED,
        "profile bio": (authors, "Covers the river.", "Covers floods."),
        "profile body": (authors, "Longer bio.", "A longer bio."),
        "title": ("content/articles/2020/03/b.md", "Levee holds", "Levee gives way"),
    }
    _edit(site, change, edits)


INDEX_CHANGES = [
    "summary",
    "author renamed",
    "profile bio",
    "profile body",
    "title",
    "time zone",
    "per page",
    "base url",
]


def _assert_inputs_follow_views(
    site: Path, prints: Callable, edit: Callable[[Path, str], None], change: str
) -> None:
    """`prints(site)`: page → (its view's fingerprint, its inputs'). After the edit, every page
    whose view changed (and that existed before) must have changed inputs."""
    before = prints(site)
    edit(site, change)
    after = prints(site)
    changed_views = {page for page in after if before.get(page, (None,))[0] != after[page][0]}
    assert changed_views, "the edit must change some page"
    for page in changed_views:
        assert page not in before or before[page][1] != after[page][1], page


def _views(site: Path):
    """A site loaded without the cache, and the views of a build of it."""
    from generator.build import Options, load
    from generator.views import ViewMaker

    loaded = load(site, Options(cache=False)).site
    assert loaded is not None
    bodies = loaded.bodies
    return loaded, ViewMaker(
        loaded.config, loaded.urls, loaded.library, bodies.html, bodies.summaries, loaded.related
    )


@pytest.mark.parametrize("change", INDEX_CHANGES)
def test_an_index_page_is_rendered_again_whenever_its_view_changes(make_site, change):
    """Index pages are checked by the inputs of their views (views.index_inputs), not the views:
    whenever an index page's view changes, its inputs' fingerprint must change too."""
    from generator.indexes import all_index_pages
    from generator.pagememo import site_fingerprint

    def prints(site: Path) -> dict[str, tuple[str | None, str | None]]:
        loaded, views = _views(site)
        return {
            page.url: (
                site_fingerprint("view", views.index(page)),
                site_fingerprint("inputs", views.urls, views.index_inputs(page)),
            )
            for page in all_index_pages(loaded.library, loaded.config.per_page)
        }

    _assert_inputs_follow_views(make_site(INDEX_SITE), prints, _edit_index_site, change)


@pytest.mark.parametrize("change", INDEX_CHANGES)
def test_index_pages_after_an_edit_are_those_of_a_fresh_build(make_site, change):
    cached, fresh = _cached_and_fresh(make_site(INDEX_SITE), _edit_index_site, change)
    assert cached == fresh


_FLOOD = "Flood waters rose over the river levee; the river crest came at dawn and the levee held."
ARTICLE_SITE = {
    "content/authors/ann-lee.md": "---\nname: Ann Lee\n---\n",
    "content/articles/2020/03/a.md": article(
        "Flood waters rise",
        "2020-03-01",
        _FLOOD + " Sandbags were stacked along the river.",
        tags=["Floods"],
        authors=["Ann Lee"],
        summary="Dek A.",
        image={"src": "/a.jpg", "caption": "The levee at dawn."},
        related=["Levee holds", "Background: the 1993 flood"],
    ),
    "content/articles/2020/03/b.md": article(
        "Levee holds", "2020-03-02", _FLOOD + " Engineers inspected the levee.", tags=["Floods"]
    ),
    "content/articles/2020/03/c.md": article(
        "River crest passes", "2020-03-03", _FLOOD + " The crest passed the town.", authors=["Bo Chan"]
    ),
    "content/articles/2020/04/d.md": article(
        "Budget passes", "2020-04-01", "The council approved the school lunch budget.", tags=["Schools"]
    ),
}


def _edit_article_site(site: Path, change: str) -> None:
    edits = {
        "own body": ("a.md", "Sandbags were stacked", "Sandbags were piled"),
        "own summary": ("a.md", "Dek A.", "A new dek."),
        "image caption": ("a.md", "The levee at dawn.", "The levee at noon."),
        "editorial text": ("a.md", "Background: the 1993 flood", "Background: the 2011 flood"),
        "related title": ("b.md", '"Levee holds"', '"Levee gives way"'),
        "related time": ("b.md", "2020-03-02", "2020-03-02T15:30:00"),  # a link shows it, a card not
        "related body": ("c.md", "The crest passed the town.", "The crest passed the town at noon."),
        "neighbour date": ("d.md", "2020-04-01", "2020-03-04"),
        "neighbour time": ("d.md", "2020-04-01", "2020-04-01T09:15:00"),  # shown by c's next link
        "tag renamed": ("b.md", '["Floods"]', '["Flooding"]'),
    }
    by_path = {
        change: (f"content/articles/{'2020/04' if name == 'd.md' else '2020/03'}/{name}", old, new)
        for change, (name, old, new) in edits.items()
    }
    _edit(site, change, {**by_path, "author renamed": AUTHOR_RENAMED})


ARTICLE_CHANGES = [
    "own body",
    "own summary",
    "image caption",
    "editorial text",
    "related title",
    "related time",
    "related body",
    "neighbour date",
    "neighbour time",
    "tag renamed",
    "author renamed",
    "time zone",
    "base url",
    "site title",
]


@pytest.mark.parametrize("change", ARTICLE_CHANGES)
def test_an_article_page_is_rendered_again_whenever_its_view_changes(make_site, change):
    """Article pages are checked by their inputs (views.article_inputs: the prints of the article
    and of its related ones) and the settings, not their views: whenever an article page's
    view changes, drawing included, its inputs' fingerprint must change too."""
    from generator.pagememo import site_fingerprint
    from generator.views import made

    def prints(site: Path) -> dict[str, tuple[str | None, str | None]]:
        loaded, views = _views(site)
        neighbours = loaded.library.neighbours()
        return {
            article.id: (
                site_fingerprint("view", made(views.article(article, *neighbours[article.id]))),
                site_fingerprint(
                    "inputs",
                    views.config,
                    views.urls,
                    views.site(),
                    views.article_inputs(article.id, *neighbours[article.id]),
                ),
            )
            for article in loaded.library.articles
        }

    _assert_inputs_follow_views(make_site(ARTICLE_SITE), prints, _edit_article_site, change)


@pytest.mark.parametrize("change", ARTICLE_CHANGES)
def test_article_pages_after_an_edit_are_those_of_a_fresh_build(make_site, change):
    """Each kind of edit an article page shows (its own fields, a related or neighbouring
    article's, names, settings): the cached rebuild writes what a fresh build writes."""
    cached, fresh = _cached_and_fresh(make_site(ARTICLE_SITE), _edit_article_site, change)
    assert cached == fresh


def test_an_update_time_follows_a_new_time_zone_that_agrees_on_the_publication_date(make_site):
    """New York and Panama are both EST (-05:00) in January and part in July: moving the site from
    one to the other leaves a January article's date as it was and changes how its July update
    is shown. Its page must be rendered again (an article page's inputs hold the settings, not
    only the dates as they came out)."""
    files = {
        "content/articles/2020/01/a.md": article(
            "Winter story", "2020-01-15T10:00:00-05:00", "Snow.", updated="2020-07-01T12:00:00-04:00"
        ),
        "content/articles/2020/01/b.md": article("Another story", "2020-01-16T10:00:00-05:00", "Ice."),
    }
    site = make_site(files, site_toml='title = "Test"\ntimezone = "America/New_York"\n')
    page = site / "output/2020/01/15/a/index.html"
    _build(site)
    assert 'datetime="2020-07-01T12:00:00-04:00"' in page.read_text()
    (site / "site.toml").write_text('title = "Test"\ntimezone = "America/Panama"\n')
    _build(site)
    assert 'datetime="2020-07-01T11:00:00-05:00"' in page.read_text()


def test_saving_the_cache_leaves_no_utf8_copy_of_the_bodies_in_the_building_process(make_site):
    """Pickling a non-ASCII str makes CPython keep its UTF-8 encoding on the str: the read shelf
    pickles articles' bodies as UTF-8 bytes, and Markdown workers are sent spans, not texts, so
    the bodies stay their own size (0.4 GB less at 100,000 articles). (`load`: a build lets go
    of the bodies before rendering.)"""
    import sys

    from generator.build import Options, load

    files = {
        f"content/articles/2020/03/{n}.md": article(
            f"Café {n}", "2020-03-01", "Naïve façade, crème brûlée. " * 40
        )
        for n in range(70)  # enough for Markdown workers (bodies.PARALLEL_FROM)
    }
    site = make_site(files)
    loaded = load(site, Options(jobs=2)).site
    assert loaded is not None and (site / ".cache" / "read").is_dir()
    assert all(a.body for a in loaded.library.articles)
    grown = [
        a.id
        for a in loaded.library.articles
        if sys.getsizeof(a.body) != sys.getsizeof(a.body.encode().decode())
    ]
    assert grown == []


@pytest.mark.parametrize("first_save", ["written", "failed"])
def test_a_build_lets_go_of_the_markdown_and_its_cache_keeps_it(make_site, monkeypatch, first_save):
    """A build empties the articles' Markdown before rendering (see build.let_go_of_markdown);
    the read cache, saved before, still holds every body, and a later build reads them from it.
    If that save failed, the shelf is not saved again at the end of the build (its articles'
    bodies are empty by then): the next build reads the files."""
    from generator import cache
    from generator.build import Options, build, load

    if first_save == "failed":
        write_parts = cache._write_parts
        failed: list[Path] = []

        def fail_once(folder: Path, changes):
            if folder.name == "read" and not failed:
                failed.append(folder)
                return False
            return write_parts(folder, changes)

        monkeypatch.setattr(cache, "_write_parts", fail_once)

    files = {
        f"content/articles/2020/03/{n}.md": article(f"Café {n}", "2020-03-01", f"Body {n}, crème brûlée.")
        for n in range(5)
    }
    site = make_site(files)
    built = build(site, Options(jobs=1)).site
    assert built is not None and [a.body for a in built.library.articles] == [""] * 5
    loaded = load(site, Options(jobs=1)).site
    assert loaded is not None
    assert sorted(a.body.strip() for a in loaded.library.articles) == [
        f"Body {n}, crème brûlée." for n in range(5)
    ]
    assert loaded.cache is not None
    assert loaded.cache.stats()["read"][1] == (0 if first_save == "written" else 5)  # read from files
    again = build(site, Options(jobs=1, out_dir=site / "again"))
    assert again.ok
    assert (site / "again/2020/03/01/3/index.html").read_text() == (
        site / "output/2020/03/01/3/index.html"
    ).read_text()


def test_related_lists_hold_each_id_and_reason_once_made_or_cached(make_site):
    """Edges name the library's own id strings and share one str per reason, whether the lists
    were just computed or unpickled from the cache (see build.shared_strings)."""
    from generator.build import Options, load

    files = {
        f"content/articles/2020/03/{n}.md": article(
            f"Budget hearing {n}", f"2020-03-0{n + 1}", "The council debated the budget.", tags=["Budget"]
        )
        for n in range(6)
    }
    site = make_site(files)
    for _made_then_cached in range(2):
        loaded = load(site, Options(jobs=1)).site
        assert loaded is not None
        ids = {id(aid) for aid in loaded.library.by_id}
        edges = [edge for edges in loaded.related.values() for edge in edges]
        assert len(edges) >= 6
        assert all(id(other) in ids for other, _score, _why in edges)
        words = [w for _other, _score, why in edges for w in why]
        assert "shared tags: Budget" in words
        assert len({id(w) for w in words}) == len(set(words))


@pytest.mark.parametrize("how", ["save_and_close", "save_beside"])
def test_a_closed_shelf_lets_go_of_its_entries_and_its_files_stay(tmp_path: Path, how):
    """A shelf saved for good holds nothing more in memory (its entries may be articles with all
    their Markdown), still counts its hits, and a later save neither rewrites nor deletes it."""
    from generator.cache import Cache

    cache = Cache(tmp_path)
    shelf = cache.shelf("read")
    for n in range(50):
        shelf.put(f"key {n}", f"value {n}" * 100)
    assert shelf.get("key 3") is not None
    getattr(cache, how)("read")
    cache.wait()
    assert shelf.new == {} and shelf.old == {}
    assert cache.stats()["read"] == (1, 0)
    files = sorted((tmp_path / ".cache" / "read").glob("*.pickle"))
    assert files
    cache.save()
    assert sorted((tmp_path / ".cache" / "read").glob("*.pickle")) == files
    again = Cache(tmp_path).shelf("read")
    assert all(again.get(f"key {n}") == f"value {n}" * 100 for n in range(50))


@pytest.mark.parametrize(("entries", "forked"), [(2, False), (500, True)])
def test_saving_beside_writes_a_few_buckets_here_and_many_in_a_forked_writer(
    tmp_path: Path, monkeypatch, entries, forked
):
    """An edit changes a bucket or two: written here, before the entries are let go of (freed
    after forking a writer, their pages would be copied, see Cache.save_beside). A cold build's
    many are written beside. Either way they are all on disk once the cache is waited for."""
    import generator.parallel as parallel_module
    from generator.cache import Cache

    started: list[object] = []
    real = parallel_module.in_background  # imported by the cache where it forks (see cache.py)
    monkeypatch.setattr(parallel_module, "in_background", lambda *a: started.append(a[0]) or real(*a))
    cache = Cache(tmp_path)
    shelf = cache.shelf("markdown")
    for n in range(entries):
        shelf.put(f"key {n}", f"draft {n}")
    cache.save_beside("markdown")
    assert bool(started) is forked
    cache.wait()
    again = Cache(tmp_path).shelf("markdown")
    assert all(again.get(f"key {n}") == f"draft {n}" for n in range(entries))


def test_a_taken_entry_is_let_go_of_and_put_back_as_it_was_is_not_rewritten(tmp_path: Path):
    """`take` hands a large entry over (the term counts: reused, then let go of part way): the
    shelf holds it no more. Put back as the very object, its bucket isn't written again; a new
    value is written."""
    import gc
    import weakref

    from generator.cache import Shelf, bucket

    folder = tmp_path / "terms"
    Shelf(folder).keep_only("counts", TakenCounts(1))
    path = folder / f"{bucket('counts'):02d}.pickle"
    written = path.stat().st_mtime_ns

    shelf = Shelf(folder)
    taken = shelf.take("counts")
    assert taken.n == 1
    alive = weakref.ref(taken)
    del taken
    gc.collect()
    assert alive() is None, "the shelf still held the entry it handed over"

    shelf = Shelf(folder)
    same = shelf.take("counts")
    shelf.keep_only("counts", same)
    assert path.stat().st_mtime_ns == written

    shelf = Shelf(folder)
    shelf.take("counts")
    shelf.keep_only("counts", TakenCounts(2))
    assert Shelf(folder).get("counts").n == 2


class TakenCounts:
    """A shelf entry that can be weakly referenced, as the term counts can."""

    def __init__(self, n: int):
        self.n = n


def test_check_and_build_find_each_others_markdown(make_site, monkeypatch: pytest.MonkeyPatch):
    """`press check` (the pre-commit hook, on every commit) and `press build` key each Markdown
    draft alike, by the digest of the bytes the text was read from: after an edit, whichever runs
    second converts nothing. (Keyed one way by the check and another by the build, each threw
    away the other's drafts: a cache keeps only the entries its last run used.)"""
    from generator.build import Options, build, check
    from generator.markdown import MarkdownRenderer

    site = make_site(
        {
            f"content/articles/2012/12/a{n}.md": article(f"A{n}", f"2012-12-0{n}", f"Body {n}.")
            for n in range(1, 6)
        }
    )
    drafted: list[str] = []
    real = MarkdownRenderer.draft

    def draft(self, text: str):
        drafted.append(text)
        return real(self, text)

    monkeypatch.setattr(MarkdownRenderer, "draft", draft)
    assert build(site, Options(jobs=1)).ok and len(drafted) == 5
    drafted.clear()
    assert check(site, Options(jobs=1)).ok and drafted == []
    edited = site / "content/articles/2012/12/a3.md"
    edited.write_text(article("A3", "2012-12-03", "Body 3, edited."))
    assert check(site, Options(jobs=1)).ok and drafted == ["\nBody 3, edited.\n"]
    drafted.clear()
    assert build(site, Options(jobs=1)).ok and drafted == []
    edited.write_text(article("A3", "2012-12-03", "Body 3, edited again."))
    assert build(site, Options(jobs=1)).ok and drafted == ["\nBody 3, edited again.\n"]
    drafted.clear()
    assert check(site, Options(jobs=1)).ok and drafted == []
