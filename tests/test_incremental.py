"""Incremental rebuilds: after every kind of edit, the output equals a fresh full build, byte for byte."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import ChainMap
from pathlib import Path

import pytest

from generator.build import Options, build
from generator.incremental import COMMITTED, Rebuild, Rebuilder
from generator.texts import PackedTexts
from tests.conftest import MAKE_ARCHIVE, ROOT, article, need_corpus
from tests.serving import built_tree, small_site

ARTICLES = "content/articles"
TEMPLATE = "themes/custom/templates/article.html"


class Session:
    """A Rebuilder over a site, and the check that its folder equals `press build`'s."""

    def __init__(self, site: Path, tmp: Path, options: Options | None = None):
        self.site, self.tmp, self.options = site, tmp, options or Options()
        self.out = tmp / "served"
        self.rebuilder = Rebuilder(site, self.options, self.out)
        first = self.rebuilder.rebuild()
        assert first.ok and first.full, first.problems
        self.assert_same()

    def edit(self, rel: str, text: str | None) -> Rebuild:
        path = self.site / rel
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return self.rebuilder.rebuild([path])

    def assert_same(self) -> None:
        caught_up = self.rebuilder.finish()
        assert caught_up is None or caught_up.ok
        reference = self.tmp / "reference"
        shutil.rmtree(reference, ignore_errors=True)
        result = build(self.site, Options(out_dir=reference, drafts=self.options.drafts))
        assert result.ok, result.problems
        served, fresh = built_tree(self.out), built_tree(reference)
        assert sorted(served) == sorted(fresh)
        assert [p for p in fresh if served[p] != fresh[p]] == []


@pytest.fixture
def session(tmp_path: Path) -> Session:
    return Session(small_site(tmp_path / "site"), tmp_path)


def test_body_edit_rewrites_only_the_pages_that_show_it(session: Session):
    text = (session.site / ARTICLES / "2013/01/d-four.md").read_text()
    result = session.edit(f"{ARTICLES}/2013/01/d-four.md", text.replace("Cold.", "Very cold indeed."))
    assert result.ok and not result.full and not result.settled  # related lists come next
    assert "2013/01/05/d-four/index.html" in result.written
    assert "2012/12/01/a-one/index.html" not in result.written
    assert "feed.xml" in result.written
    assert result.changed == [f"{ARTICLES}/2013/01/d-four.md"]
    session.assert_same()
    text = (session.site / ARTICLES / "2012/12/a-one.md").read_text()
    session.edit(f"{ARTICLES}/2012/12/a-one.md", text.replace("Brussels", "Brussels, briefly"))
    session.assert_same()
    # The other bodies are read from the full rebuild's packed buffer, not unpacked into a copy.
    assert session.rebuilder.served is not None
    html = session.rebuilder.served.site.bodies.html
    assert isinstance(html, ChainMap) and isinstance(html.maps[-1], PackedTexts) and len(html.maps) == 2
    assert sorted(html.maps[0]) == ["articles/2012/12/a-one.md", "articles/2013/01/d-four.md"]


def test_title_edit_reaches_neighbours_related_and_indexes(session: Session):
    text = (session.site / ARTICLES / "2012/12/b-two.md").read_text()
    result = session.edit(f"{ARTICLES}/2012/12/b-two.md", text.replace("Missiles in Turkey", "Rockets"))
    assert result.ok
    assert "2012/12/01/a-one/index.html" in result.written  # its neighbour
    assert "2012/12/03/c-three/index.html" in result.written  # its other neighbour
    assert any(p.key == "related" for p in result.problems)  # a-one's related entry named the old title
    session.assert_same()
    four = f"{ARTICLES}/2013/01/d-four.md"
    text = (session.site / four).read_text()
    result = session.edit(four, text.replace("Winter Summit", "Missiles in Turkey"))
    assert "2012/12/01/a-one/index.html" in result.written  # its related entry now names this one
    assert not any(p.key == "related" for p in result.problems)
    session.assert_same()
    one = f"{ARTICLES}/2012/12/a-one.md"
    session.edit(one, (session.site / one).read_text().replace('["Missiles in Turkey"]', '["Syria Talks"]'))
    session.assert_same()


