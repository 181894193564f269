"""Views → bytes: the Jinja environment and the list of every page of the site.

Returns outputs and touches no files. Templates come from the site's theme, falling back
to the default theme template by template; autoescape is on and undefined names are errors,
so a typo in a theme fails the build instead of printing nothing.
"""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Callable, Container, Iterator, MutableMapping
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from markupsafe import Markup, escape

try:  # markupsafe's escaping without the Markup around it (markupsafe 3)
    from markupsafe import _escape_inner as _escape_str
except ImportError:  # pragma: no cover (markupsafe 2: escape is all C, nothing to gain)
    _escape_str = None

from generator import feeds
from generator.cache import Shelf, digest_of, key
from generator.config import setting_line
from generator.errors import Problem, error
from generator.graph import graph_json
from generator.indexes import IndexPage, month_counts
from generator.library import alias_path
from generator.models import Article, Output, Unchanged
from generator.pagememo import PageMemo, site_fingerprint
from generator.themes import DEFAULT_THEME, static_names, theme_dirs
from generator.urls import Urls, output_file
from generator.views import ViewMaker, made, script_json


def theme_problems(site_dir: Path, theme: str) -> list[Problem]:
    if theme in ("", ".", "..") or Path(theme).name != theme or "\\" in theme:
        # Only themes/ is hashed for the last build's record (see lastbuild.py): a theme found
        # elsewhere could change while the next build took the site for unchanged.
        line = setting_line(site_dir, "theme")
        hint = "name a folder in themes/ (link a theme kept elsewhere into themes/)"
        return [error("site.toml", line, "theme", f"{theme!r} is not the name of a folder", hint)]
    if theme != "default" and not (site_dir / "themes" / theme).is_dir():
        available = (
            sorted(p.name for p in (site_dir / "themes").glob("*") if p.is_dir())
            if (site_dir / "themes").is_dir()
            else []
        )
        near = difflib.get_close_matches(theme, available, n=1)
        hint = f"did you mean {near[0]!r}?" if near else f"available: {', '.join(['default', *available])}"
        line = setting_line(site_dir, "theme")
        return [error("site.toml", line, "theme", f"no theme {theme!r} in themes/", hint)]
    return []


_REFERENCES = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)


TEMPLATE_SUFFIXES = (".html", ".xml", ".txt")  # the files of a theme that are templates


def _templates(env: jinja2.Environment) -> list[str]:
    return env.list_templates(filter_func=lambda name: name.endswith(TEMPLATE_SUFFIXES))


def template_problems(
    site_dir: Path, theme: str, bytecode: jinja2.BytecodeCache | None = None
) -> list[Problem]:
    """Every template of the theme compiled, and every template it names found, before rendering:
    so `press check` reports a broken theme with its file and line, not the first page that hits it.

    `bytecode`: where the code compiled here is kept, so the build's environment (see
    compiled_environment) loads it instead of compiling every template a second time."""
    env = environment(site_dir, theme)
    problems = []
    for name in _templates(env):
        source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        try:
            tree = env.parse(source, name, filename)
            code = env.compile(tree, name, filename)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(template_problem(exc, site_dir))
            continue
        if bytecode is not None:
            _keep_code(env, bytecode, name, filename, source, code)
        for node in tree.find_all(_REFERENCES):
            target = node.template
            if not isinstance(target, nodes.Const) or getattr(node, "ignore_missing", False):
                continue
            try:
                env.loader.get_source(env, target.value)  # type: ignore[union-attr]
            except jinja2.TemplateNotFound:
                problems.append(
                    error(
                        _relative(filename, site_dir),
                        node.lineno,
                        None,
                        f"template {target.value!r} not found",
                        f"add it to themes/{theme}/templates/ or remove the reference to it",
                    )
                )
    return problems


