"""mlinfra: describe an ML inference platform on AWS in one typed YAML file, get reviewable Terraform.

The public API is small and imported lazily so that ``mlinfra --help`` stays fast:

- :func:`mlinfra.pipeline.load_config` reads and validates a config file (``warnings=`` a list to receive
  :class:`mlinfra.errors.ConfigWarning` for values read in a forgiving way);
- :func:`mlinfra.pipeline.render_project` turns a config into ``{path: text}``;
- :func:`mlinfra.write.write_tree` / :func:`mlinfra.write.diff_tree` put that on disk atomically.
"""

__version__ = "0.1.0"