def test_new_renamed_and_deleted_articles(session: Session):
    new = f"{ARTICLES}/2012/12/g-seven.md"
    result = session.edit(new, article("Brand New", "2012-12-02", "Fresh.", authors=["Dan Ek"], tags=["New"]))
    assert "2012/12/02/g-seven/index.html" in result.written
    assert "authors/dan-ek/index.html" in result.written
    session.assert_same()
    old_path, new_path = session.site / new, session.site / f"{ARTICLES}/2012/12/g-renamed.md"
    os.replace(old_path, new_path)
    result = session.rebuilder.rebuild([old_path, new_path])
    assert "2012/12/02/g-seven/index.html" in result.removed
    session.assert_same()
    result = session.edit(f"{ARTICLES}/2012/12/g-renamed.md", None)
    assert "authors/dan-ek/index.html" in result.removed
    assert "tags/new/index.html" in result.removed
    session.assert_same()


def test_bylines_tags_dates_and_aliases_move(session: Session):
    rel = f"{ARTICLES}/2012/12/a-one.md"
    moved = article("Lavrov Meets NATO", "2013-01-20", "Moved.", authors=["Bob Roy"], tags=["Syria"])
    session.edit(rel, moved)
    session.assert_same()
    session.edit(rel, article("Lavrov Meets NATO", "2013-01-20", "Moved.", aliases=["/older/one"]))
    session.assert_same()


def test_profiles_pages_and_drafts(tmp_path: Path):
    session = Session(small_site(tmp_path / "site"), tmp_path, Options(drafts=True))
    session.edit("content/authors/ann-lee.md", "---\nname: Ann B. Lee\n---\n\nNew bio.\n")
    session.assert_same()
    session.edit("content/pages/about.md", "---\ntitle: About us\n---\n\nWho we are.\n")
    session.assert_same()
    session.edit(f"{ARTICLES}/2013/02/e-five.md", article("Draft Piece", "2013-02-07", "Now longer."))
    session.assert_same()


def test_theme_template_and_stylesheet_changes(session: Session):
    templates = session.site / "themes/custom/templates"
    article_html = (Path(__file__).parent.parent / "themes/default/templates/article.html").read_text()
    result = session.edit(TEMPLATE, article_html.replace("<h1>", "<h1 class=x>"))
    assert result.ok and not result.full
    assert "2012/12/01/a-one/index.html" in result.written
    assert not any(p.startswith("tags/") for p in result.written)
    session.assert_same()
    base_html = (Path(__file__).parent.parent / "themes/default/templates/base.html").read_text()
    result = session.edit("themes/custom/templates/base.html", base_html.replace("<main", "<main data-x"))
    assert "tags/nato/index.html" in result.written
    session.assert_same()
    (templates / "article.html").unlink()
    result = session.rebuilder.rebuild([templates / "article.html"])
    assert "2012/12/01/a-one/index.html" in result.written
    session.assert_same()
    result = session.edit("themes/custom/static/extra.css", ".extra { color: blue; }\n")
    assert result.written == ["static/extra.css"] and result.css_only
    session.assert_same()
    result = session.edit("themes/custom/static/extra.css", None)
    assert result.removed == ["static/extra.css"]
    session.assert_same()


def test_config_change_rebuilds_everything(session: Session):
    toml = (session.site / "site.toml").read_text().replace("Small Archive", "Other Archive")
    result = session.edit("site.toml", toml)
    assert result.full and "index.html" in result.written
    session.assert_same()


def test_errors_keep_the_last_good_build_and_edits_made_meanwhile_are_not_lost(session: Session):
    good = built_tree(session.out)
    four = session.site / ARTICLES / "2013/01/d-four.md"
    four.write_text(four.read_text().replace("Cold.", "Edited while another file was broken."))
    broken = session.site / ARTICLES / "2012/12/c-three.md"
    text = broken.read_text()
    broken.write_text(text.replace("title:", "title: [unclosed", 1))
    result = session.rebuilder.rebuild([four, broken])
    assert not result.ok
    assert [p.path for p in result.errors] == [f"{ARTICLES}/2012/12/c-three.md"]
    assert result.errors[0].line is not None
    assert built_tree(session.out) == good
    broken.write_text(text)
    result = session.rebuilder.rebuild([broken])
    assert result.ok
    assert "2013/01/05/d-four/index.html" in result.written
    session.assert_same()


