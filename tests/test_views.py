import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from generator.views import display_date, display_time, safe_json


def test_safe_json_cannot_close_a_script_block():
    text = safe_json({"headline": "</script><script>alert(1)</script> & <!--"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"headline": "</script><script>alert(1)</script> & <!--"}


def test_display_date_has_no_leading_zero():
    assert display_date(datetime(2012, 12, 3)) == "December 3, 2012"


@pytest.mark.parametrize("month", range(1, 13))
def test_display_date_names_every_month_in_english(month):
    """Named from a table, not strftime's locale-dependent %B (Python starts in the C locale)."""
    when = datetime(2012, month, 3)
    assert display_date(when) == f"{when:%B} 3, 2012"


@pytest.mark.parametrize(
    ("when", "shown"),
    [
        (datetime(2012, 12, 3, 0, 5, tzinfo=ZoneInfo("America/New_York")), "12:05 a.m. EST"),
        (datetime(2012, 7, 3, 12, 0, tzinfo=ZoneInfo("America/New_York")), "12:00 p.m. EDT"),
        (datetime(2012, 7, 3, 23, 59, tzinfo=timezone(timedelta(hours=2))), "11:59 p.m. UTC+02:00"),
        (datetime(2012, 7, 3, 9, 7), "9:07 a.m."),  # no zone: nothing after the time
    ],
)
def test_display_time_is_twelve_hour_with_the_zone(when, shown):
    assert display_time(when) == shown


def test_templates_read_a_views_keys_first_and_anything_else_as_jinja_does():
    import jinja2

    from generator.pagememo import shared
    from generator.render import ViewEnvironment

    env = ViewEnvironment(undefined=jinja2.StrictUndefined)
    page = env.from_string("{{ v.title }} {{ v.items }} {{ s.title }} {{ d.year }} {{ v.get('title') }}")
    views = {"v": {"title": "T", "items": 3}, "s": shared({"title": "S"}), "d": datetime(2012, 12, 3)}
    assert page.render(**views) == "T 3 S 2012 T"
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ v.missing }}").render(v={})


def test_the_neighbourhood_drawing_is_fingerprinted_with_scores_as_shown(make_site):
    """Scores to three places, as the related list shows them: a change in the sixth place (an
    edit elsewhere moved a term weight) must not make the page look changed."""
    from generator.build import Options, load
    from generator.views import ViewMaker
    from tests.test_related import FILES, FLOOD_ID

    site = load(make_site(FILES), Options(cache=False)).site
    assert site is not None

    def drawing_inputs(related):
        views = ViewMaker(
            site.config, site.urls, site.library, site.bodies.html, site.bodies.summaries, related
        )
        return views._neighbourhood(FLOOD_ID).inputs

    def shifted(by: float):
        return {aid: [(o, round(s, 3) + by, r) for o, s, r in edges] for aid, edges in site.related.items()}

    assert site.related[FLOOD_ID]
    assert drawing_inputs(shifted(0.0001)) == drawing_inputs(shifted(0.0002))  # the same to 3 places
    assert drawing_inputs(shifted(0.0001)) != drawing_inputs(shifted(0.0101))


def test_drawing_escapes_each_node_once_and_never_a_title_already_marked_safe():
    """Node labels are escaped once per article (cached): a title written "Q&amp;A" and the same
    characters marked safe are equal strings, and must not share one cached label."""
    from markupsafe import Markup

    from generator.views import drawing

    def hood(title):
        node = {"x": 1.0, "y": 2.0, "hop": 0, "title": title, "date": "May 1, 2020", "url": "/a?x=1&y=2"}
        return {"size": 10, "edges": [], "nodes": [node]}

    written = drawing(hood("Q&amp;A <live>"))
    safe = drawing(hood(Markup("Q&amp;A <live>")))
    assert 'aria-label="Q&amp;amp;A &lt;live&gt; (May 1, 2020)"' in written
    assert 'aria-label="Q&amp;A <live> (May 1, 2020)"' in safe
    assert drawing(hood("Q&amp;A <live>")) == written
    assert 'href="/a?x=1&amp;y=2"' in written


def test_a_builds_environment_has_every_template_compiled_and_skips_a_broken_one(tmp_path):
    """Compiled before the render processes fork, so they inherit the templates; a template that
    doesn't compile is left to the page that uses it (which reports it with its line)."""
    from generator.render import TEMPLATE_SUFFIXES, compiled_environment
    from tests.conftest import ROOT

    theme = tmp_path / "themes/mine/templates"
    theme.mkdir(parents=True)
    (theme / "broken.html").write_text("{% if %}\n")
    env = compiled_environment(tmp_path, "mine")
    listed = {n for n in env.list_templates() if n.endswith(TEMPLATE_SUFFIXES)}
    default = {p.name for p in (ROOT / "themes/default/templates").iterdir()}
    assert default <= listed and "broken.html" in listed
    cached = {name for (_loader, name) in env.cache}  # type: ignore[union-attr]
    assert cached == listed - {"broken.html"}


