import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.graph import drawn_edges, neighbourhood
from tests.conftest import article


@pytest.mark.parametrize("at_once", [1, 4, 500])
def test_the_graph_text_made_piece_by_piece_is_the_json_of_the_whole(tmp_path, monkeypatch, at_once):
    """graph_json writes a few nodes and edges at a time; the text is byte for byte the JSON of
    graph_data, as safe inside a <script> (titles with '<', '&' and non-ASCII included), however
    many go at once (6 nodes and some edges: one piece, a part piece at the end, one each)."""
    from generator import graph
    from generator.build import Options, load
    from generator.graph import graph_data, graph_json
    from generator.views import safe_json, script_json
    from tests.conftest import article, write_site

    files = {
        f"content/articles/2020/03/s{n}.md": article(
            f"Flood <{n}> & levee “river”",
            f"2020-03-0{n + 1}",
            "Flood levee river crest water.",
            tags=["flood"],
        )
        for n in range(6)
    }
    site = load(write_site(tmp_path / "site", files, 'title = "T"\n'), Options(jobs=1, cache=False)).site
    assert site is not None and any(site.related.values())
    monkeypatch.setattr(graph, "_DUMPED_AT_ONCE", at_once)
    whole = safe_json(graph_data(site.library, site.related, site.urls))
    assert graph_json(site.library, site.related, site.urls, script_json) == str(whole).encode()
    assert "\\u003c" in whole and "“" in whole


FLOODS = {
    f"content/articles/2020/03/s{n}.md": article(
        f"Flood <{n}> & levee “river”", f"2020-03-0{n + 1}", "Flood levee river crest water.", tags=["flood"]
    )
    for n in range(6)
}


def test_the_graph_page_holds_the_data_as_its_template_shows_it(make_site, press):
    """The page is rendered round a stand-in that the data's bytes replace (memory, see
    Renderer.graph): it is byte for byte the template rendered with the data itself."""
    from markupsafe import Markup

    from generator.build import Options, load
    from generator.render import Renderer, environment
    from generator.views import ViewMaker

    site_dir = make_site(FLOODS)
    assert press("build", str(site_dir))[0] == 0
    data = (site_dir / "output/graph.json").read_bytes()
    page = (site_dir / "output/graph/index.html").read_bytes()
    assert page.count(data) == 1 and b"\x00" not in page
    site = load(site_dir, Options(jobs=1, cache=False)).site
    assert site is not None
    views = ViewMaker(
        site.config, site.urls, site.library, site.bodies.html, site.bodies.summaries, site.related
    )
    env = environment(site_dir, site.config.theme)
    context = {"script": "/static/graph.js", "json_url": "/graph.json"}
    text = env.get_template("graph.html").render(
        site=Renderer(env, views).site, page_url="/graph/", graph=Markup(data.decode()), **context
    )
    assert page == text.encode()


def test_a_theme_that_shows_the_data_twice_gets_it_twice(make_site, press):
    files = {
        **FLOODS,
        "themes/mine/templates/graph.html": "<script>{{ graph }}</script><pre>{{ graph }}</pre>\n",
    }
    site_dir = make_site(files, 'title = "T"\ntheme = "mine"\n')
    assert press("build", str(site_dir))[0] == 0
    data = (site_dir / "output/graph.json").read_bytes()
    page = (site_dir / "output/graph/index.html").read_bytes()
    assert page == b"<script>" + data + b"</script><pre>" + data + b"</pre>\n"


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=2, max_value=30), st.integers(min_value=0, max_value=12), st.randoms())
def test_a_drawing_of_its_drawn_edges_is_the_drawing_of_all_edges(count, most, rng):
    """An article page's fingerprint holds only the edges its drawing shows (drawn_edges): drawn
    from those, it must be the drawing of the whole related lists, whatever the lists."""
    ids = [f"a{n}" for n in range(count)]
    edges = {}
    for aid in ids:
        others = rng.sample([o for o in ids if o != aid], min(rng.randint(0, most), count - 1))
        edges[aid] = [(o, round(rng.random(), 3)) for o in others]
    cards = {aid: (f"Title {aid}", "2012-12-03", f"/{aid}/") for aid in ids}
    for aid in ids:
        if not edges[aid]:
            continue
        drawn = drawn_edges(aid, edges.__getitem__)
        shown = {aid, *(o for listed in drawn.values() for o, _ in listed)}
        assert neighbourhood(aid, drawn, {a: cards[a] for a in shown}) == neighbourhood(aid, edges, cards)
        assert all(len(listed) <= 2 for other, listed in drawn.items() if other != aid)
        outer = [o for other, listed in drawn.items() if other != aid for o, _ in listed]
        assert len(outer) == len(set(outer)) and not set(outer) & {aid, *(o for o, _ in edges[aid])}
