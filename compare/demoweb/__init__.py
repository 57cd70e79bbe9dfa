"""The demo web: the seed corpus served as a small web of synthetic outlets on 127.0.0.x.

``newscompare demo`` and the tests of later stages run on it, with no internet::

    from compare.demoweb import DemoWeb, load_corpus

    with DemoWeb() as web:                       # one server per outlet, free ports
        web.outlets                              # [ServedOutlet(outlet_id, base_url, ...)]
        web.write_sources(tmp / "sources.yaml")  # a sources file pointing at itself
        web.set_version(2)                       # the edited article changes

``python -m compare.demoweb serve`` starts it for a person to browse. Only the standard library,
PyYAML and Jinja2 are used (Jinja2 lazily, when a page is rendered).
"""

from __future__ import annotations

from compare.demoweb.corpus import Corpus, DemoArticle, DemoOutlet, default_seeds_dir, load_corpus
from compare.demoweb.server import DemoWeb, ServedOutlet
from compare.demoweb.sources_file import sources_document

__all__ = [
    "Corpus",
    "DemoArticle",
    "DemoOutlet",
    "DemoWeb",
    "ServedOutlet",
    "default_seeds_dir",
    "load_corpus",
    "sources_document",
]