def test_template_error_is_located_and_nothing_is_written(session: Session):
    good = built_tree(session.out)
    result = session.edit(TEMPLATE, "{% extends 'base.html' %}\n{% block main %")
    assert [(p.path, p.line) for p in result.errors] == [(TEMPLATE, 2)]
    assert built_tree(session.out) == good
    result = session.edit(TEMPLATE, None)
    assert result.ok
    session.assert_same()


def test_without_a_list_of_changes_stat_finds_them(session: Session):
    rel = session.site / ARTICLES / "2013/02/f-six.md"
    rel.write_text(article("Spring Review, Revised", "2013-02-09", "Longer text now."))
    (session.site / ARTICLES / "2012/12/c-three.md").unlink()
    result = session.rebuilder.rebuild(None)
    assert result.ok
    session.assert_same()


@pytest.mark.corpus
def test_real_corpus_sample_edits_match_full_builds(tmp_path: Path):
    need_corpus()
    site = tmp_path / "archive"
    subprocess.run([sys.executable, str(MAKE_ARCHIVE), "--out", str(site), "--n", "150"], check=True)
    session = Session(site, tmp_path)
    files = sorted((site / ARTICLES).rglob("*.md"))
    first, second = files[10], files[60]
    text = first.read_text()
    first.write_text(text.replace("\n---\n", "\n---\n\nA new first paragraph.\n\n", 1))
    assert session.rebuilder.rebuild([first]).ok
    session.assert_same()
    second.write_text(second.read_text().replace("title: ", "title: Retitled ", 1))
    assert session.rebuilder.rebuild([second]).ok
    session.assert_same()
    moved = second.with_name("moved-" + second.name)
    os.replace(second, moved)
    first.unlink()
    assert session.rebuilder.rebuild([second, moved, first]).ok
    session.assert_same()


def _git(site: Path, *args: str, date: str = "2013-03-01T12:00:00+00:00") -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(
        ["git", "-C", str(site), "-c", "user.name=Ed", "-c", "user.email=ed@example.org", *args],
        check=True,
        capture_output=True,
        env=env,
    )


def _archive_in_git(root: Path) -> Path:
    """The small archive, committed on December 1, 2012 (skips without git)."""
    if shutil.which("git") is None:
        pytest.skip("needs git")
    site = small_site(root)
    _git(site, "init", "-q", "-b", "main")
    _git(site, "add", "-A")
    _git(site, "commit", "-q", "-m", "archive", date="2012-12-01T09:00:00+00:00")
    return site


def _save_four(session: Session) -> None:
    """An edit of d-four, saved and rebuilt (not committed)."""
    four = session.site / ARTICLES / "2013/01/d-four.md"
    four.write_text(four.read_text().replace("Cold.", "Colder, and saved."))
    assert session.rebuilder.rebuild([four]).ok


def _commit_four(session: Session) -> None:
    """d-four's edit, saved and rebuilt, then committed (dated March 1, 2013)."""
    _save_four(session)
    _git(session.site, "commit", "-q", "-am", "edit")


def _edit_one(session: Session) -> None:
    """Another article's edit (a-one), saved and rebuilt: the fast path, if nothing else moved."""
    one = session.site / ARTICLES / "2012/12/a-one.md"
    one.write_text(one.read_text().replace("Brussels", "Brussels, briefly"))
    assert session.rebuilder.rebuild([one]).ok


def _assert_four_dated_by_the_commit(session: Session) -> None:
    """d-four shows the update `_git` commits it with (March 1, 2013), as a fresh build does."""
    page = (session.out / "2013/01/05/d-four/index.html").read_text()
    assert "Updated" in page and "March 1, 2013" in page
    session.assert_same()