ESCAPING = (
    "{{ s }}|{{ m }}|{{ n }}|{{ f }}|{{ yes }}|{{ none }}|{{ obj }}|"
    "{{ s ~ m }}|{{ s | upper }}|{{ s | safe }}|{{ m | e }}"
    "{% set block %}<b>{{ s }}</b>{% endset %}|{{ block }}"
    "{% macro teaser(t) %}<i>{{ t }}</i>{% endmacro %}|{{ teaser(s) }}|{{ teaser(m) }}"
    "{% autoescape false %}|{{ s }}{% endautoescape %}"
    "{% for x in [s, m, n] %}|{{ x }}{% endfor %}|{{ missing | default(s) }}"
)


class _Html:
    def __html__(self) -> str:
        return "<em>own html</em>"


def test_printed_values_are_escaped_exactly_as_jinja_escapes_them():
    """A printed str is escaped without a Markup made around it (see render.escaped_output); the
    page must be Jinja's own, for every kind of value and wherever a value is printed."""
    import jinja2
    from markupsafe import Markup

    from generator.render import ViewEnvironment

    values = {
        "s": "Q&A: <script>\"x\" 'y'</script>",
        "m": Markup("<strong>R&amp;D</strong>"),
        "n": 7,
        "f": -2.5,
        "yes": True,
        "none": None,
        "obj": _Html(),
    }
    ours = ViewEnvironment(autoescape=True).from_string(ESCAPING).render(**values)
    jinjas = jinja2.Environment(autoescape=True).from_string(ESCAPING).render(**values)
    assert ours == jinjas
    assert "Q&amp;A: &lt;script&gt;&#34;x&#34; &#39;y&#39;&lt;/script&gt;" in ours
    assert "<b>Q&amp;A" in ours and "&lt;b&gt;" not in ours  # a block is not escaped twice


def test_printed_values_go_through_escaped_output_where_autoescaping():
    import jinja2

    from generator.render import ViewEnvironment

    env = ViewEnvironment(autoescape=jinja2.select_autoescape(["html", "xml"]))
    assert "environment.escaped_output(" in env.compile("{{ s }}", name="page.html", raw=True)
    assert "escaped_output" not in env.compile("{{ s }}", name="robots.txt", raw=True)


def test_a_kept_memo_is_emptied_when_full(monkeypatch):
    from generator import views

    monkeypatch.setattr(views, "KEPT", 2)
    kept = views.Kept()
    kept["a"], kept["b"] = 1, 2
    kept["a"] = 3  # already there: no new entry, but full all the same
    assert kept == {"a": 3}
    kept["c"] = 4
    assert kept == {"a": 3, "c": 4}


def _flood_stories(count: int = 24) -> dict[str, str]:
    """Stories of one month sharing tags, authors and words: every kind of index page lists
    several, and each has related ones."""
    from tests.conftest import article

    return {
        f"content/articles/2020/03/s{n}.md": article(
            f"Flood {n}",
            f"2020-03-{n % 9 + 1:02d}",
            "Flood levee river crest water.",
            tags=["flood", f"t{n % 3}"],
            authors=[f"writer-{n % 4}"],
        )
        for n in range(count)
    }


def test_pages_are_the_same_when_the_views_memos_are_emptied_as_they_go(make_site, monkeypatch, tmp_path):
    """Each render process keeps a bounded memo of the views it made (memory, see views.Kept):
    made again after it is emptied, every page comes out the same."""
    from generator import views
    from generator.build import Options, build

    site = make_site(_flood_stories())
    assert build(site, Options(jobs=1, cache=False, out_dir=tmp_path / "whole")).ok
    monkeypatch.setattr(views, "KEPT", 3)
    assert build(site, Options(jobs=1, cache=False, out_dir=tmp_path / "emptied")).ok
    whole = {
        p.relative_to(tmp_path / "whole"): p.read_bytes()
        for p in (tmp_path / "whole").rglob("*")
        if p.is_file()
    }
    emptied = {
        p.relative_to(tmp_path / "emptied"): p.read_bytes()
        for p in (tmp_path / "emptied").rglob("*")
        if p.is_file()
    }
    assert len(whole) > 50 and emptied == whole


def test_each_articles_prints_are_made_once_however_often_the_view_memos_are_emptied(make_site, monkeypatch):
    """An article is listed on its year, month, day, author and tag pages: its teaser print
    (and its related print, on the pages of the articles it is related to) is made once per
    process, not again in each kind's pass once the bounded view memos are emptied."""
    from collections import Counter

    from generator import pagememo, views
    from generator.build import Options, build

    site = make_site(_flood_stories())
    made: Counter[tuple[str, object]] = Counter()
    digest = pagememo.input_digest

    def counted(salt: str, *parts: object) -> bytes | None:
        made[salt, parts[0]] += 1
        return digest(salt, *parts)

    monkeypatch.setattr(views, "input_digest", counted)
    monkeypatch.setattr(views, "KEPT", 3)
    assert build(site, Options(jobs=1, cache=False)).ok
    teasers = [n for (salt, _), n in made.items() if salt == "teaser"]
    related = [n for (salt, _), n in made.items() if salt == "related"]
    assert len(teasers) == 24 and set(teasers) == {1}
    assert related and set(related) == {1}