def escaped_output(value: Any) -> str:
    """A printed value escaped as markupsafe.escape does; a str stays a str.

    markupsafe.escape wraps its result in a new Markup, a constructor written in Python that
    costs twice the escaping itself: with Jinja escaping every `{{ value }}` of every page, that
    was a tenth of rendering. Printed values are only ever joined into the page (a block or macro
    is wrapped in Markup after the join), where a str and a Markup of the same text are the same
    bytes. So a number is printed as its str (digits, a sign, a point: nothing to escape) and a
    Markup as it is (escape would copy it into a new one): 50,000 of a cold build's prints at
    2,083 articles, 0.45 µs each through escape."""
    kind = type(value)
    if kind is str:
        return _escape_str(value)
    if kind is int or kind is float:
        return str(value)
    if kind is Markup:
        return value
    return escape(value)


class _OutputEscaping(CodeGenerator):
    """Jinja's code generator, printing autoescaped values through `escaped_output`."""

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("environment.escaped_output(")
        if finalize.src is not None:
            self.write(finalize.src)


def _escapes_output_here() -> bool:
    """Whether this Jinja prints values where `_OutputEscaping` expects (else Jinja runs as shipped)."""
    return _escape_str is not None and callable(getattr(CodeGenerator, "_output_child_pre", None))