def test_dates_from_git_history_follow_commits_made_while_serving(tmp_path: Path):
    site = _archive_in_git(tmp_path / "site")
    session = Session(site, tmp_path)
    four = site / ARTICLES / "2013/01/d-four.md"
    four.write_text(four.read_text().replace("Cold.", "Colder, and committed."))
    _git(site, "commit", "-q", "-am", "edit")
    result = session.rebuilder.rebuild([four])
    assert result.ok
    _assert_four_dated_by_the_commit(session)
    four.write_text(four.read_text().replace("Colder", "Colder still"))
    assert session.rebuilder.rebuild([four]).ok
    session.assert_same()


def test_a_commit_dates_every_article_it_touched_though_another_was_edited(tmp_path: Path):
    """A text edit takes the fast path, which patches the edited articles alone into the library;
    new history may date others anew (here the one committed, edited and built before the
    commit), so a rebuild after a commit takes the full path."""
    site = _archive_in_git(tmp_path / "site")
    session = Session(site, tmp_path)
    _save_four(session)
    session.assert_same()
    _git(site, "commit", "-q", "-am", "edit")  # dates d-four's edit (March 1, 2013)
    _edit_one(session)
    _assert_four_dated_by_the_commit(session)


def test_commits_while_serving_show_in_a_linked_work_tree(tmp_path: Path):
    """A work tree made by `git worktree add` has a .git file, its git folder (and the reflog a
    commit writes to) elsewhere: the history is known to have moved by that reflog."""
    main = _archive_in_git(tmp_path / "main")
    site = tmp_path / "linked"
    _git(main, "worktree", "add", "-q", "-b", "desk", str(site))
    session = Session(site, tmp_path)
    _commit_four(session)
    _edit_one(session)
    _assert_four_dated_by_the_commit(session)


def test_a_commit_alone_is_a_change_that_rebuilds(tmp_path: Path):
    """press serve watches the reflog (see watch.py): committing an edit the preview shows
    already dates it, though no source changed."""
    site = _archive_in_git(tmp_path / "site")
    session = Session(site, tmp_path)
    _commit_four(session)
    result = session.rebuilder.rebuild([site / ".git/logs/HEAD"])
    assert result.ok and result.changed == [COMMITTED]
    assert "2013/01/05/d-four/index.html" in result.written
    _assert_four_dated_by_the_commit(session)


def test_a_failed_rebuild_after_a_commit_leaves_the_next_one_to_date_the_committed(tmp_path: Path):
    """The history a rebuild reads before it fails is not the history the served site was built
    with: the next rebuild compares with the served site's dates, not with the last read."""
    site = _archive_in_git(tmp_path / "site")
    session = Session(site, tmp_path)
    one = site / ARTICLES / "2012/12/a-one.md"
    _commit_four(session)
    text = one.read_text()
    one.write_text(text.replace("date: 2012-12-01", "date: 2013-01-05\nslug: d-four"))
    assert not session.rebuilder.rebuild([one]).ok  # it takes d-four's URL
    one.write_text(text.replace("Brussels", "Brussels, briefly"))
    assert session.rebuilder.rebuild([one]).ok
    _assert_four_dated_by_the_commit(session)


def test_a_theme_partial_saved_while_serving_is_rebuilt(session: Session):
    """A theme's partials are named _like_this.html: not hidden, as a content file so named is."""
    source = ROOT / "themes/default/templates/_teasers.html"
    result = session.edit("themes/default/templates/_teasers.html", source.read_text() + "<!-- partial -->\n")
    assert result.ok and "2012/index.html" in result.written, result.written
    session.assert_same()


def test_a_moved_folder_of_articles_is_listed_again(session: Session):
    old, new = session.site / ARTICLES / "2012/12", session.site / ARTICLES / "2011/12"
    new.parent.mkdir(parents=True)
    os.replace(old, new)
    result = session.rebuilder.rebuild([old, new])
    assert result.ok and "2012/12/01/a-one/index.html" not in result.removed  # same dates, same URLs
    session.assert_same()
    (new / "b-two.md").unlink()
    (new / ".b-two.md.swp").write_text("editor scratch")
    result = session.rebuilder.rebuild([new / "b-two.md", new / ".b-two.md.swp"])
    assert "2012/12/03/b-two/index.html" in result.removed
    session.assert_same()


