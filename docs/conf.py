"""Sphinx configuration of the skmdn documentation.

Build with ``make docs`` (warnings are errors). Environment switches:

``SKMDN_DOCS_GALLERY``
    ``full`` (default) runs every example and captures its figures;
    ``off`` renders the gallery pages without running the examples (a fast
    check of the prose, the API pages and the cross-references).
``SKMDN_DOCS_JOBS``
    Number of examples run at once (default 1).
"""

import os
import sys
import tempfile
import zlib
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

GALLERY_MODE = os.environ.get("SKMDN_DOCS_GALLERY", "full")
GALLERY_JOBS = int(os.environ.get("SKMDN_DOCS_JOBS", "1"))
if GALLERY_JOBS > 1:
    # Examples run side by side: one thread each, set before torch is imported.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import skmdn  # noqa: E402

project = "skmdn"
author = "the skmdn developers"
copyright = "2026, the skmdn developers"
release = skmdn.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip"]
html_theme = "pydata_sphinx_theme"
html_static_path = ["_static"]
html_title = f"skmdn {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}

# -- API pages ---------------------------------------------------------------
autosummary_generate = True
autosummary_ignore_module_all = False
autodoc_default_options = {"members": True}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# -- intersphinx -------------------------------------------------------------
# The build must pass with -W offline as well as online. Sphinx warns only
# when every location of an inventory fails, so each project falls back to an
# empty inventory written here: offline, the links to these projects are then
# left as plain text instead of failing the build.
_EMPTY_INVENTORY = Path(tempfile.gettempdir()) / "skmdn-docs-empty-objects.inv"
_EMPTY_INVENTORY.write_bytes(
    b"# Sphinx inventory version 2\n# Project: none\n# Version: 0\n"
    b"# The remainder of this file is compressed using zlib.\n" + zlib.compress(b"")
)
_fallback = (None, str(_EMPTY_INVENTORY))
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", _fallback),
    "numpy": ("https://numpy.org/doc/stable", _fallback),
    "sklearn": ("https://scikit-learn.org/stable", _fallback),
    "skorch": ("https://skorch.readthedocs.io/en/stable", _fallback),
    "torch": ("https://docs.pytorch.org/docs/stable", _fallback),
    "matplotlib": ("https://matplotlib.org/stable", _fallback),
}
intersphinx_timeout = 10

# -- gallery -----------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": str(DOCS / "auto_examples"),
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "plot_gallery": GALLERY_MODE != "off",
    "abort_on_example_error": True,
    "download_all_examples": False,
    "remove_config_comments": True,
    "reference_url": {"skmdn": None},
    "doc_module": ("skmdn",),
    "backreferences_dir": str(DOCS / "generated" / "backreferences"),
    "parallel": GALLERY_JOBS,
}


def _skip_metadata_requests(app, what, name, obj, skip, options):
    """Leave scikit-learn's generated ``set_*_request`` methods out of the API pages."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_requests)