class ViewEnvironment(jinja2.Environment):
    """Templates read views, plain dicts (see views.py): `article.title` looks the key up first.

    Jinja tries an attribute first and the key after the AttributeError, a sixth of the time of
    rendering an article page. A key that shares a dict method's name ("items") now gives the
    key's value, which is what a template reading a view means. Printed values are escaped by
    `escaped_output`."""

    if _escapes_output_here():
        code_generator_class = _OutputEscaping
        escaped_output = staticmethod(escaped_output)

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """A template's globals as one plain dict, where Jinja chains the template's own over the
        environment's (a ChainMap): every render and include copies them into its context and
        takes their keys, and reading a ChainMap runs Python code for each key (a context took
        6.2 µs to make, 1.9 µs from a dict). The two differ only once the environment's globals
        change after a template is loaded, which Jinja warns against and press never does."""
        return {**self.globals, **(d or {})}

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, dict):  # SharedDict too (pagememo.py)
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def environment(site_dir: Path, theme: str, auto_reload: bool = True) -> jinja2.Environment:
    """`auto_reload=False` for one build: templates don't change under it, and Jinja would
    otherwise stat every template file a page uses, for every page."""
    loaders = [jinja2.FileSystemLoader(str(d / "templates")) for d in theme_dirs(site_dir, theme)]
    env = ViewEnvironment(
        auto_reload=auto_reload,
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def compiled_environment(site_dir: Path, theme: str, shelf: Shelf | None = None) -> jinja2.Environment:
    """One build's environment with every template compiled, made before the render processes
    fork: each inherits the compiled templates rather than compiling them again (0.04 s a
    process). A template that doesn't compile is left to the page that uses it, which reports it
    with its line. With a `shelf`, the compiled code is kept there (see ShelvedBytecode)."""
    env = environment(site_dir, theme, auto_reload=False)
    if shelf is not None:
        env.bytecode_cache = ShelvedBytecode(shelf)
    for name in _templates(env):
        with contextlib.suppress(jinja2.TemplateError):
            env.get_template(name)
    return env


def _keep_code(
    env: jinja2.Environment,
    bytecode: jinja2.BytecodeCache,
    name: str,
    filename: str | None,
    source: str,
    code: Any,
) -> None:
    """Stores a template's code as Jinja's own loader would after compiling it (same bucket, same
    checksum of the source)."""
    bucket = bytecode.get_bucket(env, name, filename, source)
    if bucket.code is None:
        bucket.code = code
        bytecode.set_bucket(bucket)


class ShelvedBytecode(jinja2.BytecodeCache):
    """Compiled templates kept in the build cache: compiling the default theme's took 0.048 s of
    every build that renders anything, loading them 0.012 s. Jinja checks a template's source
    against the checksum stored with its code, and the key holds the generator's fingerprint
    (Jinja's version and this module's code generator among it), so code is only reused for the
    very template and compiler that made it."""

    def __init__(self, shelf: Shelf):
        self.shelf = shelf

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        found = self.shelf.get(_code_key(bucket))
        if isinstance(found, bytes):
            try:
                bucket.bytecode_from_string(found)  # Jinja drops it if its Python or checksum differ
            except Exception:  # noqa: BLE001 (damaged: compiled again, as without a cache)
                bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.shelf.put(_code_key(bucket), bucket.bytecode_to_string())


def _code_key(bucket: jinja2.bccache.Bucket) -> str:
    return key("template code", bucket.key, bucket.checksum)


def template_problem(exc: Exception, site_dir: Path) -> Problem:
    """A template error located in the template file, as people fix templates, not Python."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        name = exc.filename or exc.name or "template"
        return error(
            _relative(name, site_dir),
            exc.lineno,
            None,
            f"template syntax error: {exc.message}",
            "check the {% %} and {{ }} tags around this line",
        )
    if isinstance(exc, jinja2.TemplateNotFound):
        return error(
            "themes",
            None,
            None,
            f"template {exc.name!r} not found",
            "add it to your theme or remove the reference to it",
        )
    line, name = _template_frame(exc)
    return error(
        _relative(name, site_dir) if name else "themes",
        line,
        None,
        f"template error: {type(exc).__name__}: {exc}",
        "check the names this template uses",
    )


class PageFailed(Exception):
    """A page that could not be rendered, its problem located where it happened (in a worker
    process, say, whose traceback doesn't reach the process that reports it)."""

    def __init__(self, problem: Problem):
        super().__init__(problem.format())
        self.problem = problem

    def __reduce__(self) -> tuple[type[PageFailed], tuple[Problem]]:
        return PageFailed, (self.problem,)


def _template_frame(exc: Exception) -> tuple[int | None, str | None]:
    tb = exc.__traceback__
    found: tuple[int | None, str | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(TEMPLATE_SUFFIXES):
            found = (tb.tb_lineno, filename)
        tb = tb.tb_next
    return found


def _relative(name: str, site_dir: Path) -> str:
    path = Path(name)
    for base in (site_dir, DEFAULT_THEME.parent.parent):
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return name


Finish = Callable[[dict[str, Any]], dict[str, Any]]


def _index_context(views: ViewMaker, index: IndexPage, _context: dict[str, Any]) -> dict[str, Any]:
    return {"index": views.index(index)}


def _made_article(context: dict[str, Any]) -> dict[str, Any]:
    return {**context, "article": made(context["article"])}


def _article_context(
    views: ViewMaker, article: Article, prev_id: str | None, next_id: str | None, _context: dict[str, Any]
) -> dict[str, Any]:
    return _made_article({"article": views.article(article, prev_id, next_id)})


def _made_feed(context: dict[str, Any]) -> dict[str, Any]:
    feed = context["feed"]
    return {**context, "feed": {**feed, "entries": [made(entry) for entry in feed["entries"]]}}


class Renderer:
    """Turns the views of one build into outputs, one template call per page."""

    def __init__(self, env: jinja2.Environment, views: ViewMaker, memo: PageMemo | None = None):
        self.env = env
        self.views = views
        self.site = views.site()
        self.memo = memo  # when set, pages whose inputs are unchanged aren't rendered
        # What every page's inputs hold, hashed once: the settings (the time zone, say, shows in
        # how an update's time is given, beyond the dates the inputs hold), the URL settings and
        # the site's fields.
        shared = (views.config, views.urls, self.site)
        self._shared_inputs = site_fingerprint("shared inputs", *shared) or shared
        self._neighbours: dict[str, tuple[str | None, str | None]] | None = None

    def page(
        self,
        template: str,
        url: str,
        kind: str = "page",
        *,
        finish: Finish | None = None,
        inputs: tuple[Any, ...] | None = None,
        **context: Any,
    ) -> Output:
        """One page; `finish` makes the context's Deferred values once the page is to be rendered.

        With `inputs` (everything the context is made from), those are hashed instead of the
        context, and `finish` makes the context only if the page is rendered."""
        path = output_file(url)
        if self.memo is not None:
            known = (
                {**context, "site": self.site} if inputs is None else ("inputs", inputs, self._shared_inputs)
            )
            fingerprint = self.memo.fingerprint(template, url, known)
            if fingerprint is not None:
                if self.memo.unchanged(path, fingerprint):
                    return Unchanged(url=url, path=path, kind=kind)
                self.memo.fresh[path] = fingerprint
        if finish is not None:
            context = finish(context)
        text = self.env.get_template(template).render(site=self.site, page_url=url, **context)
        data = feeds.xml_bytes(text) if template.endswith(".xml") else text.encode("utf-8")
        return Output(url=url, path=path, data=data, kind=kind)

    def articles(
        self, start: int = 0, stop: int | None = None, only: Container[str] | None = None
    ) -> Iterator[Output]:
        """Article pages start..stop, or only those of the ids in `only` (rebuilds while serving)."""
        if self._neighbours is None:
            self._neighbours = self.views.library.neighbours()
        neighbours = self._neighbours
        for article in self.views.library.articles[start:stop]:
            if only is not None and article.id not in only:
                continue
            prev_id, next_id = neighbours[article.id]
            url = self.views.library.url[article.id]
            inputs = None if self.memo is None else self.views.article_inputs(article.id, prev_id, next_id)
            if inputs is None:  # no memo, or something that can't be hashed: the view is fingerprinted
                view = self.views.article(article, prev_id, next_id)
                yield self.page("article.html", url, "article", finish=_made_article, article=view)
                continue
            make = partial(_article_context, self.views, article, prev_id, next_id)
            yield self.page("article.html", url, "article", inputs=inputs, finish=make)

    def indexes(self, pages: list[IndexPage]) -> Iterator[Output]:
        """Index pages; one whose inputs (its articles' teasers' inputs, not the teasers) are
        unchanged isn't even given a view: most of an archive's pages list no edited article."""
        views = self.views
        for index in pages:
            inputs = views.index_inputs(index)
            if inputs is None:  # something that can't be hashed: the view itself is fingerprinted
                yield self.page("list.html", index.url, index.kind, index=views.index(index))
                continue
            made = partial(_index_context, views, index)
            yield self.page("list.html", index.url, index.kind, inputs=inputs, finish=made)

    def overviews(self, home_only: bool = False) -> Iterator[Output]:
        """Home, archive, authors, tags, 404 and pages; only the home page when that is all that changed."""
        views, library = self.views, self.views.library
        latest = [views.teaser(a.id) for a in library.newest_first()[: views.config.home_size]]
        months = month_counts(library)
        archive = views.archive(months)
        canonical = views.urls.absolute(Urls.home())  # full, as every other page's: base_url's host
        yield self.page("home.html", Urls.home(), "home", latest=latest, archive=archive, canonical=canonical)
        if home_only:
            return
        yield self.page("archive.html", Urls.archive(), "archive", archive=archive)
        authors = [
            {
                "name": e.name,
                "url": views.urls.href(Urls.author(e.slug)),
                "count": len(e.article_ids),
                "letter": _initial(e.name),
            }
            for e in library.authors.values()
        ]
        yield self.page("authors.html", Urls.authors(), "authors", authors=authors)
        tags = [
            {"name": e.name, "url": views.urls.href(Urls.tag(e.slug)), "count": len(e.article_ids)}
            for e in library.tags.values()
        ]
        yield self.page("tags.html", Urls.tags(), "tags", tags=tags)
        yield self.page("404.html", Urls.not_found(), "404")
        for page in library.pages:
            body = views.html.get(page.id, "")
            yield self.page(
                "page.html",
                library.page_url[page.id],
                "page",
                page={"title": page.title, "body": Markup(body)},
            )

    def aliases(self, only: Container[str] | None = None) -> Iterator[Output]:
        library = self.views.library
        for article in library.articles:
            if only is not None and article.id not in only:
                continue
            for alias in article.aliases:
                target = library.url[article.id]
                yield self.page(
                    "alias.html",
                    alias_path(alias),
                    "alias",
                    target={
                        "title": article.title,
                        "url": self.views.urls.href(target),
                        "canonical": self.views.urls.absolute(target),
                    },
                )

    def feeds(
        self,
        index_pages: list[IndexPage],
        authors: Container[str] | None = None,
        site_feed: bool = True,
        sitemap: bool = True,
    ) -> Iterator[Output]:
        """The feeds, sitemap and robots.txt; rebuilds while serving may leave out what didn't change."""
        views = self.views
        if site_feed:
            yield self.page("atom.xml", Urls.feed(), "feed", finish=_made_feed, feed=feeds.site_feed(views))
        for slug in views.library.authors:
            if authors is not None and slug not in authors:
                continue
            feed = feeds.author_feed(views, slug)
            yield self.page("atom.xml", Urls.author_feed(slug), "feed", finish=_made_feed, feed=feed)
        if sitemap:
            first_pages = sorted({p.first_url for p in index_pages})
            yield from self._sitemaps(feeds.sitemap(views, first_pages))
        yield self.page("robots.txt", Urls.robots(), "robots", sitemap=views.urls.absolute(Urls.sitemap()))

    def _sitemaps(self, entries: list[dict[str, str | None]]) -> Iterator[Output]:
        """sitemap.xml; past the 50,000 URLs a sitemap file may list, numbered parts and
        sitemap.xml as their index (what robots.txt and search consoles are pointed at)."""
        urls = feeds.sitemap_part_urls(len(entries))  # the rule reserved.py checks sources against
        if not urls:
            yield self.page("sitemap.xml", Urls.sitemap(), "sitemap", entries=entries)
            return
        parts = list(zip(urls, feeds.sitemap_parts(entries), strict=True))
        for url, part in parts:
            yield self.page("sitemap.xml", url, "sitemap", entries=part)
        index = feeds.sitemap_index(self.views, parts)
        yield self.page("sitemap-index.xml", Urls.sitemap(), "sitemap", parts=index)

    def graph(self) -> Iterator[Output]:
        """`/graph.json` and the `/graph/` page that explores it (the same data, inline and inert)."""
        views = self.views
        # Encoded once for both, and a piece at a time (see graph_json).
        data = graph_json(views.library, views.related, views.urls, script_json)
        url = Urls.graph_json()
        yield Output(url, output_file(url), data, "data")
        context = {"script": views.urls.href(Urls.static("graph.js")), "json_url": views.urls.href(url)}
        # Fingerprinted by the data's digest, and rendered round a stand-in that the data then
        # replaces in the page's bytes: at 100,000 articles the data is 120 MB, and as a str
        # through the template and back to bytes it was copied four times over.
        inputs = (digest_of(data), context)
        page = self.page("graph.html", Urls.graph(), "graph", inputs=inputs, graph=_GRAPH_STAND_IN, **context)
        if not isinstance(page, Unchanged):
            page = replace(page, data=_with_graph(page.data, data) or self._graph_page(data, context))
        yield page

    def _graph_page(self, data: bytes, context: dict[str, Any]) -> bytes:
        """The page rendered with the data itself: for a theme whose page shows the stand-in other
        than once, as is (it filters the data, say)."""
        template = self.env.get_template("graph.html")
        text = template.render(site=self.site, page_url=Urls.graph(), graph=Markup(data.decode()), **context)
        return text.encode("utf-8")


_GRAPH_STAND_IN = Markup("\x00press graph data\x00")


def _with_graph(page: bytes, data: bytes) -> bytes | None:
    """The page with the data in place of the stand-in, None unless the stand-in is there once."""
    head, found, tail = page.partition(_GRAPH_STAND_IN.encode())
    if not found or _GRAPH_STAND_IN.encode() in tail:
        return None
    return b"".join((head, data, tail))


def _initial(name: str) -> str:
    first = name.strip()[:1].upper()
    return first if first.isalpha() else "#"


def static_files(site_dir: Path, theme: str) -> Iterator[Output]:
    """Theme assets, the site's theme overriding the default file by file."""
    for rel, file in static_names(site_dir, theme).items():
        url = Urls.static(rel)
        yield Output(url=url, path=output_file(url), data=file.read_bytes(), kind="static")