def test_related_lists_computed_off_thread_apply_only_to_the_rebuild_they_were_made_for(session: Session):
    """`press serve` computes the catch-up on a thread of its own: lists made for an older rebuild
    are dropped (an edit came in meanwhile), lists made for the last one give a full build's output."""
    rel = f"{ARTICLES}/2013/01/d-four.md"
    text = (session.site / rel).read_text()
    session.edit(rel, text.replace("Cold.", "Colder."))
    generation, compute = session.rebuilder.related_job()
    stale = compute()
    session.edit(rel, text.replace("Cold.", "Coldest of all."))
    assert session.rebuilder.finish(stale, generation) is None  # made for the edit before
    assert session.rebuilder.related_pending
    generation, compute = session.rebuilder.related_job()
    caught_up = session.rebuilder.finish(compute(), generation)
    assert caught_up is not None and caught_up.ok and caught_up.settled
    assert session.rebuilder.related_job() is None
    session.assert_same()


def test_catching_up_counts_the_words_of_the_edited_text_only(
    session: Session, monkeypatch: pytest.MonkeyPatch
):
    """The related lists' term counts and text scores are kept from one catch-up to the next (as
    a build keeps them in its cache): after an edit only the edited text is tokenised, only the
    pairs whose vectors moved are scored (in this small archive, words one text has move none),
    and the output is a full build's."""
    import generator.related as related_module
    import generator.similarity as similarity

    tokenised: list[int] = []
    tally = similarity._tally_all

    def counted(documents, positions, title_weight):  # type: ignore[no-untyped-def]
        tokenised.append(len(positions))
        return tally(documents, positions, title_weight)

    scored: list[int] = []
    pair_dots = related_module.pair_dots

    def scoring(vectors, i, j, *rest):  # type: ignore[no-untyped-def]
        if rest:  # the texts' pairs (tags' and authors' are scored without saying how to gather)
            scored.append(len(i))
        return pair_dots(vectors, i, j, *rest)

    monkeypatch.setattr(similarity, "_tally_all", counted)
    monkeypatch.setattr(related_module, "pair_dots", scoring)
    assert session.rebuilder.finish() is None  # the first build made its lists: nothing pending
    rel = f"{ARTICLES}/2013/01/d-four.md"
    text = (session.site / rel).read_text()
    for words in ("Quokkas crossed the levee.", "Zanzibarian quokkas."):
        tokenised.clear()
        scored.clear()
        assert session.edit(rel, text + f"\n{words}\n").ok
        caught_up = session.rebuilder.finish()
        assert caught_up is not None and caught_up.ok and caught_up.settled
        assert tokenised == [1]
        assert session.rebuilder.served is not None
        site = session.rebuilder.served.site
        keys = related_module.candidates(site.library, site.bodies, site.config.related).keys
        assert sum(scored) < len(keys)  # with nothing kept, every pair is scored
        session.assert_same()


