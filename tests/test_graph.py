def test_the_graph_text_made_piece_by_piece_is_the_json_of_the_whole(tmp_path):
    """graph_json writes a node and an edge at a time; the text is byte for byte the JSON of
    graph_data, as safe inside a <script> (titles with '<', '&' and non-ASCII included)."""
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
    whole = safe_json(graph_data(site.library, site.related, site.urls))
    assert graph_json(site.library, site.related, site.urls, script_json) == str(whole)
    assert "\\u003c" in whole and "“" in whole
