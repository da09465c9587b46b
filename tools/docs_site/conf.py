# Sphinx configuration of the genomics.aws docs site (make docs: tools/build_docs.py; in tools/, so it is not part
# of the built collection). Started from `antsibull-docs sphinx-init --use-current`; intersphinx is left out so the
# site builds offline.

project = "genomics.aws"
copyright = "Contributors to the genomics.aws project"
title = "genomics.aws collection documentation"
html_short_title = "genomics.aws"

extensions = ["sphinx_antsibull_ext"]

pygments_style = "ansible"
highlight_language = "YAML+Jinja"

html_theme = "sphinx_ansible_theme"
html_show_sphinx = False
display_version = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False

default_role = "any"
# References into other collections' docs (ansible.builtin, amazon.aws) cannot resolve without intersphinx.
nitpicky = False
# Labels of docs.ansible.com (common_return_values, amazon.aws modules) are unknown offline: they render as plain
# text. Any other warning still fails the build (-W).
suppress_warnings = ["ref.ref"]
