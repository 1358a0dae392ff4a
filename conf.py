"""Sphinx configuration of the PyMC Foundation website. Logic lives in src/ose; this is settings."""

import os

from ose.blog import POSTS_DIR
from ose.markup import MYST_EXTENSIONS

project = "PyMC Foundation"
author = "PyMC Foundation contributors"
copyright = "2026, PyMC Foundation contributors"

extensions = [
    "myst_nb",
    "ablog",
    "sphinx_design",
    "sphinx_copybutton",
    "sphinx_sitemap",
    "ose.sphinxext.opengraph",  # sphinxext-opengraph, without importing its card renderer
    "notfound.extension",
    "ose.sphinxext.site",
    "ose.sphinxext.sitemap",
    "ose.sphinxext.maths",
    "ose.sphinxext.assets",
    "ose.sphinxext.decisions",
    "ose.sphinxext.governance",
    "ose.sphinxext.teaching",
    "ose.sphinxext.courses",
    "ose.sphinxext.execution",
    "ose.sphinxext.workshops",
    "ose.sphinxext.events",
    "ose.sphinxext.blog",
    "ose.sphinxext.metrics",
]

root_doc = "index"
exclude_patterns = [
    "_build",
    ".*",  # hidden folders at the root: .git, .nox, .venv, .pytest_cache, ...
    "**/.ipynb_checkpoints",
    "src",
    "tests",
    "tools",
    "benchmarks",
    "node_modules",
    "README.md",
    "CONTRIBUTING.md",
    "decisions/template.md",
    "curriculum/data",
]
suppress_warnings = ["mystnb.unknown_mime_type"]

# MyST and notebooks: lessons were pre-executed by `ose build`; Sphinx reads the cache
myst_enable_extensions = MYST_EXTENSIONS
myst_heading_anchors = 3
nb_execution_mode = "cache"
nb_execution_raise_on_error = True
nb_execution_timeout = 600
nb_ipywidgets_js = {}  # never load widget JavaScript from a CDN
nb_merge_streams = True

# site address (canonical links, sitemap, OpenGraph); override for previews
html_baseurl = os.environ.get("OSE_BASE_URL", "https://pymc-foundation.org/")

# theme
html_theme = "pydata_sphinx_theme"
html_title = "PyMC Foundation"
html_static_path = []
html_context = {"default_mode": "auto"}  # the theme logs a console error when unset
html_theme_options = {
    "navbar_align": "left",
    "show_prev_next": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "header_links_before_dropdown": 7,
    "navigation_with_keys": False,
}
html_sidebars = {f"{POSTS_DIR}/**": ["ablog/postcard.html", "ablog/recentposts.html"]}
fontawesome_included = True  # keeps ablog from changing config at run time (full re-reads)

# blog
blog_path = "blog"
blog_post_pattern = f"{POSTS_DIR}/*"  # `ose check` refuses a post anywhere else
blog_title = "PyMC Foundation blog"
blog_baseurl = html_baseurl
blog_feed_fulltext = True
blog_feed_archives = True
post_date_format = "%Y-%m-%d"
post_auto_image = 0

# search engines and social previews
sitemap_url_scheme = "{link}"
ogp_site_url = html_baseurl
ogp_site_name = "PyMC Foundation"
ogp_enable_meta_description = True
ogp_social_cards = {"enable": False}  # no generated images: faster builds, no fonts needed

# curriculum: "Open in Colab" and Binder links point at each lesson's executed notebook as
# published: the site tree is assumed to be the gh-pages branch of this GitHub repository
curriculum_repository = os.environ.get("GITHUB_REPOSITORY", "pymc-devs/pymc-foundation")
curriculum_published_branch = "gh-pages"
curriculum_published_path = os.environ.get("OSE_URL_PREFIX", "/")

# "Get involved": the application forms are issue templates of the same repository
_new_issue = f"https://github.com/{curriculum_repository}/issues/new?template="
myst_substitutions = {
    "mentee_form": f"[mentee application form]({_new_issue}mentee-application.yml)",
    "mentor_form": f"[mentor application form]({_new_issue}mentor-application.yml)",
    "sponsor_form": f"[sponsorship enquiry form]({_new_issue}sponsorship-enquiry.yml)",
    "issues": f"[issue tracker](https://github.com/{curriculum_repository}/issues)",
}

# 404 page: links are absolute from the site root
notfound_urls_prefix = os.environ.get("OSE_URL_PREFIX", "/")