def test_sitemap_parts_follow_the_archive_while_serving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A sitemap split in parts (past sitemaps.org's limit) gains and loses parts as articles come
    and go; a part the archive no longer needs is removed, as a full build would not write it."""
    from generator import feeds

    site = small_site(tmp_path / "site")
    whole = built_tree(build(site, Options(out_dir=tmp_path / "whole")).out_dir or tmp_path)
    listed = whole["sitemap.xml"].count(b"<url>")
    monkeypatch.setattr(feeds, "SITEMAP_URLS", listed - 1)  # two parts
    session = Session(site, tmp_path)
    assert (session.out / "sitemap-2.xml").is_file()
    result = session.edit(f"{ARTICLES}/2012/12/c-three.md", None)  # its page, day and tag go
    assert result.ok and "sitemap-2.xml" in result.removed
    assert not (session.out / "sitemap-2.xml").exists()
    session.assert_same()
    result = session.edit(
        f"{ARTICLES}/2012/12/c-three.md", article("Syria Talks", "2012-12-03", "Back.", tags=["Syria"])
    )
    assert "sitemap-2.xml" in result.written
    session.assert_same()


def test_a_page_and_a_profile_linking_ahead_follow_the_article_once_it_exists(tmp_path: Path):
    """A broken link in a page or a profile counts by the article it names: when that article
    appears, the page is rendered again (it kept the .md href, as written, for good)."""
    site = small_site(tmp_path / "site")
    (site / "content/pages").mkdir(parents=True, exist_ok=True)
    (site / "content/pages/about.md").write_text(
        "---\ntitle: About\n---\n\n[Soon](../articles/2013/01/later.md).\n"
    )
    (site / "content/authors/ann-lee.md").write_text(
        "---\nname: Ann Lee\n---\n\nSee [her scoop](../articles/2013/01/later.md).\n"
    )
    session = Session(site, tmp_path)
    session.edit(
        f"{ARTICLES}/2013/01/later.md", article("Later Story", "2013-01-10", "Now.", authors=["Ann Lee"])
    )
    assert 'href="/2013/01/10/later/"' in (session.out / "about/index.html").read_text()
    session.assert_same()


def test_a_static_file_landing_on_an_alias_is_refused_while_serving(session: Session):
    four = f"{ARTICLES}/2013/01/d-four.md"
    session.edit(
        four, article("Winter Summit", "2013-01-05", "Cold.", tags=["NATO"], aliases=["/static/extra2.css"])
    )
    session.assert_same()
    result = session.edit("themes/custom/static/extra2.css", ".x { color: red }\n")
    assert not result.ok and "static" in result.errors[0].message, result.problems


def test_an_update_rewritten_in_another_offset_shows_as_written(session: Session):
    """The same instant in another UTC offset compares equal, but feeds print the offset."""
    four = f"{ARTICLES}/2013/01/d-four.md"
    text = article("Winter Summit", "2013-01-05", "Cold.", tags=["NATO"], updated="2013-02-01T12:00:00+00:00")
    session.edit(four, text)
    session.assert_same()
    session.edit(four, text.replace("2013-02-01T12:00:00+00:00", "2013-02-01T15:00:00+03:00"))
    assert "2013-02-01T15:00:00+03:00" in (session.out / "feed.xml").read_text()
    session.assert_same()


def test_a_commit_amended_to_another_offset_dates_the_article_as_written(tmp_path: Path):
    site = _archive_in_git(tmp_path / "site")
    session = Session(site, tmp_path)
    _commit_four(session)
    _edit_one(session)
    session.assert_same()
    same_instant = "2013-03-01T15:00:00+03:00"
    _git(site, "commit", "-q", "--amend", "--no-edit", "--date", same_instant, date=same_instant)
    _edit_one(session)
    session.assert_same()


def test_a_commit_shows_in_a_repository_that_keeps_no_reflog(tmp_path: Path):
    """With core.logAllRefUpdates false there is no reflog to watch: HEAD's commit tells."""
    site = _archive_in_git(tmp_path / "site")
    _git(site, "config", "core.logAllRefUpdates", "false")
    shutil.rmtree(site / ".git/logs", ignore_errors=True)
    session = Session(site, tmp_path)
    _commit_four(session)
    _edit_one(session)
    _assert_four_dated_by_the_commit(session)


def test_a_warnings_line_follows_front_matter_grown_above_the_body(session: Session):
    four = f"{ARTICLES}/2013/01/d-four.md"
    text = article("Winter Summit", "2013-01-05", "See [gone](gone.md).", tags=["NATO"])
    first = session.edit(four, text)
    grown = text.replace("date: 2013-01-05", "date: 2013-01-06\nsection: World\nsource_url: https://x.org/a")
    second = session.edit(four, grown)
    lines = [(p.line, p.message) for p in [*first.problems, *second.problems] if "gone.md" in p.message]
    assert [line for line, _ in lines] == [7, 9], lines
    session.assert_same()
